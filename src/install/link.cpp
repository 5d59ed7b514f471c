#include "link.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "wharf/util/hash.hpp"

namespace wharf::install::detail {

namespace fs = std::filesystem;

std::string errno_text(int error) {
  return std::strerror(error);
}

std::string to_string(LinkMode mode) {
  switch (mode) {
    case LinkMode::Reflink:
      return "reflink";
    case LinkMode::Hardlink:
      return "hardlink";
    case LinkMode::Copy:
      return "copy";
  }
  return "copy";
}

std::optional<LinkMode> parse_link_mode(std::string_view text) {
  if (text == "reflink") return LinkMode::Reflink;
  if (text == "hardlink") return LinkMode::Hardlink;
  if (text == "copy") return LinkMode::Copy;
  return std::nullopt;
}

namespace {

class Fd {
 public:
  explicit Fd(int fd) : m_fd(fd) {}
  ~Fd() {
    if (m_fd >= 0) ::close(m_fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return m_fd; }
  int release() { return std::exchange(m_fd, -1); }

 private:
  int m_fd;
};

Result<void> copy_bytes(int in, int out, const fs::path& source, const fs::path& dest) {
  bool use_copy_range = true;
  for (;;) {
    ssize_t n = -1;
    if (use_copy_range) {
      n = ::copy_file_range(in, nullptr, out, nullptr, 1 << 30, 0);
      if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP)) {
        use_copy_range = false;
        continue;
      }
    } else {
      char buffer[1 << 16];
      n = ::read(in, buffer, sizeof buffer);
      if (n > 0) {
        const char* data = buffer;
        ssize_t left = n;
        while (left > 0) {
          ssize_t w = ::write(out, data, static_cast<std::size_t>(left));
          if (w < 0) {
            if (errno == EINTR) continue;
            return fail("cannot write " + dest.string() + ": " + errno_text(errno));
          }
          data += w;
          left -= w;
        }
      }
    }
    if (n == 0) return {};
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("cannot copy " + source.string() + " to " + dest.string() + ": " +
                  errno_text(errno));
    }
  }
}

enum class Clone { Yes, No };

