// Private RAII wrappers for libarchive handles and POSIX descriptors. Only
// src/archive/ includes libarchive; the public header stays C-free.
// libarchive's functions are called through WHARF_ARCHIVE(name), which
// resolves them on first use when the build loads libarchive lazily
// (WHARF_LAZY_LIBS, wharf/util/lazy_library.hpp).
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <type_traits>

#include "wharf/util/error.hpp"
#include "wharf/util/lazy_library.hpp"

namespace wharf::archive::detail {

#if WHARF_LAZY_ARCHIVE
// The libarchive the build was linked against, by soname.
LazyLibrary& archive_library();
#endif

// Loads libarchive when the build loads it lazily; thread-safe, later calls
// return the first outcome. Every public function calls it first.
Result<void> ensure_loaded();

}  // namespace wharf::archive::detail

// WHARF_ARCHIVE(archive_read_new)() calls archive_read_new; decltype does not
// odr-use the function, so nothing links against libarchive.
#if WHARF_LAZY_ARCHIVE
#define WHARF_ARCHIVE(name)                                                \
  (::wharf::lazy_symbol<&::wharf::archive::detail::archive_library, #name, \
                        std::add_pointer_t<decltype(::name)>>())
#else
#define WHARF_ARCHIVE(name) name
#endif

namespace wharf::archive::detail {

struct ReadFree {
  void operator()(::archive* handle) const { WHARF_ARCHIVE(archive_read_free)(handle); }
};
struct WriteFree {
  void operator()(::archive* handle) const { WHARF_ARCHIVE(archive_write_free)(handle); }
};
struct EntryFree {
  void operator()(::archive_entry* entry) const { WHARF_ARCHIVE(archive_entry_free)(entry); }
};

using ReadHandle = std::unique_ptr<::archive, ReadFree>;
using WriteHandle = std::unique_ptr<::archive, WriteFree>;
using EntryHandle = std::unique_ptr<::archive_entry, EntryFree>;

// libarchive's last error for `handle`, never empty.
inline std::string error_text(::archive* handle) {
  const char* text = WHARF_ARCHIVE(archive_error_string)(handle);
  return text != nullptr && *text != '\0' ? text : "unknown libarchive error";
}

// An owned file descriptor, closed on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : m_fd(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : m_fd(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return m_fd; }
  bool valid() const { return m_fd >= 0; }
  int release() {
    int fd = m_fd;
    m_fd = -1;
    return fd;
  }
  void reset(int fd = -1) {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = fd;
  }

 private:
  int m_fd = -1;
};

// Opens `file` for reading as tar (ustar, pax, gnu) or zip, compressed with
// gzip, xz, zstd, bzip2 or not at all. Other formats are not accepted: less
// parser surface for hostile input.
Result<ReadHandle> open_reader(const std::filesystem::path& file);

}  // namespace wharf::archive::detail
