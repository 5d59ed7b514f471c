#include "wharf/version/version_set.hpp"

#include <algorithm>

namespace wharf::version {
namespace {

using Kind = VersionSet::BoundKind;
using Interval = VersionSet::Interval;

Kind flip(Kind kind) {
  return kind == Kind::Inclusive ? Kind::Exclusive : Kind::Inclusive;
}

// <0 when lower bound (ak, a) starts before (bk, b).
int compare_lows(Kind ak, const Version& a, Kind bk, const Version& b) {
  if (ak == Kind::Unbounded || bk == Kind::Unbounded) {
    if (ak == bk) return 0;
    return ak == Kind::Unbounded ? -1 : 1;
  }
  auto c = a <=> b;
  if (c != 0) return c < 0 ? -1 : 1;
  if (ak == bk) return 0;
  return ak == Kind::Inclusive ? -1 : 1;
}

// <0 when upper bound (ak, a) ends before (bk, b).
int compare_highs(Kind ak, const Version& a, Kind bk, const Version& b) {
  if (ak == Kind::Unbounded || bk == Kind::Unbounded) {
    if (ak == bk) return 0;
    return ak == Kind::Unbounded ? 1 : -1;
  }
  auto c = a <=> b;
  if (c != 0) return c < 0 ? -1 : 1;
  if (ak == bk) return 0;
  return ak == Kind::Exclusive ? -1 : 1;
}

// True when nothing lies both below-or-at upper bound (hk, h) and
// above-or-at lower bound (lk, l): an interval ending at h lies entirely
// before one starting at l.
bool ends_before(Kind hk, const Version& h, Kind lk, const Version& l) {
  if (hk == Kind::Unbounded || lk == Kind::Unbounded) return false;
  auto c = h <=> l;
  if (c != 0) return c < 0;
  return !(hk == Kind::Inclusive && lk == Kind::Inclusive);
}

// True when an interval ending at (hk, h) and one starting at (lk, l) leave
// a gap, so that their union is not a single interval.
bool leaves_gap(Kind hk, const Version& h, Kind lk, const Version& l) {
  if (hk == Kind::Unbounded || lk == Kind::Unbounded) return false;
  auto c = h <=> l;
  if (c != 0) return c < 0;
  return hk == Kind::Exclusive && lk == Kind::Exclusive;
}

bool is_nonempty(Kind lk, const Version& l, Kind hk, const Version& h) {
  if (lk == Kind::Unbounded || hk == Kind::Unbounded) return true;
  auto c = l <=> h;
  if (c != 0) return c < 0;
  return lk == Kind::Inclusive && hk == Kind::Inclusive;
}

bool overlaps(const Interval& a, const Interval& b) {
  return !ends_before(a.high_kind, a.high, b.low_kind, b.low) &&
         !ends_before(b.high_kind, b.high, a.low_kind, a.low);
}

Interval make_interval(Kind lk, const Version& l, Kind hk, const Version& h) {
  Interval interval;
  interval.low_kind = lk;
  interval.high_kind = hk;
  if (lk != Kind::Unbounded) interval.low = l;
  if (hk != Kind::Unbounded) interval.high = h;
  return interval;
}

const Version& zero() {
  static const Version v;
  return v;
}

}  // namespace

VersionSet::VersionSet() = default;

VersionSet VersionSet::none() {
  return VersionSet();
}

VersionSet VersionSet::any() {
  VersionSet set;
  set.m_intervals.emplace_back();
  return set;
}

VersionSet VersionSet::exactly(const Version& v) {
  VersionSet set;
  set.m_intervals.push_back(make_interval(Kind::Inclusive, v, Kind::Inclusive, v));
  return set;
}

VersionSet VersionSet::at_least(const Version& v) {
  VersionSet set;
  set.m_intervals.push_back(make_interval(Kind::Inclusive, v, Kind::Unbounded, zero()));
  return set;
}

VersionSet VersionSet::greater_than(const Version& v) {
  VersionSet set;
  set.m_intervals.push_back(make_interval(Kind::Exclusive, v, Kind::Unbounded, zero()));
  return set;
}

VersionSet VersionSet::at_most(const Version& v) {
  VersionSet set;
  set.m_intervals.push_back(make_interval(Kind::Unbounded, zero(), Kind::Inclusive, v));
  return set;
}

VersionSet VersionSet::less_than(const Version& v) {
  VersionSet set;
  set.m_intervals.push_back(make_interval(Kind::Unbounded, zero(), Kind::Exclusive, v));
  return set;
}

VersionSet VersionSet::between(const Version& low_inclusive, const Version& high_exclusive) {
  VersionSet set;
  if (low_inclusive < high_exclusive) {
    set.m_intervals.push_back(
        make_interval(Kind::Inclusive, low_inclusive, Kind::Exclusive, high_exclusive));
  }
  return set;
}

bool VersionSet::is_empty() const {
  return m_intervals.empty();
}

bool VersionSet::is_any() const {
  return m_intervals.size() == 1 && m_intervals[0].low_kind == Kind::Unbounded &&
         m_intervals[0].high_kind == Kind::Unbounded;
}

bool VersionSet::contains(const Version& v) const {
  // The first interval whose upper bound is not below v.
  auto it = std::partition_point(m_intervals.begin(), m_intervals.end(), [&](const Interval& i) {
    return ends_before(i.high_kind, i.high, Kind::Inclusive, v);
  });
  if (it == m_intervals.end()) return false;
  return !ends_before(Kind::Inclusive, v, it->low_kind, it->low);
}

VersionSet VersionSet::intersect(const VersionSet& other) const {
  if (is_any()) return other;
  if (other.is_any()) return *this;
  VersionSet result;
  const Intervals& a = m_intervals;
  const Intervals& b = other.m_intervals;
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() && j < b.size()) {
    const Interval& x = a[i];
    const Interval& y = b[j];
    bool x_low_first = compare_lows(x.low_kind, x.low, y.low_kind, y.low) <= 0;
    Kind lk = x_low_first ? y.low_kind : x.low_kind;
    const Version& l = x_low_first ? y.low : x.low;
    int high_order = compare_highs(x.high_kind, x.high, y.high_kind, y.high);
    Kind hk = high_order <= 0 ? x.high_kind : y.high_kind;
    const Version& h = high_order <= 0 ? x.high : y.high;
    if (is_nonempty(lk, l, hk, h)) result.m_intervals.push_back(make_interval(lk, l, hk, h));
    if (high_order <= 0) ++i;
    if (high_order >= 0) ++j;
  }
  return result;
}

