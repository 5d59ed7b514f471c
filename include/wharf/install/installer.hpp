// The installer: turns a set of unpacked package trees (read-only, in the
// global cache) into an environment prefix `.wharf/envs/<env>/`, atomically,
// quickly, and verifiably. It knows nothing of solving, manifests or the
// store: it is handed trees on disk.
//
// ## Layout on disk: generations behind one symlink
//
//   .wharf/envs/<env>            symlink -> .<env>-<N>   (the prefix users see)
//   .wharf/envs/.<env>-<N>/      generation N: bin/ lib/ share/ ... + .wharf/
//   .wharf/envs/.<env>-<N>/.wharf/digest        sha256 of the request (fast path)
//   .wharf/envs/.<env>-<N>/.wharf/state.json    packages (name, version, id, ...)
//   .wharf/envs/.<env>-<N>/.wharf/record.json   every installed file
//   .wharf/envs/.<env>.lock      exclusive FileLock held by apply() / recover()
//   .wharf/envs/.<env>.journal   {old, new} generation, written before the swap
//
// apply() builds the complete new prefix as a sibling generation N+1 and
// commits it with ONE atomic step: a new symlink is created under a temporary
// name and rename(2)d over `<env>`. Whatever moment the process is killed, a
// reader sees either the old generation or the new one, never a mix; recover()
// only has to delete what the swap made unreachable (a half-built generation,
// or the old one after a completed swap). No renames of individual files,
// therefore no partially committed state to roll forward.
//
// "Upgrading one package touches only its files" still holds: the files of
// every package that is kept are hard links of the old generation's files
// (the same inodes, same bytes; only the link count moves), and only the
// added, replaced or repaired packages are linked from their cache trees.
// User files found in the old generation (anything the record does not list)
// are carried over the same way, so apply() never loses what the user added.
//
// Cost: every apply that changes something makes one hard link per entry of
// the environment (and unlinks the old generation), so it is O(files in the
// environment) in cheap metadata operations, while only the changed packages'
// files are read, copied or hashed.
//
// Durability: a kill at any moment is covered by the single swap. Against a
// power loss, copied or reflinked bytes are flushed (syncfs) before the swap;
// hard links and renames are metadata that journaling file systems commit in
// order.
//
// Trade-off: the real path of the prefix changes at every apply (it ends in
// `.<env>-<N>`). Tools must use the `envs/<env>` path, not its realpath, to
// refer to the environment across applies; a process already running from the
// old generation keeps working (its inodes live on).
//
// ## Linking
//
// New files come from a cache tree by reflink (FICLONE), else hard link, else
// copy. The mode is decided once per (cache device, envs device) pair by a
// probe, not per file; a hard link that still fails with EXDEV, EPERM or
// EMLINK falls back to a copy of that file. Files a package marks private
// (`private_files`) are copies (or reflinks) with the owner's write bit, so
// editing them never reaches the shared cache. Executable bits and symlinks (as
// written, relative targets intact) survive; folders are always created 0755.
// Packages are linked in parallel by a few threads.
//
// Hard-linked files share the cache's read-only inode: editing files inside
// the prefix is not supported. verify() reports such edits (Modified) and
// `Repair::All` reinstalls them.
//
// ## Clashes
//
// Two packages that install the same non-folder path are an error naming both
// packages and the path, raised by plan() before anything is written, unless
// `clash_winners` names the package that wins that path (the loser's file is
// then not installed). Folders shared by packages are fine.
//
// ## The record and verification
//
// `record.json` lists, for each package, each installed file: relative path,
// type (file, symlink, dir), mode, size, sha256 (files) or target (symlinks).
// verify() hashes every file and reports Modified, Missing, TypeChanged and
// Extra (a file the record does not list, except the `.wharf/` metadata
// folder). Removing a package removes exactly its files and the folders left
// empty; files a user added stay (and verify keeps reporting them as Extra).
//
// Test hooks (environment variables, read once per apply()):
//   WHARF_TEST_LINK_MODE=reflink|hardlink|copy  skip the probe, force a mode
//   WHARF_TEST_CRASH_AFTER=<n>                  SIGKILL the process at the
//                                               n-th step of apply() (each
//                                               linked file, record write,
//                                               journal, swap, cleanup)
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "wharf/util/error.hpp"

