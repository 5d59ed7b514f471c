#include "wharf/store/store.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>
#include <sstream>

#include "wharf/archive/archive.hpp"
#include "wharf/util/fs.hpp"
#include "wharf/util/hash.hpp"
#include "wharf/util/strings.hpp"

namespace wharf::store {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kLayoutVersion = "wharf-cache 1";
constexpr std::string_view kUsesHeader = "wharf-uses 1";
constexpr std::chrono::hours kTmpGarbageAge{1};

const char* const kAreas[] = {"downloads", "trees", "tmp",         "locks",
                              "uses",      "index", "index-cache", "git"};

std::optional<std::string> env_value(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

// Tree ids and lock keys become file names: keep them plain.
bool is_plain_name(std::string_view name) {
  if (name.empty() || name.size() > 200 || name.front() == '.') return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == '+';
    if (!ok) return false;
  }
  return true;
}

std::optional<std::int64_t> mtime_of(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return std::nullopt;
  return static_cast<std::int64_t>(st.st_mtime);
}

std::int64_t unix_seconds(std::chrono::system_clock::time_point at) {
  return std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count();
}

// Bytes of the regular files at or under `path` (symlinks not followed).
std::uint64_t bytes_under(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return 0;
  if (S_ISREG(st.st_mode)) return static_cast<std::uint64_t>(st.st_size);
  if (!S_ISDIR(st.st_mode)) return 0;
  std::uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(path, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (::lstat(it->path().c_str(), &st) == 0 && S_ISREG(st.st_mode))
      total += static_cast<std::uint64_t>(st.st_size);
  }
  return total;
}

// Removes a file or a folder, read-only trees included.
Result<void> remove_tree(const fs::path& path) {
  std::error_code ec;
  auto status = fs::symlink_status(path, ec);
  if (fs::is_directory(status)) {
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
    for (auto it = fs::recursive_directory_iterator(path, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_directory(ec) && !it->is_symlink(ec))
        fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
    }
  }
  ec.clear();
  fs::remove_all(path, ec);
  if (ec)
    return fail("cannot remove " + path.string() + ": " + ec.message(),
                "check the permissions of the cache folder");
  return {};
}

// Files keep only read and (when they had any) execute bits; folders become
// 0555. The top folder is left writable: renaming a folder to another parent
// needs write access to it.
Result<void> make_read_only(const fs::path& top) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(top, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0) continue;
    mode_t mode = 0;
    if (S_ISREG(st.st_mode))
      mode = (st.st_mode & 0111) != 0 ? 0555 : 0444;
    else if (S_ISDIR(st.st_mode))
      mode = 0555;
    else
      continue;
    if (::chmod(it->path().c_str(), mode) != 0)
      return fail("cannot make " + it->path().string() + " read-only: " + std::strerror(errno));
  }
  if (ec) return fail("cannot read " + top.string() + ": " + ec.message());
  return {};
}

// Removes entries of `dir` whose own mtime is older than `age`.
void remove_older_than(const fs::path& dir, std::chrono::seconds age) {
  auto cutoff = unix_seconds(std::chrono::system_clock::now()) - age.count();
  std::error_code ec;
  std::vector<fs::path> old;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    auto mtime = mtime_of(it->path());
    if (mtime && *mtime < cutoff) old.push_back(it->path());
  }
  for (const auto& path : old) (void)remove_tree(path);
}

std::unexpected<Error> bad_sha(std::string_view sha, std::string_view label) {
  return fail_input("invalid sha256 `" + std::string(sha) + "` for " + std::string(label),
                    "a sha256 is 64 lower-case hexadecimal characters");
}

std::unexpected<Error> bad_name(std::string_view what, std::string_view name) {
  return fail_input("invalid cache " + std::string(what) + " `" + std::string(name) + "`",
                    "use letters, digits, `.`, `_`, `-` and `+`, not starting with `.`");
}

struct UseRecord {
  fs::path lockfile;
  std::int64_t time = 0;
  std::vector<std::string> keys;
};

std::optional<UseRecord> parse_use_record(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line != kUsesHeader) return std::nullopt;
  UseRecord record;
  bool has_lockfile = false;
  bool has_time = false;
  while (std::getline(in, line)) {
    auto space = line.find(' ');
    if (space == std::string::npos) continue;
    std::string_view field(line.data(), space);
    std::string value = line.substr(space + 1);
    if (field == "lockfile") {
      record.lockfile = value;
      has_lockfile = true;
    } else if (field == "time") {
      char* end = nullptr;
      record.time = std::strtoll(value.c_str(), &end, 10);
      has_time = end != value.c_str();
    } else if (field == "key") {
      record.keys.push_back(value);
    }
  }
  if (!has_lockfile || !has_time) return std::nullopt;
  return record;
}

}  // namespace

