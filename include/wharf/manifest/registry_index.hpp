// Registry files (FORMATS.md "Registry"): the root `registry.yaml` and one
// `index/<name>.yaml` per package.
//
// Parsing an index is on the solver's hot path: parse_package_index() walks
// the YAML tree once, without keyed lookups or copies of subtrees. Errors are
// Input errors located `file_label:line:column` with a hint.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "wharf/util/error.hpp"
#include "wharf/version/constraint.hpp"
#include "wharf/version/version.hpp"

namespace wharf::manifest {

struct IndexArtifact {
  std::string platform;    // a concrete platform or `any`
  std::string url;         // absolute, or relative to the index file
  std::string sha256;      // 64 lower-case hex
  std::uint64_t size = 0;  // bytes; 0 when the index does not say
};

struct IndexVersion {
  version::Version version;
  std::vector<std::pair<std::string, version::Constraint>> dependencies;  // in file order
  std::vector<IndexArtifact> artifacts;                                   // in file order
  bool yanked = false;
};

struct PackageIndex {
  std::string name;
  std::vector<IndexVersion> versions;  // sorted ascending after parsing; unique
};

// Required: `name`, `versions` (a list, may be empty). Each version: `version`
// (required), `dependencies`, `artifacts` (each: `platform`, `url`, `sha256`
// required, `size` optional), `yanked` (true/false). A version listed twice is
// an error.
Result<PackageIndex> parse_package_index(std::string_view text, const std::string& file_label);
// The fast path of parse_package_index(): reads exactly the layout that
// write_package_index() produces, line by line, without yaml-cpp. nullopt for
// anything else (comments, other indentation, unsorted versions, escapes,
// invalid values); parse_package_index() then falls back to the full parser,
// which gives the same result for any text both accept.
std::optional<PackageIndex> parse_canonical_package_index(std::string_view text);
// Deterministic: versions sorted ascending, dependencies by name, artifacts by
// platform.
std::string write_package_index(const PackageIndex& index);

// A compact binary form of an index, for wharf's own cache
// (manifest/index_cache.hpp): lengths and texts, in the index's order, with no
// YAML to scan. decode_package_index() gives back exactly the index encoded,
// and nullopt for bytes that are not such a form (truncated, trailing bytes,
// an invalid version or constraint); it does not re-check names and hashes,
// which the cache guards with a checksum.
std::string encode_package_index(const PackageIndex& index);
std::optional<PackageIndex> decode_package_index(std::string_view bytes);

struct RegistryRoot {
  int format = 1;
  std::string name;
};

// The newest registry.yaml format this build reads.
inline constexpr int kRegistryFormat = 1;

// `format` (required integer; newer than kRegistryFormat is an error that says
// to upgrade wharf) and `name` (required).
Result<RegistryRoot> parse_registry_root(std::string_view text, const std::string& file_label);
std::string write_registry_root(const RegistryRoot& root);

}  // namespace wharf::manifest
