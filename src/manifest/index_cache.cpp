#include "wharf/manifest/index_cache.hpp"

#include <algorithm>
#include <chrono>

#include "wharf/util/fs.hpp"
#include "wharf/util/hash.hpp"

namespace wharf::manifest {

namespace {

std::string stamp_line(std::string_view sha256) {
  return "# wharf index cache " + std::to_string(kIndexCacheFormat) + " " + std::string(sha256) +
         "\n";
}

// The order write_package_index() writes, so that a cache hit, a miss and an
// uncached read give the same value.
PackageIndex canonical_order(PackageIndex index) {
  for (auto& v : index.versions) {
    std::stable_sort(v.dependencies.begin(), v.dependencies.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::stable_sort(
        v.artifacts.begin(), v.artifacts.end(),
        [](const IndexArtifact& a, const IndexArtifact& b) { return a.platform < b.platform; });
  }
  return index;
}

std::string file_stamp_line(const FileIdentity& id) {
  return "# wharf index file " + std::to_string(kIndexCacheFormat) + " " + identity_text(id) + "\n";
}

}  // namespace

std::string write_index_cache_entry(const PackageIndex& index, std::string_view sha256) {
  return stamp_line(sha256) + write_package_index(index);
}

std::optional<PackageIndex> read_index_cache_entry(std::string_view entry,
                                                   std::string_view sha256) {
  std::string stamp = stamp_line(sha256);
  if (!entry.starts_with(stamp)) return std::nullopt;
  return parse_canonical_package_index(entry.substr(stamp.size()));
}

Result<PackageIndex> load_package_index(std::string_view text, const std::string& file_label,
                                        const IndexCache& cache) {
  // Canonical files need no cache: the fast path reads them as they are.
  if (auto canonical = parse_canonical_package_index(text))
    return canonical_order(*std::move(canonical));
  if (cache.dir.empty()) return canonical_order(WHARF_TRY(parse_package_index(text, file_label)));

  std::string sha = sha256_hex(text);
  std::filesystem::path entry_path = cache.dir / sha;
  std::error_code ec;
  if (std::filesystem::exists(entry_path, ec)) {
    if (auto entry = read_file(entry_path))
      if (auto cached = read_index_cache_entry(*entry, sha)) return *std::move(cached);
  }
  PackageIndex parsed = canonical_order(WHARF_TRY(parse_package_index(text, file_label)));
  std::string entry = write_index_cache_entry(parsed, sha);
  // Only an entry that reads back to the same index is kept (the canonical
  // layout cannot express every valid file, e.g. a quote inside a URL).
  auto check = read_index_cache_entry(entry, sha);
  if (check && write_package_index(*check) == write_package_index(parsed)) {
    std::filesystem::create_directories(cache.dir, ec);
    // A lost entry is only a miss, and a first lock of 10,000 packages must
    // not wait for 10,000 flushes.
    if (!ec) (void)write_file_atomic(entry_path, entry, Durability::CacheOnly);
  }
  return parsed;
}

Result<std::optional<PackageIndex>> load_package_index_file(const std::filesystem::path& file,
                                                            const IndexCache& cache) {
  FileIdentity before = file_identity(file);
  if (!before.exists) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec) && !ec) return std::nullopt;  // else: say why below
  }
  if (cache.dir.empty()) {
    auto text = WHARF_TRY(read_file(file));
    return load_package_index(text, file.string(), cache);
  }
  std::error_code ec;
  auto absolute = std::filesystem::absolute(file, ec);
  std::filesystem::path entry_path =
      cache.dir / ("file-" + sha256_hex((ec ? file : absolute).lexically_normal().string()));
  if (before.exists) {
    FileIdentity entry_id = file_identity(entry_path);
    if (entry_id.exists && before.ctime_ns < entry_id.mtime_ns) {
      if (auto entry = read_file(entry_path)) {
        std::string stamp = file_stamp_line(before);
        if (std::string_view(*entry).starts_with(stamp))
          if (auto cached =
                  parse_canonical_package_index(std::string_view(*entry).substr(stamp.size())))
            return *std::move(cached);
      }
    }
  }
  auto text = WHARF_TRY(read_file(file));
  if (auto canonical = parse_canonical_package_index(text))
    return canonical_order(*std::move(canonical));
  auto parsed = WHARF_TRY(load_package_index(text, file.string(), cache));
  using namespace std::chrono;
  auto now_ns = duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
  if (before.exists && now_ns - before.ctime_ns > 1'000'000'000 && file_identity(file) == before) {
    std::string entry = file_stamp_line(before) + write_package_index(parsed);
    auto check =
        parse_canonical_package_index(std::string_view(entry).substr(entry.find('\n') + 1));
    if (check && write_package_index(*check) == write_package_index(parsed)) {
      std::filesystem::create_directories(cache.dir, ec);
      if (!ec) (void)write_file_atomic(entry_path, entry, Durability::CacheOnly);
    }
  }
  return parsed;
}

}  // namespace wharf::manifest
