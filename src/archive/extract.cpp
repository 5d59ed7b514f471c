// Safe extraction; the rules and why they are enforced this way are in
// include/wharf/archive/archive.hpp.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <optional>

#include "handles.hpp"
#include "wharf/archive/archive.hpp"
#include "wharf/util/hash.hpp"
#include "wharf/util/strings.hpp"

namespace wharf::archive {

namespace fs = std::filesystem;
using detail::UniqueFd;

namespace {

constexpr int kMaxSymlinkHops = 40;

std::string errno_text(int error) {
  return std::strerror(error);
}

// Splits an archive name into components. Returns a reason when the name is
// refused; an empty component list means the root itself ("." or "./").
std::optional<std::string> split_entry_name(std::string_view raw, std::vector<std::string>& parts) {
  parts.clear();
  if (raw.empty()) return "it has an empty name";
  if (raw.front() == '/') return "it has an absolute path";
  for (std::string_view part : split(raw, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") return "its path has a `..` component";
    parts.emplace_back(part);
  }
  return std::nullopt;
}

enum class Resolution { Inside, Outside, Loop };

// Resolves a path given as components relative to the tree at `root_fd`,
// following symlinks that exist in the tree and treating missing components
// lexically. Says whether the result stays inside the tree.
Resolution resolve_in_tree(int root_fd, std::deque<std::string> todo) {
  std::vector<std::string> current;
  int hops = 0;
  while (!todo.empty()) {
    std::string part = std::move(todo.front());
    todo.pop_front();
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (current.empty()) return Resolution::Outside;
      current.pop_back();
      continue;
    }
    current.push_back(std::move(part));
    // Every component before the last in `current` is known not to be a
    // symlink, so readlinkat resolves nothing but the last one.
    std::string path = join(current, "/");
    char buffer[4096];
    ssize_t n = ::readlinkat(root_fd, path.c_str(), buffer, sizeof buffer);
    if (n < 0) continue;  // missing or not a symlink: lexical from here
    if (++hops > kMaxSymlinkHops) return Resolution::Loop;
    current.pop_back();
    std::string_view target(buffer, static_cast<std::size_t>(n));
    if (target.empty() || target.front() == '/') return Resolution::Outside;
    auto pieces = split(target, '/');
    for (auto it = pieces.rbegin(); it != pieces.rend(); ++it) todo.emplace_front(*it);
  }
  return Resolution::Inside;
}

class Extractor {
 public:
  Extractor(const fs::path& archive_file, const ExtractLimits& limits, int root_fd,
            FileDigests* digests)
      : m_archive_file(archive_file), m_limits(limits), m_root(root_fd), m_digests(digests) {}

  Result<void> run(::archive* reader) {
    ::archive_entry* entry = nullptr;
    while (true) {
      int status = WHARF_ARCHIVE(archive_read_next_header)(reader, &entry);
      if (status == ARCHIVE_EOF) break;
      if (status < ARCHIVE_WARN) {
        return fail("cannot read " + m_archive_file.string() +
                        (m_last_name.empty() ? "" : " after entry `" + m_last_name + "`") + ": " +
                        detail::error_text(reader),
                    "the file is damaged, truncated or not an archive; download it again");
      }
      const char* name = WHARF_ARCHIVE(archive_entry_pathname)(entry);
      if (name == nullptr) name = WHARF_ARCHIVE(archive_entry_pathname_utf8)(entry);
      m_last_name = name != nullptr ? name : "";
      if (++m_entries > m_limits.max_entries) {
        return refuse(m_last_name, "the archive has more than " +
                                       std::to_string(m_limits.max_entries) + " entries");
      }
      WHARF_TRY_VOID(extract_entry(reader, entry, m_last_name));
    }
    WHARF_TRY_VOID(check_symlinks_again());
    return apply_directory_modes();
  }

 private:
  std::unexpected<Error> refuse(const std::string& entry, const std::string& reason) const {
    return fail(
        "refusing to extract `" + entry + "` from " + m_archive_file.string() + ": " + reason,
        "the archive is malformed or hostile, so nothing was extracted; check where it "
        "came from");
  }
  std::unexpected<Error> io_error(const std::string& entry, const std::string& what,
                                  int error) const {
    return fail("cannot extract `" + entry + "` from " + m_archive_file.string() + ": " + what +
                    ": " + errno_text(error),
                "check free space and permissions of the destination");
  }

