// Package archives: safe extraction, deterministic packing, reading one member.
//
// Extraction treats every archive as hostile. Each entry's name is normalized
// ("./a//b" -> "a/b") and refused when it is absolute or has a `..`
// component; devices, fifos and sockets are refused; symlinks must resolve
// (through symlinks extracted before them) to a place inside the tree, and are
// checked again once the whole archive is out, because a later symlink can
// change what an earlier one means; hardlinks must name a regular file already
// extracted. Limits count the bytes actually written (and the highest offset a
// sparse entry reaches), never the size a header claims. setuid, setgid and
// sticky bits are dropped; the executable bits are kept; ownership is never
// applied. Any refusal or I/O error removes `dest` and names the entry.
//
// Why not archive_write_disk with ARCHIVE_EXTRACT_SECURE_{SYMLINKS,NODOTDOT,
// NOABSOLUTEPATHS}: those checks work on path strings that are resolved again
// by the kernel at write time, they follow symlinks that already existed, and
// they cannot count written bytes or report which rule an entry broke. Here
// every entry is written through a chain of openat(2) calls from a descriptor
// on `dest`, each with O_NOFOLLOW (files are also O_EXCL), so a path can never
// leave the tree or pass through a symlink: the kernel enforces it, not a
// string check. The SECURE rules are still applied, as the checks above, with
// a message that names the entry.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wharf/util/error.hpp"

namespace wharf::archive {

enum class Format { TarGz, TarXz, TarZst, TarBz2, Zip };

// ".tar.gz"/".tgz", ".tar.xz", ".tar.zst", ".tar.bz2", ".zip" (case-insensitive);
// nullopt for anything else.
std::optional<Format> format_from_filename(std::string_view name);
// The canonical extension with its leading dot: ".tar.gz", ".tar.xz", ".tar.zst",
// ".tar.bz2", ".zip".
std::string_view extension(Format format);

struct ExtractLimits {
  std::uint64_t max_entry_bytes = 4ull << 30;
  std::uint64_t max_total_bytes = 16ull << 30;
  std::uint64_t max_entries = 1'000'000;
};

// Safely extracts `archive_file` (any of the five formats, detected from its
// content) into `dest`, which is created and must not exist or be an empty
// folder. Directories get their archived mode plus owner rwx; files their
// archived permission bits (0777 at most). On failure `dest` is removed and the
// error names the archive and, when one is at fault, the entry.
//
// With `digests`, it is filled with the sha256 (lower-case hex) of every
// regular file the tree ends up with, by tree-relative path ("bin/hello"),
// hashed while the data is written; a file whose data arrived out of order
// (sparse) is left out.
using FileDigests = std::map<std::string, std::string>;
Result<void> extract(const std::filesystem::path& archive_file, const std::filesystem::path& dest,
                     const ExtractLimits& limits = {}, FileDigests* digests = nullptr);

// Deterministic archive of a folder: the same tree gives the same bytes.
// Entries are sorted by relative name (parents before children), with mtime 0,
// uid/gid 0, no user or group names; permission bits (0777 at most) and
// symlinks are kept; hardlinked files are stored as separate files. `exclude`
// lists relative paths ("./" and trailing "/" ignored) to skip with everything
// under them. `out_file` is written to a temporary sibling and renamed into
// place; when it lies inside `src_dir` it is not archived. Fails on sockets,
// fifos and devices in `src_dir`.
Result<void> pack(const std::filesystem::path& src_dir, const std::filesystem::path& out_file,
                  Format format, const std::vector<std::string>& exclude = {});

// Reads the member named `member` (e.g. "wharf-package.yaml"; "./" prefixes are
// ignored on both sides) into memory; nullopt when the archive has no such
// regular file. Fails when the archive cannot be read or the member is larger
// than `max_bytes`.
Result<std::optional<std::string>> read_member(const std::filesystem::path& archive_file,
                                               std::string_view member,
                                               std::uint64_t max_bytes = 64ull << 20);

}  // namespace wharf::archive
