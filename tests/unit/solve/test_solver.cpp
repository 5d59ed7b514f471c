// The wharf solver facade: pub's solver.md scenarios with expected solutions
// and explanation text, and wharf's rules (strategies, preferences, unlock,
// pre-releases, yanked, overrides, constraints, provider errors).
#include <catch2/catch.hpp>
#include <map>
#include <random>

#include "support/solve/memory_provider.hpp"
#include "wharf/solve/solver.hpp"
#include "wharf/version/constraint.hpp"

using namespace wharf;
using namespace wharf::solve;
using wharf::solve::testing::MemoryProvider;

namespace {

Outcome run(MemoryProvider& p, const Root& root, const Options& options = {}) {
  auto r = wharf::solve::solve(p, root, options);
  REQUIRE(r.has_value());
  return *r;
}

std::string solved(MemoryProvider& p, const Root& root, const Options& options = {}) {
  Outcome o = run(p, root, options);
  if (auto* u = std::get_if<Unsolvable>(&o)) {
    FAIL("expected a solution, got:\n" << u->explanation);
  }
  return testing::describe(std::get<Solution>(o));
}

std::string unsolvable(MemoryProvider& p, const Root& root, const Options& options = {}) {
  Outcome o = run(p, root, options);
  if (auto* s = std::get_if<Solution>(&o)) {
    FAIL("expected no solution, got:\n" << testing::describe(*s));
  }
  return std::get<Unsolvable>(o).explanation;
}

version::Version ver(const char* text) {
  return *version::Version::parse(text);
}

}  // namespace

TEST_CASE("solver.md: no conflicts", "[solve]") {
  MemoryProvider p;
  p.add("foo", "1.0.0", {{"bar", "^1.0.0"}});
  p.add("bar", "1.0.0").add("bar", "2.0.0");
  Root root = p.root("root", {{"foo", "^1.0.0"}});
  CHECK(solved(p, root) == "bar 1.0.0\nfoo 1.0.0");
  Solution s = std::get<Solution>(run(p, root));
  CHECK(s.dependencies.at("root") == std::vector<std::string>{"foo"});
  CHECK(s.dependencies.at("foo") == std::vector<std::string>{"bar"});
  CHECK(s.dependencies.at("bar").empty());
}

TEST_CASE("solver.md: avoiding a conflict during decision making", "[solve]") {
  MemoryProvider p;
  p.add("foo", "1.1.0", {{"bar", "^2.0.0"}}).add("foo", "1.0.0");
  p.add("bar", "1.0.0").add("bar", "1.1.0").add("bar", "2.0.0");
  CHECK(solved(p, p.root("root", {{"foo", "^1.0.0"}, {"bar", "^1.0.0"}})) ==
        "bar 1.1.0\nfoo 1.0.0");
}

TEST_CASE("solver.md: performing conflict resolution", "[solve]") {
  MemoryProvider p;
  p.add("foo", "2.0.0", {{"bar", "^1.0.0"}}).add("foo", "1.0.0");
  p.add("bar", "1.0.0", {{"foo", "^1.0.0"}});
  CHECK(solved(p, p.root("root", {{"foo", ">=1.0.0"}})) == "foo 1.0.0");
  // The work counts: the root and foo 2.0.0 are decided; bar 1.0.0 is not
  // (it needs foo ^1), which leads to the one conflict; foo 1.0.0 is decided
  // after the backjump.
  SolveStats stats;
  REQUIRE(wharf::solve::solve(p, p.root("root", {{"foo", ">=1.0.0"}}), {}, &stats).has_value());
  CHECK(stats.conflicts == 1);
  CHECK(stats.decisions == 3);
  CHECK(stats.packages == 3);
  CHECK(stats.incompatibilities >= 4);
}

TEST_CASE("solver.md: conflict resolution with a partial satisfier", "[solve]") {
  MemoryProvider p;
  p.add("foo", "1.1.0", {{"left", "^1.0.0"}, {"right", "^1.0.0"}}).add("foo", "1.0.0");
  p.add("left", "1.0.0", {{"shared", ">=1.0.0"}});
  p.add("right", "1.0.0", {{"shared", "<2.0.0"}});
  p.add("shared", "2.0.0").add("shared", "1.0.0", {{"target", "^1.0.0"}});
  p.add("target", "2.0.0").add("target", "1.0.0");
  CHECK(solved(p, p.root("root", {{"foo", "^1.0.0"}, {"target", "^2.0.0"}})) ==
        "foo 1.0.0\ntarget 2.0.0");
}

