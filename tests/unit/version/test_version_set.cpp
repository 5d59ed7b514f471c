#include <catch2/catch.hpp>
#include <functional>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "wharf/version/constraint.hpp"
#include "wharf/version/version_set.hpp"

using wharf::version::Constraint;
using wharf::version::Version;
using wharf::version::VersionSet;
using Kind = wharf::version::VersionSet::BoundKind;

namespace {

Version v(const std::string& text) {
  auto parsed = Version::parse(text);
  INFO("parsing " << text);
  REQUIRE(parsed.has_value());
  return *parsed;
}

VersionSet set_of(const std::string& text) {
  auto parsed = Constraint::parse(text);
  INFO("parsing " << text);
  REQUIRE(parsed.has_value());
  return parsed->set();
}

// The representation invariants: every interval non-empty, sorted, and
// separated from the next by a gap.
bool is_canonical(const VersionSet& set) {
  const auto& list = set.intervals();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& x = list[i];
    if (x.low_kind != Kind::Unbounded && x.high_kind != Kind::Unbounded) {
      if (x.high < x.low) return false;
      if (x.low == x.high && !(x.low_kind == Kind::Inclusive && x.high_kind == Kind::Inclusive))
        return false;
    }
    if (i + 1 < list.size()) {
      const auto& y = list[i + 1];
      if (x.high_kind == Kind::Unbounded || y.low_kind == Kind::Unbounded) return false;
      if (y.low < x.high) return false;
      if (y.low == x.high && !(x.high_kind == Kind::Exclusive && y.low_kind == Kind::Exclusive))
        return false;
    }
  }
  return true;
}

}  // namespace

TEST_CASE("VersionSet basic constructors", "[version]") {
  CHECK(VersionSet().is_empty());
  CHECK(VersionSet::none().is_empty());
  CHECK_FALSE(VersionSet::none().contains(v("1")));
  CHECK(VersionSet::any().is_any());
  CHECK(VersionSet::any().contains(v("0")));
  CHECK(VersionSet::any().contains(v("0.0.0-0")));
  CHECK(VersionSet::exactly(v("1.2")).contains(v("1.2.0")));
  CHECK_FALSE(VersionSet::exactly(v("1.2")).contains(v("1.2.0.1")));
  CHECK(VersionSet::at_least(v("1.2")).contains(v("1.2")));
  CHECK_FALSE(VersionSet::greater_than(v("1.2")).contains(v("1.2")));
  CHECK(VersionSet::greater_than(v("1.2")).contains(v("1.2.0.0.1")));
  CHECK(VersionSet::at_most(v("1.2")).contains(v("1.2")));
  CHECK_FALSE(VersionSet::less_than(v("1.2")).contains(v("1.2")));
  CHECK(VersionSet::less_than(v("1.2")).contains(v("1.2.0-rc.1")));
  CHECK(VersionSet::between(v("1"), v("2")).contains(v("1")));
  CHECK_FALSE(VersionSet::between(v("1"), v("2")).contains(v("2")));
  CHECK(VersionSet::between(v("2"), v("1")).is_empty());
  CHECK(VersionSet::between(v("2"), v("2.0")).is_empty());
}

TEST_CASE("VersionSet to_string forms", "[version]") {
  CHECK(VersionSet::any().to_string() == "*");
  CHECK(VersionSet::none().to_string() == "<none>");
  CHECK(VersionSet::exactly(v("1.2.0")).to_string() == "1.2.0");
  CHECK(VersionSet::between(v("1.2.0"), v("2.0.0")).to_string() == ">=1.2.0, <2.0.0");
  CHECK(VersionSet::less_than(v("1")).unite(VersionSet::at_least(v("2"))).to_string() ==
        "<1 || >=2");
  CHECK(VersionSet::greater_than(v("1")).intersect(VersionSet::at_most(v("2"))).to_string() ==
        ">1, <=2");
}

