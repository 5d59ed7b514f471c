// An in-memory universe of integer-versioned packages for the generic solver
// core (pubgrub::Solver<IntervalSet, std::uint64_t>), with a random generator
// and an exhaustive brute-force checker for small universes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "wharf/solve/int_set.hpp"
#include "wharf/solve/pubgrub.hpp"

namespace wharf::solve::testing {

struct IntDep {
  std::string name;
  IntervalSet set;
};

struct IntUniverse {
  std::string root = "root";
  std::vector<IntDep> root_deps;
  // name -> version -> dependencies; a name listed here with no versions exists but is empty.
  std::map<std::string, std::map<std::uint64_t, std::vector<IntDep>>> packages;
};

class IntSource : public pubgrub::Source<IntervalSet, std::uint64_t> {
 public:
  using Neighbours = pubgrub::PackageVersions<std::uint64_t>::Neighbours;
  explicit IntSource(const IntUniverse& u, pubgrub::Order order = pubgrub::Order::HighestFirst,
                     Neighbours neighbours = Neighbours::Scan)
      : m_u(u), m_order(order), m_neighbours(neighbours) {}
  Result<pubgrub::PackageVersions<std::uint64_t>> versions(pubgrub::PackageId id,
                                                           const std::string& name) override {
    pubgrub::PackageVersions<std::uint64_t> out;
    out.order = m_order;
    out.neighbours = m_neighbours;
    if (id == 0) {
      out.versions.push_back(0);
      return out;
    }
    if (auto it = m_u.packages.find(name); it != m_u.packages.end())
      for (const auto& [v, deps] : it->second) out.versions.push_back(v);
    return out;
  }
  Result<std::vector<pubgrub::Dependency<IntervalSet>>> dependencies(
      pubgrub::PackageId id, const std::string& name, const std::uint64_t& v) override {
    const std::vector<IntDep>& deps = id == 0 ? m_u.root_deps : m_u.packages.at(name).at(v);
    std::vector<pubgrub::Dependency<IntervalSet>> out;
    for (const auto& d : deps) out.push_back({d.name, d.set, d.set.to_string()});
    return out;
  }

 private:
  const IntUniverse& m_u;
  pubgrub::Order m_order;
  Neighbours m_neighbours;
};

// A small random universe: packages p0..p{n-1}, versions 0..7, random interval
// dependencies (sometimes on a package that does not exist).
inline IntUniverse random_universe(std::mt19937& rng) {
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  IntUniverse u;
  int n = pick(2, 6);
  auto random_set = [&]() {
    switch (pick(0, 4)) {
      case 0:
        return IntervalSet::exactly(pick(0, 7));
      case 1:
        return IntervalSet::at_least(pick(0, 7));
      case 2:
        return IntervalSet::less_than(pick(1, 8));
      case 3: {
        int a = pick(0, 6);
        return IntervalSet::between(a, a + pick(1, 3));
      }
      default:
        return IntervalSet::exactly(pick(0, 7)).unite(IntervalSet::at_least(pick(3, 8)));
    }
  };
  auto random_deps = [&](int self) {
    std::vector<IntDep> deps;
    int k = pick(0, 3);
    for (int i = 0; i < k; ++i) {
      int target = pick(0, n);  // n: a package that does not exist
      if (target == self) continue;
      std::string name = "p" + std::to_string(target);
      bool dup = false;
      for (const auto& d : deps) dup = dup || d.name == name;
      if (!dup) deps.push_back({name, random_set()});
    }
    return deps;
  };
  for (int p = 0; p < n; ++p) {
    auto& versions = u.packages["p" + std::to_string(p)];
    int count = pick(0, 4);
    for (int i = 0; i < count; ++i) versions[pick(0, 7)] = {};
    for (auto& [v, deps] : versions) deps = random_deps(p);
  }
  u.root_deps = random_deps(-1);
  if (u.root_deps.empty()) u.root_deps.push_back({"p0", IntervalSet::any()});
  return u;
}

using IntSelection = std::map<std::string, std::uint64_t>;

// Do the selected versions satisfy the root's and every selected package's dependencies?
inline bool satisfies(const IntUniverse& u, const IntSelection& s) {
  auto ok = [&](const std::vector<IntDep>& deps) {
    for (const auto& d : deps) {
      auto it = s.find(d.name);
      if (it == s.end() || !d.set.contains(it->second)) return false;
    }
    return true;
  };
  if (!ok(u.root_deps)) return false;
  for (const auto& [name, v] : s) {
    auto p = u.packages.find(name);
    if (p == u.packages.end()) return false;
    auto version = p->second.find(v);
    if (version == p->second.end() || !ok(version->second)) return false;
  }
  return true;
}

// Exhaustive search: is there any selection that satisfies every dependency?
inline std::optional<IntSelection> brute_force(const IntUniverse& u) {
  std::vector<std::string> names;
  for (const auto& [name, versions] : u.packages) names.push_back(name);
  IntSelection s;
  std::optional<IntSelection> found;
  auto go = [&](auto& self, std::size_t i) -> void {
    if (found) return;
    if (i == names.size()) {
      if (satisfies(u, s)) found = s;
      return;
    }
    self(self, i + 1);
    for (const auto& [v, deps] : u.packages.at(names[i])) {
      s[names[i]] = v;
      self(self, i + 1);
      s.erase(names[i]);
    }
  };
  go(go, 0);
  return found;
}

}  // namespace wharf::solve::testing
