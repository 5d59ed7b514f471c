#include "handles.hpp"

namespace wharf::archive::detail {

Result<ReadHandle> open_reader(const std::filesystem::path& file) {
  ReadHandle handle(archive_read_new());
  if (!handle) return fail("cannot read " + file.string() + ": out of memory");
  ::archive* a = handle.get();
  archive_read_support_filter_gzip(a);
  archive_read_support_filter_xz(a);
  archive_read_support_filter_zstd(a);
  archive_read_support_filter_bzip2(a);
  archive_read_support_format_tar(a);
  archive_read_support_format_gnutar(a);
  archive_read_support_format_zip(a);
  if (archive_read_open_filename(a, file.c_str(), 64 * 1024) != ARCHIVE_OK) {
    return fail("cannot open archive " + file.string() + ": " + error_text(a),
                "check that the file exists and is a .tar.gz, .tar.xz, .tar.zst, .tar.bz2 or "
                ".zip archive");
  }
  return handle;
}

}  // namespace wharf::archive::detail
