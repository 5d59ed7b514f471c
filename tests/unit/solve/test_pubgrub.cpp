// The generic PubGrub core over integer versions: IntervalSet algebra, and
// thousands of random universes checked against an exhaustive search.
#include <catch2/catch.hpp>
#include <random>
#include <set>
#include <sstream>

#include "support/solve/int_universe.hpp"
#include "wharf/solve/int_set.hpp"
#include "wharf/solve/pubgrub.hpp"

using namespace wharf;
using namespace wharf::solve;
using wharf::solve::testing::IntDep;
using wharf::solve::testing::IntSelection;
using wharf::solve::testing::IntSource;
using wharf::solve::testing::IntUniverse;

static_assert(pubgrub::VersionSetOver<IntervalSet, std::uint64_t>);

namespace {

using IntOutcome = pubgrub::Outcome<std::uint64_t>;

IntOutcome run(const IntUniverse& u, pubgrub::Order order = pubgrub::Order::HighestFirst,
               IntSource::Neighbours neighbours = IntSource::Neighbours::Scan) {
  IntSource source(u, order, neighbours);
  auto r = pubgrub::solve<IntervalSet, std::uint64_t>(source, u.root, 0);
  REQUIRE(r.has_value());
  return *r;
}

// Parses IntervalSet::to_string() back: "*", "<none>", "3", "<4", ">=2", ">=2, <5", joined by " ||
// ".
IntervalSet parse_set(const std::string& text) {
  if (text == "*") return IntervalSet::any();
  IntervalSet out;
  if (text == "<none>") return out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(" || ", start);
    std::string part =
        text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    IntervalSet piece;
    if (part.rfind(">=", 0) == 0) {
      std::size_t comma = part.find(", <");
      std::uint64_t low = std::stoull(part.substr(2, comma - 2));
      piece = comma == std::string::npos
                  ? IntervalSet::at_least(low)
                  : IntervalSet::between(low, std::stoull(part.substr(comma + 3)));
    } else if (part.rfind("<", 0) == 0) {
      piece = IntervalSet::less_than(std::stoull(part.substr(1)));
    } else {
      piece = IntervalSet::exactly(std::stoull(part));
    }
    out = out.unite(piece);
    if (end == std::string::npos) break;
    start = end + 4;
  }
  return out;
}

// Every external fact in the derivation tree must be true of the universe.
void check_explanation(const IntUniverse& u, const Unsolvable& failure) {
  REQUIRE(!failure.nodes.empty());
  CHECK(failure.root_node == failure.nodes.size() - 1);
  CHECK(failure.explanation.ends_with("version solving failed."));
  for (std::size_t i = 0; i < failure.nodes.size(); ++i) {
    const DerivationNode& n = failure.nodes[i];
    INFO(failure.explanation << "\nnode " << i << ": " << n.sentence);
    switch (n.kind) {
      case DerivationNode::Kind::Derived:
        CHECK(n.cause1 < i);
        CHECK(n.cause2 < i);
        break;
      case DerivationNode::Kind::Root:
        CHECK(n.package == u.root);
        break;
      case DerivationNode::Kind::NoVersions: {
        IntervalSet set = parse_set(n.versions);
        auto it = u.packages.find(n.package);
        if (it != u.packages.end())
          for (const auto& [v, deps] : it->second) CHECK_FALSE(set.contains(v));
        break;
      }
      case DerivationNode::Kind::Dependency: {
        auto has = [&](const std::vector<IntDep>& deps) {
          for (const auto& d : deps)
            if (d.name == n.dependency && d.set.to_string() == n.constraint) return true;
          return false;
        };
        if (n.package == u.root) {
          CHECK(has(u.root_deps));
          break;
        }
        IntervalSet set = parse_set(n.versions);
        std::size_t covered = 0;
        for (const auto& [v, deps] : u.packages.at(n.package)) {
          if (!set.contains(v)) continue;
          ++covered;
          CHECK(has(deps));
        }
        CHECK(covered > 0);
        break;
      }
    }
  }
}

