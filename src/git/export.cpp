// Exporting a commit's tree (with submodules) and reading single files.
#include <fcntl.h>
#include <git2.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>
#include <system_error>

#include "handles.hpp"
#include "wharf/git/git.hpp"
#include "wharf/util/fs.hpp"
#include "wharf/util/strings.hpp"

namespace wharf::git {

namespace {

using namespace detail;

// Submodules nest; a repository that (indirectly) contains itself must not
// recurse forever.
constexpr int max_submodule_depth = 16;

struct ExportContext {
  std::filesystem::path mirrors_dir;
  FetchPolicy policy;
};

// `source` names the repository in messages ("<url>" or "the git mirror <path>").
Result<CommitPtr> commit_in_mirror(git_repository* repo, const std::string& commit,
                                   const std::string& source, FetchPolicy policy) {
  auto found = find_commit(repo, commit, nullptr);
  if (found == nullptr) {
    return fail("commit " + commit + " of " + source + " is not in the cached mirror",
                policy == FetchPolicy::Never
                    ? "run without --offline to fetch it"
                    : "fetch the repository again; the commit may have been removed upstream");
  }
  return found;
}

Result<BlobPtr> lookup_blob(git_repository* repo, const git_oid* id) {
  git_blob* raw = nullptr;
  if (WHARF_GIT(git_blob_lookup)(&raw, repo, id) != 0) {
    return fail("cannot read blob " + oid_hex(id) + ": " + last_error_text(),
                "the mirror may be damaged: remove it to have it fetched again");
  }
  return BlobPtr(raw);
}

Result<TreePtr> lookup_tree(git_repository* repo, const git_oid* id) {
  git_tree* raw = nullptr;
  if (WHARF_GIT(git_tree_lookup)(&raw, repo, id) != 0) {
    return fail("cannot read tree " + oid_hex(id) + ": " + last_error_text(),
                "the mirror may be damaged: remove it to have it fetched again");
  }
  return TreePtr(raw);
}

std::string blob_text(git_blob* blob) {
  return std::string(static_cast<const char*>(WHARF_GIT(git_blob_rawcontent)(blob)),
                     static_cast<std::size_t>(WHARF_GIT(git_blob_rawsize)(blob)));
}

bool is_safe_name(std::string_view name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos ||
      name.find('\0') != std::string_view::npos) {
    return false;
  }
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower != ".git";
}

Result<void> write_blob(const std::filesystem::path& path, git_blob* blob, bool executable) {
  mode_t mode = executable ? 0755 : 0644;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return fail("cannot create " + path.string() + ": " + std::strerror(errno));
  const char* data = static_cast<const char*>(WHARF_GIT(git_blob_rawcontent)(blob));
  auto size = static_cast<std::size_t>(WHARF_GIT(git_blob_rawsize)(blob));
  while (size > 0) {
    ssize_t written = ::write(fd, data, size);
    if (written < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      ::close(fd);
      return fail("cannot write " + path.string() + ": " + std::strerror(saved));
    }
    data += written;
    size -= static_cast<std::size_t>(written);
  }
  // The umask must not decide what an export looks like.
  int rc = ::fchmod(fd, mode);
  int saved = errno;
  ::close(fd);
  if (rc != 0) return fail("cannot set the mode of " + path.string() + ": " + std::strerror(saved));
  return {};
}

// submodule path -> URL as written, from the .gitmodules at `tree`.
Result<std::map<std::string, std::string>> read_gitmodules(git_repository* repo, git_tree* tree,
                                                           const std::string& url) {
  std::map<std::string, std::string> result;
  git_tree_entry* raw_entry = nullptr;
  if (WHARF_GIT(git_tree_entry_bypath)(&raw_entry, tree, ".gitmodules") != 0) {
    WHARF_GIT(git_error_clear)();
    return result;
  }
  TreeEntryPtr entry(raw_entry);
  if (WHARF_GIT(git_tree_entry_type)(entry.get()) != GIT_OBJECT_BLOB) return result;
  auto blob = WHARF_TRY(lookup_blob(repo, WHARF_GIT(git_tree_entry_id)(entry.get())));
  std::string text = blob_text(blob.get());
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // The file is parsed with libgit2's config reader, which would follow
  // include directives to files on this machine.
  if (lower.find("[include") != std::string::npos) {
    return fail(".gitmodules of " + redact_url(url) + " uses an include directive",
                "wharf reads .gitmodules without includes; remove the include from the repository");
  }
  TempDir temp("wharf-gitmodules");
  auto file = temp.path() / "gitmodules";
  WHARF_TRY_VOID(write_file_atomic(file, text));
  git_config* raw_config = nullptr;
  if (WHARF_GIT(git_config_open_ondisk)(&raw_config, file.c_str()) != 0) {
    return fail("cannot parse .gitmodules of " + redact_url(url) + ": " + last_error_text());
  }
  ConfigPtr config(raw_config);

  std::vector<std::string> names;
  auto collect = [](const git_config_entry* config_entry, void* payload) -> int {
    std::string_view key(config_entry->name);
    constexpr std::string_view prefix = "submodule.";
    constexpr std::string_view suffix = ".path";
    if (key.size() > prefix.size() + suffix.size()) {
      static_cast<std::vector<std::string>*>(payload)->emplace_back(
          key.substr(prefix.size(), key.size() - prefix.size() - suffix.size()));
    }
    return 0;
  };
  if (WHARF_GIT(git_config_foreach_match)(config.get(), "^submodule\\..*\\.path$", collect,
                                          &names) != 0) {
    return fail("cannot read .gitmodules of " + redact_url(url) + ": " + last_error_text());
  }
  for (const auto& name : names) {
    Buf path_value;
    Buf url_value;
    if (WHARF_GIT(git_config_get_string_buf)(&path_value.buf, config.get(),
                                             ("submodule." + name + ".path").c_str()) != 0 ||
        WHARF_GIT(git_config_get_string_buf)(&url_value.buf, config.get(),
                                             ("submodule." + name + ".url").c_str()) != 0) {
      WHARF_GIT(git_error_clear)();
      continue;
    }
    std::string path = path_value.str();
    while (!path.empty() && path.back() == '/') path.pop_back();
    result[path] = url_value.str();
  }
  return result;
}

Result<void> export_commit(git_repository* repo, const std::string& commit,
                           const std::filesystem::path& dest, const std::string& url,
                           const ExportContext& context, int depth);

Result<void> export_submodule(const std::string& relative, const git_oid* gitlink,
                              const std::filesystem::path& dest,
                              const std::map<std::string, std::string>& submodules,
                              const std::string& url, const ExportContext& context, int depth) {
  auto found = submodules.find(relative);
  if (found == submodules.end()) return {};
  if (depth >= max_submodule_depth) {
    return fail("submodule `" + relative + "` of " + redact_url(url) + " nests more than " +
                    std::to_string(max_submodule_depth) + " levels deep",
                "check .gitmodules for a repository that includes itself");
  }
  auto sub_url = resolve_submodule_url(url, found->second);
  auto commit = oid_hex(gitlink);
  auto context_error = [&](Error error) {
    return std::unexpected(
        with_context(std::move(error), "submodule `" + relative + "` of " + redact_url(url)));
  };
  auto first_policy =
      context.policy == FetchPolicy::Never ? FetchPolicy::Never : FetchPolicy::IfMissing;
  auto mirror = ensure_mirror(sub_url, context.mirrors_dir, first_policy);
  if (!mirror) return context_error(mirror.error());
  if (!has_commit(*mirror, commit) && context.policy != FetchPolicy::Never) {
    mirror = ensure_mirror(sub_url, context.mirrors_dir, FetchPolicy::Always);
    if (!mirror) return context_error(mirror.error());
  }
  if (!has_commit(*mirror, commit)) {
    return fail("submodule `" + relative + "` of " + redact_url(url) + " needs commit " + commit +
                    ", which " + redact_url(sub_url) + " does not have",
                context.policy == FetchPolicy::Never
                    ? "run without --offline to fetch it"
                    : "the submodule commit may not have been pushed; check the superproject");
  }
  auto sub_repo = WHARF_TRY(open_mirror(*mirror));
  return export_commit(sub_repo.get(), commit, dest, sub_url, context, depth + 1);
}

Result<void> write_tree(git_repository* repo, git_tree* tree, const std::filesystem::path& dir,
                        const std::string& relative,
                        const std::map<std::string, std::string>& submodules,
                        const std::string& url, const ExportContext& context, int depth) {
  std::size_t count = WHARF_GIT(git_tree_entrycount)(tree);
  for (std::size_t i = 0; i < count; ++i) {
    const git_tree_entry* entry = WHARF_GIT(git_tree_entry_byindex)(tree, i);
    std::string name = WHARF_GIT(git_tree_entry_name)(entry);
    std::string entry_relative = relative.empty() ? name : relative + "/" + name;
    if (!is_safe_name(name)) {
      return fail(redact_url(url) + " has an unsafe path in its tree: `" + entry_relative + "`",
                  "wharf refuses trees that could write outside the export folder");
    }
    auto path = dir / name;
    const git_oid* id = WHARF_GIT(git_tree_entry_id)(entry);
    switch (WHARF_GIT(git_tree_entry_filemode)(entry)) {
      case GIT_FILEMODE_TREE: {
        if (::mkdir(path.c_str(), 0755) != 0) {
          return fail("cannot create " + path.string() + ": " + std::strerror(errno));
        }
        auto subtree = WHARF_TRY(lookup_tree(repo, id));
        WHARF_TRY_VOID(
            write_tree(repo, subtree.get(), path, entry_relative, submodules, url, context, depth));
        break;
      }
      case GIT_FILEMODE_BLOB:
      case GIT_FILEMODE_BLOB_EXECUTABLE: {
        auto blob = WHARF_TRY(lookup_blob(repo, id));
        WHARF_TRY_VOID(
            write_blob(path, blob.get(),
                       WHARF_GIT(git_tree_entry_filemode)(entry) == GIT_FILEMODE_BLOB_EXECUTABLE));
        break;
      }
      case GIT_FILEMODE_LINK: {
        auto blob = WHARF_TRY(lookup_blob(repo, id));
        std::string target = blob_text(blob.get());
        if (target.empty() || target.find('\0') != std::string::npos) {
          return fail(redact_url(url) + " has an invalid symbolic link `" + entry_relative + "`");
        }
        if (::symlink(target.c_str(), path.c_str()) != 0) {
          return fail("cannot create symbolic link " + path.string() + ": " + std::strerror(errno));
        }
        break;
      }
      case GIT_FILEMODE_COMMIT: {
        if (::mkdir(path.c_str(), 0755) != 0) {
          return fail("cannot create " + path.string() + ": " + std::strerror(errno));
        }
        WHARF_TRY_VOID(export_submodule(entry_relative, id, path, submodules, url, context, depth));
        break;
      }
      default:
        return fail(redact_url(url) + " has an entry of unknown type at `" + entry_relative + "`");
    }
  }
  return {};
}

Result<void> export_commit(git_repository* repo, const std::string& commit,
                           const std::filesystem::path& dest, const std::string& url,
                           const ExportContext& context, int depth) {
  auto found = WHARF_TRY(commit_in_mirror(repo, commit, redact_url(url), context.policy));
  git_tree* raw_tree = nullptr;
  if (WHARF_GIT(git_commit_tree)(&raw_tree, found.get()) != 0) {
    return fail("cannot read the tree of commit " + commit + " of " + redact_url(url) + ": " +
                last_error_text());
  }
  TreePtr tree(raw_tree);
  auto submodules = WHARF_TRY(read_gitmodules(repo, tree.get(), url));
  return write_tree(repo, tree.get(), dest, "", submodules, url, context, depth);
}

}  // namespace