fs::path default_root() {
  if (auto dir = env_value("WHARF_CACHE_DIR")) return fs::path(*dir);
  if (auto xdg = env_value("XDG_CACHE_HOME"); xdg && fs::path(*xdg).is_absolute())
    return fs::path(*xdg) / "wharf";
  std::optional<std::string> home = env_value("HOME");
  if (!home) {
    if (const passwd* entry = ::getpwuid(::getuid()); entry != nullptr && entry->pw_dir != nullptr)
      home = entry->pw_dir;
  }
  if (!home) return fs::temp_directory_path() / ("wharf-cache-" + std::to_string(::getuid()));
  return fs::path(*home) / ".cache" / "wharf";
}

Result<Store> Store::open(const fs::path& root) {
  std::error_code ec;
  fs::path absolute = fs::absolute(root, ec).lexically_normal();
  if (ec) return fail("cannot use cache folder " + root.string() + ": " + ec.message());
  for (const char* area : kAreas) {
    fs::create_directories(absolute / area, ec);
    if (ec) {
      return fail("cannot create cache folder " + (absolute / area).string() + ": " + ec.message(),
                  "check its permissions, or set WHARF_CACHE_DIR to a writable folder");
    }
  }
  fs::path marker = absolute / "VERSION";
  if (fs::exists(marker, ec)) {
    auto text = WHARF_TRY(read_file(marker));
    if (trim(text) != kLayoutVersion) {
      return fail("the cache at " + absolute.string() + " has layout `" + std::string(trim(text)) +
                      "`, but this wharf uses `" + std::string(kLayoutVersion) + "`",
                  "remove that folder, or set WHARF_CACHE_DIR to another one");
    }
  } else {
    WHARF_TRY_VOID(write_file_atomic(marker, std::string(kLayoutVersion) + "\n"));
  }
  remove_older_than(absolute / "tmp", kTmpGarbageAge);
  return Store(absolute);
}

fs::path Store::download_path(std::string_view sha256) const {
  fs::path dir = m_root / "downloads";
  if (sha256.size() >= 2) dir /= std::string(sha256.substr(0, 2));
  return dir / std::string(sha256);
}

bool Store::has_download(std::string_view sha256) const {
  if (!is_sha256_hex(sha256)) return false;
  std::error_code ec;
  return fs::is_regular_file(fs::symlink_status(download_path(sha256), ec));
}

fs::path Store::temp_dir() const {
  return m_root / "tmp";
}

fs::path Store::temp_path(std::string_view tag) const {
  return unique_sibling(temp_dir() / std::string(tag), "tmp");
}

fs::path Store::index_dir() const {
  return m_root / "index";
}
fs::path Store::git_dir() const {
  return m_root / "git";
}
fs::path Store::tree_path(std::string_view id) const {
  return m_root / "trees" / std::string(id);
}

Result<FileLock> Store::lock(std::string_view key) {
  if (!is_plain_name(key)) return bad_name("lock key", key);
  return FileLock::acquire(m_root / "locks" / (std::string(key) + ".lock"));
}

Result<std::optional<FileLock>> Store::try_lock(std::string_view key) {
  if (!is_plain_name(key)) return bad_name("lock key", key);
  return FileLock::try_acquire(m_root / "locks" / (std::string(key) + ".lock"));
}

Result<fs::path> Store::commit_download(const fs::path& temp_file, std::string_view expected_sha256,
                                        std::string_view label) {
  std::error_code ec;
  if (!is_sha256_hex(expected_sha256)) {
    fs::remove(temp_file, ec);
    return bad_sha(expected_sha256, label);
  }
  auto actual = sha256_file(temp_file);
  if (!actual) {
    fs::remove(temp_file, ec);
    return std::unexpected(with_context(actual.error(), "verifying " + std::string(label)));
  }
  if (*actual != expected_sha256) {
    fs::remove(temp_file, ec);
    return fail("sha256 mismatch for " + std::string(label) + ": expected " +
                    std::string(expected_sha256) + ", got " + *actual,
                "the artifact changed since it was locked, or the transfer was corrupted; if "
                "the new content is trusted, update the lockfile (`wharf lock`)");
  }
  return move_into_downloads(temp_file, expected_sha256, label);
}