TEST_CASE("solver.md: linear error reporting", "[solve]") {
  MemoryProvider p;
  p.add("foo", "1.0.0", {{"bar", "^2.0.0"}});
  p.add("bar", "2.0.0", {{"baz", "^3.0.0"}});
  p.add("baz", "1.0.0").add("baz", "3.0.0");
  CHECK(unsolvable(p, p.root("root", {{"foo", "^1.0.0"}, {"baz", "^1.0.0"}})) ==
        "Because every version of foo depends on bar ^2.0.0 which depends on baz ^3.0.0, "
        "every version of foo requires baz ^3.0.0.\n"
        "So, because root depends on both foo ^1.0.0 and baz ^1.0.0, version solving failed.");
}

TEST_CASE("solver.md: branching error reporting", "[solve]") {
  MemoryProvider p;
  p.add("foo", "1.0.0", {{"a", "^1.0.0"}, {"b", "^1.0.0"}});
  p.add("foo", "1.1.0", {{"x", "^1.0.0"}, {"y", "^1.0.0"}});
  p.add("a", "1.0.0", {{"b", "^2.0.0"}});
  p.add("b", "1.0.0").add("b", "2.0.0");
  p.add("x", "1.0.0", {{"y", "^2.0.0"}});
  p.add("y", "1.0.0").add("y", "2.0.0");
  std::string text = unsolvable(p, p.root("root", {{"foo", "^1.0.0"}}));
  // pub's solver.md explains the same graph with the two branches swapped
  // (the two causes of `foo is forbidden` come in the other order); the
  // structure and the numbering match.
  CHECK(text ==
        "    Because foo <1.1.0 depends on a ^1.0.0 which depends on b ^2.0.0, foo <1.1.0 "
        "requires b ^2.0.0.\n"
        "(1) So, because foo <1.1.0 depends on b ^1.0.0, foo <1.1.0 is forbidden.\n"
        "\n"
        "    Because foo >=1.1.0 depends on x ^1.0.0 which depends on y ^2.0.0, foo >=1.1.0 "
        "requires y ^2.0.0.\n"
        "    And because foo >=1.1.0 depends on y ^1.0.0, foo >=1.1.0 is forbidden.\n"
        "    And because foo <1.1.0 is forbidden (1), foo is forbidden.\n"
        "    So, because root depends on foo ^1.0.0, version solving failed.");
}

TEST_CASE("explanation names the project and the requirement text as written", "[solve]") {
  MemoryProvider p;
  p.add("a", "1.0.0").add("a", "2.0.0", {{"b", "^3"}}).add("a", "2.1.0", {{"b", "^3"}});
  p.add("b", "2.0.0").add("b", "3.0.0");
  p.add("c", "1.0.0", {{"b", "<3"}});
  Outcome o = run(p, p.root("demo", {{"a", "^2"}, {"c", "*"}}));
  REQUIRE(std::holds_alternative<Unsolvable>(o));
  const Unsolvable& u = std::get<Unsolvable>(o);
  CHECK(u.explanation ==
        "Because every version of c depends on b <3 and a >=2.0.0 depends on b ^3, c is "
        "incompatible with a >=2.0.0.\n"
        "So, because demo depends on both a ^2 and c, version solving failed.");
  // The tree as data: causes first, root last, external leaves are the real facts.
  REQUIRE(!u.nodes.empty());
  CHECK(u.root_node == u.nodes.size() - 1);
  const DerivationNode& last = u.nodes[u.root_node];
  CHECK(last.kind == DerivationNode::Kind::Derived);
  CHECK(last.sentence == "version solving failed");
  std::size_t dependencies = 0;
  for (std::size_t i = 0; i < u.nodes.size(); ++i) {
    const DerivationNode& n = u.nodes[i];
    if (n.kind == DerivationNode::Kind::Derived) {
      CHECK(n.cause1 < i);
      CHECK(n.cause2 < i);
    }
    if (n.kind == DerivationNode::Kind::Dependency) {
      ++dependencies;
      bool real = (n.package == "a" && n.dependency == "b" && n.constraint == "^3") ||
                  (n.package == "c" && n.dependency == "b" && n.constraint == "<3") ||
                  (n.package == "demo" && n.dependency == "a" && n.constraint == "^2") ||
                  (n.package == "demo" && n.dependency == "c" && n.constraint == "*");
      CHECK(real);
    }
  }
  CHECK(dependencies == 4);
}