void check_solution(const IntUniverse& u, const pubgrub::Solution<std::uint64_t>& s) {
  IntSelection selection;
  for (const auto& p : s.packages) selection[p.name] = p.version;
  CHECK(testing::satisfies(u, selection));
  // Every selected package is reachable from the root through the recorded dependencies.
  std::set<std::string> reached;
  std::vector<std::string> todo(s.root_dependencies.begin(), s.root_dependencies.end());
  while (!todo.empty()) {
    std::string name = todo.back();
    todo.pop_back();
    if (!reached.insert(name).second) continue;
    for (const auto& p : s.packages)
      if (p.name == name) todo.insert(todo.end(), p.dependencies.begin(), p.dependencies.end());
  }
  for (const auto& p : s.packages) CHECK(reached.contains(p.name));
}

std::string dump(const IntUniverse& u) {
  std::ostringstream out;
  out << "root:";
  for (const auto& d : u.root_deps) out << " " << d.name << " " << d.set.to_string() << ";";
  for (const auto& [name, versions] : u.packages) {
    out << "\n" << name << ":";
    for (const auto& [v, deps] : versions) {
      out << " [" << v << ":";
      for (const auto& d : deps) out << " " << d.name << " " << d.set.to_string() << ";";
      out << "]";
    }
  }
  return out.str();
}

}  // namespace

TEST_CASE("IntervalSet algebra", "[solve]") {
  using S = IntervalSet;
  S a = S::between(2, 5).unite(S::at_least(8));
  CHECK(a.to_string() == ">=2, <5 || >=8");
  CHECK(a.contains(2));
  CHECK(a.contains(4));
  CHECK_FALSE(a.contains(5));
  CHECK(a.contains(100));
  CHECK(a.complement().to_string() == "<2 || >=5, <8");
  CHECK(a.complement().complement() == a);
  CHECK(a.intersect(a.complement()).is_empty());
  CHECK(a.unite(a.complement()).is_any());
  CHECK(S::exactly(3).to_string() == "3");
  CHECK(S::exactly(3).is_subset_of(a));
  CHECK_FALSE(S::exactly(5).is_subset_of(a));
  CHECK(S::exactly(5).is_disjoint_from(a));
  CHECK(S::between(4, 9).intersect(a).to_string() == "4 || 8");
  CHECK(S::between(3, 9).intersect(a).to_string() == ">=3, <5 || 8");
  CHECK(S::between(1, 3).unite(S::between(3, 4)) == S::between(1, 4));
  CHECK(S::less_than(0).is_empty());
  CHECK(S::none().is_subset_of(a));
  CHECK(S::none().to_string() == "<none>");
  // Exhaustive check of the predicates against membership on small sets.
  std::mt19937 rng(7);
  auto random_set = [&] {
    S s;
    for (int i = 0; i < 3; ++i) {
      int lo = std::uniform_int_distribution<int>(0, 9)(rng);
      s = s.unite(S::between(lo, lo + std::uniform_int_distribution<int>(0, 3)(rng)));
    }
    if (rng() % 4 == 0) s = s.unite(S::at_least(12));
    return s;
  };
  for (int round = 0; round < 500; ++round) {
    S x = random_set(), y = random_set();
    bool subset = true, disjoint = true;
    for (std::uint64_t v = 0; v < 16; ++v) {
      CHECK(x.intersect(y).contains(v) == (x.contains(v) && y.contains(v)));
      CHECK(x.unite(y).contains(v) == (x.contains(v) || y.contains(v)));
      CHECK(x.complement().contains(v) == !x.contains(v));
      if (x.contains(v) && !y.contains(v)) subset = false;
      if (x.contains(v) && y.contains(v)) disjoint = false;
    }
    CHECK(x.is_subset_of(y) == subset);
    CHECK(x.is_disjoint_from(y) == disjoint);
    using R = S::Relation;
    CHECK(x.relation_to(y) == (x.is_empty() ? R::Empty
                               : subset     ? R::Subset
                               : disjoint   ? R::Disjoint
                                            : R::Overlapping));
    CHECK(parse_set(x.to_string()) == x);
  }
}

