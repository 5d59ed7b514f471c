// Direct sources: packages that come from one git commit, one archive URL or
// one local folder instead of a registry (FORMATS.md "Manifest", the `git:`,
// `url:` and `path:` dependencies).
//
// Each such package is ONE fixed candidate for the solver. What it is comes
// from its `wharf-package.yaml` at the root of the commit, archive or folder:
// the version, the platform and the dependencies (which the solver then
// resolves from the registries like any other requirement). Without that file
// the package is a leaf: version 0.0.0, no dependencies, and its whole tree is
// installed under `share/<name>/` (see LayoutKind).
//
// What is verified, and how (ARCHITECTURE.md "everything fetched is verified"):
//   git   the full 40-hex commit id recorded in wharf.lock: objects are read
//         by id, so the exported tree is exactly what the commit names;
//   url   the sha256 written in wharf.yaml, checked over the downloaded bytes
//         before anything is unpacked;
//   path  nothing to verify (the folder is the user's own); its content is
//         identified by hash_folder(), so an edit gives a new store entry.
//
// Nothing here writes to the package cache's trees or prints; ops decides
// where things are stored (src/ops/direct.cpp). Git mirrors live under the
// cache's `git/` area, which the git module owns.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "wharf/git/git.hpp"
#include "wharf/manifest/manifest.hpp"
#include "wharf/util/error.hpp"
#include "wharf/version/constraint.hpp"
#include "wharf/version/version.hpp"

namespace wharf::source {

// The metadata file at the root of a package's tree.
inline constexpr const char* kPackageMetaFile = "wharf-package.yaml";

// Root: the tree has wharf-package.yaml and is laid out as prefix content
// (bin/, lib/, ...). Leaf: no metadata; the tree goes under share/<name>/.
enum class LayoutKind { Root, Leaf };

// What a direct package is, as the solver and the installer need it.
struct DirectPackage {
  std::string name;
  version::Version version;  // from wharf-package.yaml; 0.0.0 for a leaf
  std::string platform = "any";
  std::vector<std::pair<std::string, version::Constraint>> dependencies;
  LayoutKind layout = LayoutKind::Leaf;
};

// Builds a DirectPackage from the text of wharf-package.yaml (nullopt: a
// leaf). `label` names the file in messages ("<url>@<commit>:wharf-package.yaml").
// Fails when the metadata names another package than `name`.
Result<DirectPackage> describe_package(const std::string& name,
                                       const std::optional<std::string>& meta_text,
                                       const std::string& label);

// Checks a package against the manifest's `version:` for it. A leaf has no
// version to check: any constraint but `*` is an Input error saying so.
// `what` names the source in messages ("git dependency `mylib` (URL, tag v1)").
Result<void> check_version(const DirectPackage& package, const version::Constraint& constraint,
                           const std::string& what);

// Where the installer puts a tree of this layout: "" or "share/<name>".
std::string install_subdir(const std::string& name, LayoutKind layout);

// ---- git --------------------------------------------------------------------

// The ref a `git:` dependency asks for (Default when none of branch/tag/rev).
git::Ref git_ref_of(const manifest::DependencySpec& dep);
// How wharf.lock records the ref: "branch=main", "tag=v1.4.0", "rev=abc123",
// "" for the default branch. Any other recorded text reads as "unknown",
// which never equals a manifest's ref (so it is re-resolved).
std::string encode_reference(const git::Ref& ref);

// The URL to give libgit2: a scheme URL or scp-like "user@host:path" as is;
// a plain path (relative to `manifest_root`) made absolute.
std::string git_fetch_url(const std::string& url, const std::filesystem::path& manifest_root);

// The mirror of `fetch_url` under `mirrors_dir`, fetched at most once per
// process (a lock followed by a sync in one run, or several packages and a
// registry from one repository, fetch it once). `offline`: never fetched; it
// must be in the cache.
Result<std::filesystem::path> fetched_mirror(const std::string& fetch_url,
                                             const std::filesystem::path& mirrors_dir,
                                             bool offline);

struct GitPin {
  std::filesystem::path mirror;
  std::string commit;  // full 40-hex id
};

// Resolves a git dependency to a commit in its mirror under `mirrors_dir`.
// With `locked_commit` (the lock's commit for the same URL and ref, when the
// package is not being updated) that commit is kept: the mirror is fetched
// only when it lacks it, and a commit gone upstream fails with a hint to run
// `wharf lock --update NAME`. Without it the mirror is fetched (once per
// process for each URL; for a `rev:` only when the mirror lacks the commit)
// and the ref resolved. `offline`: never fetch.
Result<GitPin> pin_git(const std::string& fetch_url, const git::Ref& ref,
                       const std::optional<std::string>& locked_commit,
                       const std::filesystem::path& mirrors_dir, bool offline);

// The mirror of `fetch_url` holding `commit`, fetched when it lacks it (the
// sync side: a lock names the commit). Fails clearly when the commit cannot
// be had.
Result<std::filesystem::path> mirror_with_commit(const std::string& fetch_url,
                                                 const std::string& commit,
                                                 const std::filesystem::path& mirrors_dir,
                                                 bool offline);

// The package a commit holds (its wharf-package.yaml, if any).
Result<DirectPackage> describe_git(const std::string& name, const GitPin& pin,
                                   const std::string& url_for_messages);

// ---- url --------------------------------------------------------------------

struct FetchedFile {
  std::string sha256;
  std::uint64_t size = 0;
};

// Downloads `url` (http/https, with net::Client's retries; file:///abs or
// file:PATH relative to `manifest_root`, read locally) into `dest`, hashing
// the bytes as they arrive. Does not check a hash: the caller compares it, so
// that a mismatch can be reported against wharf.yaml. On failure `dest` is
// removed. `offline` refuses http(s).
Result<FetchedFile> fetch_file(const std::string& url, const std::filesystem::path& manifest_root,
                               const std::filesystem::path& dest, bool offline);

// The package an archive holds (its wharf-package.yaml, if any).
Result<DirectPackage> describe_archive(const std::string& name,
                                       const std::filesystem::path& archive_file,
                                       const std::string& url_for_messages);

// ---- path -------------------------------------------------------------------

// The folder of a `path:` dependency: `path` made absolute against
// `manifest_root`. Fails (naming the path as written) when it is not a folder.
Result<std::filesystem::path> path_folder(const std::string& path,
                                          const std::filesystem::path& manifest_root);

// Top-level entries of a path dependency's folder that are not its content.
bool is_excluded_from_folder(const std::string& top_level_name);

// The package a folder holds (its wharf-package.yaml, if any).
Result<DirectPackage> describe_folder(const std::string& name, const std::filesystem::path& dir);

// sha256 hex over a folder's content: every entry below it (except the
// excluded top-level names) by relative path, with its type, for files the
// executable bit and the bytes' sha256, for symlinks the target text. Modes
// other than the executable bit, times and owners do not count, so a copy of
// the folder hashes the same. Fails on sockets, fifos and devices.
Result<std::string> hash_folder(const std::filesystem::path& dir);

// Copies a folder's content (as hash_folder sees it) into the existing, empty
// folder `dest`: files with their executable bit, symlinks as symlinks.
Result<void> copy_folder(const std::filesystem::path& dir, const std::filesystem::path& dest);

}  // namespace wharf::source
