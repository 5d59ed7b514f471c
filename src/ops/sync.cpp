#include <algorithm>
#include <set>

#include "fetch.hpp"
#include "internal.hpp"
#include "wharf/install/installer.hpp"
#include "wharf/manifest/package_meta.hpp"
#include "wharf/store/store.hpp"
#include "wharf/util/fs.hpp"
#include "wharf/util/heap.hpp"
#include "wharf/util/strings.hpp"

namespace wharf::ops {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

Result<source::Registry*> RegistrySet::by_name(const std::string& name) {
  for (const auto& decl : m_decls)
    if (decl.name == name) return by_url(decl.url);
  return fail("no registry named `" + name + "` in wharf.yaml");
}

Result<std::shared_ptr<const manifest::PackageIndex>> RegistrySet::index_of(
    const lockfile::LockedPackage& package) {
  if (package.source.kind != lockfile::SourceKind::Registry) return nullptr;
  auto* registry = WHARF_TRY(by_url(package.source.location));
  return registry->index(package.name);
}

Result<source::Registry*> RegistrySet::by_url(const std::string& url) {
  if (auto it = m_open.find(url); it != m_open.end()) return it->second.get();
  std::string name = url;
  for (const auto& decl : m_decls)
    if (decl.url == url) name = decl.name;
  auto registry = WHARF_TRY(source::open_registry(name, url, m_root, m_options));
  if (!m_options.cache_dir.empty())
    registry->set_index_cache({m_options.cache_dir / "index-cache"});
  return m_open.emplace(url, std::move(registry)).first->second.get();
}

source::RegistryOptions registry_options(const Context& context) {
  return source::RegistryOptions{context.cache_dir, context.offline, context.jobs};
}

void report_index_stats(Reporter& reporter, const RegistrySet& registries) {
  for (const auto* registry : registries.opened()) {
    auto stats = registry->index_stats();
    if (stats.total() == 0) continue;
    std::string line = "Index files of registry `" + registry->name() + "`: ";
    if (stats.cached + stats.parsed > 0) {
      line += std::to_string(stats.cached) + " from the cache, " + std::to_string(stats.parsed) +
              " parsed";
    } else {
      line += std::to_string(stats.fresh) + " fresh, " + std::to_string(stats.revalidated) +
              " revalidated, " + std::to_string(stats.downloaded) + " downloaded";
      if (stats.not_found > 0) line += ", " + std::to_string(stats.not_found) + " not found";
    }
    reporter.detail(line);
  }
}

namespace {

std::string lock_path_of(const fs::path& project) {
  return (project / "wharf.lock").string();
}

// wharf.lock's bytes (to tell whether a new lock changes it without
// serializing the old one), and the lock they say once parsed.
struct ExistingLock {
  std::string text;
  std::optional<lockfile::Lockfile> lock;
};

Result<std::optional<ExistingLock>> read_existing_lock(const fs::path& project) {
  fs::path path = lock_path_of(project);
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::optional<ExistingLock>{};
  return std::optional<ExistingLock>{ExistingLock{WHARF_TRY(read_file(path)), std::nullopt}};
}

// Locks (if needed) and returns the lockfile that should be installed.
struct LockStep {
  lockfile::Lockfile lock;
  bool changed = false;
  bool resolved = false;
  std::string why;  // when resolved: why the lock was stale ("dependencies changed", "--update")
};

Result<LockStep> ensure_locked(const Context& context, const manifest::Manifest& manifest,
                               const LockOptions& options, LockMode mode) {
  auto& reporter = *context.reporter;
  auto loaded = WHARF_TRY(read_existing_lock(context.project_dir));
  lockfile::Lockfile* existing = nullptr;  // once parsed
  bool update_asked = options.update_all || !options.update.empty();
  std::optional<lockfile::FreshnessReport> freshness;
  bool fresh = false;
  auto parse_existing = [&]() -> Result<void> {
    loaded->lock = WHARF_TRY(lockfile::parse(loaded->text, lock_path_of(context.project_dir)));
    existing = &*loaded->lock;
    freshness = lockfile::check_fresh(*existing, manifest);
    fresh = freshness->state == lockfile::Freshness::Fresh;
    if (fresh) {
      if (auto why = path_sources_changed(manifest, *existing)) {
        fresh = false;
        freshness = lockfile::FreshnessReport{lockfile::Freshness::Stale, *why};
      }
    }
    return {};
  };
  // An `--update` of everything keeps no locked version, so the old lock
  // only tells what changed: it is parsed only when the new lock's bytes
  // differ from its bytes (on a large project, a tenth of the time).
  bool deferred = loaded && options.update_all && !options.check && mode != LockMode::Locked;
  if (loaded && !deferred) WHARF_TRY_VOID(parse_existing());

  if (fresh && !update_asked) return LockStep{std::move(*loaded->lock), false, false, {}};
  if (options.check) {
    if (!existing)
      return fail("wharf.lock does not exist", "run `wharf lock` and commit wharf.lock");
    if (!fresh)
      return fail("wharf.lock is out of date: " + freshness->reason,
                  "run `wharf lock` and commit wharf.lock");
  }

  auto start = Clock::now();
  auto network = registry_options(context);
  network.refresh = options.refresh;
  RegistrySet registries(manifest.root, manifest.registries, network);
  auto lock = WHARF_TRY(resolve_lockfile(manifest, registries, existing, options));
  report_index_stats(reporter, registries);
  std::string bytes = lockfile::serialize(lock);
  // The same bytes are no change (and were fresh: they stamp the same
  // inputs); other bytes may still say the same (a lock written by hand or
  // by an older wharf).
  bool changed = !loaded;
  if (loaded && loaded->text == bytes) {
    fresh = true;
  } else if (loaded) {
    if (!existing) WHARF_TRY_VOID(parse_existing());
    changed = lockfile::serialize(*existing) != bytes;
  }
  reporter.step("Resolved", plural(lock.packages.size(), "package") + " in " +
                                format_duration(Clock::now() - start));

  if (mode == LockMode::Locked && changed) {
    // Report what would change, then refuse.
    report_lock_changes(reporter, existing, lock, ChangeCauses{manifest, registries, options});
    std::string why = !existing ? "wharf.lock does not exist"
                                : "wharf.lock is out of date (" + freshness->reason + ")";
    return fail(why + ", and --locked forbids updating it",
                "run `wharf lock` and commit wharf.lock, or drop --locked");
  }
  if (changed)
    report_lock_changes(reporter, existing, lock, ChangeCauses{manifest, registries, options});
  if (changed && !options.dry_run)
    WHARF_TRY_VOID(write_file_atomic(lock_path_of(context.project_dir), bytes));
  std::string why = !loaded ? "wharf.lock does not exist" : fresh ? "--update" : freshness->reason;
  retire(loaded);  // only memory (wharf/util/heap.hpp)
  return LockStep{std::move(lock), changed, true, std::move(why)};
}

// The environments a sync names: `-e` ones, else "default".
std::vector<std::string> named_environments(const SyncOptions& options) {
  if (options.environments.empty()) return {"default"};
  return options.environments;
}

Result<std::vector<std::string>> chosen_environments(const manifest::Manifest* manifest,
                                                     const lockfile::Lockfile& lock,
                                                     const SyncOptions& options) {
  std::vector<std::string> envs;
  if (options.all_environments) {
    for (const auto& [name, platforms] : lock.environments) envs.push_back(name);
    return envs;
  }
  envs = named_environments(options);
  for (const auto& env : envs) {
    bool known = lock.environments.count(env) > 0;
    if (manifest && !manifest->dependencies_of(env)) known = false;
    if (!known) {
      std::vector<std::string> names;
      for (const auto& [name, platforms] : lock.environments) names.push_back(name);
      auto hint = closest_match(env, names);
      return fail_input(
          "unknown environment `" + env + "`",
          hint ? "did you mean `" + *hint + "`?" : "environments: " + join(names, ", "));
    }
  }
  return envs;
}

// The `private:` patterns of a package's own wharf-package.yaml. Most packages
// have none, and this runs for every package of an environment being
// installed, so the YAML is parsed only when the key can be there.
Result<std::vector<std::string>> private_files_of(const fs::path& tree) {
  fs::path meta_file = tree / "wharf-package.yaml";
  auto text = read_file(meta_file);
  if (!text || text->find("private") == std::string::npos) return std::vector<std::string>{};
  auto meta = WHARF_TRY(manifest::parse_package_meta(*text, meta_file.string()));
  return meta.private_files;
}

// Fetches, verifies and unpacks one environment's packages, then installs them.
Result<bool> install_environment(const Context& context, const lockfile::Lockfile& lock,
                                 const std::string& env, RegistrySet& registries,
                                 store::Store& store, const SyncOptions& options,
                                 const std::map<std::string, std::string>& clash_winners) {
  auto& reporter = *context.reporter;
  auto [wanted, request] = WHARF_TRY(locked_environment(context, lock, env, store));
  WHARF_TRY_VOID(fetch_direct_packages(context, wanted, request, store));
  request.reinstall = options.reinstall;
  request.clash_winners = clash_winners;
  request.repair = options.repair ? install::Request::Repair::All : install::Request::Repair::None;

  if (!options.repair && options.reinstall.empty() && WHARF_TRY(install::is_up_to_date(request)))
    return false;

  // Make sure every tree is in the cache: fetch, verify and unpack what is missing.
  auto start = Clock::now();
  std::vector<TreeJob> jobs;
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    const auto& w = wanted[i];
    TreeJob job;
    job.package = w.package->name;
    job.label = w.package->name + " " + w.package->version.to_string();
    job.artifact.sha256 = w.artifact->sha256;
    job.artifact.size = w.artifact->size;
    std::error_code ec;
    // A cached tree needs no source: its registry is not even opened.
    if (!fs::exists(request.packages[i].tree, ec)) {
      auto* registry = WHARF_TRY(registries.by_url(w.package->source.location));
      job.artifact.location = registry->artifact_location(w.artifact->url);
      job.artifact.auth_name = registry->credentials_for(job.artifact.location);
      job.artifact.origin = registry->describe();
    }
    jobs.push_back(std::move(job));
  }
  auto fetched = WHARF_TRY(fetch_trees(context, store, jobs));
  for (std::size_t i = 0; i < jobs.size(); ++i) request.packages[i].tree = jobs[i].tree;
  if (fetched.fetched > 0) {
    auto elapsed = Clock::now() - start;
    std::string detail = plural(fetched.fetched, "package") + " in " + format_duration(elapsed);
    if (fetched.downloaded > 0) {
      double seconds = std::chrono::duration<double>(elapsed).count();
      detail += " (" + plural(fetched.downloaded, "download") + ", " +
                format_bytes(static_cast<double>(fetched.bytes)) + " at " +
                format_bytes(static_cast<double>(fetched.bytes) / std::max(seconds, 1e-6)) + "/s)";
    }
    reporter.step("Fetched", detail);
  }
  // The store hashed every file while unpacking; the installer need not again.
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    request.packages[i].known_sha256 = store.tree_digests(wanted[i].artifact->sha256);
    request.packages[i].private_files = WHARF_TRY(private_files_of(request.packages[i].tree));
  }