TEST_CASE("VersionSet merges touching intervals", "[version]") {
  VersionSet a = VersionSet::between(v("1"), v("2"));
  VersionSet b = VersionSet::between(v("2"), v("3"));
  VersionSet joined = a.unite(b);
  CHECK(joined == VersionSet::between(v("1"), v("3")));
  CHECK(joined.intervals().size() == 1);
  // (..,2) ∪ {2} ∪ (2,..) is everything.
  VersionSet all = VersionSet::less_than(v("2"))
                       .unite(VersionSet::greater_than(v("2")))
                       .unite(VersionSet::exactly(v("2.0")));
  CHECK(all.is_any());
  // (..,2) ∪ (2,..) keeps the hole.
  VersionSet holed = VersionSet::less_than(v("2")).unite(VersionSet::greater_than(v("2")));
  CHECK(holed.intervals().size() == 2);
  CHECK_FALSE(holed.contains(v("2")));
  CHECK(holed == VersionSet::exactly(v("2")).complement());
  // Equal versions written differently are the same bound.
  CHECK(VersionSet::between(v("1"), v("2")) == VersionSet::between(v("1.0.0"), v("2.0")));
}

TEST_CASE("VersionSet as_single", "[version]") {
  CHECK(VersionSet::exactly(v("1.2")).as_single() == v("1.2"));
  CHECK(VersionSet::at_least(v("1.2")).intersect(VersionSet::at_most(v("1.2.0"))).as_single() ==
        v("1.2"));
  CHECK_FALSE(VersionSet::between(v("1"), v("2")).as_single().has_value());
  CHECK_FALSE(VersionSet::none().as_single().has_value());
  CHECK_FALSE(
      VersionSet::exactly(v("1")).unite(VersionSet::exactly(v("2"))).as_single().has_value());
}

TEST_CASE("VersionSet keeps many intervals correct", "[version]") {
  // Exclude every odd minor: a set with many intervals, beyond inline storage.
  VersionSet set = VersionSet::between(v("1"), v("2"));
  for (int minor = 1; minor < 20; minor += 2) {
    set = set.difference(VersionSet::exactly(v("1." + std::to_string(minor))));
  }
  CHECK(set.intervals().size() == 11);
  CHECK(is_canonical(set));
  CHECK(set.contains(v("1.2")));
  CHECK_FALSE(set.contains(v("1.3")));
  CHECK(set.contains(v("1.3.1")));
  CHECK_FALSE(set.contains(v("1.19")));
  CHECK(set.contains(v("1.20")));
  VersionSet copy = set;
  CHECK(copy == set);
  VersionSet moved = std::move(copy);
  CHECK(moved == set);
  CHECK(set.complement().complement() == set);
  CHECK(set.unite(set.complement()).is_any());
}

// ---------------------------------------------------------------------------
// Randomized properties against a brute-force membership model.

