// git, url and path packages in the operations: resolving them for the solve
// (src/ops/resolve.cpp) and putting their trees into the store for an install
// (src/ops/sync.cpp). What each source is and how it is verified is in
// wharf/source/direct.hpp; here they meet the lockfile and the store.
//
// Store keys: a git package's tree is `git-<commit>` (the export of that
// commit with its submodules), a url package's the archive's sha256 (like a
// registry artifact), a path package's `path-<content hash>`, hashed at every
// sync so that an edited folder becomes a new tree and is reinstalled.
#include <algorithm>
#include <set>

#include "internal.hpp"
#include "wharf/archive/archive.hpp"
#include "wharf/git/git.hpp"
#include "wharf/util/fs.hpp"
#include "wharf/util/strings.hpp"

namespace wharf::ops {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

const char* kind_name(manifest::SourceKind kind) {
  switch (kind) {
    case manifest::SourceKind::Git:
      return "git";
    case manifest::SourceKind::Url:
      return "url";
    case manifest::SourceKind::Path:
      return "path";
    case manifest::SourceKind::Registry:
      break;
  }
  return "registry";
}

bool same_source(const manifest::DependencySpec& a, const manifest::DependencySpec& b) {
  return a.kind == b.kind && a.git == b.git && a.branch == b.branch && a.tag == b.tag &&
         a.rev == b.rev && a.url == b.url && a.sha256 == b.sha256 && a.path == b.path &&
         a.constraint.text() == b.constraint.text();
}

// "git dependency `mylib` (https://host/mylib.git, tag `v1`)"
std::string describe_dep(const manifest::DependencySpec& dep) {
  switch (dep.kind) {
    case manifest::SourceKind::Git:
      return "git dependency `" + dep.name + "` (" + git::redact_url(dep.git) + ", " +
             git::describe(source::git_ref_of(dep)) + ")";
    case manifest::SourceKind::Url:
      return "url dependency `" + dep.name + "` (" + lockfile::redact_url(dep.url) + ")";
    case manifest::SourceKind::Path:
      return "path dependency `" + dep.name + "` (" + dep.path + ")";
    case manifest::SourceKind::Registry:
      break;
  }
  return "dependency `" + dep.name + "`";
}

// The source module's hints say `wharf lock --update NAME`; name the package.
Error named(Error error, const std::string& name) {
  const std::string placeholder = "--update NAME";
  if (auto at = error.hint.find(placeholder); at != std::string::npos)
    error.hint.replace(at, placeholder.size(), "--update " + name);
  return error;
}

// Prefixes an error with where the dependency is declared.
template <class T>
Result<T> at_dep(Result<T> result, const manifest::DependencySpec& dep) {
  if (result) return result;
  return std::unexpected(with_context(named(std::move(result).error(), dep.name),
                                      dep.where.to_string() + ": " + describe_dep(dep)));
}

std::string mismatch_message(const std::string& label, const std::string& url,
                             const std::string& expected, const std::string& got) {
  return "sha256 mismatch for " + label + ": " + lockfile::redact_url(url) + " has " + got +
         ", expected " + expected;
}

// The archive of a url source in the store, downloaded and checked against
// `sha256` when missing. `label` names it in messages; `hint` says what to
// do about a mismatch.
Result<fs::path> archive_in_store(store::Store& store, const std::string& url,
                                  const std::string& sha256, const fs::path& manifest_root,
                                  bool offline, const std::string& label, const std::string& hint) {
  if (store.has_download(sha256)) return store.download_path(sha256);
  auto temp = store.temp_path("url");
  RemoveOnFailure cleanup(temp);
  auto fetched = WHARF_TRY(source::fetch_file(url, manifest_root, temp, offline));
  if (fetched.sha256 != sha256)
    return fail(mismatch_message(label, url, sha256, fetched.sha256), hint);
  auto path = WHARF_TRY(store.commit_download(temp, sha256, label));
  cleanup.dismiss();
  return path;
}

Result<ResolvedDirect> resolve_one(const manifest::DependencySpec& dep,
                                   const manifest::Manifest& manifest,
                                   const lockfile::Lockfile* previous, const LockOptions& options,
                                   const source::RegistryOptions& cache,
                                   std::optional<store::Store>& store) {
  ResolvedDirect out;
  switch (dep.kind) {
    case manifest::SourceKind::Git: {
      auto ref = source::git_ref_of(dep);
      auto reference = source::encode_reference(ref);
      std::optional<std::string> locked;
      bool updating = options.update_all || options.update.count(dep.name) > 0;
      if (previous && !updating) {
        const auto* old = previous->find(dep.name);
        if (old && old->source.kind == lockfile::SourceKind::Git &&
            old->source.location == lockfile::redact_url(dep.git) &&
            old->source.reference == reference && git::is_full_commit_id(old->source.commit))
          locked = old->source.commit;
      }
      auto url = source::git_fetch_url(dep.git, manifest.root);
      auto pin = WHARF_TRY(
          at_dep(source::pin_git(url, ref, locked, cache.cache_dir / "git", cache.offline), dep));
      out.package = WHARF_TRY(at_dep(source::describe_git(dep.name, pin, dep.git), dep));
      out.source = {lockfile::SourceKind::Git, dep.git, pin.commit, reference};
      break;
    }
    case manifest::SourceKind::Url: {
      if (!store) store = WHARF_TRY(store::Store::open(cache.cache_dir));
      auto archive = WHARF_TRY(at_dep(
          archive_in_store(*store, dep.url, dep.sha256, manifest.root, cache.offline, "the archive",
                           "if the new file is trusted, put its sha256 in wharf.yaml (`sha256sum "
                           "FILE`); otherwise check the URL"),
          dep));
      out.package = WHARF_TRY(at_dep(source::describe_archive(dep.name, archive, dep.url), dep));
      std::error_code ec;
      auto size = fs::file_size(archive, ec);
      out.source = {lockfile::SourceKind::Url, dep.url, {}, {}};
      out.artifact = lockfile::LockedArtifact{dep.url, dep.sha256, ec ? 0 : size};
      break;
    }
    case manifest::SourceKind::Path: {
      auto dir = WHARF_TRY(at_dep(source::path_folder(dep.path, manifest.root), dep));
      out.package = WHARF_TRY(at_dep(source::describe_folder(dep.name, dir), dep));
      out.source = {lockfile::SourceKind::Path, dep.path, {}, {}};
      break;
    }
    case manifest::SourceKind::Registry:
      return fail("internal: registry dependency `" + dep.name + "` taken for a direct one");
  }
  if (auto checked = source::check_version(out.package, dep.constraint, describe_dep(dep));
      !checked)
    return std::unexpected(with_context(checked.error(), dep.where.to_string()));
  return out;
}

// Root: the tree is prefix content; its metadata and git's own files are not
// installed. Leaf: the whole tree under share/<name>/.
void apply_layout(install::PackageTree& tree, source::LayoutKind layout) {
  tree.subdir = source::install_subdir(tree.name, layout);
  // What the store keeps inside an unpacked tree (its file digests) is never
  // payload, whatever the layout.
  tree.skip = {std::string(store::kTreeMetaDir)};
  if (layout == source::LayoutKind::Root)
    tree.skip.insert(tree.skip.end(),
                     {source::kPackageMetaFile, ".gitattributes", ".gitignore", ".gitmodules"});
}

std::optional<source::LayoutKind> layout_of_tree(const fs::path& tree) {
  std::error_code ec;
  if (!fs::is_directory(tree, ec)) return std::nullopt;
  return fs::exists(tree / source::kPackageMetaFile, ec) ? source::LayoutKind::Root
                                                         : source::LayoutKind::Leaf;
}

source::LayoutKind layout_from(bool has_meta) {
  return has_meta ? source::LayoutKind::Root : source::LayoutKind::Leaf;
}

std::string label_of(const lockfile::LockedPackage& package) {
  return package.name + " " + package.version.to_string();
}

// Puts one git, url or path package's tree into the store.
Result<void> fetch_tree(const Context& context, const lockfile::LockedPackage& package,
                        const lockfile::LockedArtifact& artifact, const install::PackageTree& tree,
                        store::Store& store, const std::string& what) {
  switch (package.source.kind) {
    case lockfile::SourceKind::Git: {
      auto url = source::git_fetch_url(package.source.location, context.project_dir);
      const auto& commit = package.source.commit;
      auto mirror = source::mirror_with_commit(url, commit, store.git_dir(), context.offline);
      if (!mirror) return std::unexpected(with_context(named(mirror.error(), package.name), what));
      auto policy = context.offline ? git::FetchPolicy::Never : git::FetchPolicy::IfMissing;
      auto fill = [&](const fs::path& staging) -> Result<void> {
        // export_tree() writes a folder that must not exist yet.
        std::error_code ec;
        fs::remove(staging, ec);
        return git::export_tree(*mirror, commit, staging, url, store.git_dir(), policy);
      };
      WHARF_TRY(store.add_tree(tree.id, fill));
      return {};
    }
    case lockfile::SourceKind::Url: {
      auto archive = WHARF_TRY(archive_in_store(
          store, package.source.location, artifact.sha256, context.project_dir, context.offline,
          what,
          "the file changed since wharf.lock was written; if the new file is trusted, put its "
          "sha256 in wharf.yaml and run `wharf lock`"));
      WHARF_TRY(store.unpack(artifact.sha256, archive));
      return {};
    }
    case lockfile::SourceKind::Path: {
      auto dir = WHARF_TRY(source::path_folder(package.source.location, context.project_dir));
      auto expected = tree.id.substr(5);  // after "path-"
      auto fill = [&](const fs::path& staging) -> Result<void> {
        WHARF_TRY_VOID(source::copy_folder(dir, staging));
        // The copy is what gets installed: it must be what was hashed.
        if (WHARF_TRY(source::hash_folder(staging)) != expected)
          return fail("path dependency `" + package.name + "` (" + dir.string() +
                          ") changed while it was being copied",
                      "run the command again once the folder is no longer being written");
        return {};
      };
      WHARF_TRY(store.add_tree(tree.id, fill));
      return {};
    }
    case lockfile::SourceKind::Registry:
      break;
  }
  return {};
}

}  // namespace

