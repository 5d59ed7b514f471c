// Bare mirrors: creating, fetching, locking; URL helpers for messages.
#include <git2.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <system_error>

#include "handles.hpp"
#include "wharf/git/git.hpp"
#include "wharf/util/file_lock.hpp"
#include "wharf/util/fs.hpp"
#include "wharf/util/hash.hpp"
#include "wharf/util/strings.hpp"

namespace wharf::git {

namespace detail {

#if WHARF_LAZY_GIT2
LazyLibrary& git2_library() {
  static LazyLibrary library(WHARF_GIT2_SONAME, "to fetch git dependencies", "libgit2");
  return library;
}
#endif

Result<void> ensure_init() {
  static const Result<void> ready = []() -> Result<void> {
#if WHARF_LAZY_GIT2
    WHARF_TRY_VOID(git2_library().load());
#endif
    if (WHARF_GIT(git_libgit2_init)() < 0)
      return fail("libgit2 could not be initialised: " + last_error_text());
    // The same variables OpenSSL and curl honour, for private certificate
    // authorities; otherwise libgit2 uses the system's CA bundle.
    const char* file = std::getenv("SSL_CERT_FILE");
    const char* dir = std::getenv("SSL_CERT_DIR");
    if (file != nullptr && *file == '\0') file = nullptr;
    if (dir != nullptr && *dir == '\0') dir = nullptr;
    if (file != nullptr || dir != nullptr) {
      WHARF_GIT(git_libgit2_opts)(GIT_OPT_SET_SSL_CERT_LOCATIONS, file, dir);
      WHARF_GIT(git_error_clear)();
    }
    return {};
  }();
  return ready;
}

std::string last_error_text() {
  const git_error* error = WHARF_GIT(git_error_last)();
  if (error == nullptr || error->message == nullptr || *error->message == '\0') {
    return "unknown libgit2 error";
  }
  std::string text = error->message;
  while (!text.empty() && (text.back() == '\n' || text.back() == '.')) text.pop_back();
  return text;
}

Result<RepoPtr> open_mirror(const std::filesystem::path& mirror) {
  WHARF_TRY_VOID(ensure_init());
  git_repository* raw = nullptr;
  if (WHARF_GIT(git_repository_open_bare)(&raw, mirror.c_str()) != 0) {
    return fail("cannot open git mirror " + mirror.string() + ": " + last_error_text(),
                "remove that folder to have it fetched again");
  }
  return RepoPtr(raw);
}

CommitPtr find_commit(git_repository* repo, const std::string& id, int* error_code) {
  int rc = GIT_ENOTFOUND;
  git_commit* raw = nullptr;
  std::string lower = id;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  bool hex = !lower.empty() && lower.size() <= GIT_OID_HEXSZ &&
             std::all_of(lower.begin(), lower.end(),
                         [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
  if (hex && lower.size() >= GIT_OID_MINPREFIXLEN) {
    git_oid oid;
    if (WHARF_GIT(git_oid_fromstrn)(&oid, lower.c_str(), lower.size()) == 0) {
      rc = lower.size() == GIT_OID_HEXSZ
               ? WHARF_GIT(git_commit_lookup)(&raw, repo, &oid)
               : WHARF_GIT(git_commit_lookup_prefix)(&raw, repo, &oid, lower.size());
    }
  }
  if (error_code != nullptr) *error_code = rc;
  return CommitPtr(rc == 0 ? raw : nullptr);
}

std::string oid_hex(const git_oid* oid) {
  char text[GIT_OID_HEXSZ + 1];
  WHARF_GIT(git_oid_tostr)(text, sizeof text, oid);
  return text;
}

}  // namespace detail

namespace {

using namespace detail;

// The userinfo ("user:token") of a URL with a scheme, or empty.
std::string_view userinfo_of(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  auto start = scheme_end + 3;
  auto end = url.find_first_of("/?#", start);
  if (end == std::string_view::npos) end = url.size();
  auto authority = url.substr(start, end - start);
  auto at = authority.rfind('@');
  if (at == std::string_view::npos) return {};
  return authority.substr(0, at);
}

// Removes the URL's secret from a libgit2 message, in case it quotes the URL.
std::string redact_message(std::string message, const std::string& url) {
  auto userinfo = userinfo_of(url);
  if (userinfo.empty()) return message;
  std::string secret = std::string(userinfo) + "@";
  for (auto pos = message.find(secret); pos != std::string::npos; pos = message.find(secret)) {
    message.erase(pos, secret.size());
  }
  return message;
}

struct CredentialState {
  std::string url;
  int ssh_attempts = 0;
  bool rejected = false;
};

// ssh: a user name (from the URL, else "git") and keys from ssh-agent, once:
// libgit2 asks again after a rejection, and asking forever would hang.
// https: libgit2 itself applies credentials written in the URL; it asks here
// only when there were none or the server rejected them, and wharf has no
// others to offer.
int acquire_credentials(git_credential** out, const char* /*url*/, const char* username_from_url,
                        unsigned int allowed_types, void* payload) {
  auto* state = static_cast<CredentialState*>(payload);
  const char* user =
      username_from_url != nullptr && *username_from_url != '\0' ? username_from_url : "git";
  if (allowed_types & GIT_CREDENTIAL_USERNAME)
    return WHARF_GIT(git_credential_username_new)(out, user);
  if ((allowed_types & GIT_CREDENTIAL_SSH_KEY) && state->ssh_attempts++ == 0) {
    return WHARF_GIT(git_credential_ssh_key_from_agent)(out, user);
  }
  state->rejected = true;
  if (allowed_types & GIT_CREDENTIAL_SSH_KEY) {
    WHARF_GIT(git_error_set_str)
    (GIT_ERROR_SSH, "the server rejected the keys offered by ssh-agent");
  } else if (!userinfo_of(state->url).empty()) {
    WHARF_GIT(git_error_set_str)
    (GIT_ERROR_NET, "the server rejected the credentials written in the URL");
  } else {
    WHARF_GIT(git_error_set_str)(GIT_ERROR_NET, "the server requires authentication");
  }
  return GIT_EAUTH;
}

Error fetch_error(const std::string& url, const CredentialState* state = nullptr) {
  std::string hint =
      state != nullptr && state->rejected
          ? "check your access: https credentials go in the URL (https://user:token@host/...), "
            "ssh keys must be loaded in ssh-agent"
          : "check the URL and your network, or use --offline if the mirror is cached";
  return Error{ErrorKind::Failure,
               "cannot fetch " + redact_url(url) + ": " + redact_message(last_error_text(), url),
               hint};
}

// Fetches every branch and tag of `url` into `repo`, force-updating and
// pruning, and points HEAD at the remote's default branch.
Result<void> fetch_into(git_repository* repo, const std::string& url) {
  git_remote* raw_remote = nullptr;
  if (WHARF_GIT(git_remote_create_anonymous)(&raw_remote, repo, url.c_str()) != 0)
    return std::unexpected(fetch_error(url));
  RemotePtr remote(raw_remote);

  CredentialState state{url};
  git_remote_callbacks callbacks;
  WHARF_GIT(git_remote_init_callbacks)(&callbacks, GIT_REMOTE_CALLBACKS_VERSION);
  callbacks.credentials = acquire_credentials;
  callbacks.payload = &state;

  git_remote_connect_options connect_options;
  WHARF_GIT(git_remote_connect_options_init)(&connect_options, GIT_REMOTE_CONNECT_OPTIONS_VERSION);
  connect_options.callbacks = callbacks;
  connect_options.proxy_opts.type = GIT_PROXY_AUTO;
  if (WHARF_GIT(git_remote_connect_ext)(remote.get(), GIT_DIRECTION_FETCH, &connect_options) != 0) {
    return std::unexpected(fetch_error(url, &state));
  }

  std::string default_branch;
  {
    Buf head;
    if (WHARF_GIT(git_remote_default_branch)(&head.buf, remote.get()) == 0)
      default_branch = head.str();
    WHARF_GIT(git_error_clear)();
  }

  git_fetch_options fetch_options;
  WHARF_GIT(git_fetch_options_init)(&fetch_options, GIT_FETCH_OPTIONS_VERSION);
  fetch_options.callbacks = callbacks;
  fetch_options.proxy_opts.type = GIT_PROXY_AUTO;
  fetch_options.prune = GIT_FETCH_PRUNE;
  fetch_options.update_fetchhead = 0;
  fetch_options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
  char heads[] = "+refs/heads/*:refs/heads/*";
  char tags[] = "+refs/tags/*:refs/tags/*";
  char* specs[] = {heads, tags};
  git_strarray refspecs{specs, 2};
  if (WHARF_GIT(git_remote_download)(remote.get(), &refspecs, &fetch_options) != 0 ||
      WHARF_GIT(git_remote_update_tips)(remote.get(), &callbacks, 0, GIT_REMOTE_DOWNLOAD_TAGS_NONE,
                                        "wharf: fetch") != 0 ||
      WHARF_GIT(git_remote_prune)(remote.get(), &callbacks) != 0) {
    auto error = fetch_error(url, &state);
    WHARF_GIT(git_remote_disconnect)(remote.get());
    return std::unexpected(error);
  }
  WHARF_GIT(git_remote_disconnect)(remote.get());

  if (!default_branch.empty()) {
    git_reference* raw_ref = nullptr;
    if (WHARF_GIT(git_reference_symbolic_create)(&raw_ref, repo, "HEAD", default_branch.c_str(), 1,
                                                 "wharf: default branch") != 0) {
      return fail("cannot record the default branch of " + redact_url(url) + ": " +
                  last_error_text());
    }
    ReferencePtr ref(raw_ref);
  }
  return {};
}

}  // namespace

std::filesystem::path mirror_path(const std::string& url,
                                  const std::filesystem::path& mirrors_dir) {
  return mirrors_dir / (sha256_hex(url).substr(0, 16) + ".git");
}

Result<std::filesystem::path> ensure_mirror(const std::string& url,
                                            const std::filesystem::path& mirrors_dir,
                                            FetchPolicy policy) {
  WHARF_TRY_VOID(ensure_init());
  auto path = mirror_path(url, mirrors_dir);
  std::error_code ec;
  // Every use of a mirror is recorded beside it, for `wharf cache prune`.
  if (std::filesystem::is_directory(path, ec)) mark_used(path.string() + ".used");
  if (policy == FetchPolicy::Never) {
    if (std::filesystem::is_directory(path, ec)) return path;
    return fail("git repository " + redact_url(url) +
                    " is not in the cache, and fetching is off (--offline)",
                "run once without --offline to fetch it");
  }
  // A mirror only ever appears complete (renamed into place), so seeing it is
  // enough when no fetch is wanted; no need to wait for a fetch in progress.
  if (policy == FetchPolicy::IfMissing && std::filesystem::is_directory(path, ec)) return path;
  std::filesystem::create_directories(mirrors_dir, ec);
  if (ec) {
    return fail("cannot create the git mirrors folder " + mirrors_dir.string() + ": " +
                ec.message());
  }
  auto lock = WHARF_TRY(FileLock::acquire(path.string() + ".lock"));

  if (std::filesystem::is_directory(path, ec)) {
    if (policy == FetchPolicy::IfMissing) return path;
    auto repo = WHARF_TRY(open_mirror(path));
    WHARF_TRY_VOID(fetch_into(repo.get(), url));
    return path;
  }

  auto staging = unique_sibling(path, "tmp");
  RemoveOnFailure cleanup(staging);
  {
    git_repository* raw = nullptr;
    if (WHARF_GIT(git_repository_init)(&raw, staging.c_str(), 1) != 0) {
      return fail("cannot create a git mirror in " + staging.string() + ": " + last_error_text(),
                  "check that the cache folder is writable");
    }
    RepoPtr repo(raw);
    WHARF_TRY_VOID(fetch_into(repo.get(), url));
  }
  std::filesystem::rename(staging, path, ec);
  if (ec) {
    return fail("cannot move the new git mirror into " + path.string() + ": " + ec.message());
  }
  cleanup.dismiss();
  sync_directory(mirrors_dir);
  mark_used(path.string() + ".used");
  return path;
}

bool has_commit(const std::filesystem::path& mirror, const std::string& commit) {
  std::error_code ec;
  if (!std::filesystem::is_directory(mirror, ec)) return false;
  auto repo = open_mirror(mirror);
  if (!repo) return false;
  return find_commit(repo->get(), commit, nullptr) != nullptr;
}

std::string redact_url(std::string_view url) {
  auto userinfo = userinfo_of(url);
  if (userinfo.empty()) return std::string(url);
  auto scheme = url.substr(0, url.find("://"));
  std::string lower_scheme(scheme);
  std::transform(lower_scheme.begin(), lower_scheme.end(), lower_scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower_scheme.find("ssh") != std::string::npos &&
      userinfo.find(':') == std::string_view::npos) {
    return std::string(url);
  }
  auto start = static_cast<std::size_t>(userinfo.data() - url.data());
  return std::string(url.substr(0, start)) + std::string(url.substr(start + userinfo.size() + 1));
}

std::string resolve_submodule_url(std::string_view base, std::string_view submodule_url) {
  if (!starts_with(submodule_url, "./") && !starts_with(submodule_url, "../")) {
    return std::string(submodule_url);
  }
  std::string result(base);
  while (result.size() > 1 && result.back() == '/') result.pop_back();
  auto scheme_end = result.find("://");
  // The part a "../" may not cut into: "scheme://host" or, for scp-like
  // "user@host:path", nothing before the ':'.
  std::size_t floor = 0;
  std::size_t colon = std::string::npos;
  if (scheme_end != std::string::npos) {
    auto host_end = result.find('/', scheme_end + 3);
    floor = host_end == std::string::npos ? result.size() : host_end;
  } else {
    auto first_colon = result.find(':');
    auto first_slash = result.find('/');
    if (first_colon != std::string::npos &&
        (first_slash == std::string::npos || first_colon < first_slash)) {
      colon = first_colon;
    }
  }
  char separator = '/';
  std::string_view rest = submodule_url;
  while (true) {
    if (starts_with(rest, "./")) {
      rest.remove_prefix(2);
    } else if (starts_with(rest, "../")) {
      rest.remove_prefix(3);
      auto cut = result.find_last_of('/');
      if (colon != std::string::npos && (cut == std::string::npos || cut < colon)) cut = colon;
      if (cut == std::string::npos || cut < floor) break;
      separator = result[cut];
      result.erase(cut);
    } else {
      break;
    }
  }
  return result + separator + std::string(rest);
}

bool is_full_commit_id(std::string_view text) {
  return text.size() == 40 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace wharf::git
