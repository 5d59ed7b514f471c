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

#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "wharf/manifest/registry_index.hpp"
#include "wharf/util/error.hpp"
#include "wharf/util/fs.hpp"

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

// The index files of one folder (a file registry's or a git checkout's
// `index/`), read through `cache` without reading or hashing a file it has
// seen. Every file this object parsed is recorded, with its identity (device,
// inode, size, mtime, ctime; util/fs.hpp), in one entry for the folder,
// `<dir>/folder-<sha256 of the purpose and the folder's absolute path>`: a
// stamp line, then for each file a line `<file name> <identity> <bytes>
// <checksum>` and that many bytes of the index in encode_package_index()'s
// binary form, as the caller's `finish` left it (the purpose names what
// `finish` does, so that callers that finish differently never share an
// entry). The entry is read once, on the first
// load(); a file is then answered from it with one stat while it has exactly
// the recorded identity, and read and parsed as before (through the content
// cache) otherwise. A file is recorded only when it was unchanged for a second
// before it was read, so an edit in the same clock tick as the read (which
// could keep the identity) is never recorded. save() writes the entry back,
// atomically, when some file was not answered by it; the destructor calls it.
// Not thread-safe: the registry that owns it serialises its calls.
class IndexFolder {
 public:
  IndexFolder(std::filesystem::path folder, IndexCache cache, std::string purpose = "parsed");
  ~IndexFolder();
  IndexFolder(const IndexFolder&) = delete;
  IndexFolder& operator=(const IndexFolder&) = delete;

  void set_cache(IndexCache cache);

  // The index in `<folder>/<file_name>`: load_package_index()'s result passed
  // through `finish` (which may fail; a failure is not recorded), with their
  // errors; nullopt when there is no such file (the registry lacks the
  // package). `finish` must depend on nothing but the index and `file_name`.
  using Finish = std::function<Result<PackageIndex>(PackageIndex)>;
  Result<std::optional<PackageIndex>> load(const std::string& file_name,
                                           const Finish& finish = nullptr);

  // Writes the folder's entry if load() parsed a file the entry did not hold
  // (or dropped one); a cache that cannot be written is skipped silently.
  void save();

  // How many load() calls the entry answered, and how many parsed a file.
  std::size_t answered() const { return m_answered; }
  std::size_t parsed() const { return m_parsed; }

 private:
  // Views into m_entry (slots read from the entry) or m_owned (files parsed
  // by this object).
  struct Slot {
    std::string_view identity;  // identity_text() of the file when it was recorded
    std::string_view body;      // encode_package_index() of its index
    std::uint64_t checksum = 0;
  };
  std::string_view own(std::string text);
  void open();
  std::filesystem::path entry_path() const;

  std::filesystem::path m_folder;
  std::unique_ptr<Directory> m_directory;  // m_folder, held open once open() ran
  IndexCache m_cache;
  std::string m_purpose;
  bool m_opened = false, m_dirty = false;
  MappedFile m_entry;                                  // the entry as read
  std::deque<std::string> m_owned;                     // stable: slots point into it
  std::unordered_map<std::string_view, Slot> m_slots;  // by file name
  std::size_t m_answered = 0, m_parsed = 0;
};

// The cache entry for an index whose bytes hash to `sha256`, and its reader
// (nullopt when the entry is not one for that hash or does not parse).
std::string write_index_cache_entry(const PackageIndex& index, std::string_view sha256);
std::optional<PackageIndex> read_index_cache_entry(std::string_view entry, std::string_view sha256);

}  // namespace wharf::manifest
