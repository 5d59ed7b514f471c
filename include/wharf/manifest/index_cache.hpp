// A cache of parsed registry index files, so that solving does not re-parse
// YAML: index files as `wharf lock` reads them come from anywhere (a file
// registry someone edited by hand, a generator, later an HTTP download), and
// yaml-cpp made parsing them about three quarters of a lock's time.
//
// load_package_index() reads an index file, hashes its bytes, and looks for
// `<dir>/<sha256 of the bytes>` in the cache folder. That entry is one stamp
// line followed by the index in the canonical layout of write_package_index(),
// which parse_canonical_package_index() reads line by line with no YAML
// library. Keying by the content hash means an edited file can never be
// answered from a stale entry, and identical indexes share one entry. On a
// miss (or an entry that does not read back) the file goes through
// parse_package_index() and the entry is written atomically; a cache that
// cannot be written is skipped silently, since it only saves time.
//
// The result is what parse_package_index() returns for the file (artifact
// URLs as written, versions sorted) with each version's dependencies sorted
// by name and artifacts by platform, whether or not the cache answered; an
// invalid file fails with parse_package_index()'s error and is never cached.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "wharf/manifest/registry_index.hpp"
#include "wharf/util/error.hpp"

namespace wharf::manifest {

struct IndexCache {
  std::filesystem::path dir;  // created on first write; empty: no caching
};

// The version of the entry layout; a different one is a miss.
inline constexpr int kIndexCacheFormat = 1;

// Parses `text` (the bytes of the index file `file_label`), through `cache`
// when it names a folder.
Result<PackageIndex> load_package_index(std::string_view text, const std::string& file_label,
                                        const IndexCache& cache);

// Reads the index file `file` through `cache`, like load_package_index() of
// its bytes, but without reading or hashing a file it has seen: a file that
// was not canonical gets a second entry, `<dir>/file-<sha256 of its absolute
// path>`, that records the file's identity (device, inode, size, mtime,
// ctime; util/fs.hpp) with the parsed index. It answers only while the file
// has exactly that identity and its ctime is older than the entry. An entry
// is written only for a file unchanged for a second before it was read, so
// an edit in the same clock tick as the read (which could keep the identity)
// is never recorded. Canonical files are read directly, as before. nullopt
// when there is no such file (the registry lacks the package).
Result<std::optional<PackageIndex>> load_package_index_file(const std::filesystem::path& file,
                                                            const IndexCache& cache);

// The cache entry for an index whose bytes hash to `sha256`, and its reader
// (nullopt when the entry is not one for that hash or does not parse).
std::string write_index_cache_entry(const PackageIndex& index, std::string_view sha256);
std::optional<PackageIndex> read_index_cache_entry(std::string_view entry, std::string_view sha256);

}  // namespace wharf::manifest