VersionSet VersionSet::unite(const VersionSet& other) const {
  if (other.m_intervals.empty() || is_any()) return *this;
  if (m_intervals.empty() || other.is_any()) return other;
  VersionSet result;
  const Intervals& a = m_intervals;
  const Intervals& b = other.m_intervals;
  result.m_intervals.reserve(a.size() + b.size());
  std::size_t i = 0;
  std::size_t j = 0;
  auto next = [&]() -> const Interval& {
    if (j >= b.size() ||
        (i < a.size() && compare_lows(a[i].low_kind, a[i].low, b[j].low_kind, b[j].low) <= 0)) {
      return a[i++];
    }
    return b[j++];
  };
  Interval current = next();
  while (i < a.size() || j < b.size()) {
    const Interval& n = next();
    if (leaves_gap(current.high_kind, current.high, n.low_kind, n.low)) {
      result.m_intervals.push_back(std::move(current));
      current = n;
    } else if (compare_highs(n.high_kind, n.high, current.high_kind, current.high) > 0) {
      current.high_kind = n.high_kind;
      current.high = n.high;
    }
  }
  result.m_intervals.push_back(std::move(current));
  return result;
}

VersionSet VersionSet::complement() const {
  VersionSet result;
  if (m_intervals.empty()) return any();
  result.m_intervals.reserve(m_intervals.size() + 1);
  Kind prev_kind = Kind::Unbounded;
  const Version* prev = &zero();
  for (const Interval& interval : m_intervals) {
    if (interval.low_kind != Kind::Unbounded) {
      result.m_intervals.push_back(
          make_interval(prev_kind, *prev, flip(interval.low_kind), interval.low));
    }
    if (interval.high_kind == Kind::Unbounded) return result;
    prev_kind = flip(interval.high_kind);
    prev = &interval.high;
  }
  result.m_intervals.push_back(make_interval(prev_kind, *prev, Kind::Unbounded, zero()));
  return result;
}