Result<void> export_tree(const std::filesystem::path& mirror, const std::string& commit,
                         const std::filesystem::path& dest, const std::string& url,
                         const std::filesystem::path& mirrors_dir, FetchPolicy policy) {
  std::error_code ec;
  if (std::filesystem::exists(std::filesystem::symlink_status(dest, ec))) {
    return fail("cannot export " + redact_url(url) + " into " + dest.string() +
                ": it already exists");
  }
  if (dest.has_parent_path()) std::filesystem::create_directories(dest.parent_path(), ec);
  auto staging = unique_sibling(dest, "export");
  RemoveOnFailure cleanup(staging);
  if (::mkdir(staging.c_str(), 0755) != 0) {
    return fail("cannot create " + staging.string() + ": " + std::strerror(errno));
  }
  {
    auto repo = WHARF_TRY(open_mirror(mirror));
    WHARF_TRY_VOID(
        export_commit(repo.get(), commit, staging, url, ExportContext{mirrors_dir, policy}, 0));
  }
  std::filesystem::rename(staging, dest, ec);
  if (ec) return fail("cannot move the export into " + dest.string() + ": " + ec.message());
  cleanup.dismiss();
  return {};
}

Result<std::optional<std::string>> read_file_at(const std::filesystem::path& mirror,
                                                const std::string& commit,
                                                const std::string& path) {
  auto repo = WHARF_TRY(open_mirror(mirror));
  auto found = WHARF_TRY(commit_in_mirror(repo.get(), commit, "the git mirror " + mirror.string(),
                                          FetchPolicy::IfMissing));
  git_tree* raw_tree = nullptr;
  if (WHARF_GIT(git_commit_tree)(&raw_tree, found.get()) != 0) {
    return fail("cannot read the tree of commit " + commit + ": " + last_error_text());
  }
  TreePtr tree(raw_tree);
  git_tree_entry* raw_entry = nullptr;
  int rc = WHARF_GIT(git_tree_entry_bypath)(&raw_entry, tree.get(), path.c_str());
  if (rc == GIT_ENOTFOUND) {
    WHARF_GIT(git_error_clear)();
    return std::optional<std::string>{};
  }
  if (rc != 0)
    return fail("cannot look up `" + path + "` at commit " + commit + ": " + last_error_text());
  TreeEntryPtr entry(raw_entry);
  auto mode = WHARF_GIT(git_tree_entry_filemode)(entry.get());
  if (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE) {
    return fail(
        "`" + path + "` at commit " + commit + " is not a regular file",
        mode == GIT_FILEMODE_TREE ? "it is a folder" : "it is a symbolic link or submodule");
  }
  auto blob = WHARF_TRY(lookup_blob(repo.get(), WHARF_GIT(git_tree_entry_id)(entry.get())));
  return std::optional<std::string>(blob_text(blob.get()));
}

}  // namespace wharf::git
