#include "handles.hpp"

namespace wharf::archive::detail {

#if WHARF_LAZY_ARCHIVE
LazyLibrary& archive_library() {
  static LazyLibrary library(WHARF_ARCHIVE_SONAME, "to pack and unpack archives", "libarchive");
  return library;
}
#endif

Result<void> ensure_loaded() {
#if WHARF_LAZY_ARCHIVE
  return archive_library().load();
#else
  return {};
#endif
}

Result<ReadHandle> open_reader(const std::filesystem::path& file) {
  ReadHandle handle(WHARF_ARCHIVE(archive_read_new)());
  if (!handle) return fail("cannot read " + file.string() + ": out of memory");
  ::archive* a = handle.get();
  WHARF_ARCHIVE(archive_read_support_filter_gzip)(a);
  WHARF_ARCHIVE(archive_read_support_filter_xz)(a);
  WHARF_ARCHIVE(archive_read_support_filter_zstd)(a);
  WHARF_ARCHIVE(archive_read_support_filter_bzip2)(a);
  WHARF_ARCHIVE(archive_read_support_format_tar)(a);
  WHARF_ARCHIVE(archive_read_support_format_gnutar)(a);
  WHARF_ARCHIVE(archive_read_support_format_zip)(a);
  if (WHARF_ARCHIVE(archive_read_open_filename)(a, file.c_str(), 64 * 1024) != ARCHIVE_OK) {
    return fail("cannot open archive " + file.string() + ": " + error_text(a),
                "check that the file exists and is a .tar.gz, .tar.xz, .tar.zst, .tar.bz2 or "
                ".zip archive");
  }
  return handle;
}

}  // namespace wharf::archive::detail
