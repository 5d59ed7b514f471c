// The version solver as wharf uses it: PubGrub over wharf versions.
//
// solve() takes the project (Root), a Provider that answers "which versions
// of X exist" and "what does X@v depend on", and Options (strategy, locked
// preferences, overrides, constraints); it returns a Solution, or an
// Unsolvable value with an explanation when no set of versions works. "No
// solution" is a result, not an error: solve() fails only when the provider
// fails, with the provider's error.
//
// This file adapts wharf's rules to the generic core in pubgrub.hpp (read
// that header for the algorithm):
//
// - Candidates: every version the provider lists, sorted, duplicates
//   (1.2 == 1.2.0) dropped. Yanked versions are removed unless the version is
//   the package's active preference (locked and not unlocked).
// - Pre-releases (FORMATS.md): with Prereleases::IfNamed, a pre-release
//   satisfies a requirement only when that requirement names a pre-release of
//   the same release (Requirement::prerelease_opt_in); every other
//   requirement's set excludes it. So `>=1.0.0-rc.1` admits 1.0.0-rc.2 while
//   `^1` beside it on the same package rules it out again. With Allow,
//   requirement sets are used as they are.
// - Overrides replace every requirement on a package, the root's included;
//   constraints are intersected into every requirement on a package but never
//   add the package.
// - Order: Highest tries the highest candidate first, Lowest the lowest,
//   LowestDirect the lowest for the root's direct requirements and the
//   highest for the rest. An active preference is tried before all of them
//   whenever it is still allowed.
// - Explanations name the root by Root::name and requirements by their
//   constraint text as written (Requirement::text).
// - provider.prefetch() is called with the names of newly discovered
//   dependencies as soon as a version's requirements are read, before the
//   solver asks for their candidates.
#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "wharf/solve/derivation.hpp"
#include "wharf/util/error.hpp"
#include "wharf/version/version.hpp"
#include "wharf/version/version_set.hpp"

namespace wharf::solve {

struct Requirement {
  std::string name;
  version::VersionSet set;
  std::string text;  // constraint as written ("^1.2"); empty: use set.to_string()
  // Pre-release opt-in (FORMATS.md): pre-releases of a package are candidates only when some
  // requirement on it names a pre-release of that release, or Options::prereleases == Allow.
  // A pre-release p is admitted by this requirement when some listed version has the same
  // release part (p.without_prerelease() == listed.without_prerelease()).
  std::vector<version::Version> prerelease_opt_in;
};

struct Candidate {
  version::Version version;
  bool yanked = false;
};

// Package metadata for the solver. Implementations may block (network, disk);
// solve() calls them from one thread.
class Provider {
 public:
  virtual ~Provider() = default;
  // Every published version of `name`, any order. An unknown package may be an
  // empty list (the solver then explains that no versions exist) or an error.
  virtual Result<std::vector<Candidate>> candidates(const std::string& name) = 0;
  // The requirements of one candidate returned by candidates(name).
  virtual Result<std::vector<Requirement>> dependencies(const std::string& name,
                                                        const version::Version& v) = 0;
  // Hint: candidates() and dependencies() of these will be asked for soon.
  virtual void prefetch(const std::vector<std::string>& names) { (void)names; }
};

enum class Resolution { Highest, Lowest, LowestDirect };
enum class Prereleases { IfNamed, Allow };

struct Options {
  Resolution resolution = Resolution::Highest;
  Prereleases prereleases = Prereleases::IfNamed;
  // Locked versions: tried first when they fit; yanked allowed only for these.
  std::map<std::string, version::Version> preferences;
  std::set<std::string> unlock;  // `lock --update NAME`: ignore the preference of these
  bool unlock_all = false;       // `lock --update` with no names
  // Replaces every requirement on the package (incl. the root's).
  std::map<std::string, Requirement> overrides;
  // Intersected into every requirement on the package; never adds it.
  std::map<std::string, Requirement> constraints;
};

struct Root {
  std::string name;
  std::vector<Requirement> requirements;
};

struct Solution {
  std::map<std::string, version::Version> versions;  // every chosen package, root excluded
  // package -> names it depends on (after overrides), sorted; the root under Root::name.
  std::map<std::string, std::vector<std::string>> dependencies;
};

// DerivationNode and Unsolvable are declared in derivation.hpp.

using Outcome = std::variant<Solution, Unsolvable>;

// How much work a solve took (for benchmarks and profiling).
struct SolveStats {
  std::size_t decisions = 0;          // versions chosen, counting those undone by backjumps
  std::size_t conflicts = 0;          // conflict resolutions
  std::size_t incompatibilities = 0;  // facts known at the end, learned ones included
  std::size_t packages = 0;           // packages seen, the root included
};

// Deterministic: the same provider answers and options give the same outcome.
// A provider error aborts with that error. `stats`, when given, receives the
// work counts (also when the solve fails with an error).
Result<Outcome> solve(Provider& provider, const Root& root, const Options& options = {},
                      SolveStats* stats = nullptr);

}  // namespace wharf::solve