VersionSet VersionSet::difference(const VersionSet& other) const {
  if (m_intervals.empty() || other.m_intervals.empty()) return *this;
  return intersect(other.complement());
}

bool VersionSet::is_subset_of(const VersionSet& other) const {
  if (m_intervals.empty() || other.is_any()) return true;
  const Intervals& b = other.m_intervals;
  std::size_t j = 0;
  for (const Interval& x : m_intervals) {
    while (j < b.size() && ends_before(b[j].high_kind, b[j].high, x.low_kind, x.low)) ++j;
    if (j == b.size()) return false;
    // Intervals of `other` never touch, so x must fit inside b[j] alone.
    if (compare_lows(b[j].low_kind, b[j].low, x.low_kind, x.low) > 0) return false;
    if (compare_highs(x.high_kind, x.high, b[j].high_kind, b[j].high) > 0) return false;
  }
  return true;
}

bool VersionSet::is_disjoint_from(const VersionSet& other) const {
  if (m_intervals.empty() || other.m_intervals.empty()) return true;
  if (is_any() || other.is_any()) return false;
  const Intervals& a = m_intervals;
  const Intervals& b = other.m_intervals;
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() && j < b.size()) {
    if (overlaps(a[i], b[j])) return false;
    if (compare_highs(a[i].high_kind, a[i].high, b[j].high_kind, b[j].high) <= 0) {
      ++i;
    } else {
      ++j;
    }
  }
  return true;
}

VersionSet::Relation VersionSet::relation_to(const VersionSet& other) const {
  if (m_intervals.empty()) return Relation::Empty;
  if (other.m_intervals.empty()) return Relation::Disjoint;
  if (other.is_any()) return Relation::Subset;
  if (is_any()) return Relation::Overlapping;
  const Intervals& b = other.m_intervals;
  bool subset = true;
  bool disjoint = true;
  std::size_t j = 0;
  for (const Interval& x : m_intervals) {
    // The first interval of `other` that does not end before x starts; a
    // later one starts later still, so only this one can overlap x, and
    // (intervals never touch) x must lie inside it to be covered.
    while (j < b.size() && ends_before(b[j].high_kind, b[j].high, x.low_kind, x.low)) ++j;
    if (j == b.size()) {
      subset = false;
      break;
    }
    if (!ends_before(x.high_kind, x.high, b[j].low_kind, b[j].low)) disjoint = false;
    if (subset && (compare_lows(b[j].low_kind, b[j].low, x.low_kind, x.low) > 0 ||
                   compare_highs(x.high_kind, x.high, b[j].high_kind, b[j].high) > 0))
      subset = false;
    if (!subset && !disjoint) return Relation::Overlapping;
  }
  if (subset) return Relation::Subset;
  return disjoint ? Relation::Disjoint : Relation::Overlapping;
}

std::optional<Version> VersionSet::as_single() const {
  if (m_intervals.size() != 1) return std::nullopt;
  const Interval& i = m_intervals[0];
  if (i.low_kind == Kind::Inclusive && i.high_kind == Kind::Inclusive && i.low == i.high) {
    return i.low;
  }
  return std::nullopt;
}

std::string VersionSet::to_string() const {
  if (m_intervals.empty()) return "<none>";
  std::string text;
  for (const Interval& i : m_intervals) {
    if (!text.empty()) text += " || ";
    if (i.low_kind == Kind::Unbounded && i.high_kind == Kind::Unbounded) {
      text += '*';
      continue;
    }
    if (i.low_kind == Kind::Inclusive && i.high_kind == Kind::Inclusive && i.low == i.high) {
      text += i.low.to_string();
      continue;
    }
    if (i.low_kind != Kind::Unbounded) {
      text += i.low_kind == Kind::Inclusive ? ">=" : ">";
      text += i.low.to_string();
    }
    if (i.high_kind != Kind::Unbounded) {
      if (i.low_kind != Kind::Unbounded) text += ", ";
      text += i.high_kind == Kind::Inclusive ? "<=" : "<";
      text += i.high.to_string();
    }
  }
  return text;
}

bool operator==(const VersionSet& a, const VersionSet& b) {
  return a.m_intervals == b.m_intervals;
}

}  // namespace wharf::version
