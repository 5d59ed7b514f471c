// File-system helpers with the crash-safety rule of ARCHITECTURE.md: state a
// user can see is written to a temporary sibling, flushed, and renamed into
// place, so an interrupted run leaves the old bytes or the new, never a mix.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "wharf/util/error.hpp"

namespace wharf {

namespace fs = std::filesystem;

Result<std::string> read_file(const fs::path& path);

// A regular file mapped read-only, for large cache files read once: no copy
// into the heap and no page faults while reading (the mapping is populated
// up front). Only for files wharf replaces by rename, never rewrites in
// place (a file truncated under a mapping faults its readers).
class MappedFile {
 public:
  // nullopt when the file cannot be opened or is not a regular file.
  static std::optional<MappedFile> open(const fs::path& path);
  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  ~MappedFile();
  std::string_view bytes() const { return {m_data, m_size}; }

 private:
  const char* m_data = nullptr;
  std::size_t m_size = 0;
};
// How durable write_file_atomic() makes a file. Both are atomic (readers
// see the old content or the new, never a mix); Flushed also survives a power
// loss (fsync of the file and its folder). CacheOnly is for entries that are
// only a cache, where losing one costs a miss and hundreds of flushes would
// cost more than the work they save.
enum class Durability { Flushed, CacheOnly };
// Writes content to `path` atomically (temp file in the same folder, rename;
// with Durability::Flushed an fsync before the rename and of the folder after
// it). Creates missing parent folders.
Result<void> write_file_atomic(const fs::path& path, std::string_view content,
                               Durability durability = Durability::Flushed);
// A path beside `target` that no other process uses: "<target>.tmp-<pid>-<n>".
fs::path unique_sibling(const fs::path& target, std::string_view tag = "tmp");
// fsync a folder so that renames inside it are durable.
void sync_directory(const fs::path& dir);
// Records a use of a cache entry: creates `marker` (empty) if needed and sets
// its mtime to now. Best effort; the store's prune() reads these.
void mark_used(const fs::path& marker);

// What a stat(2) says of a file; `exists` false when missing. Two identities
// that compare equal describe the same bytes unless the file was rewritten
// within one tick of the file system's clock, which callers guard against by
// trusting an identity only when the file's ctime is older than their record.
struct FileIdentity {
  bool exists = false;
  std::uint64_t device = 0, inode = 0, size = 0;
  std::int64_t mtime_ns = 0, ctime_ns = 0;
  friend bool operator==(const FileIdentity&, const FileIdentity&) = default;
};
FileIdentity file_identity(const fs::path& path);
// "device:inode:size:mtime:ctime", or "none".
std::string identity_text(const FileIdentity& id);
// The same text, written into `out` without allocating; returns its length.
inline constexpr std::size_t kIdentityTextMax = 5 * 20 + 4;  // five 64-bit numbers, four colons
std::size_t format_identity(const FileIdentity& id, char (&out)[kIdentityTextMax]);

// A folder held open to stat the files in it: one lookup of the folder's path
// when opened, then one of a single name per file (instead of the whole path
// each time, which the kernel walks component by component). When the folder
// cannot be opened, identity() stats the full path.
class Directory {
 public:
  explicit Directory(fs::path path);
  Directory(const Directory&) = delete;
  Directory& operator=(const Directory&) = delete;
  ~Directory();
  // file_identity() of the folder's `name`, for a `name` within it.
  FileIdentity identity(const std::string& name) const;

 private:
  fs::path m_path;
  int m_fd = -1;
};

// A fresh folder under the system temp dir, removed (recursively) on
// destruction unless release() was called.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "wharf");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return m_path; }
  fs::path release();

 private:
  fs::path m_path;
};

// Removes a half-made file or folder when it goes out of scope, unless
// dismiss() was called once the work that fills it succeeded.
class RemoveOnFailure {
 public:
  explicit RemoveOnFailure(fs::path path) : m_path(std::move(path)) {}
  ~RemoveOnFailure() {
    if (!m_path.empty()) {
      std::error_code ec;
      fs::remove_all(m_path, ec);
    }
  }
  RemoveOnFailure(const RemoveOnFailure&) = delete;
  RemoveOnFailure& operator=(const RemoveOnFailure&) = delete;
  void dismiss() { m_path.clear(); }

 private:
  fs::path m_path;
};

// Expands "~" and turns a path relative to `base` into an absolute, lexically
// normal one.
fs::path absolute_from(const fs::path& base, const fs::path& path);

}  // namespace wharf
