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

namespace {

// `entry` (a stamp line, then write_package_index(index)) written atomically
// if it reads back to the same index: the canonical layout cannot express
// every valid file, e.g. a quote inside a URL. A lost entry is only a miss,
// and a first lock of 10,000 packages must not wait for 10,000 flushes.
void keep_entry(const std::filesystem::path& path, const std::string& entry) {
  auto body = std::string_view(entry).substr(entry.find('\n') + 1);
  auto check = parse_canonical_package_index(body);
  if (!check || write_package_index(*check) != body) return;
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (!ec) (void)write_file_atomic(path, entry, Durability::CacheOnly);
}

struct Loaded {
  PackageIndex index;
  bool canonical = false;  // read as it is, without the cache
};

Result<Loaded> load_text(std::string_view text, const std::string& file_label,
                         const IndexCache& cache) {
  // Canonical files need no cache: the fast path reads them as they are.
  if (auto canonical = parse_canonical_package_index(text))
    return Loaded{canonical_order(*std::move(canonical)), true};
  if (cache.dir.empty())
    return Loaded{canonical_order(WHARF_TRY(parse_package_index(text, file_label)))};

  std::string sha = sha256_hex(text);
  std::filesystem::path entry_path = cache.dir / sha;
  if (auto entry = read_file(entry_path))
    if (auto cached = read_index_cache_entry(*entry, sha)) return Loaded{*std::move(cached)};
  PackageIndex parsed = canonical_order(WHARF_TRY(parse_package_index(text, file_label)));
  keep_entry(entry_path, write_index_cache_entry(parsed, sha));
  return Loaded{std::move(parsed)};
}

}  // namespace

Result<PackageIndex> load_package_index(std::string_view text, const std::string& file_label,
                                        const IndexCache& cache) {
  return WHARF_TRY(load_text(text, file_label, cache)).index;
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
  auto loaded = WHARF_TRY(load_text(text, file.string(), cache));
  using namespace std::chrono;
  auto now_ns = duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
  if (!loaded.canonical && before.exists && now_ns - before.ctime_ns > 1'000'000'000 &&
      file_identity(file) == before)
    keep_entry(entry_path, file_stamp_line(before) + write_package_index(loaded.index));
  return std::move(loaded.index);
}

}  // namespace wharf::manifest
