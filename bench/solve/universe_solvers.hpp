// The two ways the benchmarks solve an integer universe (ron.hpp), shared by
// bench_pubgrub_large and its tests.
//
// IntUniverseSolver runs the generic PubGrub core (pubgrub.hpp) over
// IntervalSet and plain integer versions, as pubgrub-rs does with u32
// versions. FacadeUniverseSolver runs wharf's own front end (solver.hpp) with
// each integer N as the wharf version "N", which is what `wharf lock` pays on
// top: Version comparisons, VersionSet algebra, the pre-release and yanked
// rules. Both follow pubgrub-rs's benchmark: one package at one version is the
// only thing asked for, and every package the universe does not list has no
// versions.
//
// Everything is converted once, in the constructors, so that a timed solve
// pays only for solving (and for the copies a provider hands to the solver).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "ron.hpp"
#include "wharf/solve/int_set.hpp"
#include "wharf/solve/pubgrub.hpp"
#include "wharf/solve/solver.hpp"
#include "wharf/util/error.hpp"
#include "wharf/version/version.hpp"
#include "wharf/version/version_set.hpp"

namespace wharf::bench {

// What one solve found, in integers, whichever solver ran.
struct IntOutcome {
  bool solved = false;
  std::map<std::uint64_t, std::uint64_t> versions;  // package -> version, the root package included
  std::string explanation;                          // when unsolvable
};

// The packages a universe lists, in ascending order, with their versions.
std::vector<std::pair<std::uint64_t, std::uint64_t>> all_package_versions(
    const ron::IntegerUniverse& universe);

// True when `outcome` picks `root` at `version` and every picked version's
// dependencies are picked within their ranges. `problem` says what is wrong.
bool is_valid_solution(const ron::IntegerUniverse& universe, std::uint64_t root,
                       std::uint64_t version, const IntOutcome& outcome, std::string& problem);

class IntUniverseSolver final : public solve::pubgrub::Source<solve::IntervalSet, std::uint64_t> {
 public:
  explicit IntUniverseSolver(const ron::IntegerUniverse& universe);
  Result<IntOutcome> solve(std::uint64_t package, std::uint64_t version);

  Result<solve::pubgrub::PackageVersions<std::uint64_t>> versions(solve::pubgrub::PackageId id,
                                                                  const std::string& name) override;
  Result<std::vector<solve::pubgrub::Dependency<solve::IntervalSet>>> dependencies(
      solve::pubgrub::PackageId id, const std::string& name, const std::uint64_t& version) override;

 private:
  struct Package {
    std::vector<std::uint64_t> versions;  // ascending
    std::vector<std::vector<solve::pubgrub::Dependency<solve::IntervalSet>>> dependencies;
  };
  std::unordered_map<std::string, Package> m_packages;
};

class FacadeUniverseSolver final : public solve::Provider {
 public:
  explicit FacadeUniverseSolver(const ron::IntegerUniverse& universe);
  Result<IntOutcome> solve(std::uint64_t package, std::uint64_t version);

  Result<std::vector<solve::Candidate>> candidates(const std::string& name) override;
  Result<std::vector<solve::Requirement>> dependencies(const std::string& name,
                                                       const version::Version& v) override;

 private:
  struct Package {
    std::vector<solve::Candidate> candidates;
    std::vector<version::Version> versions;  // ascending, parallel to `dependencies`
    std::vector<std::vector<solve::Requirement>> dependencies;
  };
  std::unordered_map<std::string, Package> m_packages;
};

}  // namespace wharf::bench