Result<fs::path> Store::adopt_verified_download(const fs::path& temp_file, std::string_view sha256,
                                                std::string_view label) {
  if (!is_sha256_hex(sha256)) {
    std::error_code ec;
    fs::remove(temp_file, ec);
    return bad_sha(sha256, label);
  }
  return move_into_downloads(temp_file, sha256, label);
}

Result<fs::path> Store::move_into_downloads(const fs::path& temp_file,
                                            std::string_view expected_sha256,
                                            std::string_view label) {
  std::error_code ec;
  fs::path final_path = download_path(expected_sha256);
  fs::create_directories(final_path.parent_path(), ec);
  if (ec) {
    fs::remove(temp_file, ec);
    return fail("cannot create " + final_path.parent_path().string() + ": " + ec.message());
  }
  ::chmod(temp_file.c_str(), 0444);
  if (::rename(temp_file.c_str(), final_path.c_str()) != 0) {
    int error = errno;
    if (error != EXDEV) {
      fs::remove(temp_file, ec);
      return fail("cannot store " + std::string(label) + " in the cache: " + std::strerror(error));
    }
    // Another file system: copy under tmp/ first so the final step is a rename.
    fs::path staged = temp_path("download");
    fs::copy_file(temp_file, staged, ec);
    std::error_code ignored;
    fs::remove(temp_file, ignored);
    if (ec || ::rename(staged.c_str(), final_path.c_str()) != 0) {
      std::string why = ec ? ec.message() : std::strerror(errno);
      fs::remove(staged, ec);
      return fail("cannot store " + std::string(label) + " in the cache: " + why);
    }
  }
  sync_directory(final_path.parent_path());
  return final_path;
}

Result<fs::path> Store::import_file(const fs::path& file, std::string_view expected_sha256,
                                    std::string_view label) {
  if (!is_sha256_hex(expected_sha256)) return bad_sha(expected_sha256, label);
  if (has_download(expected_sha256)) return download_path(expected_sha256);
  fs::path staged = temp_path("import");
  std::error_code ec;
  fs::copy_file(file, staged, ec);
  if (ec) {
    fs::remove(staged, ec);
    return fail(
        "cannot read " + std::string(label) + " from " + file.string() + ": " + ec.message(),
        "check that the registry folder holds the artifact the index names");
  }
  return commit_download(staged, expected_sha256, label);
}

Result<fs::path> Store::commit_tree(const std::string& id, const fs::path& staging) {
  auto sealed = make_read_only(staging);
  if (!sealed) {
    (void)remove_tree(staging);
    return std::unexpected(sealed.error());
  }
  fs::path final_path = tree_path(id);
  if (::rename(staging.c_str(), final_path.c_str()) != 0) {
    int error = errno;
    (void)remove_tree(staging);
    std::error_code ec;
    if ((error == EEXIST || error == ENOTEMPTY) && fs::is_directory(final_path, ec))
      return final_path;
    return fail("cannot store tree " + id + " in the cache: " + std::strerror(error));
  }
  ::chmod(final_path.c_str(), 0555);
  sync_directory(final_path.parent_path());
  return final_path;
}

Result<fs::path> Store::unpack(std::string_view archive_sha256, const fs::path& archive_file) {
  if (!is_sha256_hex(archive_sha256)) return bad_sha(archive_sha256, archive_file.string());
  std::string id(archive_sha256);
  fs::path final_path = tree_path(id);
  std::error_code ec;
  if (fs::is_directory(fs::symlink_status(final_path, ec))) return final_path;
  FileLock held = WHARF_TRY(lock("tree-" + id));
  // Another process may have finished while we waited.
  if (fs::is_directory(fs::symlink_status(final_path, ec))) return final_path;
  fs::path staging = temp_path("tree-" + id.substr(0, 12));
  archive::FileDigests digests;
  WHARF_TRY_VOID(archive::extract(archive_file, staging, {}, &digests));
  // The digests go where no package may put files (the installer refuses a
  // top-level .wharf and ops skips it), replacing whatever the archive had.
  fs::path meta = staging / kTreeMetaDir;
  (void)remove_tree(meta);
  std::string text;
  for (const auto& [path, sha] : digests)
    if (path.find('\n') == std::string::npos && !path.starts_with(std::string(kTreeMetaDir) + "/"))
      text += sha + " " + path + "\n";
  std::error_code mkdir_ec;
  fs::create_directory(meta, mkdir_ec);
  // As durable as the tree's own files (extract does not flush them either);
  // a lost record only makes the installer hash the files itself.
  if (!mkdir_ec) (void)write_file_atomic(meta / kTreeDigestsFile, text, Durability::CacheOnly);
  return commit_tree(id, staging);
}