namespace {

struct PoolEntry {
  const char* text;
  const char* caret_upper;  // exclusive upper bound of ^text, written by hand
  const char* tilde_upper;  // exclusive upper bound of ~text
};

const std::vector<PoolEntry>& pool() {
  static const std::vector<PoolEntry> entries = {
      {"0", "1", "1"},
      {"0.0.3", "0.0.4", "0.1.0"},
      {"0.2.3", "0.3.0", "0.3.0"},
      {"1", "2", "2"},
      {"1.2", "2.0", "1.3"},
      {"1.2.3", "2.0.0", "1.3.0"},
      {"1.2.3-rc.1", "2.0.0", "1.3.0"},
      {"1.2.3+build.7", "2.0.0", "1.3.0"},
      {"2.0.0-alpha", "3.0.0", "2.1.0"},
      {"2", "3", "3"},
      {"2.1.0.5", "3.0.0.0", "2.2.0.0"},
      {"10", "11", "11"},
  };
  return entries;
}

struct Wildcard {
  const char* text;
  const char* low;
  const char* high;
};

const std::vector<Wildcard>& wildcards() {
  static const std::vector<Wildcard> entries = {
      {"0.*", "0", "1"}, {"1.*", "1", "2"}, {"1.2.*", "1.2", "1.3"}, {"2.0.*", "2.0", "2.1"}};
  return entries;
}

// Every bound that can appear and versions just below and just above each.
std::vector<Version> dense_sample() {
  std::vector<std::string> texts = {"0-0", "0.0.0.1", "1.5", "1.2.3-zzz", "1.2.3-rc.0", "100"};
  auto add_around = [&](const std::string& t) {
    texts.push_back(t);
    Version x = v(t);
    if (x.is_prerelease()) {
      texts.push_back(t + ".0");  // just above a pre-release
    } else {
      std::string release = x.without_prerelease().to_string();
      texts.push_back(release + "-0");      // just below the release
      texts.push_back(release + ".0.0.1");  // just above it
      texts.push_back(release + "-alpha");  // a typical pre-release of it
    }
  };
  for (const auto& e : pool()) {
    add_around(e.text);
    add_around(e.caret_upper);
    add_around(e.tilde_upper);
  }
  for (const auto& w : wildcards()) {
    add_around(w.low);
    add_around(w.high);
  }
  std::vector<Version> sample;
  for (const auto& t : texts) sample.push_back(v(t));
  return sample;
}

struct Model {
  std::string text;
  std::function<bool(const Version&)> contains;
};

Model random_term(std::mt19937& rng) {
  auto pick = [&](std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
  };
  std::size_t kind = pick(13);
  if (kind == 11) {
    const auto& w = wildcards()[pick(wildcards().size())];
    Version lo = v(w.low), hi = v(w.high);
    return {w.text, [lo, hi](const Version& s) { return lo <= s && s < hi; }};
  }
  if (kind == 12) return {"*", [](const Version&) { return true; }};
  const auto& e = pool()[pick(pool().size())];
  Version p = v(e.text);
  std::string t = e.text;
  switch (kind) {
    case 0:
      return {t, [p](const Version& s) { return s == p; }};
    case 1:
      return {"=" + t, [p](const Version& s) { return s == p; }};
    case 2:
      return {"== " + t, [p](const Version& s) { return s == p; }};
    case 3:
      return {"!=" + t, [p](const Version& s) { return s != p; }};
    case 4:
      return {">" + t, [p](const Version& s) { return s > p; }};
    case 5:
      return {">= " + t, [p](const Version& s) { return s >= p; }};
    case 6:
      return {"<" + t, [p](const Version& s) { return s < p; }};
    case 7:
      return {"<=" + t, [p](const Version& s) { return s <= p; }};
    case 8: {
      Version hi = v(e.caret_upper);
      return {"^" + t, [p, hi](const Version& s) { return p <= s && s < hi; }};
    }
    default: {
      Version hi = v(e.tilde_upper);
      return {"~" + t, [p, hi](const Version& s) { return p <= s && s < hi; }};
    }
  }
}

// 1-3 alternatives of 1-3 terms each.
Model random_constraint(std::mt19937& rng) {
  auto count = [&] { return std::uniform_int_distribution<int>(1, 3)(rng); };
  std::vector<Model> alternatives;
  int n_or = count();
  for (int i = 0; i < n_or; ++i) {
    std::vector<Model> terms;
    int n_and = count();
    for (int j = 0; j < n_and; ++j) terms.push_back(random_term(rng));
    std::string text;
    for (const auto& term : terms) text += (text.empty() ? "" : ", ") + term.text;
    alternatives.push_back({text, [terms](const Version& s) {
                              for (const auto& term : terms)
                                if (!term.contains(s)) return false;
                              return true;
                            }});
  }
  std::string text;
  for (const auto& alt : alternatives) text += (text.empty() ? "" : " || ") + alt.text;
  return {text, [alternatives](const Version& s) {
            for (const auto& alt : alternatives)
              if (alt.contains(s)) return true;
            return false;
          }};
}

struct Sampled {
  std::string text;
  VersionSet set;
  std::vector<bool> member;  // the model's answer for each sample version
};

Sampled random_set(std::mt19937& rng, const std::vector<Version>& sample) {
  Model model = random_constraint(rng);
  Sampled s{model.text, set_of(model.text), {}};
  for (const auto& x : sample) s.member.push_back(model.contains(x));
  if (std::uniform_int_distribution<int>(0, 3)(rng) == 0) {  // sometimes complemented
    s.text = "not(" + s.text + ")";
    s.set = s.set.complement();
    for (std::size_t i = 0; i < s.member.size(); ++i) s.member[i] = !s.member[i];
  }
  return s;
}

}  // namespace

