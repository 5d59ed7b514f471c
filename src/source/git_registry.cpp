// A registry held in a git repository: a bare mirror in the cache, and the
// tree of the registry's commit checked out beside it, read as a folder.
#include "git_registry.hpp"

#include <algorithm>

#include "wharf/git/git.hpp"
#include "wharf/source/direct.hpp"
#include "wharf/util/file_lock.hpp"
#include "wharf/util/fs.hpp"

namespace wharf::source {

namespace {

namespace fs = std::filesystem;

class GitRegistry final : public Registry {
 public:
  GitRegistry(std::string name, std::string url, std::unique_ptr<Registry> checkout)
      : Registry(std::move(name), std::move(url)), m_checkout(std::move(checkout)) {}

  Result<std::shared_ptr<const manifest::PackageIndex>> index(const std::string& package) override {
    return m_checkout->index(package);
  }
  std::string artifact_location(const std::string& url) const override {
    return m_checkout->artifact_location(url);
  }
  IndexStats index_stats() const override { return m_checkout->index_stats(); }
  // The checkout's folder registry reads the index files: it needs the cache.
  void set_index_cache(manifest::IndexCache cache) override {
    m_checkout->set_index_cache(cache);
    Registry::set_index_cache(std::move(cache));
  }

 private:
  std::unique_ptr<Registry> m_checkout;  // the folder registry over the checkout
};

// `#NAME`: a branch, else a tag, else a commit id.
Result<git::Ref> ref_in(const fs::path& mirror, const std::string& name) {
  if (name.empty()) return git::Ref{};
  auto refs = WHARF_TRY(git::list_refs(mirror));
  auto has = [](const std::vector<std::string>& names, const std::string& n) {
    return std::find(names.begin(), names.end(), n) != names.end();
  };
  if (has(refs.branches, name)) return git::Ref{git::RefKind::Branch, name};
  if (has(refs.tags, name)) return git::Ref{git::RefKind::Tag, name};
  return git::Ref{git::RefKind::Rev, name};
}

// The commit's tree under <git>/checkouts/<commit>, exported once: a lock
// serializes processes, and an export only ever appears complete.
Result<fs::path> checkout(const fs::path& mirrors_dir, const fs::path& mirror,
                          const std::string& commit, const std::string& url, bool offline) {
  auto dir = mirrors_dir / "checkouts" / commit;
  std::error_code ec;
  if (fs::is_directory(dir, ec)) {
    mark_used(dir.string() + ".used");
    return dir;
  }
  auto lock = WHARF_TRY(FileLock::acquire(dir.string() + ".lock"));
  if (!fs::is_directory(dir, ec))
    WHARF_TRY_VOID(
        git::export_tree(mirror, commit, dir, url, mirrors_dir,
                         offline ? git::FetchPolicy::Never : git::FetchPolicy::IfMissing));
  mark_used(dir.string() + ".used");
  return dir;
}

}  // namespace

Result<std::unique_ptr<Registry>> open_git_registry(const std::string& name, const std::string& url,
                                                    const std::string& git_url,
                                                    const fs::path& manifest_root,
                                                    const RegistryOptions& cache) {
  if (cache.cache_dir.empty())
    return fail("registry `" + name + "` (" + git::redact_url(url) +
                "): git registries need the cache, and none was given");
  std::string repo_url = git_url;
  std::string ref_name;
  if (auto hash = repo_url.find('#'); hash != std::string::npos) {
    ref_name = repo_url.substr(hash + 1);
    repo_url.erase(hash);
  }
  repo_url = git_fetch_url(repo_url, manifest_root);
  auto context = [&](Error error) {
    return std::unexpected(
        with_context(std::move(error), "registry `" + name + "` (" + git::redact_url(url) + ")"));
  };
  auto mirrors_dir = cache.cache_dir / "git";
  auto mirror = fetched_mirror(repo_url, mirrors_dir, cache.offline);
  if (!mirror) return context(mirror.error());
  auto ref = ref_in(*mirror, ref_name);
  if (!ref) return context(ref.error());
  auto commit = git::resolve(*mirror, *ref, repo_url);
  if (!commit) {
    if (ref->kind == git::RefKind::Rev)
      return fail("registry `" + name + "` (" + git::redact_url(url) + "): `#" + ref_name +
                      "` is not a branch, tag or commit of " + git::redact_url(repo_url),
                  "check the part after `#` in the registry's URL");
    return context(commit.error());
  }
  auto dir = checkout(mirrors_dir, *mirror, *commit, repo_url, cache.offline);
  if (!dir) return context(dir.error());
  std::error_code ec;
  if (!fs::exists(*dir / "registry.yaml", ec))
    return fail("registry `" + name + "` (" + git::redact_url(url) + "): commit " +
                    commit->substr(0, 12) + " has no registry.yaml at its root",
                "commit the output of `wharf registry index` to that repository");
  auto files = WHARF_TRY(open_registry(name, "file://" + dir->string(), manifest_root));
  return std::unique_ptr<Registry>(new GitRegistry(name, url, std::move(files)));
}

}  // namespace wharf::source
