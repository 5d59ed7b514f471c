// Private: putting one file of a cache tree into a prefix (reflink, hard link
// or copy), the once-per-device-pair probe that chooses how, and hashing.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

#include "wharf/util/error.hpp"

namespace wharf::install::detail {

enum class LinkMode { Reflink, Hardlink, Copy };

std::string to_string(LinkMode mode);
std::optional<LinkMode> parse_link_mode(std::string_view text);

// Chooses the mode for files of `source_file`'s device linked into `dest_dir`'s
// device. The answer is cached per (source device, destination device) for the
// life of the process; WHARF_TEST_LINK_MODE overrides it.
Result<LinkMode> probe_link_mode(const std::filesystem::path& source_file,
                                 const std::filesystem::path& dest_dir);

enum class Fallback { None, Copied };

// Creates `dest` (which must not exist) from the regular file `source` with
// `mode` (permission bits, applied exactly for copies and reflinks). A hard
// link failing with EXDEV, EPERM or EMLINK and a reflink that the file system
// refuses fall back to a copy; the return value says so.
Result<Fallback> place_file(const std::filesystem::path& source, const std::filesystem::path& dest,
                            LinkMode mode, mode_t permissions);

// Plain copy, preserving `permissions`.
Result<void> copy_file(const std::filesystem::path& source, const std::filesystem::path& dest,
                       mode_t permissions);

// SHA-256 of a file's bytes via a plain fd (no iostreams).
Result<std::string> hash_file(const std::filesystem::path& path);

// Removes a tree even when some of its folders are read-only. Returns false
// (and leaves what it could not remove) on failure.
bool remove_tree(const std::filesystem::path& path);
// The same for a big tree of writable folders (a generation): files are
// unlinked by a few threads; falls back to remove_tree() on any failure.
bool remove_tree_parallel(const std::filesystem::path& path);

std::string errno_text(int error);

}  // namespace wharf::install::detail