  start = Clock::now();
  auto report = WHARF_TRY(install::apply(request));
  std::vector<std::string> keys;
  for (const auto& w : wanted) keys.push_back(w.artifact->sha256);
  if (auto recorded = store.record_use(lock_path_of(context.project_dir), keys); !recorded)
    reporter.warning("could not record cache use: " + recorded.error().message);
  auto touched = report.plan.add.size() + report.plan.replace.size() + report.plan.remove.size();
  reporter.step("Installed", "environment `" + env + "` (" + plural(wanted.size(), "package") +
                                 ", " + std::to_string(touched) + " changed) in " +
                                 format_duration(Clock::now() - start));
  return true;
}

}  // namespace

Result<LockedEnvironment> locked_environment(const Context& context, const lockfile::Lockfile& lock,
                                             const std::string& env, const store::Store& store) {
  const std::string platform = manifest::current_platform();
  auto env_it = lock.environments.find(env);
  if (env_it == lock.environments.end())
    return fail("environment `" + env + "` is not in wharf.lock");
  auto platform_it = env_it->second.find(platform);
  if (platform_it == env_it->second.end())
    return fail("wharf.lock does not cover this platform (" + platform + ")",
                "add `" + platform + "` to `platforms:` in wharf.yaml and run `wharf lock`");

  LockedEnvironment out;
  out.request.prefix = environment_prefix(context.project_dir, env);
  for (const auto& member : platform_it->second) {
    std::string name(lockfile::member_name(member));
    LockedEnvironment::Entry entry{nullptr, nullptr};
    for (const auto& package : lock.packages) {
      if (!lockfile::member_is(member, package)) continue;
      // Git and path packages lock no artifact (describe_locked_direct()).
      bool needs_artifact = package.source.kind == lockfile::SourceKind::Registry ||
                            package.source.kind == lockfile::SourceKind::Url;
      for (const auto& p : package.platforms)
        if (p.platform == platform && (p.artifact || !needs_artifact))
          entry = {&package, p.artifact ? &*p.artifact : nullptr};
    }
    if (!entry.package)
      return fail("wharf.lock lists `" + name + "` in environment `" + env +
                      "` but has no artifact of it for " + platform,
                  "run `wharf lock` to repair wharf.lock");
    install::PackageTree tree;
    tree.name = entry.package->name;
    tree.version = entry.package->version.to_string();
    if (entry.package->source.kind == lockfile::SourceKind::Registry) {
      tree.id = entry.artifact->sha256;
      tree.tree = store.tree_path(entry.artifact->sha256);
      tree.skip = {"wharf-package.yaml", std::string(store::kTreeMetaDir)};
    } else {
      WHARF_TRY_VOID(describe_locked_direct(context, entry, tree, store));
    }
    out.request.packages.push_back(std::move(tree));
    out.locked.push_back(entry);
  }
  return out;
}

