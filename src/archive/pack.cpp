// Deterministic packing, format names and single-member reads.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "handles.hpp"
#include "wharf/archive/archive.hpp"
#include "wharf/util/fs.hpp"
#include "wharf/util/strings.hpp"

namespace wharf::archive {

namespace fs = std::filesystem;
using detail::UniqueFd;

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// "./a/b/" -> "a/b"
std::string normalize_member(std::string_view name) {
  std::vector<std::string> parts;
  for (auto part : split(name, '/')) {
    if (part.empty() || part == ".") continue;
    parts.emplace_back(part);
  }
  return join(parts, "/");
}

struct SourceEntry {
  std::string name;  // relative, '/'-separated
  fs::path path;
  struct stat st {};
};

// extract() refuses links that leave the tree, so pack refuses to make them.
// A lexical check: extract() also follows links through other links.
Result<void> check_symlink(const SourceEntry& entry) {
  std::error_code ec;
  std::string target = fs::read_symlink(entry.path, ec).string();
  if (ec) return fail("cannot read symlink " + entry.path.string() + ": " + ec.message());
  std::vector<std::string_view> parts = split(entry.name, '/');
  parts.pop_back();
  bool outside = target.empty() || target.front() == '/';
  for (std::string_view piece : split(target, '/')) {
    if (outside) break;
    if (piece.empty() || piece == ".") continue;
    if (piece != "..") {
      parts.push_back(piece);
    } else if (parts.empty()) {
      outside = true;
    } else {
      parts.pop_back();
    }
  }
  if (!outside) return {};
  return fail("cannot pack " + entry.path.string() + ": it is a symlink to `" + target +
                  "`, outside the folder being packed",
              "wharf refuses such links when extracting; make the link relative and inside the "
              "package, or exclude it");
}

Result<std::vector<SourceEntry>> collect(const fs::path& src_dir, const fs::path& skip_file,
                                         const std::vector<std::string>& exclude) {
  std::vector<std::string> excluded;
  for (const auto& item : exclude) {
    auto normal = normalize_member(item);
    if (!normal.empty()) excluded.push_back(normal);
  }
  auto is_excluded = [&](const std::string& name) {
    return std::any_of(excluded.begin(), excluded.end(), [&](const std::string& ex) {
      return name == ex || (name.size() > ex.size() && name.compare(0, ex.size(), ex) == 0 &&
                            name[ex.size()] == '/');
    });
  };

  std::vector<SourceEntry> entries;
  std::error_code ec;
  fs::recursive_directory_iterator it(src_dir, fs::directory_options::none, ec);
  if (ec) return fail("cannot read folder " + src_dir.string() + ": " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return fail("cannot read folder " + src_dir.string() + ": " + ec.message());
    SourceEntry entry;
    entry.path = it->path();
    entry.name = entry.path.lexically_relative(src_dir).generic_string();
    if (::lstat(entry.path.c_str(), &entry.st) != 0)
      return fail("cannot read " + entry.path.string() + ": " + std::strerror(errno));
    bool is_dir = S_ISDIR(entry.st.st_mode);
    if (is_excluded(entry.name) || entry.path.lexically_normal() == skip_file) {
      if (is_dir) it.disable_recursion_pending();
      continue;
    }
    if (!is_dir && !S_ISREG(entry.st.st_mode) && !S_ISLNK(entry.st.st_mode)) {
      return fail("cannot pack " + entry.path.string() +
                      ": only files, folders and symlinks can be archived",
                  "remove it or add it to the excluded paths");
    }
    if (S_ISLNK(entry.st.st_mode)) WHARF_TRY_VOID(check_symlink(entry));
    entries.push_back(std::move(entry));
  }
  if (ec) return fail("cannot read folder " + src_dir.string() + ": " + ec.message());
  // Plain byte order puts every folder before its contents ("a" < "a/b").
  std::sort(entries.begin(), entries.end(),
            [](const SourceEntry& a, const SourceEntry& b) { return a.name < b.name; });
  return entries;
}

Result<detail::WriteHandle> open_writer(const fs::path& out, Format format) {
  detail::WriteHandle handle(WHARF_ARCHIVE(archive_write_new)());
  if (!handle) return fail("cannot write " + out.string() + ": out of memory");
  ::archive* a = handle.get();
  int status = ARCHIVE_OK;
  if (format == Format::Zip) {
    status = WHARF_ARCHIVE(archive_write_set_format_zip)(a);
  } else {
    // pax only where ustar cannot say it (long names), and without times.
    status = WHARF_ARCHIVE(archive_write_set_format_pax_restricted)(a);
  }
  if (status == ARCHIVE_OK) {
    switch (format) {
      case Format::TarGz:
        status = WHARF_ARCHIVE(archive_write_add_filter_gzip)(a);
        // The gzip header would otherwise carry the current time.
        if (status == ARCHIVE_OK)
          status = WHARF_ARCHIVE(archive_write_set_filter_option)(a, "gzip", "timestamp", nullptr);
        break;
      case Format::TarXz:
        status = WHARF_ARCHIVE(archive_write_add_filter_xz)(a);
        break;
      case Format::TarZst:
        status = WHARF_ARCHIVE(archive_write_add_filter_zstd)(a);
        break;
      case Format::TarBz2:
        status = WHARF_ARCHIVE(archive_write_add_filter_bzip2)(a);
        break;
      case Format::Zip:
        break;
    }
  }
  if (status < ARCHIVE_WARN)
    return fail("cannot set up " + std::string(extension(format)) +
                " writer: " + detail::error_text(a));
  if (WHARF_ARCHIVE(archive_write_open_filename)(a, out.c_str()) != ARCHIVE_OK)
    return fail("cannot write " + out.string() + ": " + detail::error_text(a));
  return handle;
}

Result<void> write_entry(::archive* writer, const SourceEntry& source, const fs::path& out) {
  detail::EntryHandle entry(WHARF_ARCHIVE(archive_entry_new)());
  ::archive_entry* e = entry.get();
  WHARF_ARCHIVE(archive_entry_set_pathname)(e, source.name.c_str());
  WHARF_ARCHIVE(archive_entry_set_mtime)(e, 0, 0);
  WHARF_ARCHIVE(archive_entry_set_uid)(e, 0);
  WHARF_ARCHIVE(archive_entry_set_gid)(e, 0);
  WHARF_ARCHIVE(archive_entry_set_perm)(e, source.st.st_mode & 0777);
  std::string target;
  if (S_ISDIR(source.st.st_mode)) {
    WHARF_ARCHIVE(archive_entry_set_filetype)(e, AE_IFDIR);
    WHARF_ARCHIVE(archive_entry_set_size)(e, 0);
  } else if (S_ISLNK(source.st.st_mode)) {
    std::error_code ec;
    target = fs::read_symlink(source.path, ec).string();
    if (ec) return fail("cannot read symlink " + source.path.string() + ": " + ec.message());
    WHARF_ARCHIVE(archive_entry_set_filetype)(e, AE_IFLNK);
    WHARF_ARCHIVE(archive_entry_set_symlink)(e, target.c_str());
    WHARF_ARCHIVE(archive_entry_set_size)(e, 0);
  } else {
    WHARF_ARCHIVE(archive_entry_set_filetype)(e, AE_IFREG);
    WHARF_ARCHIVE(archive_entry_set_size)(e, source.st.st_size);
  }
  if (WHARF_ARCHIVE(archive_write_header)(writer, e) < ARCHIVE_WARN)
    return fail("cannot write " + out.string() + " (entry `" + source.name +
                "`): " + detail::error_text(writer));
  if (!S_ISREG(source.st.st_mode)) return {};

  UniqueFd fd(::open(source.path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return fail("cannot read " + source.path.string() + ": " + std::strerror(errno));
  std::vector<char> buffer(256 * 1024);
  la_int64_t left = source.st.st_size;
  while (left > 0) {
    ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("cannot read " + source.path.string() + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    n = std::min<ssize_t>(n, left);
    if (WHARF_ARCHIVE(archive_write_data)(writer, buffer.data(), static_cast<std::size_t>(n)) < 0)
      return fail("cannot write " + out.string() + ": " + detail::error_text(writer));
    left -= n;
  }
  if (left != 0)
    return fail("cannot pack " + source.path.string() + ": it changed size while being read",
                "run the command again once nothing is writing to the folder");
  return {};
}

}  // namespace

std::optional<Format> format_from_filename(std::string_view name) {
  std::string text = lower(name);
  if (ends_with(text, ".tar.gz") || ends_with(text, ".tgz")) return Format::TarGz;
  if (ends_with(text, ".tar.xz")) return Format::TarXz;
  if (ends_with(text, ".tar.zst")) return Format::TarZst;
  if (ends_with(text, ".tar.bz2")) return Format::TarBz2;
  if (ends_with(text, ".zip")) return Format::Zip;
  return std::nullopt;
}

std::string_view extension(Format format) {
  switch (format) {
    case Format::TarGz:
      return ".tar.gz";
    case Format::TarXz:
      return ".tar.xz";
    case Format::TarZst:
      return ".tar.zst";
    case Format::TarBz2:
      return ".tar.bz2";
    case Format::Zip:
      return ".zip";
  }
  return "";
}

Result<void> pack(const fs::path& src_dir, const fs::path& out_file, Format format,
                  const std::vector<std::string>& exclude) {
  WHARF_TRY_VOID(detail::ensure_loaded());
  std::error_code ec;
  if (!fs::is_directory(src_dir, ec)) {
    return fail_input("cannot pack " + src_dir.string() + ": it is not a folder",
                      "give the folder that holds wharf-package.yaml");
  }
  fs::path out = fs::absolute(out_file, ec).lexically_normal();
  fs::path src = fs::absolute(src_dir, ec).lexically_normal();
  auto entries = WHARF_TRY(collect(src, out, exclude));

  if (out.has_parent_path()) {
    fs::create_directories(out.parent_path(), ec);
    if (ec) return fail("cannot create folder " + out.parent_path().string() + ": " + ec.message());
  }
  fs::path temp = unique_sibling(out);
  auto written = [&]() -> Result<void> {
    detail::WriteHandle writer = WHARF_TRY(open_writer(temp, format));
    for (const auto& entry : entries) WHARF_TRY_VOID(write_entry(writer.get(), entry, out));
    if (WHARF_ARCHIVE(archive_write_close)(writer.get()) != ARCHIVE_OK)
      return fail("cannot write " + out.string() + ": " + detail::error_text(writer.get()));
    return {};
  }();
  if (written) {
    UniqueFd fd(::open(temp.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.valid()) ::fsync(fd.get());
    if (::rename(temp.c_str(), out.c_str()) != 0)
      written = fail("cannot replace " + out.string() + ": " + std::strerror(errno));
  }
  if (!written) {
    fs::remove(temp, ec);
    return written;
  }
  sync_directory(out.parent_path());
  return {};
}

Result<std::optional<std::string>> read_member(const fs::path& archive_file,
                                               std::string_view member, std::uint64_t max_bytes) {
  WHARF_TRY_VOID(detail::ensure_loaded());
  std::string wanted = normalize_member(member);
  detail::ReadHandle reader = WHARF_TRY(detail::open_reader(archive_file));
  ::archive* a = reader.get();
  ::archive_entry* entry = nullptr;
  while (true) {
    int status = WHARF_ARCHIVE(archive_read_next_header)(a, &entry);
    if (status == ARCHIVE_EOF) return std::optional<std::string>{};
    if (status < ARCHIVE_WARN) {
      return fail("cannot read " + archive_file.string() + ": " + detail::error_text(a),
                  "the file is damaged, truncated or not an archive");
    }
    const char* name = WHARF_ARCHIVE(archive_entry_pathname)(entry);
    if (name == nullptr || normalize_member(name) != wanted) continue;
    if (WHARF_ARCHIVE(archive_entry_filetype)(entry) != AE_IFREG ||
        WHARF_ARCHIVE(archive_entry_hardlink)(entry) != nullptr)
      continue;
    std::string content;
    char buffer[64 * 1024];
    while (true) {
      la_ssize_t n = WHARF_ARCHIVE(archive_read_data)(a, buffer, sizeof buffer);
      if (n == 0) break;
      if (n < 0) {
        return fail("cannot read `" + wanted + "` from " + archive_file.string() + ": " +
                        detail::error_text(a),
                    "the file is damaged or truncated");
      }
      if (content.size() + static_cast<std::size_t>(n) > max_bytes) {
        return fail("`" + wanted + "` in " + archive_file.string() + " is larger than " +
                        std::to_string(max_bytes) + " bytes",
                    "package metadata must be small; check the archive");
      }
      content.append(buffer, static_cast<std::size_t>(n));
    }
    return std::optional<std::string>(std::move(content));
  }
}

}  // namespace wharf::archive
