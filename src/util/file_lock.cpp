#include "wharf/util/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace wharf {

namespace {
Result<int> open_lock_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return fail("cannot open lock file " + path.string() + ": " + std::strerror(errno));
  return fd;
}
int flock_op(FileLock::Mode mode) {
  return mode == FileLock::Mode::Shared ? LOCK_SH : LOCK_EX;
}
}  // namespace

Result<FileLock> FileLock::acquire(const std::filesystem::path& path, Mode mode) {
  int fd = WHARF_TRY(open_lock_file(path));
  while (::flock(fd, flock_op(mode)) != 0) {
    if (errno == EINTR) continue;
    auto message = std::strerror(errno);
    ::close(fd);
    return fail("cannot lock " + path.string() + ": " + message);
  }
  return FileLock(fd);
}

Result<std::optional<FileLock>> FileLock::try_acquire(const std::filesystem::path& path,
                                                      Mode mode) {
  int fd = WHARF_TRY(open_lock_file(path));
  if (::flock(fd, flock_op(mode) | LOCK_NB) != 0) {
    int saved = errno;
    ::close(fd);
    if (saved == EWOULDBLOCK) return std::optional<FileLock>{};
    return fail("cannot lock " + path.string() + ": " + std::strerror(saved));
  }
  return std::optional<FileLock>(FileLock(fd));
}

FileLock::FileLock(FileLock&& other) noexcept : m_fd(other.m_fd) {
  other.m_fd = -1;
}
FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = other.m_fd;
    other.m_fd = -1;
  }
  return *this;
}
FileLock::~FileLock() {
  if (m_fd >= 0) ::close(m_fd);  // closing releases the flock
}

}  // namespace wharf
