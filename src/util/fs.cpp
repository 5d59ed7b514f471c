#include "wharf/util/fs.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <utility>

namespace wharf {

namespace {
std::string errno_text() {
  return std::strerror(errno);
}
}  // namespace

Result<std::string> read_file(const fs::path& path) {
  // POSIX calls, not iostreams: a lock reads hundreds of small index files,
  // and a stream costs a locale, a buffer and two copies for each.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail("cannot read " + path.string() + ": " + errno_text());
  struct stat st {};
  std::string out;
  bool sized = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
  if (sized) out.resize(static_cast<std::size_t>(st.st_size));
  std::size_t used = 0;
  for (;;) {
    if (used == out.size()) out.resize(out.size() < 4096 ? 4096 : out.size() * 2);
    ssize_t n = ::read(fd, out.data() + used, out.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      auto error = fail("error while reading " + path.string() + ": " + errno_text());
      ::close(fd);
      return error;
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
    // A regular file is read up to the size fstat gave: what a reader a
    // moment earlier would have seen (wharf replaces files by rename).
    if (sized && used == out.size()) break;
  }
  ::close(fd);
  out.resize(used);
  return out;
}

std::optional<MappedFile> MappedFile::open(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  std::optional<MappedFile> out;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    out.emplace();
    if (st.st_size > 0) {
      auto size = static_cast<std::size_t>(st.st_size);
      void* data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
      if (data == MAP_FAILED) {
        out.reset();
      } else {
        out->m_data = static_cast<const char*>(data);
        out->m_size = size;
      }
    }
  }
  ::close(fd);
  return out;
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : m_data(std::exchange(other.m_data, nullptr)), m_size(std::exchange(other.m_size, 0)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    this->~MappedFile();
    m_data = std::exchange(other.m_data, nullptr);
    m_size = std::exchange(other.m_size, 0);
  }
  return *this;
}

MappedFile::~MappedFile() {
  if (m_data) ::munmap(const_cast<char*>(m_data), m_size);
}

fs::path unique_sibling(const fs::path& target, std::string_view tag) {
  static std::atomic<unsigned> counter{0};
  static const unsigned salt = std::random_device{}();
  auto name = target.filename().string() + "." + std::string(tag) + "-" +
              std::to_string(::getpid()) + "-" + std::to_string(salt % 100000) + "-" +
              std::to_string(counter++);
  return target.parent_path() / name;
}

namespace {

std::int64_t nanoseconds(const struct timespec& t) {
  return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

FileIdentity identity_of(const struct stat& st) {
  FileIdentity id;
  id.exists = true;
  id.device = static_cast<std::uint64_t>(st.st_dev);
  id.inode = static_cast<std::uint64_t>(st.st_ino);
  id.size = static_cast<std::uint64_t>(st.st_size);
  id.mtime_ns = nanoseconds(st.st_mtim);
  id.ctime_ns = nanoseconds(st.st_ctim);
  return id;
}

}  // namespace

FileIdentity file_identity(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return identity_of(st);
}

std::size_t format_identity(const FileIdentity& id, char (&out)[kIdentityTextMax]) {
  if (!id.exists) {
    std::memcpy(out, "none", 4);
    return 4;
  }
  char* at = out;
  char* end = out + kIdentityTextMax;
  auto put = [&](auto number, bool colon) {
    at = std::to_chars(at, end, number).ptr;
    if (colon) *at++ = ':';
  };
  // Each number takes at most 20 characters (a negative time: a sign and 19 digits).
  put(id.device, true);
  put(id.inode, true);
  put(id.size, true);
  put(id.mtime_ns, true);
  put(id.ctime_ns, false);
  return static_cast<std::size_t>(at - out);
}

std::string identity_text(const FileIdentity& id) {
  char text[kIdentityTextMax];
  return std::string(text, format_identity(id, text));
}

Directory::Directory(fs::path path) : m_path(std::move(path)) {
#ifdef O_PATH
  m_fd = ::open(m_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
#else
  m_fd = ::open(m_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
#endif
}

Directory::~Directory() {
  if (m_fd >= 0) ::close(m_fd);
}

FileIdentity Directory::identity(const std::string& name) const {
  if (m_fd < 0) return file_identity(m_path / name);
  struct stat st {};
  if (::fstatat(m_fd, name.c_str(), &st, 0) != 0) return {};
  return identity_of(st);
}

void mark_used(const fs::path& marker) {
  int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return;
  ::futimens(fd, nullptr);
  ::close(fd);
}

void sync_directory(const fs::path& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

Result<void> write_file_atomic(const fs::path& path, std::string_view content,
                               Durability durability) {
  std::error_code ec;
  if (path.has_parent_path()) {
    fs::create_directories(path.parent_path(), ec);
    if (ec)
      return fail("cannot create folder " + path.parent_path().string() + ": " + ec.message());
  }
  fs::path temp = unique_sibling(path);
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return fail("cannot write " + temp.string() + ": " + errno_text());
  const char* data = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      auto message = errno_text();
      ::close(fd);
      ::unlink(temp.c_str());
      return fail("cannot write " + path.string() + ": " + message);
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  bool flush = durability == Durability::Flushed;
  if ((flush && ::fsync(fd) != 0) || ::close(fd) != 0) {
    auto message = errno_text();
    ::unlink(temp.c_str());
    return fail("cannot write " + path.string() + ": " + message);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    auto message = errno_text();
    ::unlink(temp.c_str());
    return fail("cannot replace " + path.string() + ": " + message);
  }
  if (flush) sync_directory(path.parent_path());
  return {};
}

TempDir::TempDir(std::string_view prefix) {
  std::string pattern = (fs::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr)
    throw std::runtime_error("cannot create a temporary folder: " + errno_text());
  m_path = pattern;
}

TempDir::~TempDir() {
  if (!m_path.empty()) {
    std::error_code ec;
    // Make read-only trees removable first (e.g. unpacked cache entries).
    for (auto it = fs::recursive_directory_iterator(m_path, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_directory(ec) && !it->is_symlink(ec))
        fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
    }
    fs::remove_all(m_path, ec);
  }
}

fs::path TempDir::release() {
  fs::path out = m_path;
  m_path.clear();
  return out;
}

fs::path absolute_from(const fs::path& base, const fs::path& path) {
  fs::path p = path;
  std::string text = p.string();
  if (!text.empty() && text[0] == '~') {
    const char* home = std::getenv("HOME");
    if (home != nullptr) p = fs::path(home) / text.substr(text.size() > 1 ? 2 : 1);
  }
  if (p.is_relative()) p = base / p;
  return p.lexically_normal();
}

}  // namespace wharf