TEST_CASE("VersionSet randomized properties agree with a brute-force model", "[version]") {
  const std::vector<Version> sample = dense_sample();
  std::mt19937 rng(20260518);
  const int rounds = 3000;
  for (int round = 0; round < rounds; ++round) {
    const Sampled a = random_set(rng, sample);
    const Sampled b = random_set(rng, sample);
    INFO("round " << round << ": A = " << a.text << "  B = " << b.text);
    INFO("A as set = " << a.set.to_string() << "  B as set = " << b.set.to_string());

    const VersionSet both = a.set.intersect(b.set);
    const VersionSet either = a.set.unite(b.set);
    const VersionSet not_a = a.set.complement();
    const VersionSet not_b = b.set.complement();
    const VersionSet a_minus_b = a.set.difference(b.set);
    for (const VersionSet* s : {&a.set, &b.set, &both, &either, &not_a, &a_minus_b}) {
      REQUIRE(is_canonical(*s));
    }

    bool subset = true;
    bool disjoint = true;
    for (std::size_t i = 0; i < sample.size(); ++i) {
      const Version& x = sample[i];
      INFO("version " << x.to_string());
      // Construction from constraint text matches the model.
      REQUIRE(a.set.contains(x) == a.member[i]);
      REQUIRE(b.set.contains(x) == b.member[i]);
      // Operations, pointwise.
      REQUIRE(both.contains(x) == (a.member[i] && b.member[i]));
      REQUIRE(either.contains(x) == (a.member[i] || b.member[i]));
      REQUIRE(not_a.contains(x) == !a.member[i]);
      REQUIRE(a_minus_b.contains(x) == (a.member[i] && !b.member[i]));
      // contains agrees with intersection against exactly(x).
      REQUIRE(a.set.contains(x) == !a.set.intersect(VersionSet::exactly(x)).is_empty());
      if (a.member[i] && !b.member[i]) subset = false;
      if (a.member[i] && b.member[i]) disjoint = false;
    }

    // Predicates agree with the model (the sample has a witness for every gap).
    REQUIRE(a.set.is_subset_of(b.set) == subset);
    REQUIRE(a.set.is_disjoint_from(b.set) == disjoint);
    // relation_to answers both at once.
    for (const auto& [x, y, sub, dis] :
         {std::tuple{&a.set, &b.set, subset, disjoint},
          std::tuple{&a.set, &not_a, a.set.is_empty(), true},
          std::tuple{&both, &a.set, true, both.is_empty()},
          std::tuple{&a.set, &either, true, a.set.is_empty()},
          std::tuple{&a_minus_b, &b.set, a_minus_b.is_empty(), true}}) {
      using R = VersionSet::Relation;
      R expected = x->is_empty() ? R::Empty : sub ? R::Subset : dis ? R::Disjoint : R::Overlapping;
      REQUIRE(x->relation_to(*y) == expected);
    }

    // Algebraic identities, as structural equality of the canonical form.
    REQUIRE(not_a.complement() == a.set);
    REQUIRE(a.set.intersect(not_a).is_empty());
    REQUIRE(a.set.unite(not_a).is_any());
    REQUIRE(either.complement() == not_a.intersect(not_b));  // De Morgan
    REQUIRE(both.complement() == not_a.unite(not_b));        // De Morgan
    REQUIRE(a_minus_b == a.set.intersect(not_b));
    REQUIRE(both == b.set.intersect(a.set));
    REQUIRE(either == b.set.unite(a.set));
    REQUIRE(a.set.is_subset_of(b.set) == (both == a.set));
    REQUIRE(a.set.is_subset_of(either));
    REQUIRE(both.is_subset_of(a.set));
    REQUIRE(a.set.is_disjoint_from(b.set) == both.is_empty());
    REQUIRE(a.set.is_disjoint_from(b.set) == b.set.is_disjoint_from(a.set));
    REQUIRE(a_minus_b.is_disjoint_from(b.set));
    REQUIRE(a.set.is_subset_of(a.set));
    REQUIRE(VersionSet::none().is_subset_of(a.set));
    REQUIRE(a.set.is_subset_of(VersionSet::any()));
    REQUIRE(a.set.intersect(VersionSet::any()) == a.set);
    REQUIRE(a.set.unite(VersionSet::none()) == a.set);
    REQUIRE(a.set.is_empty() == (a.set == VersionSet::none()));
    REQUIRE(a.set.is_any() == (a.set == VersionSet::any()));

    // to_string round-trips through Constraint::parse.
    for (const VersionSet* s : {&a.set, &both, &either, &not_a, &a_minus_b}) {
      if (s->is_empty()) {
        REQUIRE(s->to_string() == "<none>");
        continue;
      }
      auto reparsed = Constraint::parse(s->to_string());
      INFO("text " << s->to_string());
      REQUIRE(reparsed.has_value());
      REQUIRE(reparsed->set() == *s);
    }
  }
}