TEST_CASE("a package without versions is explained", "[solve]") {
  MemoryProvider p;
  p.add("foo", "1.0.0", {{"ghost", "^1"}});
  CHECK(unsolvable(p, p.root("demo", {{"foo", "*"}})) ==
        "Because every version of foo depends on ghost ^1 which doesn't match any versions, "
        "foo is forbidden.\n"
        "So, because demo depends on foo, version solving failed.");
  MemoryProvider q;
  q.add("foo", "1.0.0").add("foo", "1.5.0");
  CHECK(unsolvable(q, q.root("demo", {{"foo", "^2"}})) ==
        "Because demo depends on foo ^2 which doesn't match any versions, version solving "
        "failed.");
}

TEST_CASE("resolution strategies", "[solve]") {
  MemoryProvider p;
  p.add("a", "1.0.0", {{"b", ">=1"}})
      .add("a", "1.1.0", {{"b", ">=1"}})
      .add("a", "1.2.0", {{"b", ">=1"}});
  p.add("b", "1.0.0").add("b", "1.5.0").add("b", "2.0.0");
  Root root = p.root("demo", {{"a", "^1"}});
  Options options;
  CHECK(solved(p, root, options) == "a 1.2.0\nb 2.0.0");
  options.resolution = Resolution::Lowest;
  CHECK(solved(p, root, options) == "a 1.0.0\nb 1.0.0");
  options.resolution = Resolution::LowestDirect;
  CHECK(solved(p, root, options) == "a 1.0.0\nb 2.0.0");
}

TEST_CASE("locked preferences are kept when they fit, unlock ignores them", "[solve]") {
  MemoryProvider p;
  p.add("a", "1.0.0").add("a", "1.1.0").add("a", "1.2.0");
  p.add("b", "1.0.0").add("b", "2.0.0");
  Root root = p.root("demo", {{"a", "^1"}, {"b", "*"}});
  Options options;
  options.preferences = {{"a", ver("1.1.0")}, {"b", ver("1.0.0")}};
  CHECK(solved(p, root, options) == "a 1.1.0\nb 1.0.0");
  options.unlock = {"b"};
  CHECK(solved(p, root, options) == "a 1.1.0\nb 2.0.0");
  options.unlock_all = true;
  CHECK(solved(p, root, options) == "a 1.2.0\nb 2.0.0");
  // A preference that no longer fits is ignored.
  Options stale;
  stale.preferences = {{"a", ver("0.9.0")}};
  CHECK(solved(p, root, stale) == "a 1.2.0\nb 2.0.0");
  Root narrower = p.root("demo", {{"a", ">=1.2"}});
  CHECK(solved(p, narrower, options) == "a 1.2.0");
}

TEST_CASE("yanked versions are chosen only when locked", "[solve]") {
  MemoryProvider p;
  p.add("a", "1.0.0").add("a", "1.1.0", {}, /*yanked=*/true);
  Root root = p.root("demo", {{"a", "^1"}});
  CHECK(solved(p, root) == "a 1.0.0");
  Options locked;
  locked.preferences = {{"a", ver("1.1.0")}};
  CHECK(solved(p, root, locked) == "a 1.1.0");
  locked.unlock = {"a"};
  CHECK(solved(p, root, locked) == "a 1.0.0");
  // Only yanked versions: nothing to choose.
  MemoryProvider q;
  q.add("a", "1.0.0", {}, true);
  CHECK(unsolvable(q, q.root("demo", {{"a", "*"}})) ==
        "Because demo depends on a which doesn't match any versions, version solving failed.");
}

