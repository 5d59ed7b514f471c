// The global content-addressed cache (FORMATS.md "Names": $WHARF_CACHE_DIR,
// else $XDG_CACHE_HOME/wharf, else ~/.cache/wharf).
//
// Layout under the root:
//
//   VERSION                      "wharf-cache 1": the layout version
//   downloads/<sha[0:2]>/<sha>   verified artifacts, named by their sha256
//   trees/<key>/                 unpacked trees, read-only (files 0444 or 0555,
//                                folders 0555); <key> is the archive's sha256,
//                                or an id given to add_tree(); an unpacked
//                                archive's tree holds .wharf/files.sha256
//   tmp/                         staging for everything written (same file
//                                system, so the final rename is atomic)
//   locks/<key>.lock             flock files
//   uses/<sha256 of lockfile>    which keys a lockfile used, for prune()
//   index/, index-cache/, git/   areas owned by other modules (HTTP index
//                                files, parsed index files, git mirrors)
//
// Crash-safety: every entry is written under tmp/ and renamed into place, so
// an entry exists completely or not at all; a killed process leaves at most
// garbage in tmp/, which open() removes once it is an hour old.
// Concurrency: entries are immutable once renamed in; unpack() and add_tree()
// take a per-entry lock so that concurrent processes build a tree once and
// the others wait and reuse it; committing the same download twice at once is
// harmless (same bytes, atomic rename).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wharf/archive/archive.hpp"
#include "wharf/util/error.hpp"
#include "wharf/util/file_lock.hpp"

namespace wharf::store {

// Inside a tree: where unpack() keeps what it knows of the tree (not payload).
inline constexpr std::string_view kTreeMetaDir = ".wharf";
inline constexpr std::string_view kTreeDigestsFile = "files.sha256";

// $WHARF_CACHE_DIR, else $XDG_CACHE_HOME/wharf (when absolute), else
// $HOME/.cache/wharf (the password database's home when HOME is unset). Empty
// variables count as unset.
std::filesystem::path default_root();

class Store {
 public:
  // Creates the layout and the VERSION marker; removes tmp/ garbage older than
  // an hour. Fails when the root cannot be created or holds a cache of another
  // layout version.
  static Result<Store> open(const std::filesystem::path& root);

  const std::filesystem::path& root() const { return m_root; }

  // <root>/downloads/<sha[0:2]>/<sha>. `sha256` should be 64 lower-case hex.
  std::filesystem::path download_path(std::string_view sha256) const;
  bool has_download(std::string_view sha256) const;
  // <root>/tmp: stream downloads here, then commit_download().
  std::filesystem::path temp_dir() const;
  // A fresh path under temp_dir() that no other process uses (not created).
  std::filesystem::path temp_path(std::string_view tag = "file") const;

  // Moves a finished file into downloads after hashing it. On a mismatch the
  // file is deleted, nothing is stored, and the error says
  // "sha256 mismatch for <label>: expected <e>, got <g>". A file outside
  // temp_dir()'s file system is copied. Returns the download path.
  Result<std::filesystem::path> commit_download(const std::filesystem::path& temp_file,
                                                std::string_view expected_sha256,
                                                std::string_view label);
  // The same without reading the file again, for a temp_dir() file whose
  // sha256 the caller has already checked while writing it (net::Client
  // hashes downloads as they stream). Never call it with an unverified file.
  Result<std::filesystem::path> adopt_verified_download(const std::filesystem::path& temp_file,
                                                        std::string_view sha256,
                                                        std::string_view label);
  // Copies a local file in (file: registries), verifying it the same way. When
  // the download is already stored, returns it without reading `file`.
  Result<std::filesystem::path> import_file(const std::filesystem::path& file,
                                            std::string_view expected_sha256,
                                            std::string_view label);

  // <root>/trees/<id>
  std::filesystem::path tree_path(std::string_view id) const;
  // The tree of an archive, extracted (archive::extract, default limits) once:
  // concurrent callers wait for the first and reuse its tree. The archive's
  // `wharf-package.yaml` stays in the tree. `archive_file` is trusted to hash
  // to `archive_sha256` (pass download_path(sha)); it is not re-hashed.
  Result<std::filesystem::path> unpack(std::string_view archive_sha256,
                                       const std::filesystem::path& archive_file);
  // The sha256 of every regular file of tree `id`, by tree-relative path, as
  // unpack() recorded them in <tree>/.wharf/files.sha256 while extracting;
  // empty when unknown (trees from add_tree(), or a damaged record). The
  // installer trusts them instead of hashing each file again.
  archive::FileDigests tree_digests(std::string_view id) const;
  // The same for a tree that `fill` writes into the (empty, existing) staging
  // folder it is given: git checkouts, path dependencies. `id` must be a plain
  // name ([A-Za-z0-9._+-], not starting with a dot). When the tree exists,
  // `fill` is not called. A failing `fill` leaves nothing behind.
  Result<std::filesystem::path> add_tree(
      std::string_view id,
      const std::function<Result<void>(const std::filesystem::path& staging)>& fill);

  std::filesystem::path index_dir() const;
  std::filesystem::path git_dir() const;
  // <root>/locks/<key>.lock, held exclusively until the FileLock is destroyed.
  // `key` must be a plain name like tree ids.
  Result<FileLock> lock(std::string_view key);
  // The same without waiting: std::nullopt when another process holds it.
  Result<std::optional<FileLock>> try_lock(std::string_view key);

  // Records that `lockfile` (made absolute) uses `keys`: download sha256s
  // and tree ids (a key protects the download and the tree of that name).
  // One record per lockfile, replaced on each call. `at` defaults to now.
  Result<void> record_use(const std::filesystem::path& lockfile,
                          const std::vector<std::string>& keys,
                          std::optional<std::chrono::system_clock::time_point> at = std::nullopt);

  struct PruneReport {
    std::size_t removed_entries = 0;  // downloads plus trees
    std::uint64_t freed_bytes = 0;    // sizes of the regular files removed
  };
  // Removes downloads and trees that no use record newer than `max_age` names
  // and that were themselves added longer than `max_age` ago (so a sync that
  // has fetched but not yet recorded keeps its entries). Drops records whose
  // lockfile no longer exists. Also removes git mirrors, git registry
  // checkouts and HTTP index folders whose `.used` marker (see mark_used())
  // is older than `max_age`, and parsed index files of that age. Entries
  // locked by another process are skipped.
  Result<PruneReport> prune(std::chrono::seconds max_age);
  // Removes every download, tree, use record, tmp/ file, index and git
  // mirror; keeps the layout (and the lock files, which others may hold).
  Result<PruneReport> clean();

 private:
  explicit Store(std::filesystem::path root) : m_root(std::move(root)) {}
  Result<std::filesystem::path> move_into_downloads(const std::filesystem::path& temp_file,
                                                    std::string_view sha256,
                                                    std::string_view label);
  Result<std::filesystem::path> commit_tree(const std::string& id,
                                            const std::filesystem::path& staging);
  void prune_used_areas(std::int64_t cutoff, PruneReport& report);
  std::filesystem::path m_root;
};

}  // namespace wharf::store