TEST_CASE("random universes: solutions are valid, failures agree with brute force", "[solve]") {
  std::size_t solved = 0, failed = 0;
  for (std::uint32_t seed = 1; seed <= 3000; ++seed) {
    std::mt19937 rng(seed);
    IntUniverse u = testing::random_universe(rng);
    std::optional<IntSelection> exists = testing::brute_force(u);
    for (int mode = 0; mode < 3; ++mode) {
      auto order = mode == 1 ? pubgrub::Order::LowestFirst : pubgrub::Order::HighestFirst;
      auto neighbours = mode == 2 ? IntSource::Neighbours::Skip : IntSource::Neighbours::Scan;
      IntOutcome outcome = run(u, order, neighbours);
      INFO("seed " << seed << "\n" << dump(u));
      if (auto* s = std::get_if<pubgrub::Solution<std::uint64_t>>(&outcome)) {
        ++solved;
        check_solution(u, *s);
        CHECK(exists.has_value());
      } else {
        ++failed;
        CHECK_FALSE(exists.has_value());
        check_explanation(u, std::get<Unsolvable>(outcome));
      }
    }
  }
  // The generator must exercise both outcomes.
  CHECK(solved > 1500);
  CHECK(failed > 1500);
}

TEST_CASE("the core is deterministic and prefers the highest or lowest versions", "[solve]") {
  IntUniverse u;
  u.root_deps = {{"a", IntervalSet::any()}};
  u.packages["a"] = {{1, {{"b", IntervalSet::at_least(2)}}},
                     {2, {{"b", IntervalSet::at_least(2)}}}};
  u.packages["b"] = {{1, {}}, {2, {}}, {3, {}}};
  auto versions = [](const IntOutcome& o) {
    std::string out;
    for (const auto& p : std::get<pubgrub::Solution<std::uint64_t>>(o).packages)
      out += p.name + "=" + std::to_string(p.version) + " ";
    return out;
  };
  CHECK(versions(run(u)) == "a=2 b=3 ");
  CHECK(versions(run(u, pubgrub::Order::LowestFirst)) == "a=1 b=2 ");
  for (int i = 0; i < 3; ++i) CHECK(versions(run(u)) == "a=2 b=3 ");
}

TEST_CASE("a long chain of conflicts backjumps instead of trying every combination", "[solve]") {
  // p_i depends on p_{i+1} at any version; the last package only exists at a
  // version nobody asks for. Each p_i has many versions: a naive backtracker
  // would try them all, PubGrub learns "every version of p_i is forbidden".
  IntUniverse u;
  const int chain = 30, versions = 50;
  u.root_deps = {{"p0", IntervalSet::any()}};
  for (int i = 0; i < chain; ++i) {
    auto& p = u.packages["p" + std::to_string(i)];
    for (int v = 0; v < versions; ++v)
      p[v] = {{"p" + std::to_string(i + 1),
               i + 1 == chain ? IntervalSet::at_least(100) : IntervalSet::any()}};
  }
  u.packages["p" + std::to_string(chain)] = {{1, {}}};
  IntSource source(u);
  pubgrub::Solver<IntervalSet, std::uint64_t> solver(source, u.root, 0);
  auto r = solver.solve();
  REQUIRE(r.has_value());
  REQUIRE(std::holds_alternative<Unsolvable>(*r));
  check_explanation(u, std::get<Unsolvable>(*r));
  // Identical neighbours share one incompatibility, so the conflict is traced
  // back to the root in one pass after the first descent.
  CHECK(solver.stats().decisions <= chain + 1);
}