TEST_CASE("pre-releases only when named or allowed", "[solve]") {
  MemoryProvider p;
  p.add("a", "1.0.0").add("a", "2.0.0-rc.1").add("a", "2.0.0-rc.2");
  CHECK(solved(p, p.root("demo", {{"a", "*"}})) == "a 1.0.0");
  CHECK(solved(p, p.root("demo", {{"a", ">=1"}})) == "a 1.0.0");
  CHECK(solved(p, p.root("demo", {{"a", ">=2.0.0-rc.1"}})) == "a 2.0.0-rc.2");
  Options allow;
  allow.prereleases = Prereleases::Allow;
  CHECK(solved(p, p.root("demo", {{"a", "*"}}), allow) == "a 2.0.0-rc.2");
  // A requirement elsewhere that does not name the pre-release rules it out again.
  MemoryProvider q;
  q.add("a", "1.0.0").add("a", "2.0.0-rc.1");
  q.add("b", "1.0.0", {{"a", ">=1"}});
  CHECK(solved(q, q.root("demo", {{"a", ">=1.0.0-rc.1"}, {"b", "*"}})) == "a 1.0.0\nb 1.0.0");
  // Only a pre-release of another release is named: 2.0.0-rc.1 stays out.
  CHECK(solved(q, q.root("demo", {{"a", ">=1.0.0-beta"}})) == "a 1.0.0");
}

TEST_CASE("overrides replace every requirement, constraints narrow without adding", "[solve]") {
  MemoryProvider p;
  p.add("a", "1.0.0", {{"b", "^1"}});
  p.add("b", "1.0.0").add("b", "2.0.0").add("b", "2.5.0");
  p.add("c", "1.0.0");
  Root root = p.root("demo", {{"a", "*"}});
  CHECK(solved(p, root) == "a 1.0.0\nb 1.0.0");
  Options over;
  over.overrides.emplace("b", p.requirement("b", "^2"));
  CHECK(solved(p, root, over) == "a 1.0.0\nb 2.5.0");
  over.overrides.at("b") = p.requirement("b", "~2.0");
  CHECK(solved(p, root, over) == "a 1.0.0\nb 2.0.0");
  // An override of a package nobody requires does not add it.
  Options ghost;
  ghost.overrides.emplace("c", p.requirement("c", "*"));
  CHECK(solved(p, root, ghost) == "a 1.0.0\nb 1.0.0");

  Options narrow;
  narrow.constraints.emplace("c", p.requirement("c", "*"));
  narrow.constraints.emplace("b", p.requirement("b", "<1"));
  std::string text = unsolvable(p, root, narrow);
  CHECK(text == "Because demo depends on a which depends on b ^1, <1, version solving failed.");
  Options fits;
  fits.constraints.emplace("b", p.requirement("b", "<=1.0.0"));
  CHECK(solved(p, root, fits) == "a 1.0.0\nb 1.0.0");
}

TEST_CASE("provider errors abort solving with that error", "[solve]") {
  MemoryProvider p;
  p.add("a", "1.0.0", {{"b", "*"}});
  p.fail_on("b", "registry main: fetching index/b.yaml failed");
  auto r = wharf::solve::solve(p, p.root("demo", {{"a", "*"}}));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message == "registry main: fetching index/b.yaml failed");
}

TEST_CASE("dependencies are prefetched before their candidates are asked for", "[solve]") {
  MemoryProvider p;
  p.add("a", "1.0.0", {{"b", "*"}, {"c", "*"}});
  p.add("b", "1.0.0").add("c", "1.0.0");
  CHECK(solved(p, p.root("demo", {{"a", "*"}})) == "a 1.0.0\nb 1.0.0\nc 1.0.0");
  REQUIRE(p.prefetched.size() == 2);
  CHECK(p.prefetched[0] == std::vector<std::string>{"a"});
  CHECK(p.prefetched[1] == std::vector<std::string>{"b", "c"});
  for (const auto& [name, before] : p.prefetched_before_candidates) {
    INFO(name);
    CHECK(before);
  }
}

TEST_CASE("solving is deterministic", "[solve]") {
  MemoryProvider p;
  for (const char* v : {"1.0.0", "1.1.0", "2.0.0"}) {
    p.add("a", v, {{"c", "^1"}});
    p.add("b", v, {{"c", ">=1.1"}});
  }
  p.add("c", "1.0.0").add("c", "1.1.0").add("c", "1.2.0");
  Root root = p.root("demo", {{"a", "*"}, {"b", "*"}});
  std::string first = solved(p, root);
  for (int i = 0; i < 5; ++i) CHECK(solved(p, root) == first);
  CHECK(first == "a 2.0.0\nb 2.0.0\nc 1.2.0");
}