Result<DirectPackages> resolve_direct_packages(
    const manifest::Manifest& manifest,
    const std::map<std::string, std::vector<manifest::DependencySpec>>& env_deps,
    const lockfile::Lockfile* previous, const LockOptions& options,
    const source::RegistryOptions& cache) {
  struct Seen {
    const manifest::DependencySpec* dep;
    std::string env;
  };
  std::map<std::string, Seen> direct, registry;
  for (const auto& [env, deps] : env_deps) {
    for (const auto& dep : deps) {
      auto& table = dep.kind == manifest::SourceKind::Registry ? registry : direct;
      auto [it, inserted] = table.emplace(dep.name, Seen{&dep, env});
      if (!inserted && dep.kind != manifest::SourceKind::Registry &&
          !same_source(*it->second.dep, dep))
        return fail_input(dep.where.to_string() + ": `" + dep.name + "` has another source in " +
                              "environment `" + env + "` than in `" + it->second.env + "`",
                          "wharf locks one source per package: give it the same source in every "
                          "environment");
    }
  }
  for (const auto& [name, seen] : direct) {
    auto other = registry.find(name);
    if (other == registry.end()) continue;
    return fail_input(seen.dep->where.to_string() + ": `" + name + "` is a " +
                          kind_name(seen.dep->kind) + " dependency in environment `" + seen.env +
                          "` but a registry dependency in `" + other->second.env + "`",
                      "wharf locks one source per package: give it the same source in every "
                      "environment");
  }
  DirectPackages out;
  std::optional<store::Store> store;
  for (const auto& [name, seen] : direct)
    out.emplace(name, WHARF_TRY(resolve_one(*seen.dep, manifest, previous, options, cache, store)));
  return out;
}