  // Opens the folder that will hold the last component of `parts`, walking
  // from the root with O_NOFOLLOW so that no symlink is ever traversed.
  // Missing folders are created when `create` is set.
  Result<UniqueFd> open_parent(const std::vector<std::string>& parts, const std::string& entry,
                               bool create) {
    UniqueFd current(::dup(m_root));
    if (!current.valid()) return io_error(entry, "dup", errno);
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      const std::string& part = parts[i];
      int fd =
          ::openat(current.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0 && errno == ENOENT && create) {
        if (::mkdirat(current.get(), part.c_str(), 0700) != 0 && errno != EEXIST)
          return io_error(entry, "cannot create folder `" + part + "`", errno);
        std::vector<std::string> prefix(parts.begin(), parts.begin() + i + 1);
        m_directories.emplace_back(join(prefix, "/"), 0755);
        fd = ::openat(current.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      }
      if (fd < 0) {
        int error = errno;
        std::vector<std::string> prefix(parts.begin(), parts.begin() + i + 1);
        std::string where = join(prefix, "/");
        struct stat st {};
        if (::fstatat(current.get(), part.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
          if (S_ISLNK(st.st_mode))
            return refuse(entry, "its parent `" + where +
                                     "` is a symlink, and writing through symlinks is refused");
          return refuse(entry, "its parent `" + where + "` is not a folder");
        }
        if (error == ENOENT) return refuse(entry, "its parent `" + where + "` does not exist");
        return io_error(entry, "cannot open folder `" + where + "`", error);
      }
      current.reset(fd);
    }
    return current;
  }

  // Makes room for a new non-folder entry: an earlier file or link of the
  // same name is replaced (as tar does), a folder is not.
  Result<void> clear_slot(int parent, const std::string& name, const std::string& entry) {
    struct stat st {};
    if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) return {};
      return io_error(entry, "stat", errno);
    }
    if (S_ISDIR(st.st_mode))
      return refuse(entry, "a folder of the same name was extracted before it");
    if (::unlinkat(parent, name.c_str(), 0) != 0) return io_error(entry, "unlink", errno);
    return {};
  }

  Result<void> extract_entry(::archive* reader, ::archive_entry* entry, const std::string& name) {
    std::vector<std::string> parts;
    if (auto reason = split_entry_name(name, parts)) return refuse(name, *reason);

    if (const char* link = WHARF_ARCHIVE(archive_entry_hardlink)(entry)) {
      if (parts.empty()) return refuse(name, "a hardlink cannot replace the root folder");
      WHARF_TRY_VOID(extract_hardlink(parts, link, name));
      if (m_digests) {
        std::vector<std::string> target_parts;
        split_entry_name(link, target_parts);
        auto it = m_digests->find(join(target_parts, "/"));
        if (it != m_digests->end())
          (*m_digests)[join(parts, "/")] = it->second;
        else
          m_digests->erase(join(parts, "/"));
      }
      return {};
    }
    auto type = WHARF_ARCHIVE(archive_entry_filetype)(entry);
    if (parts.empty()) {
      if (type == AE_IFDIR) return {};  // "./": the root itself
      return refuse(name, "it names the root folder but is not a folder");
    }
    // Whatever this entry replaces loses its digest; a file sets a new one.
    if (m_digests) m_digests->erase(join(parts, "/"));
    switch (type) {
      case AE_IFREG:
        return extract_file(reader, entry, parts, name);
      case AE_IFDIR:
        return extract_directory(entry, parts, name);
      case AE_IFLNK:
        return extract_symlink(entry, parts, name);
      case AE_IFCHR:
        return refuse(name, "it is a character device");
      case AE_IFBLK:
        return refuse(name, "it is a block device");
      case AE_IFIFO:
        return refuse(name, "it is a fifo");
      case AE_IFSOCK:
        return refuse(name, "it is a socket");
      default:
        return refuse(name, "it has an unknown file type");
    }
  }