// A layered universe with planted traps, like bench/solve/gen_universe.py's
// shallow `bt` universes: packages on 4 levels, each required in every
// version by a parent one level up; a pinner caps a shared hub below its
// newest versions while traps higher up need the hub's newest versions in
// their own newest versions. A newest-first solver meets the pinner late and
// backjumps far (re-deciding most packages), which is the path the decision
// queue's rebuild after long backjumps takes. With `broken`, a package the
// root requires needs hub versions its (required) pinner rules out, so there
// is no solution.
IntUniverse trap_universe(std::mt19937& rng, int packages, bool broken) {
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const int levels = 4, versions = 6;
  IntUniverse u;
  auto name = [](int i) { return "p" + std::to_string(i); };
  auto level = [&](int i) { return i * levels / packages; };
  std::vector<std::vector<int>> by_level(levels);
  for (int i = 0; i < packages; ++i) by_level[level(i)].push_back(i);
  std::map<int, std::vector<int>> forced;
  for (int l = 1; l < levels; ++l)
    for (int i : by_level[l])
      forced[by_level[l - 1][pick(0, static_cast<int>(by_level[l - 1].size()) - 1)]].push_back(i);
  // Hubs on the last level, pinners one level up, traps on the first two.
  std::map<int, int> pinner_of, trap_of, cap;
  std::set<int> used;
  for (int h = 0; h < std::max(1, packages / 20); ++h) {
    int hub = by_level[3][pick(0, static_cast<int>(by_level[3].size()) - 1)];
    int pinner = by_level[2][pick(0, static_cast<int>(by_level[2].size()) - 1)];
    if (used.contains(hub) || used.contains(pinner)) continue;
    used.insert({hub, pinner});
    cap[hub] = pick(1, versions - 2);
    pinner_of[pinner] = hub;
    forced[pinner].push_back(hub);
    for (int t = 0; t < 3; ++t) {
      int trap = pick(0, static_cast<int>(by_level[0].size() + by_level[1].size()) - 1);
      if (!used.insert(trap).second) continue;
      trap_of[trap] = hub;
    }
  }
  int breaker = by_level[0][0];  // broken: needs the first hub's newest versions
  while (trap_of.contains(breaker)) ++breaker;
  for (int i = 0; i < packages; ++i) {
    auto& vs = u.packages[name(i)];
    for (int v = 0; v < versions; ++v) {
      std::vector<IntDep> deps;
      for (int child : forced[i]) {
        if (cap.contains(child)) continue;  // hubs: only pinners and traps constrain them
        // Within the planted versions: the newest, or one below for a trap.
        int highest = trap_of.contains(child) ? versions - 3 : versions - 1;
        deps.push_back({name(child),
                        pick(0, 1) ? IntervalSet::any() : IntervalSet::at_least(pick(0, highest))});
      }
      if (auto it = pinner_of.find(i); it != pinner_of.end())
        deps.push_back({name(it->second), IntervalSet::less_than(cap[it->second])});
      if (auto it = trap_of.find(i); it != trap_of.end() && v >= versions - 2)
        deps.push_back({name(it->second), IntervalSet::at_least(cap[it->second])});
      if (broken && i == breaker)
        deps.push_back({name(cap.begin()->first), IntervalSet::at_least(cap.begin()->second)});
      vs[v] = std::move(deps);
    }
  }
  for (int i : by_level[0]) u.root_deps.push_back({name(i), IntervalSet::any()});
  return u;
}

TEST_CASE("layered universes with traps: long backjumps find the solution or explain", "[solve]") {
  std::size_t re_decided = 0;
  for (std::uint32_t seed = 1; seed <= 40; ++seed) {
    for (bool broken : {false, true}) {
      std::mt19937 rng(seed);
      IntUniverse u = trap_universe(rng, 80 + static_cast<int>(seed % 5) * 10, broken);
      INFO("seed " << seed << (broken ? " (broken)" : ""));
      for (auto neighbours : {IntSource::Neighbours::Scan, IntSource::Neighbours::Skip}) {
        IntSource source(u, pubgrub::Order::HighestFirst, neighbours);
        pubgrub::Solver<IntervalSet, std::uint64_t> solver(source, u.root, 0);
        auto r = solver.solve();
        REQUIRE(r.has_value());
        if (solver.stats().decisions > u.packages.size() + 32) ++re_decided;
        if (auto* s = std::get_if<pubgrub::Solution<std::uint64_t>>(&*r)) {
          CHECK_FALSE(broken);
          check_solution(u, *s);
        } else {
          CHECK(broken);
          check_explanation(u, std::get<Unsolvable>(*r));
        }
      }
    }
  }
  // The traps must make the solver walk back over many decisions.
  CHECK(re_decided > 40);
}

TEST_CASE("self-dependencies and dependencies on empty sets", "[solve]") {
  IntUniverse u;
  u.root_deps = {{"a", IntervalSet::any()}};
  u.packages["a"] = {{1, {{"a", IntervalSet::exactly(1)}}}, {2, {{"a", IntervalSet::exactly(1)}}}};
  auto o = run(u);
  REQUIRE(std::holds_alternative<pubgrub::Solution<std::uint64_t>>(o));
  CHECK(std::get<0>(o).packages.at(0).version == 1);

  IntUniverse e;
  e.root_deps = {{"a", IntervalSet::any()}};
  e.packages["a"] = {{1, {{"b", IntervalSet::none()}}}};
  e.packages["b"] = {{1, {}}};
  auto f = run(e);
  REQUIRE(std::holds_alternative<Unsolvable>(f));
  check_explanation(e, std::get<Unsolvable>(f));
  CHECK(std::get<Unsolvable>(f).explanation ==
        "Because root depends on a which depends on b <none>, version solving failed.");
}