TEST_CASE("random semver universes agree with brute force, pre-releases and yanked included",
          "[solve]") {
  const std::vector<std::string> versions = {"1.0.0", "1.1.0", "2.0.0-rc.1", "2.0.0", "3.0.0"};
  const std::vector<std::string> constraints = {
      "*", "^1", ">=1.1", "<2", ">=2.0.0-rc.1", "~1.0", "1.0.0", ">=1, <2 || >=3", "^2", "!=2.0.0"};
  struct Spec {
    std::string name, version;
    bool yanked;
    MemoryProvider::Deps deps;
  };
  std::size_t solved_count = 0, failed_count = 0;
  for (std::uint32_t seed = 1; seed <= 1500; ++seed) {
    std::mt19937 rng(seed);
    auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    int n = pick(2, 4);
    auto random_deps = [&](int self) {
      MemoryProvider::Deps deps;
      for (int k = pick(0, 2); k > 0; --k) {
        int t = pick(0, n - 1);
        std::string name = "p" + std::to_string(t);
        bool dup = t == self;
        for (const auto& d : deps) dup = dup || d.first == name;
        if (!dup) deps.emplace_back(name, constraints[pick(0, constraints.size() - 1)]);
      }
      return deps;
    };
    std::vector<Spec> specs;
    for (int p = 0; p < n; ++p)
      for (const auto& v : versions)
        if (pick(0, 2) == 0)
          specs.push_back({"p" + std::to_string(p), v, pick(0, 6) == 0, random_deps(p)});
    MemoryProvider provider;
    for (const auto& s : specs) provider.add(s.name, s.version, s.deps, s.yanked);
    MemoryProvider::Deps root_deps = random_deps(-1);
    if (root_deps.empty()) root_deps.emplace_back("p0", "*");
    Root root = provider.root("demo", root_deps);

    // Brute force: every package absent or at one of its non-yanked versions.
    auto matches = [&](const std::string& text, const std::string& v) {
      return version::Constraint::parse(text)->matches(ver(v.c_str()));
    };
    std::map<std::string, std::string> chosen;
    auto valid = [&] {
      auto ok = [&](const MemoryProvider::Deps& deps) {
        for (const auto& [name, text] : deps) {
          auto it = chosen.find(name);
          if (it == chosen.end() || !matches(text, it->second)) return false;
        }
        return true;
      };
      if (!ok(root_deps)) return false;
      for (const auto& [name, v] : chosen)
        for (const auto& s : specs)
          if (s.name == name && s.version == v && !ok(s.deps)) return false;
      return true;
    };
    bool exists = false;
    auto search = [&](auto& self, int p) -> void {
      if (exists) return;
      if (p == n) {
        exists = valid();
        return;
      }
      self(self, p + 1);
      for (const auto& s : specs) {
        if (s.name != "p" + std::to_string(p) || s.yanked) continue;
        chosen[s.name] = s.version;
        self(self, p + 1);
        chosen.erase(s.name);
      }
    };
    search(search, 0);

    Outcome outcome = run(provider, root);
    INFO("seed " << seed);
    if (auto* s = std::get_if<Solution>(&outcome)) {
      ++solved_count;
      CHECK(exists);
      chosen.clear();
      for (const auto& [name, v] : s->versions) chosen[name] = v.to_string();
      CHECK(valid());
      // A lockfile that is itself a solution is kept as it is, whatever the strategy.
      Options locked;
      locked.resolution = Resolution::Lowest;
      locked.preferences = s->versions;
      Outcome again = run(provider, root, locked);
      REQUIRE(std::holds_alternative<Solution>(again));
      CHECK(std::get<Solution>(again).versions == s->versions);
    } else {
      ++failed_count;
      CHECK_FALSE(exists);
      CHECK(std::get<Unsolvable>(outcome).explanation.ends_with("version solving failed."));
    }
  }
  CHECK(solved_count > 300);
  CHECK(failed_count > 300);
}