Result<fs::path> find_project(const fs::path& start) {
  std::error_code ec;
  fs::path dir = fs::absolute(start, ec);
  for (fs::path d = dir;; d = d.parent_path()) {
    if (fs::exists(d / "wharf.yaml", ec)) return d;
    if (d == d.parent_path()) break;
  }
  return fail("no wharf.yaml in " + dir.string() + " or any parent folder",
              "run `wharf init` to create one");
}

fs::path environment_prefix(const fs::path& project_dir, const std::string& environment) {
  return project_dir / ".wharf" / "envs" / environment;
}

Result<LockResult> lock(const Context& context, const LockOptions& options) {
  auto manifest = WHARF_TRY(manifest::load_manifest(context.project_dir / "wharf.yaml"));
  auto step = WHARF_TRY(ensure_locked(context, manifest, options, LockMode::Auto));
  if (!step.resolved) context.reporter->step("Locked", "wharf.lock is up to date");
  if (step.resolved && options.dry_run && !options.check)
    context.reporter->step(
        "Would", step.changed ? "rewrite wharf.lock (" + step.why + "); dry run, nothing written"
                              : "leave wharf.lock as it is (dry run)");
  LockResult result{step.changed, step.resolved, step.lock.packages.size()};
  retire(step.lock);
  retire(manifest);
  return result;
}