std::optional<std::string> path_sources_changed(const manifest::Manifest& manifest,
                                                const lockfile::Lockfile& lock) {
  for (const auto& env : manifest.environment_names()) {
    auto deps = manifest.dependencies_of(env);
    for (const auto& dep : deps.value_or(std::vector<manifest::DependencySpec>{})) {
      if (dep.kind != manifest::SourceKind::Path) continue;
      const auto* locked = lock.find(dep.name);
      if (!locked || locked->source.kind != lockfile::SourceKind::Path) continue;
      auto dir = source::path_folder(dep.path, manifest.root);
      if (!dir) continue;
      auto now = source::describe_folder(dep.name, *dir);
      if (!now) continue;
      std::vector<std::string> names;
      for (const auto& [name, constraint] : now->dependencies) names.push_back(name);
      std::sort(names.begin(), names.end());
      names.erase(std::unique(names.begin(), names.end()), names.end());
      bool same = now->version == locked->version;
      for (const auto& platform : locked->platforms)
        if (platform.dependencies != names) same = false;
      if (!same)
        return "path dependency `" + dep.name + "` (" + dep.path + ") changed its " +
               source::kPackageMetaFile;
    }
  }
  return std::nullopt;
}

Result<void> describe_locked_direct(const Context& context, LockedEnvironment::Entry& entry,
                                    install::PackageTree& tree, const store::Store& store) {
  const auto& package = *entry.package;
  std::optional<source::LayoutKind> layout;
  std::string id;
  switch (package.source.kind) {
    case lockfile::SourceKind::Git: {
      if (!git::is_full_commit_id(package.source.commit))
        return fail("wharf.lock: git package `" + package.name + "` has commit `" +
                        package.source.commit + "`, not a full 40-hex commit id",
                    "run `wharf lock --update " + package.name + "`");
      id = "git-" + package.source.commit;
      layout = layout_of_tree(store.tree_path(id));
      if (!layout) {
        auto url = source::git_fetch_url(package.source.location, context.project_dir);
        auto mirror = git::mirror_path(url, store.git_dir());
        if (git::has_commit(mirror, package.source.commit)) {
          auto meta =
              WHARF_TRY(git::read_file_at(mirror, package.source.commit, source::kPackageMetaFile));
          layout = layout_from(meta.has_value());
        }
      }
      break;
    }
    case lockfile::SourceKind::Url: {
      if (!entry.artifact)
        return fail("wharf.lock: url package `" + package.name + "` has no sha256 for " +
                        manifest::current_platform(),
                    "run `wharf lock` to repair wharf.lock");
      id = entry.artifact->sha256;
      layout = layout_of_tree(store.tree_path(id));
      if (!layout && store.has_download(id)) {
        auto meta =
            WHARF_TRY(archive::read_member(store.download_path(id), source::kPackageMetaFile));
        layout = layout_from(meta.has_value());
      }
      break;
    }
    case lockfile::SourceKind::Path: {
      auto dir = WHARF_TRY(source::path_folder(package.source.location, context.project_dir));
      id = "path-" + WHARF_TRY(source::hash_folder(dir));
      std::error_code ec;
      layout = layout_from(fs::exists(dir / source::kPackageMetaFile, ec));
      break;
    }
    case lockfile::SourceKind::Registry:
      return {};
  }
  if (!entry.artifact) {
    entry.store_key =
        std::make_shared<const lockfile::LockedArtifact>(lockfile::LockedArtifact{{}, id, 0});
    entry.artifact = entry.store_key.get();
  }
  tree.id = id;
  tree.tree = store.tree_path(id);
  apply_layout(tree, layout.value_or(source::LayoutKind::Root));
  return {};
}

Result<void> fetch_direct_packages(const Context& context,
                                   const std::vector<LockedEnvironment::Entry>& locked,
                                   install::Request& request, store::Store& store) {
  auto start = Clock::now();
  std::size_t fetched = 0;
  for (std::size_t i = 0; i < locked.size(); ++i) {
    const auto& package = *locked[i].package;
    auto& tree = request.packages[i];
    if (package.source.kind == lockfile::SourceKind::Registry) continue;
    std::error_code ec;
    auto what = label_of(package);
    if (!fs::is_directory(tree.tree, ec)) {
      WHARF_TRY_VOID(fetch_tree(context, package, *locked[i].artifact, tree, store, what));
      ++fetched;
    }
    auto layout = layout_of_tree(tree.tree);
    if (!layout) return fail("internal: the tree of " + what + " is not in the store");
    apply_layout(tree, *layout);
  }
  if (fetched > 0)
    context.reporter->step("Fetched", plural(fetched, "git/url/path package") + " in " +
                                          format_duration(Clock::now() - start));
  return {};
}

}  // namespace wharf::ops
