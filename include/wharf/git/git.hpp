// Git sources on libgit2: bare mirrors in the cache, resolving refs to commits,
// exporting a commit's tree (with submodules) into a folder.
//
// The flow a caller follows for a `git:` dependency:
//
//   1. ensure_mirror(url, <cache>/git, policy) -> a bare mirror of every branch
//      and tag of `url`, shared by all wharf processes through a file lock.
//      A locked commit (`has_commit`) needs no fetch: use FetchPolicy::IfMissing;
//      a branch or tag that may have moved: FetchPolicy::Always; --offline: Never.
//   2. resolve(mirror, ref, url) -> the full 40-hex commit id.
//   3. read_file_at(mirror, commit, "wharf-package.yaml") for metadata, and
//      export_tree(...) to write the payload into a fresh folder.
//
// Everything here reads git objects by id, so what is exported is exactly what
// the commit id names: the commit id is the verification (ARCHITECTURE.md).
// Nothing here prints; every failure is an Error whose message names the URL
// (with credentials stripped) and the ref, with a hint saying what to do next.
// All functions are safe to call from several threads at once.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wharf/util/error.hpp"

namespace wharf::git {

enum class RefKind { Branch, Tag, Rev, Default };  // Default = the remote's HEAD

struct Ref {
  RefKind kind = RefKind::Default;
  std::string name;  // empty for Default
};

// "branch `main`", "tag `v1.0`", "rev `abc123`", "the default branch (HEAD)".
std::string describe(const Ref& ref);

// Never = --offline: use the mirror as it is, fail clearly if it lacks what's needed.
enum class FetchPolicy { IfMissing, Always, Never };

// Where the mirror of `url` lives: <mirrors_dir>/<sha256(url)[0:16]>.git.
std::filesystem::path mirror_path(const std::string& url, const std::filesystem::path& mirrors_dir);

// A bare mirror of `url` under `mirrors_dir`, created (in a temporary sibling,
// renamed into place when complete) or fetched, under an exclusive FileLock
// (<mirror>.lock) so concurrent wharf processes and threads share it safely.
// A fetch takes all branches and tags, force-updated (a moved branch or a
// re-pointed tag is seen), prunes refs deleted upstream, and points the
// mirror's HEAD at the remote's default branch.
//   IfMissing: fetch only when the mirror does not exist yet.
//   Always:    fetch even when it exists.
//   Never:     fail when it does not exist ("git repository <url> is not in the
//              cache, and fetching is off (--offline)").
// URLs: https (TLS verified against the system CAs, or SSL_CERT_FILE /
// SSL_CERT_DIR when set), http, ssh (user from the URL, else "git"; keys from
// ssh-agent), file:// and local paths. https credentials are taken only from
// the URL itself (https://user:token@host/...) and never appear in messages.
// Fails with "cannot fetch <url>: <reason>" and a hint to check the URL/network
// or use --offline.
Result<std::filesystem::path> ensure_mirror(const std::string& url,
                                            const std::filesystem::path& mirrors_dir,
                                            FetchPolicy policy);

// The full 40-hex commit id a ref names in the mirror. Tags are peeled to the
// commit (annotated or lightweight); a Rev is a full or unambiguous short
// (>= 4 hex digits) commit id. Fails (ErrorKind::Failure) naming the URL and
// the ref, with a hint listing close branch/tag names (or saying the name is a
// tag, not a branch, and vice versa); a Rev that is not hex is ErrorKind::Input.
Result<std::string> resolve(const std::filesystem::path& mirror, const Ref& ref,
                            const std::string& url_for_messages);

// Whether the mirror has this commit (full or unambiguous short id) as a
// commit object, so a locked `rev:` needs no fetch. False when the mirror
// cannot be opened.
bool has_commit(const std::filesystem::path& mirror, const std::string& commit);

// Writes the tree of `commit` (a full id) into `dest`, which must not exist
// yet: the tree is written into a temporary sibling and renamed into place, so
// `dest` appears complete or not at all. No .git folder; file contents are the
// raw blobs (no line-ending or other filters); executable bits and symlinks
// (target text as committed) are kept. Submodules (gitlinks with an entry in
// that commit's .gitmodules) are followed recursively: each gets its own
// mirror in `mirrors_dir` (relative submodule URLs resolved against `url`),
// fetched per `policy` when it lacks the gitlink commit, and that commit is
// exported into the submodule's path. A gitlink without a .gitmodules entry
// becomes an empty folder (as `git clone --recursive` leaves it).
// Fails on unsafe tree entries (".", "..", ".git", names with '/').
Result<void> export_tree(const std::filesystem::path& mirror, const std::string& commit,
                         const std::filesystem::path& dest, const std::string& url,
                         const std::filesystem::path& mirrors_dir, FetchPolicy policy);

// One file's bytes at a commit (e.g. "wharf-package.yaml", or "index/x.yaml");
// nullopt when no such path exists. Fails when the commit is not in the mirror
// or the path names a folder or a submodule.
Result<std::optional<std::string>> read_file_at(const std::filesystem::path& mirror,
                                                const std::string& commit, const std::string& path);

// Short branch and tag names in the mirror, sorted.
struct RefNames {
  std::vector<std::string> branches;
  std::vector<std::string> tags;
};
Result<RefNames> list_refs(const std::filesystem::path& mirror);

// Strips credentials from a URL for messages: "https://user:token@host/x" ->
// "https://host/x". Any userinfo is stripped except a bare user name in an
// ssh URL ("ssh://git@host/x" stays). scp-like "git@host:x" stays.
std::string redact_url(std::string_view url);

// A submodule URL as git resolves it: "./x" and "../x" are relative to the
// superproject's URL `base` (each "../" drops one path component); any other
// URL is returned unchanged.
std::string resolve_submodule_url(std::string_view base, std::string_view submodule_url);

// True when `text` is 40 lower-case hex digits.
bool is_full_commit_id(std::string_view text);

}  // namespace wharf::git