  Result<void> extract_file(::archive* reader, ::archive_entry* entry,
                            const std::vector<std::string>& parts, const std::string& name) {
    UniqueFd parent = WHARF_TRY(open_parent(parts, name, true));
    const std::string& leaf = parts.back();
    WHARF_TRY_VOID(clear_slot(parent.get(), leaf, name));
    UniqueFd file(::openat(parent.get(), leaf.c_str(),
                           O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!file.valid()) return io_error(name, "cannot create file", errno);

    std::uint64_t end = 0;
    // Hashed while written when the data arrives in order (always, except for
    // sparse files); otherwise the file simply gets no digest.
    std::optional<Sha256> hasher;
    if (m_digests) hasher.emplace();
    while (true) {
      const void* block = nullptr;
      std::size_t size = 0;
      la_int64_t offset = 0;
      int status = WHARF_ARCHIVE(archive_read_data_block)(reader, &block, &size, &offset);
      if (status == ARCHIVE_EOF) break;
      if (status < ARCHIVE_WARN) {
        return fail("cannot read `" + name + "` from " + m_archive_file.string() + ": " +
                        detail::error_text(reader),
                    "the file is damaged or truncated; download it again");
      }
      if (offset < 0) return refuse(name, "it has data at a negative offset");
      auto start = static_cast<std::uint64_t>(offset);
      if (start + size > m_limits.max_entry_bytes) {
        return refuse(name, "it expands beyond the limit of " +
                                std::to_string(m_limits.max_entry_bytes) + " bytes per entry");
      }
      m_total_bytes += size;
      if (m_total_bytes > m_limits.max_total_bytes) {
        return refuse(name, "the archive expands beyond the limit of " +
                                std::to_string(m_limits.max_total_bytes) + " bytes in total");
      }
      const char* data = static_cast<const char*>(block);
      if (hasher) {
        if (start == end)
          hasher->update(data, size);
        else
          hasher.reset();
      }
      std::size_t done = 0;
      while (done < size) {
        ssize_t n =
            ::pwrite(file.get(), data + done, size - done, static_cast<off_t>(start + done));
        if (n < 0) {
          if (errno == EINTR) continue;
          return io_error(name, "write", errno);
        }
        done += static_cast<std::size_t>(n);
      }
      end = std::max<std::uint64_t>(end, start + size);
    }
    // A sparse file may end in a hole; its logical size is the header's.
    if (WHARF_ARCHIVE(archive_entry_size_is_set)(entry) != 0) {
      auto claimed = static_cast<std::uint64_t>(
          std::max<la_int64_t>(0, WHARF_ARCHIVE(archive_entry_size)(entry)));
      if (claimed > end) {
        if (claimed > m_limits.max_entry_bytes) {
          return refuse(name, "it expands beyond the limit of " +
                                  std::to_string(m_limits.max_entry_bytes) + " bytes per entry");
        }
        if (::ftruncate(file.get(), static_cast<off_t>(claimed)) != 0)
          return io_error(name, "truncate", errno);
        hasher.reset();
      }
    }
    if (hasher) (*m_digests)[join(parts, "/")] = hasher->hex_digest();
    // Permission bits only: setuid, setgid and sticky are dropped.
    mode_t mode = WHARF_ARCHIVE(archive_entry_perm)(entry) & 0777;
    if (::fchmod(file.get(), mode) != 0) return io_error(name, "chmod", errno);
    int fd = file.release();
    if (::close(fd) != 0) return io_error(name, "close", errno);
    return {};
  }

  Result<void> extract_directory(::archive_entry* entry, const std::vector<std::string>& parts,
                                 const std::string& name) {
    UniqueFd parent = WHARF_TRY(open_parent(parts, name, true));
    const std::string& leaf = parts.back();
    struct stat st {};
    if (::fstatat(parent.get(), leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
      if (!S_ISDIR(st.st_mode))
        return refuse(name,
                      "an entry of the same name that is not a folder was extracted before it");
    } else if (errno != ENOENT) {
      return io_error(name, "stat", errno);
    } else if (::mkdirat(parent.get(), leaf.c_str(), 0700) != 0) {
      return io_error(name, "cannot create folder", errno);
    }
    // Applied once everything is out, so a read-only folder cannot stop later
    // entries; the owner always keeps rwx.
    m_directories.emplace_back(join(parts, "/"),
                               (WHARF_ARCHIVE(archive_entry_perm)(entry) & 0777) | 0700);
    return {};
  }

  Result<void> check_symlink_target(const std::vector<std::string>& parts, std::string_view target,
                                    const std::string& name, std::string_view when) {
    if (target.empty()) return refuse(name, "it is a symlink with an empty target");
    if (target.front() == '/') {
      return refuse(name, "it is a symlink to the absolute path `" + std::string(target) +
                              "`, outside the extracted folder");
    }
    std::deque<std::string> todo(parts.begin(), parts.end() - 1);
    for (std::string_view piece : split(target, '/')) todo.emplace_back(piece);
    switch (resolve_in_tree(m_root, std::move(todo))) {
      case Resolution::Inside:
        return {};
      case Resolution::Outside:
        return refuse(name, "it is a symlink to `" + std::string(target) +
                                "`, which resolves outside the extracted folder" +
                                std::string(when));
      case Resolution::Loop:
        return refuse(name, "it is a symlink to `" + std::string(target) +
                                "`, which does not resolve (too many levels of symlinks)" +
                                std::string(when));
    }
    return {};
  }

  Result<void> extract_symlink(::archive_entry* entry, const std::vector<std::string>& parts,
                               const std::string& name) {
    const char* raw = WHARF_ARCHIVE(archive_entry_symlink)(entry);
    if (raw == nullptr) raw = WHARF_ARCHIVE(archive_entry_symlink_utf8)(entry);
    std::string target = raw != nullptr ? raw : "";
    WHARF_TRY_VOID(check_symlink_target(parts, target, name, ""));
    UniqueFd parent = WHARF_TRY(open_parent(parts, name, true));
    const std::string& leaf = parts.back();
    WHARF_TRY_VOID(clear_slot(parent.get(), leaf, name));
    if (::symlinkat(target.c_str(), parent.get(), leaf.c_str()) != 0)
      return io_error(name, "cannot create symlink", errno);
    m_symlinks.push_back({parts, target, name});
    return {};
  }

  Result<void> extract_hardlink(const std::vector<std::string>& parts,
                                const std::string& raw_target, const std::string& name) {
    std::vector<std::string> target_parts;
    if (auto reason = split_entry_name(raw_target, target_parts); reason || target_parts.empty()) {
      return refuse(name, "it is a hardlink to `" + raw_target + "`, outside the extracted folder");
    }
    auto target_or = open_parent(target_parts, name, false);
    if (!target_or) {
      return refuse(name, "it is a hardlink to `" + raw_target +
                              "`, which is not a file extracted before it");
    }
    UniqueFd target_parent = std::move(*target_or);
    const std::string& target_leaf = target_parts.back();
    struct stat st {};
    if (::fstatat(target_parent.get(), target_leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISREG(st.st_mode)) {
      return refuse(name, "it is a hardlink to `" + raw_target +
                              "`, which is not a regular file extracted before it");
    }
    if (target_parts == parts) return {};
    UniqueFd parent = WHARF_TRY(open_parent(parts, name, true));
    const std::string& leaf = parts.back();
    WHARF_TRY_VOID(clear_slot(parent.get(), leaf, name));
    if (::linkat(target_parent.get(), target_leaf.c_str(), parent.get(), leaf.c_str(), 0) != 0)
      return io_error(name, "cannot create hardlink", errno);
    return {};
  }

  // A later entry can change what an earlier symlink resolves through, so every
  // symlink still in the tree is resolved again against the final tree.
  Result<void> check_symlinks_again() {
    for (const auto& link : m_symlinks) {
      std::string path = join(link.parts, "/");
      char buffer[4096];
      ssize_t n = ::readlinkat(m_root, path.c_str(), buffer, sizeof buffer);
      if (n < 0 || std::string_view(buffer, static_cast<std::size_t>(n)) != link.target) continue;
      WHARF_TRY_VOID(check_symlink_target(link.parts, link.target, link.name,
                                          " once later entries are extracted"));
    }
    return {};
  }

  Result<void> apply_directory_modes() {
    // Stable, so that for a folder listed twice (created for a child, then
    // its own entry) the later mode wins.
    std::stable_sort(m_directories.begin(), m_directories.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    for (const auto& [path, mode] : m_directories) {
      std::vector<std::string> parts;
      for (auto part : split(path, '/')) parts.emplace_back(part);
      auto parent = open_parent(parts, path, false);
      if (!parent) continue;
      UniqueFd dir(::openat(parent->get(), parts.back().c_str(),
                            O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!dir.valid()) continue;
      if (::fchmod(dir.get(), mode) != 0) return io_error(path, "chmod", errno);
    }
    return {};
  }

  struct Symlink {
    std::vector<std::string> parts;
    std::string target;
    std::string name;
  };

  fs::path m_archive_file;
  ExtractLimits m_limits;
  int m_root;
  FileDigests* m_digests;
  std::uint64_t m_entries = 0;
  std::uint64_t m_total_bytes = 0;
  std::string m_last_name;
  // Relative path and final mode of every folder created.
  std::vector<std::pair<std::string, mode_t>> m_directories;
  std::vector<Symlink> m_symlinks;
};

void remove_tree(const fs::path& path) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(path, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec))
      fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
  }
  fs::remove_all(path, ec);
}

}  // namespace

Result<void> extract(const fs::path& archive_file, const fs::path& dest,
                     const ExtractLimits& limits, FileDigests* digests) {
  if (digests) digests->clear();
  WHARF_TRY_VOID(detail::ensure_loaded());
  std::error_code ec;
  auto status = fs::symlink_status(dest, ec);
  if (fs::exists(status)) {
    if (!fs::is_directory(status) || !fs::is_empty(dest, ec)) {
      return fail("cannot extract " + archive_file.string() + " into " + dest.string() +
                      ": it already exists and is not an empty folder",
                  "remove it or choose another destination");
    }
  } else if (!fs::create_directories(dest, ec) && ec) {
    return fail("cannot create " + dest.string() + ": " + ec.message(),
                "check permissions of its parent folder");
  }

  auto result = [&]() -> Result<void> {
    detail::ReadHandle reader = WHARF_TRY(detail::open_reader(archive_file));
    UniqueFd root(::open(dest.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!root.valid()) return fail("cannot open " + dest.string() + ": " + errno_text(errno));
    Extractor extractor(archive_file, limits, root.get(), digests);
    return extractor.run(reader.get());
  }();
  if (!result) remove_tree(dest);
  return result;
}

}  // namespace wharf::archive