// Copy or clone `source` to a new `dest` with `permissions`.
Result<Fallback> write_copy(const fs::path& source, const fs::path& dest, mode_t permissions,
                            Clone clone) {
  Fd in(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) return fail("cannot read " + source.string() + ": " + errno_text(errno));
  Fd out(::open(dest.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (out.get() < 0) return fail("cannot create " + dest.string() + ": " + errno_text(errno));
  Fallback fallback = Fallback::None;
  bool cloned = false;
  if (clone == Clone::Yes) {
    cloned = ::ioctl(out.get(), FICLONE, in.get()) == 0;
    if (!cloned) fallback = Fallback::Copied;
  }
  if (!cloned) {
    auto copied = copy_bytes(in.get(), out.get(), source, dest);
    if (!copied) {
      ::unlink(dest.c_str());
      return std::unexpected(copied.error());
    }
  }
  if (::fchmod(out.get(), permissions) != 0)
    return fail("cannot set the mode of " + dest.string() + ": " + errno_text(errno));
  if (::close(out.release()) != 0)
    return fail("cannot write " + dest.string() + ": " + errno_text(errno));
  return fallback;
}

std::mutex g_probe_mutex;
std::map<std::pair<dev_t, dev_t>, LinkMode> g_probe_cache;

}  // namespace

Result<void> copy_file(const fs::path& source, const fs::path& dest, mode_t permissions) {
  WHARF_TRY(write_copy(source, dest, permissions, Clone::No));
  return {};
}

Result<Fallback> place_file(const fs::path& source, const fs::path& dest, LinkMode mode,
                            mode_t permissions) {
  switch (mode) {
    case LinkMode::Reflink:
      return write_copy(source, dest, permissions, Clone::Yes);
    case LinkMode::Hardlink:
      if (::link(source.c_str(), dest.c_str()) == 0) return Fallback::None;
      if (errno == EXDEV || errno == EPERM || errno == EMLINK) {
        WHARF_TRY(write_copy(source, dest, permissions, Clone::No));
        return Fallback::Copied;
      }
      return fail("cannot link " + source.string() + " to " + dest.string() + ": " +
                  errno_text(errno));
    case LinkMode::Copy:
      return write_copy(source, dest, permissions, Clone::No);
  }
  return Fallback::None;
}

Result<LinkMode> probe_link_mode(const fs::path& source_file, const fs::path& dest_dir) {
  if (const char* forced = std::getenv("WHARF_TEST_LINK_MODE"); forced && *forced) {
    auto mode = parse_link_mode(forced);
    if (!mode)
      return fail_input(std::string("WHARF_TEST_LINK_MODE=") + forced + " is not a link mode",
                        "use reflink, hardlink or copy");
    return *mode;
  }
  struct stat source_stat {};
  struct stat dest_stat {};
  if (::stat(source_file.c_str(), &source_stat) != 0)
    return fail("cannot read " + source_file.string() + ": " + errno_text(errno));
  if (::stat(dest_dir.c_str(), &dest_stat) != 0)
    return fail("cannot read " + dest_dir.string() + ": " + errno_text(errno));
  auto key = std::make_pair(source_stat.st_dev, dest_stat.st_dev);
  std::lock_guard lock(g_probe_mutex);
  if (auto it = g_probe_cache.find(key); it != g_probe_cache.end()) return it->second;

  fs::path probe = dest_dir / ".wharf-link-probe";
  ::unlink(probe.c_str());
  LinkMode mode = LinkMode::Copy;
  {
    Fd in(::open(source_file.c_str(), O_RDONLY | O_CLOEXEC));
    Fd out(::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (in.get() >= 0 && out.get() >= 0 && ::ioctl(out.get(), FICLONE, in.get()) == 0)
      mode = LinkMode::Reflink;
  }
  ::unlink(probe.c_str());
  if (mode != LinkMode::Reflink && ::link(source_file.c_str(), probe.c_str()) == 0)
    mode = LinkMode::Hardlink;
  ::unlink(probe.c_str());
  g_probe_cache.emplace(key, mode);
  return mode;
}

Result<std::string> hash_file(const fs::path& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return fail("cannot read " + path.string() + ": " + errno_text(errno));
  Sha256 hasher;
  char buffer[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("cannot read " + path.string() + ": " + errno_text(errno));
    }
    hasher.update(buffer, static_cast<std::size_t>(n));
  }
  return hasher.hex_digest();
}

bool remove_tree(const fs::path& path) {
  std::error_code ec;
  auto status = fs::symlink_status(path, ec);
  if (ec || !fs::exists(status)) return true;
  // Folders wharf creates are writable: try the plain removal first.
  fs::remove_all(path, ec);
  if (!ec) return true;
  if (fs::is_directory(status)) {
    for (auto it = fs::recursive_directory_iterator(path, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      std::error_code ignored;
      if (it->is_directory(ignored) && !it->is_symlink(ignored))
        fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ignored);
    }
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
  }
  ec.clear();
  fs::remove_all(path, ec);
  return !ec;
}

bool remove_tree_parallel(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return errno == ENOENT;
  if (!S_ISDIR(st.st_mode)) return ::unlink(path.c_str()) == 0;
  // Folders, parents first; then files removed folder by folder in parallel
  // (unlinks in different folders do not serialize on a folder lock), then
  // the folders, children first.
  std::vector<fs::path> dirs{path};
  for (std::size_t i = 0; i < dirs.size(); ++i) {
    DIR* handle = ::opendir(dirs[i].c_str());
    if (handle == nullptr) return remove_tree(path);
    while (auto* de = ::readdir(handle)) {
      if (de->d_type == DT_DIR && std::strcmp(de->d_name, ".") != 0 &&
          std::strcmp(de->d_name, "..") != 0)
        dirs.push_back(dirs[i] / de->d_name);
      else if (de->d_type == DT_UNKNOWN) {
        ::closedir(handle);
        return remove_tree(path);
      }
    }
    ::closedir(handle);
  }
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  auto worker = [&] {
    for (;;) {
      std::size_t i = next.fetch_add(1);
      if (i >= dirs.size()) return;
      DIR* handle = ::opendir(dirs[i].c_str());
      if (handle == nullptr) {
        failed = true;
        continue;
      }
      std::vector<std::string> names;
      while (auto* de = ::readdir(handle))
        if (de->d_type != DT_DIR) names.emplace_back(de->d_name);
      for (const auto& name : names)
        if (::unlinkat(::dirfd(handle), name.c_str(), 0) != 0 && errno != ENOENT) failed = true;
      ::closedir(handle);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < 4; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it)
    if (::rmdir(it->c_str()) != 0 && errno != ENOENT) failed = true;
  return failed ? remove_tree(path) : true;
}

}  // namespace wharf::install::detail
