#include "universe_solvers.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <variant>

namespace wharf::bench {
namespace {

using solve::IntervalSet;
namespace pubgrub = solve::pubgrub;

IntervalSet to_interval_set(const std::vector<ron::Interval>& intervals) {
  IntervalSet set;
  for (const ron::Interval& i : intervals)
    set = set.unite(i.high ? IntervalSet::between(i.low, *i.high) : IntervalSet::at_least(i.low));
  return set;
}

version::Version int_version(std::uint64_t n) {
  // "N" is always a valid version; value() would only throw on a bug.
  return version::Version::parse(std::to_string(n)).value();
}

version::VersionSet to_version_set(const std::vector<ron::Interval>& intervals) {
  version::VersionSet set;
  for (const ron::Interval& i : intervals)
    set = set.unite(i.high ? version::VersionSet::between(int_version(i.low), int_version(*i.high))
                           : version::VersionSet::at_least(int_version(i.low)));
  return set;
}

std::uint64_t parse_id(const std::string& name) {
  std::uint64_t out = 0;
  std::from_chars(name.data(), name.data() + name.size(), out);
  return out;
}

bool in_ranges(const std::vector<ron::Interval>& ranges, std::uint64_t v) {
  return std::any_of(ranges.begin(), ranges.end(), [&](const ron::Interval& i) {
    return v >= i.low && (!i.high || v < *i.high);
  });
}

constexpr const char* kFacadeRoot = "pubgrub-bench-root";

}  // namespace

std::vector<std::pair<std::uint64_t, std::uint64_t>> all_package_versions(
    const ron::IntegerUniverse& universe) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
  for (const auto& [pkg, versions] : universe)
    for (const auto& entry : versions) out.emplace_back(pkg, entry.first);
  return out;
}

bool is_valid_solution(const ron::IntegerUniverse& universe, std::uint64_t root,
                       std::uint64_t version, const IntOutcome& outcome, std::string& problem) {
  auto picked = outcome.versions.find(root);
  if (picked == outcome.versions.end() || picked->second != version) {
    problem = fmt::format("the root {} is not picked at {}", root, version);
    return false;
  }
  for (const auto& [pkg, ver] : outcome.versions) {
    auto p = universe.find(pkg);
    if (p == universe.end() || !p->second.contains(ver)) {
      problem = fmt::format("{}@{} does not exist", pkg, ver);
      return false;
    }
    for (const auto& [dep, ranges] : p->second.at(ver)) {
      auto d = outcome.versions.find(dep);
      if (d == outcome.versions.end() || !in_ranges(ranges, d->second)) {
        problem = fmt::format("{}@{} needs {} in its ranges, got {}", pkg, ver, dep,
                              d == outcome.versions.end() ? "nothing" : std::to_string(d->second));
        return false;
      }
    }
  }
  return true;
}

IntUniverseSolver::IntUniverseSolver(const ron::IntegerUniverse& universe) {
  for (const auto& [pkg, versions] : universe) {
    Package& package = m_packages[std::to_string(pkg)];
    for (const auto& [ver, deps] : versions) {
      package.versions.push_back(ver);
      std::vector<pubgrub::Dependency<IntervalSet>> list;
      for (const auto& [dep, ranges] : deps)
        list.push_back({.name = std::to_string(dep), .set = to_interval_set(ranges)});
      package.dependencies.push_back(std::move(list));
    }
  }
}

Result<pubgrub::PackageVersions<std::uint64_t>> IntUniverseSolver::versions(
    pubgrub::PackageId, const std::string& name) {
  pubgrub::PackageVersions<std::uint64_t> out;
  if (auto it = m_packages.find(name); it != m_packages.end()) out.versions = it->second.versions;
  return out;
}

Result<std::vector<pubgrub::Dependency<IntervalSet>>> IntUniverseSolver::dependencies(
    pubgrub::PackageId, const std::string& name, const std::uint64_t& version) {
  auto it = m_packages.find(name);
  if (it == m_packages.end()) return fail(fmt::format("no package {} in the universe", name));
  const auto& versions = it->second.versions;
  auto at = std::lower_bound(versions.begin(), versions.end(), version);
  if (at == versions.end() || *at != version)
    return fail(fmt::format("no version {} of package {} in the universe", version, name));
  return it->second.dependencies[static_cast<std::size_t>(at - versions.begin())];
}

Result<IntOutcome> IntUniverseSolver::solve(std::uint64_t package, std::uint64_t version) {
  // As in pubgrub-rs, the package itself is the root, at the version asked for.
  auto outcome = WHARF_TRY(pubgrub::solve(*this, std::to_string(package), version));
  IntOutcome out;
  if (auto* solution = std::get_if<pubgrub::Solution<std::uint64_t>>(&outcome)) {
    out.solved = true;
    out.versions[package] = version;
    for (const auto& selected : solution->packages)
      out.versions[parse_id(selected.name)] = selected.version;
  } else {
    out.explanation = std::get<solve::Unsolvable>(outcome).explanation;
  }
  return out;
}

FacadeUniverseSolver::FacadeUniverseSolver(const ron::IntegerUniverse& universe) {
  for (const auto& [pkg, versions] : universe) {
    Package& package = m_packages[std::to_string(pkg)];
    for (const auto& [ver, deps] : versions) {
      version::Version v = int_version(ver);
      package.candidates.push_back({.version = v});
      package.versions.push_back(v);
      std::vector<solve::Requirement> list;
      for (const auto& [dep, ranges] : deps)
        list.push_back({.name = std::to_string(dep), .set = to_version_set(ranges)});
      package.dependencies.push_back(std::move(list));
    }
  }
}

Result<std::vector<solve::Candidate>> FacadeUniverseSolver::candidates(const std::string& name) {
  if (auto it = m_packages.find(name); it != m_packages.end()) return it->second.candidates;
  return std::vector<solve::Candidate>{};
}

Result<std::vector<solve::Requirement>> FacadeUniverseSolver::dependencies(
    const std::string& name, const version::Version& v) {
  auto it = m_packages.find(name);
  if (it == m_packages.end()) return fail(fmt::format("no package {} in the universe", name));
  const auto& versions = it->second.versions;
  auto at = std::lower_bound(versions.begin(), versions.end(), v);
  if (at == versions.end() || *at != v)
    return fail(fmt::format("no version {} of package {} in the universe", v.to_string(), name));
  return it->second.dependencies[static_cast<std::size_t>(at - versions.begin())];
}

Result<IntOutcome> FacadeUniverseSolver::solve(std::uint64_t package, std::uint64_t version) {
  solve::Root root{.name = kFacadeRoot};
  root.requirements.push_back(
      {.name = std::to_string(package), .set = version::VersionSet::exactly(int_version(version))});
  auto outcome = WHARF_TRY(solve::solve(*this, root));
  IntOutcome out;
  if (auto* solution = std::get_if<solve::Solution>(&outcome)) {
    out.solved = true;
    for (const auto& [name, v] : solution->versions)
      out.versions[parse_id(name)] = v.release().empty() ? 0 : v.release()[0];
  } else {
    out.explanation = std::get<solve::Unsolvable>(outcome).explanation;
  }
  return out;
}

}  // namespace wharf::bench