namespace {

// The stamp fast path applies to plain syncs: no update, repair, reinstall,
// check or dry run, and named environments (not --all-envs).
bool stamp_applies(const SyncOptions& options) {
  const auto& lock = options.lock;
  return options.mode != LockMode::Frozen && !options.all_environments && !options.repair &&
         options.reinstall.empty() && !lock.update_all && lock.update.empty() && !lock.check &&
         !lock.dry_run;
}

}  // namespace

Result<SyncResult> sync(const Context& context, const SyncOptions& options) {
  SyncResult result;
  if (stamp_applies(options)) {
    auto envs = named_environments(options);
    bool all_fresh = true;
    for (const auto& env : envs)
      all_fresh = all_fresh && read_valid_stamp(context.project_dir, env);
    if (all_fresh) {
      for (const auto& env : envs) {
        context.reporter->detail("wharf.yaml, wharf.lock and environment `" + env +
                                 "` are unchanged since its last sync (.wharf/stamps/" + env + ")");
        context.reporter->step("Checked", "environment `" + env + "` is up to date");
      }
      return result;
    }
  }
  // Taken before the files are read, so that an edit made while this sync
  // runs makes the stamp it writes stale.
  ProjectFiles files_before = project_files(context.project_dir);
  std::optional<manifest::Manifest> manifest;
  lockfile::Lockfile lock;
  if (options.mode == LockMode::Frozen) {
    auto existing = WHARF_TRY(read_existing_lock(context.project_dir));
    if (!existing)
      return fail("--frozen needs wharf.lock, and there is none in " + context.project_dir.string(),
                  "run `wharf lock` first");
    lock = WHARF_TRY(lockfile::parse(existing->text, lock_path_of(context.project_dir)));
  } else {
    manifest = WHARF_TRY(manifest::load_manifest(context.project_dir / "wharf.yaml"));
    auto step = WHARF_TRY(ensure_locked(context, *manifest, options.lock, options.mode));
    lock = std::move(step.lock);
    result.lock_changed = step.changed;
  }
  auto envs = WHARF_TRY(chosen_environments(manifest ? &*manifest : nullptr, lock, options));

  std::vector<manifest::RegistryDecl> decls;
  if (manifest) decls = manifest->registries;
  RegistrySet registries(context.project_dir, decls, registry_options(context));
  auto store = WHARF_TRY(store::Store::open(context.cache_dir));
  ProjectFiles files = files_before;
  bool has_path_packages =
      std::any_of(lock.packages.begin(), lock.packages.end(),
                  [](const auto& p) { return p.source.kind == lockfile::SourceKind::Path; });
  if (result.lock_changed) files.lock = file_identity(context.project_dir / "wharf.lock");
  for (const auto& env : envs) {
    remove_stamp(context.project_dir, env);
    bool changed = WHARF_TRY(
        install_environment(context, lock, env, registries, store, options,
                            manifest ? manifest->clash : std::map<std::string, std::string>{}));
    if (!changed) context.reporter->step("Checked", "environment `" + env + "` is up to date");
    result.environment_changed |= changed;
    // A path dependency's folder can change without wharf.yaml or wharf.lock
    // changing: such a project always takes the full check (which hashes it).
    if (manifest && !options.lock.dry_run && !has_path_packages)
      write_stamp(context.project_dir, env, files, manifest->env);
  }
  retire(lock);
  retire(manifest);
  return result;
}

}  // namespace wharf::ops
