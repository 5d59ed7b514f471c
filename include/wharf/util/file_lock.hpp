// Advisory whole-file locks (flock) that serialize wharf processes sharing a
// cache entry or an environment. Released when the object is destroyed, and by
// the kernel when the process dies, so a killed wharf never leaves a stale lock.
#pragma once

#include <filesystem>
#include <optional>

#include "wharf/util/error.hpp"

namespace wharf {

class FileLock {
 public:
  enum class Mode { Shared, Exclusive };

  // Blocks until the lock is held. Creates the lock file (and its folder).
  static Result<FileLock> acquire(const std::filesystem::path& path, Mode mode = Mode::Exclusive);
  // Returns std::nullopt when another process holds a conflicting lock.
  static Result<std::optional<FileLock>> try_acquire(const std::filesystem::path& path,
                                                     Mode mode = Mode::Exclusive);

  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : m_fd(fd) {}
  int m_fd = -1;
};

}  // namespace wharf