archive::FileDigests Store::tree_digests(std::string_view id) const {
  archive::FileDigests digests;
  auto text = read_file(tree_path(id) / kTreeMetaDir / kTreeDigestsFile);
  if (!text) return digests;
  for (std::string_view line : split(*text, '\n')) {
    if (line.size() < 66 || line[64] != ' ' || !is_sha256_hex(line.substr(0, 64))) continue;
    digests.emplace(std::string(line.substr(65)), std::string(line.substr(0, 64)));
  }
  return digests;
}

Result<fs::path> Store::add_tree(std::string_view id,
                                 const std::function<Result<void>(const fs::path& staging)>& fill) {
  if (!is_plain_name(id)) return bad_name("tree id", id);
  std::string key(id);
  fs::path final_path = tree_path(key);
  std::error_code ec;
  if (fs::is_directory(fs::symlink_status(final_path, ec))) return final_path;
  FileLock held = WHARF_TRY(lock("tree-" + key));
  if (fs::is_directory(fs::symlink_status(final_path, ec))) return final_path;
  fs::path staging = temp_path("tree");
  fs::create_directory(staging, ec);
  if (ec) return fail("cannot create " + staging.string() + ": " + ec.message());
  auto filled = fill(staging);
  if (!filled) {
    (void)remove_tree(staging);
    return std::unexpected(filled.error());
  }
  return commit_tree(key, staging);
}

Result<void> Store::record_use(const fs::path& lockfile, const std::vector<std::string>& keys,
                               std::optional<std::chrono::system_clock::time_point> at) {
  std::error_code ec;
  std::string path = fs::absolute(lockfile, ec).lexically_normal().string();
  if (path.find('\n') != std::string::npos)
    return fail_input("cannot record a lockfile path with a line break: " + path);
  std::string text = std::string(kUsesHeader) + "\nlockfile " + path + "\ntime " +
                     std::to_string(unix_seconds(at.value_or(std::chrono::system_clock::now()))) +
                     "\n";
  std::set<std::string> unique(keys.begin(), keys.end());
  for (const auto& key : unique) {
    if (key.find('\n') != std::string::npos) return bad_name("key", key);
    text += "key " + key + "\n";
  }
  // Written under tmp/ and renamed in, like every other cache entry.
  fs::path staged = temp_path("use");
  WHARF_TRY_VOID(write_file_atomic(staged, text));
  fs::path final_path = m_root / "uses" / sha256_hex(path);
  if (::rename(staged.c_str(), final_path.c_str()) != 0) {
    int error = errno;
    fs::remove(staged, ec);
    return fail("cannot write " + final_path.string() + ": " + std::strerror(error));
  }
  return {};
}