namespace wharf::install {

struct PackageTree {
  std::string name;
  std::string version;
  // Content identity (artifact sha256, git commit + path, ...): a different id
  // means the package is replaced.
  std::string id;
  // Unpacked tree: its entries are installed at the same relative paths.
  std::filesystem::path tree;
  // Tree-relative paths not to install ("wharf-package.yaml"); a folder skips
  // everything below it.
  std::vector<std::string> skip;
  // Install the tree under this prefix-relative folder ("share/<name>");
  // empty = the prefix root.
  std::string subdir;
  // Optional sha256 (lower-case hex) of the tree's regular files, by
  // tree-relative path, when the caller already knows them (the store hashes
  // while unpacking). Files not listed are hashed during apply().
  std::map<std::string, std::string> known_sha256;
  // Tree-relative paths or globs (`*` within one folder; a folder covers what
  // is below it) of files installed as private copies, owner-writable, never
  // hard-linked into the cache: files meant to be edited in the prefix.
  std::vector<std::string> private_files;
};

struct Request {
  // `.wharf/envs/<env>`: the symlink users see (created by apply()).
  std::filesystem::path prefix;
  // The complete desired set; names must be unique.
  std::vector<PackageTree> packages;
  // Prefix-relative path -> the package allowed to win a clash on it.
  std::map<std::string, std::string> clash_winners;
  // All: reinstall damaged (modified, missing, retyped) recorded files.
  enum class Repair { None, All } repair = Repair::None;
  // Names of packages to relink from their trees even when unchanged.
  std::set<std::string> reinstall;
};

struct InstallPlan {
  // Package names, sorted.
  std::vector<std::string> add, remove, replace, keep;
  // Prefix-relative paths whose clash `clash_winners` settled, with the
  // winning package.
  std::map<std::string, std::string> clashes_won;
  // Number of entries (files, symlinks, folders) the new prefix will hold.
  std::size_t entries = 0;
  // True when the environment already matches and no repair/reinstall is
  // asked: apply() would not write anything.
  bool up_to_date = false;
  bool is_noop() const { return up_to_date; }
};

struct ApplyReport {
  InstallPlan plan;
  // Files and symlinks linked or copied from cache trees (not carried over).
  std::size_t files_linked = 0;
  // Files carried over from the previous generation (same inodes).
  std::size_t files_kept = 0;
  // "reflink", "hardlink" or "copy"; empty when nothing was linked.
  std::string link_mode;
  // The generation now visible (0 when nothing is installed).
  std::size_t generation = 0;
  // Files the user had added at a path a package now installs: the package's
  // file replaced them (prefix-relative paths).
  std::vector<std::string> user_files_replaced;
};

// Fast path: true when the recorded state matches `packages` exactly (names,
// versions, ids, subdirs, skips, clash winners) and neither a repair nor a
// reinstall is asked. One lstat of the prefix and a read of the 64-byte
// digest file; no tree walking, no file hashing. Fails only on an invalid prefix.
Result<bool> is_up_to_date(const Request& request);

// The digest of the request the visible generation of `prefix` installed (64
// hex), or empty when the prefix is not a managed environment. One lstat and
// one 64-byte read; for callers that remember the digest of their last apply
// (ops' sync stamp) and want to know nobody has changed the prefix since.
std::string installed_digest(const std::filesystem::path& prefix);
// The digest apply() records for `request` (the value installed_digest()
// returns after a successful apply of it).
std::string request_digest_of(const Request& request);

// Diff against the record and walk of the desired trees; detects clashes
// (ErrorKind::Failure naming both packages and the path), duplicate names,
// missing trees and unsafe paths before anything is written. Writes nothing.
Result<InstallPlan> plan(const Request& request);

// recover(), plan(), then build and swap in a new generation. Holds an
// exclusive lock on the environment for the whole call, so concurrent
// applies of the same prefix queue. A no-op plan writes nothing.
Result<ApplyReport> apply(const Request& request);

struct FileProblem {
  enum class Kind { Modified, Missing, Extra, TypeChanged } kind;
  std::string path;     // prefix-relative
  std::string package;  // empty for Extra
};
struct VerifyReport {
  std::vector<FileProblem> problems;  // sorted by path
  std::size_t files_checked = 0;
  bool ok() const { return problems.empty(); }
};

// Checks the prefix against its record, hashing every file. Holds a shared
// lock on the environment (waits for a running apply()). A prefix that was
// never installed fails.
Result<VerifyReport> verify(const std::filesystem::path& prefix);

// Finishes an interrupted apply(): removes half-built or superseded
// generations, temporary symlinks and the journal, under the environment's
// lock. Safe to call at any time; apply() calls it first.
Result<void> recover(const std::filesystem::path& prefix);

std::string to_string(FileProblem::Kind kind);

}  // namespace wharf::install
