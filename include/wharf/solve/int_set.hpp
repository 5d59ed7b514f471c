// IntervalSet: a cheap set of integer versions for the generic solver.
//
// Versions are std::uint64_t values in [0, 2^64 - 1); the set is a sorted
// list of disjoint, non-touching half-open intervals [low, high), where high
// == kUnbounded means "no upper bound". The representation is canonical, so
// == is structural. It models pubgrub::VersionSetOver<IntervalSet,
// std::uint64_t> and exists for benchmarks (pubgrub-rs style integer
// registries) and for exhaustive randomized tests of the solver core.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace wharf::solve {

class IntervalSet {
 public:
  using Version = std::uint64_t;
  static constexpr Version kUnbounded = std::numeric_limits<Version>::max();

  IntervalSet() = default;  // empty
  static IntervalSet none() { return {}; }
  static IntervalSet any() { return IntervalSet({{0, kUnbounded}}); }
  static IntervalSet exactly(Version v) { return IntervalSet({{v, v + 1}}); }
  static IntervalSet at_least(Version v) { return IntervalSet({{v, kUnbounded}}); }
  static IntervalSet greater_than(Version v) { return at_least(v + 1); }
  static IntervalSet less_than(Version v) { return v == 0 ? none() : IntervalSet({{0, v}}); }
  static IntervalSet at_most(Version v) { return less_than(v + 1); }
  static IntervalSet between(Version low, Version high) {
    return high <= low ? none() : IntervalSet({{low, high}});
  }

  bool is_empty() const { return m_intervals.empty(); }
  bool is_any() const {
    return m_intervals.size() == 1 && m_intervals[0].first == 0 &&
           m_intervals[0].second == kUnbounded;
  }
  bool contains(Version v) const {
    auto it = std::upper_bound(m_intervals.begin(), m_intervals.end(), v,
                               [](Version x, const Interval& i) { return x < i.first; });
    if (it == m_intervals.begin()) return false;
    --it;
    return v < it->second;
  }

  IntervalSet complement() const {
    IntervalSet out;
    Version start = 0;
    for (const auto& [low, high] : m_intervals) {
      if (low > start) out.m_intervals.emplace_back(start, low);
      start = high;
    }
    if (start != kUnbounded) out.m_intervals.emplace_back(start, kUnbounded);
    return out;
  }

  IntervalSet intersect(const IntervalSet& other) const {
    IntervalSet out;
    std::size_t i = 0, j = 0;
    const auto& a = m_intervals;
    const auto& b = other.m_intervals;
    while (i < a.size() && j < b.size()) {
      Version low = std::max(a[i].first, b[j].first);
      Version high = std::min(a[i].second, b[j].second);
      if (low < high) out.m_intervals.emplace_back(low, high);
      if (a[i].second < b[j].second)
        ++i;
      else
        ++j;
    }
    return out;
  }

  IntervalSet unite(const IntervalSet& other) const {
    std::vector<Interval> all;
    all.reserve(m_intervals.size() + other.m_intervals.size());
    std::merge(m_intervals.begin(), m_intervals.end(), other.m_intervals.begin(),
               other.m_intervals.end(), std::back_inserter(all));
    IntervalSet out;
    for (const auto& i : all) {
      if (!out.m_intervals.empty() && i.first <= out.m_intervals.back().second)
        out.m_intervals.back().second = std::max(out.m_intervals.back().second, i.second);
      else
        out.m_intervals.push_back(i);
    }
    return out;
  }

  IntervalSet difference(const IntervalSet& other) const { return intersect(other.complement()); }

  bool is_subset_of(const IntervalSet& other) const {
    std::size_t j = 0;
    const auto& b = other.m_intervals;
    for (const auto& [low, high] : m_intervals) {
      while (j < b.size() && b[j].second <= low) ++j;
      if (j == b.size() || b[j].first > low || b[j].second < high) return false;
    }
    return true;
  }

  bool is_disjoint_from(const IntervalSet& other) const {
    std::size_t i = 0, j = 0;
    const auto& a = m_intervals;
    const auto& b = other.m_intervals;
    while (i < a.size() && j < b.size()) {
      if (std::max(a[i].first, b[j].first) < std::min(a[i].second, b[j].second)) return false;
      if (a[i].second < b[j].second)
        ++i;
      else
        ++j;
    }
    return true;
  }

  // is_subset_of and is_disjoint_from in one sweep, as VersionSet::relation_to.
  enum class Relation : std::uint8_t { Empty, Subset, Disjoint, Overlapping };
  Relation relation_to(const IntervalSet& other) const {
    if (m_intervals.empty()) return Relation::Empty;
    const auto& b = other.m_intervals;
    bool subset = true, disjoint = true;
    std::size_t j = 0;
    for (const auto& [low, high] : m_intervals) {
      while (j < b.size() && b[j].second <= low) ++j;
      if (j == b.size()) {
        subset = false;
        break;
      }
      if (b[j].first < high) disjoint = false;
      if (b[j].first > low || b[j].second < high) subset = false;
      if (!subset && !disjoint) return Relation::Overlapping;
    }
    if (subset) return Relation::Subset;
    return disjoint ? Relation::Disjoint : Relation::Overlapping;
  }

  // "*", "3" (single), ">=1, <4", "<2 || >=5", "<none>".
  std::string to_string() const {
    if (m_intervals.empty()) return "<none>";
    if (is_any()) return "*";
    std::string out;
    for (const auto& [low, high] : m_intervals) {
      if (!out.empty()) out += " || ";
      if (high != kUnbounded && high == low + 1) {
        out += std::to_string(low);
      } else if (low == 0) {
        out += "<" + std::to_string(high);
      } else if (high == kUnbounded) {
        out += ">=" + std::to_string(low);
      } else {
        out += ">=" + std::to_string(low) + ", <" + std::to_string(high);
      }
    }
    return out;
  }

  friend bool operator==(const IntervalSet&, const IntervalSet&) = default;

 private:
  using Interval = std::pair<Version, Version>;
  explicit IntervalSet(std::vector<Interval> intervals) : m_intervals(std::move(intervals)) {}
  std::vector<Interval> m_intervals;
};

}  // namespace wharf::solve