Result<Store::PruneReport> Store::prune(std::chrono::seconds max_age) {
  const std::int64_t cutoff = unix_seconds(std::chrono::system_clock::now()) - max_age.count();
  std::set<std::string> keep;
  std::error_code ec;
  std::vector<fs::path> dead_records;
  for (auto it = fs::directory_iterator(m_root / "uses", ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    auto text = read_file(it->path());
    if (!text) continue;
    auto record = parse_use_record(*text);
    if (!record) continue;
    std::error_code exists_ec;
    if (!fs::exists(record->lockfile, exists_ec) && !exists_ec) {
      dead_records.push_back(it->path());
      continue;
    }
    if (record->time >= cutoff) keep.insert(record->keys.begin(), record->keys.end());
  }
  if (ec) return fail("cannot read " + (m_root / "uses").string() + ": " + ec.message());
  for (const auto& path : dead_records) fs::remove(path, ec);

  PruneReport report;
  auto removable = [&](const fs::path& path, const std::string& key) {
    if (keep.contains(key)) return false;
    auto mtime = mtime_of(path);
    return mtime && *mtime <= cutoff;
  };

  std::vector<fs::path> downloads;
  for (auto it = fs::recursive_directory_iterator(m_root / "downloads", ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_regular_file(type_ec) && removable(it->path(), it->path().filename().string()))
      downloads.push_back(it->path());
  }
  for (const auto& path : downloads) {
    auto bytes = bytes_under(path);
    if (::unlink(path.c_str()) == 0) {
      ++report.removed_entries;
      report.freed_bytes += bytes;
    }
  }

  std::vector<fs::path> trees;
  for (auto it = fs::directory_iterator(m_root / "trees", ec);
       !ec && it != fs::directory_iterator(); it.increment(ec)) {
    if (removable(it->path(), it->path().filename().string())) trees.push_back(it->path());
  }
  for (const auto& path : trees) {
    std::string id = path.filename().string();
    if (!is_plain_name(id)) continue;
    // A process building or re-checking this tree holds its lock: leave it.
    auto held = FileLock::try_acquire(m_root / "locks" / ("tree-" + id + ".lock"));
    if (!held || !held->has_value()) continue;
    auto bytes = bytes_under(path);
    // Move it out of trees/ first, so that no reader ever sees half a tree.
    fs::path doomed = temp_path("pruned");
    ::chmod(path.c_str(), 0755);
    if (::rename(path.c_str(), doomed.c_str()) != 0) continue;
    WHARF_TRY_VOID(remove_tree(doomed));
    ++report.removed_entries;
    report.freed_bytes += bytes;
  }
  prune_used_areas(cutoff, report);
  remove_older_than(temp_dir(), kTmpGarbageAge);
  return report;
}

// git mirrors, git registry checkouts and HTTP index files are not named by
// use records (they are keyed by URL or commit, not by what a lockfile
// lists); each records its own last use in a `.used` marker (mark_used()).
// One unused for longer than the cutoff is removed, unless a process holds
// its lock. Parsed index files (index-cache/) are regenerated on a miss, so
// their age alone decides.
void Store::prune_used_areas(std::int64_t cutoff, PruneReport& report) {
  auto last_use = [](const fs::path& entry, const fs::path& marker) {
    auto used = mtime_of(marker);
    auto made = mtime_of(entry);
    return std::max(used.value_or(0), made.value_or(0));
  };
  auto drop = [&](const fs::path& entry, const std::vector<fs::path>& extra) {
    fs::path doomed = temp_path("pruned");
    if (::rename(entry.c_str(), doomed.c_str()) != 0) return;
    report.freed_bytes += bytes_under(doomed);
    ++report.removed_entries;
    (void)remove_tree(doomed);
    std::error_code ec;
    for (const auto& path : extra) fs::remove(path, ec);
  };
  auto prune_folder = [&](const fs::path& dir, std::string_view suffix, bool marker_inside) {
    std::error_code ec;
    std::vector<fs::path> entries;
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
      std::error_code type_ec;
      std::string name = it->path().filename().string();
      if (it->is_directory(type_ec) && !it->is_symlink(type_ec) && name.ends_with(suffix))
        entries.push_back(it->path());
    }
    for (const auto& entry : entries) {
      fs::path marker = marker_inside ? entry / "used" : fs::path(entry.string() + ".used");
      if (last_use(entry, marker) > cutoff) continue;
      // git mirrors and checkouts are written under `<entry>.lock`; HTTP
      // index folders have no lock (their files are replaced atomically).
      std::optional<FileLock> held;
      if (!marker_inside) {
        auto taken = FileLock::try_acquire(entry.string() + ".lock");
        if (!taken || !taken->has_value()) continue;
        held = std::move(**taken);
      }
      drop(entry, marker_inside ? std::vector<fs::path>{} : std::vector<fs::path>{marker});
    }
  };
  prune_folder(m_root / "git", ".git", false);
  prune_folder(m_root / "git" / "checkouts", "", false);
  prune_folder(m_root / "index", "", true);

  std::error_code ec;
  std::vector<fs::path> parsed;
  for (auto it = fs::directory_iterator(m_root / "index-cache", ec);
       !ec && it != fs::directory_iterator(); it.increment(ec)) {
    auto mtime = mtime_of(it->path());
    if (mtime && *mtime <= cutoff) parsed.push_back(it->path());
  }
  for (const auto& path : parsed) {
    auto bytes = bytes_under(path);
    if (::unlink(path.c_str()) == 0) {
      ++report.removed_entries;
      report.freed_bytes += bytes;
    }
  }
}

Result<Store::PruneReport> Store::clean() {
  PruneReport report;
  for (const char* area : {"downloads", "trees", "uses", "tmp", "index", "index-cache", "git"}) {
    fs::path dir = m_root / area;
    std::error_code ec;
    std::vector<fs::path> children;
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
         it.increment(ec))
      children.push_back(it->path());
    if (ec) return fail("cannot read " + dir.string() + ": " + ec.message());
    for (const auto& child : children) {
      if (std::string_view(area) == "downloads") {
        for (auto it = fs::directory_iterator(child, ec); !ec && it != fs::directory_iterator();
             it.increment(ec))
          ++report.removed_entries;
      } else if (std::string_view(area) == "trees") {
        ++report.removed_entries;
      }
      report.freed_bytes += bytes_under(child);
      WHARF_TRY_VOID(remove_tree(child));
    }
  }
  return report;
}

}  // namespace wharf::store
