// The project manifest, `wharf.yaml` (FORMATS.md "Manifest").
//
// parse_manifest() reads the YAML (yaml-cpp, kept in src/manifest/), checks
// every key and value, and returns a normalized Manifest or ONE Input error
// whose message starts with `file:line:column: ` (1-based), names the
// offending text and carries a hint ("did you mean `dependencies`?").
//
// Rules beyond FORMATS.md, decided here:
// - Unknown keys are errors at every level: the top level, registry entries,
//   dependency tables, environments. Duplicate keys are errors too.
// - Package names follow is_valid_package_name(); the project `name` is any
//   non-empty string without whitespace.
// - A dependency is a constraint string (`"^1.2"`) or a table with exactly one
//   source: `git` (+ at most one of `branch`/`tag`/`rev`), `url` (+ `sha256`,
//   required, 64 lower-case hex), `path`, or none of them (a registry
//   dependency, optionally with `registry:`). `version` is allowed with every
//   source; for git/url/path it checks the package's own version.
// - A registry dependency needs at least one declared registry; `registry:`
//   must name a declared one.
// - A name may appear both at the top level and in an environment: inside that
//   environment the environment's entry replaces the top-level one (so `dev`
//   can ask for a different constraint or source). Within one table a name
//   appears once (YAML duplicate keys are errors).
// - An environment may not be called `default` (that is the top level).
// - `platforms` entries must be known concrete platforms (not `any`) and
//   appear once each.
// - `overrides:` and `constraints:` map package names to constraints;
//   `clash:` maps a path or glob inside an environment to the package name
//   that wins a file clash; `env:` maps variable names ([A-Za-z_][A-Za-z0-9_]*)
//   to strings.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wharf/util/error.hpp"
#include "wharf/version/constraint.hpp"
#include "wharf/version/version.hpp"

namespace wharf::manifest {

// A place in an input file; line and column are 1-based (0 = unknown).
struct Location {
  std::string file;
  int line = 0;
  int column = 0;
  // "wharf.yaml:4:3"; "wharf.yaml" when the line is unknown.
  std::string to_string() const;
};

struct RegistryDecl {
  std::string name;
  std::string url;  // as written: file:PATH, file:///abs, http(s)://..., git+<scheme>://...
  Location where;
};

enum class SourceKind { Registry, Git, Url, Path };

struct DependencySpec {
  std::string name;
  SourceKind kind = SourceKind::Registry;
  // Registry deps: which versions; git/url/path: checks the package's version.
  version::Constraint constraint = version::Constraint::any();
  std::string registry;               // registry name; empty = the default (first) registry
  std::string git, branch, tag, rev;  // git deps (at most one of branch/tag/rev)
  std::string url, sha256;            // url deps (sha256 required, 64 lower-case hex)
  std::string path;                   // path deps, as written (relative to the manifest folder)
  Location where;                     // the dependency's key
};

struct EnvironmentDecl {
  std::string name;
  std::vector<DependencySpec> dependencies;  // in file order
  // Environments of one solve group are solved together, so a package has
  // one version across them; `default` and every environment that names no
  // group form the group "default". Another name solves apart from it.
  std::string solve_group = "default";
  Location where;
};

// Hashes of the parts of a manifest that affect resolution, one per section,
// so that a lockfile can tell which part changed. Each is sha256 hex.
struct ResolutionInputs {
  std::string registries;    // names and URLs, in order (the first is the default)
  std::string platforms;     // as written, sorted
  std::string dependencies;  // top-level dependencies, sorted by name, every field
  std::string environments;  // every other environment's name and dependencies
  std::string overrides;     // overrides and constraints
  // The sha256 over the five section hashes: Manifest::resolution_hash().
  std::string combined() const;
  // Section name ("registries", ...) -> hash, in a fixed order.
  std::vector<std::pair<std::string, std::string>> sections() const;
};

struct Manifest {
  std::filesystem::path file;  // absolute path of wharf.yaml
  std::filesystem::path root;  // its folder
  std::string name;
  std::optional<version::Version> version;
  std::vector<RegistryDecl> registries;                  // in file order; first is the default
  std::vector<std::string> platforms;                    // as written; empty = current platform
  std::vector<DependencySpec> dependencies;              // in file order
  std::vector<EnvironmentDecl> environments;             // in file order (not including "default")
  std::vector<std::pair<std::string, std::string>> env;  // in file order
  std::map<std::string, version::Constraint> overrides, constraints;
  std::map<std::string, std::string> clash;  // path glob or path -> package name that wins

  // The dependencies of environment `env`: "default" = the top-level ones;
  // another environment = the top-level ones, with its own entries replacing
  // same-named ones in place and new ones appended in file order.
  // nullopt when the environment is not declared.
  std::optional<std::vector<DependencySpec>> dependencies_of(std::string_view env) const;
  // "default" followed by the declared environments in file order.
  std::vector<std::string> environment_names() const;
  // The platforms a lockfile must cover: `platforms`, or the current platform
  // when none are written; sorted, without duplicates.
  std::vector<std::string> effective_platforms() const;
  // The registry a dependency resolves against (nullptr for non-registry
  // deps or when no registry is declared).
  const RegistryDecl* registry_for(const DependencySpec& dep) const;

  // sha256 hex over a canonical serialization of every input that affects
  // resolution: registries (names + URLs, in order), platforms, the
  // dependencies of every environment (all fields), overrides, constraints.
  // Not name/version/env/clash. Stable across key order, whitespace, comments.
  std::string resolution_hash() const;
  ResolutionInputs resolution_inputs() const;
};

// Parses manifest text. `file` names the file in messages (as given) and its
// absolute form becomes Manifest::file (its parent, Manifest::root).
Result<Manifest> parse_manifest(std::string_view text, const std::filesystem::path& file);
// Reads and parses `file`. Missing file: Failure "no wharf.yaml in <dir>" with
// hint "run `wharf init`".
Result<Manifest> load_manifest(const std::filesystem::path& file);
// A valid, commented wharf.yaml for `wharf init`.
std::string starter_manifest(std::string_view project_name);
// The platform this binary was built for ("linux-x86_64", "macos-arm64", ...).
std::string current_platform();
// The concrete platforms of FORMATS.md "Platforms" (without `any`).
const std::vector<std::string>& known_platforms();
// A concrete platform or `any` (what a package or artifact may declare).
bool is_valid_artifact_platform(std::string_view platform);
// Package names: `[a-z0-9][a-z0-9._-]*`, at most 128 characters.
bool is_valid_package_name(std::string_view name);

}  // namespace wharf::manifest
