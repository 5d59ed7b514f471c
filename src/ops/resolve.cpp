#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>
#include <variant>

#include "internal.hpp"
#include "wharf/solve/solver.hpp"
#include "wharf/util/heap.hpp"
#include "wharf/util/strings.hpp"
#include "wharf/version/constraint.hpp"

namespace wharf::ops {

namespace {

// The pre-release versions a constraint names (">=1.0.0-rc.1" names
// 1.0.0-rc.1); the solver lets pre-releases of those releases be candidates.
std::vector<version::Version> named_prereleases(const std::string& text) {
  std::vector<version::Version> out;
  if (text.find('-') == std::string::npos) return out;  // no pre-release without a `-`
  std::string normalized = text;
  for (auto& c : normalized)
    if (c == '|') c = ',';
  for (auto part : split(normalized, ',')) {
    auto piece = trim(part);
    while (!piece.empty() &&
           std::string_view("=!<>^~ ").find(piece.front()) != std::string_view::npos)
      piece.remove_prefix(1);
    if (piece.empty()) continue;
    if (auto v = version::Version::parse(piece); v && v->is_prerelease()) out.push_back(*v);
  }
  return out;
}

solve::Requirement to_requirement(const std::string& name, const version::Constraint& constraint) {
  return solve::Requirement{name, constraint.set(), constraint.text(),
                            named_prereleases(constraint.text())};
}

// The entry of `index` for `version`: a binary search, as parsed indexes are
// sorted ascending and distinct (manifest/registry_index.hpp), with a scan as
// the fallback should an index not be sorted.
const manifest::IndexVersion* find_version(const manifest::PackageIndex& index,
                                           const version::Version& version) {
  const auto& versions = index.versions;
  auto it = std::lower_bound(
      versions.begin(), versions.end(), version,
      [](const manifest::IndexVersion& v, const version::Version& x) { return v.version < x; });
  if (it != versions.end() && it->version == version) return &*it;
  for (const auto& v : versions)
    if (v.version == version) return &v;
  return nullptr;
}

// Answers the solver's questions from the manifest's registries, for one platform.
class RegistryProvider final : public solve::Provider {
 public:
  RegistryProvider(RegistrySet& registries, std::string platform,
                   std::map<std::string, std::string> pinned_registry, const DirectPackages& direct)
      : m_registries(registries),
        m_platform(std::move(platform)),
        m_pinned(std::move(pinned_registry)),
        m_direct(direct) {}

  Result<std::vector<solve::Candidate>> candidates(const std::string& name) override {
    // A git, url or path package is one fixed candidate (its platform was
    // checked before the solve).
    if (auto it = m_direct.find(name); it != m_direct.end())
      return std::vector<solve::Candidate>{{it->second.package.version, false}};
    auto* entry = WHARF_TRY(lookup(name));
    std::vector<solve::Candidate> out;
    out.reserve(entry->index->versions.size());
    for (const auto& v : entry->index->versions)
      if (artifact_for(v)) out.push_back({v.version, v.yanked});
    return out;
  }

  Result<std::vector<solve::Requirement>> dependencies(const std::string& name,
                                                       const version::Version& version) override {
    if (auto it = m_direct.find(name); it != m_direct.end()) {
      std::vector<solve::Requirement> out;
      for (const auto& [dep, constraint] : it->second.package.dependencies)
        out.push_back(to_requirement(dep, constraint));
      return out;
    }
    auto* entry = WHARF_TRY(lookup(name));
    const manifest::IndexVersion* v = find_version(*entry->index, version);
    if (!v)
      return fail("internal: " + name + " " + version.to_string() + " vanished from its index");
    std::vector<solve::Requirement> out;
    out.reserve(v->dependencies.size());
    // to_requirement()'s fields, built in place: moving a returned
    // Requirement into `out` cost 1.6% of the reference lock's instructions.
    for (const auto& [dep, constraint] : v->dependencies)
      out.emplace_back(dep, constraint.set(), constraint.text(),
                       named_prereleases(constraint.text()));
    return out;
  }

  // Hands the names to the registry lookup() would ask first (the pinned one,
  // else the default), so remote indexes arrive in parallel batches.
  void prefetch(const std::vector<std::string>& names) override {
    // One batch per registry, in the order first asked (usually just one).
    std::vector<std::pair<source::Registry*, std::vector<std::string>>> batches;
    for (const auto& name : names) {
      if (m_entries.count(name) || m_direct.count(name)) continue;  // no index to fetch
      auto pin = m_pinned.find(name);
      if (pin == m_pinned.end() && m_registries.decls().empty()) continue;
      source::Registry* registry =
          named(pin != m_pinned.end() ? pin->second : m_registries.decls()[0].name);
      if (!registry) continue;  // lookup() reports it
      auto batch = std::find_if(batches.begin(), batches.end(),
                                [&](const auto& b) { return b.first == registry; });
      if (batch == batches.end()) batch = batches.insert(batches.end(), {registry, {}});
      batch->second.push_back(name);
    }
    for (const auto& [registry, batch] : batches) registry->prefetch(batch);
  }

  struct Entry {
    source::Registry* registry = nullptr;
    std::shared_ptr<const manifest::PackageIndex> index;
  };

  Result<Entry*> lookup(const std::string& name) {
    // The solver asks about one package several times in a row (its versions,
    // then the dependencies of a version and of its neighbours).
    if (m_last && m_last->first == name) return &m_last->second;
    if (auto it = m_entries.find(name); it != m_entries.end()) {
      m_last = &*it;
      return &it->second;
    }
    Entry entry;
    std::vector<std::string> searched;
    if (auto pin = m_pinned.find(name); pin != m_pinned.end()) {
      auto* registry = WHARF_TRY(m_registries.by_name(pin->second));
      searched.push_back(registry->describe());
      entry.registry = registry;
      entry.index = WHARF_TRY(registry->index(name));
    } else {
      for (const auto& decl : m_registries.decls()) {
        auto* registry = WHARF_TRY(m_registries.by_name(decl.name));
        searched.push_back(registry->describe());
        auto index = WHARF_TRY(registry->index(name));
        if (index) {
          entry.registry = registry;
          entry.index = std::move(index);
          break;
        }
      }
    }
    if (!entry.index) {
      if (searched.empty())
        return fail("package `" + name + "` cannot be found: wharf.yaml declares no registries",
                    "add a `registries:` entry to wharf.yaml");
      return fail("package `" + name + "` was not found in " + join(searched, ", "),
                  "check the package name, or add the registry that provides it");
    }
    m_last = &*m_entries.emplace(name, std::move(entry)).first;
    return &m_last->second;
  }

  // m_registries.by_name(name), remembered; nullptr when it fails (lookup()
  // reports the error).
  source::Registry* named(const std::string& name) {
    for (const auto& [n, registry] : m_named)
      if (n == name) return registry;
    auto registry = m_registries.by_name(name);
    if (!registry) return nullptr;
    m_named.emplace_back(name, *registry);
    return *registry;
  }

  const manifest::IndexArtifact* artifact_for(const manifest::IndexVersion& v) const {
    const manifest::IndexArtifact* any = nullptr;
    for (const auto& artifact : v.artifacts) {
      if (artifact.platform == m_platform) return &artifact;
      if (artifact.platform == "any") any = &artifact;
    }
    return any;
  }

 private:
  RegistrySet& m_registries;
  std::string m_platform;
  std::map<std::string, std::string> m_pinned;
  const DirectPackages& m_direct;
  // Nodes of an unordered_map stay put, so m_last stays valid.
  std::unordered_map<std::string, Entry> m_entries;
  std::pair<const std::string, Entry>* m_last = nullptr;           // the latest lookup()
  std::vector<std::pair<std::string, source::Registry*>> m_named;  // see named()
};

solve::Resolution to_solver(Resolution r) {
  switch (r) {
    case Resolution::Lowest:
      return solve::Resolution::Lowest;
    case Resolution::LowestDirect:
      return solve::Resolution::LowestDirect;
    case Resolution::Highest:
      break;
  }
  return solve::Resolution::Highest;
}

const char* kind_name(solve::DerivationNode::Kind kind) {
  switch (kind) {
    case solve::DerivationNode::Kind::Root:
      return "root";
    case solve::DerivationNode::Kind::NoVersions:
      return "no_versions";
    case solve::DerivationNode::Kind::Dependency:
      return "dependency";
    case solve::DerivationNode::Kind::Derived:
      break;
  }
  return "derived";
}

}  // namespace

std::string unsolvable_details(const solve::Unsolvable& unsolvable, const std::string& project,
                               const std::string& platform) {
  nlohmann::json nodes = nlohmann::json::array();
  for (std::size_t i = 0; i < unsolvable.nodes.size(); ++i) {
    const solve::DerivationNode& node = unsolvable.nodes[i];
    nlohmann::json terms = nlohmann::json::array();
    for (const auto& t : node.terms)
      terms.push_back({{"package", t.package}, {"positive", t.positive}, {"versions", t.versions}});
    nlohmann::json out = {{"id", i},
                          {"kind", kind_name(node.kind)},
                          {"text", node.sentence},
                          {"terms", std::move(terms)},
                          {"line", node.line ? nlohmann::json(node.line) : nlohmann::json()}};
    if (node.kind == solve::DerivationNode::Kind::Derived) {
      out["causes"] = {node.cause1, node.cause2};
    } else {
      out["causes"] = nlohmann::json::array();
      out["package"] = node.package;
    }
    if (node.kind == solve::DerivationNode::Kind::NoVersions ||
        node.kind == solve::DerivationNode::Kind::Dependency)
      out["versions"] = node.versions;
    if (node.kind == solve::DerivationNode::Kind::Dependency) {
      out["dependency"] = node.dependency;
      out["constraint"] = node.constraint;
    }
    nodes.push_back(std::move(out));
  }
  nlohmann::json details = {{"kind", "unsatisfiable"},      {"project", project},
                            {"platform", platform},         {"explanation", unsolvable.explanation},
                            {"root", unsolvable.root_node}, {"nodes", std::move(nodes)}};
  return details.dump();
}

std::vector<std::string> locked_platforms(const manifest::Manifest& manifest) {
  std::vector<std::string> platforms = manifest.platforms;
  if (platforms.empty()) platforms.push_back(manifest::current_platform());
  std::sort(platforms.begin(), platforms.end());
  platforms.erase(std::unique(platforms.begin(), platforms.end()), platforms.end());
  return platforms;
}

Result<lockfile::Lockfile> resolve_lockfile(const manifest::Manifest& manifest,
                                            RegistrySet& registries,
                                            const lockfile::Lockfile* previous,
                                            const LockOptions& options) {
  // Every environment, "default" first; the solve covers their union so that a
  // package has one version across environments.
  std::vector<std::string> env_names{"default"};
  for (const auto& env : manifest.environments) env_names.push_back(env.name);
  std::map<std::string, std::vector<manifest::DependencySpec>> env_deps;
  for (const auto& env : env_names) env_deps[env] = *manifest.dependencies_of(env);
  auto direct = WHARF_TRY(
      resolve_direct_packages(manifest, env_deps, previous, options, registries.options()));

  // Solve groups: `default` and the environments without `solve-group:` are
  // solved together (one version of each package across them); each other
  // group apart. A group's root merges its environments' requirements by name.
  std::map<std::string, std::vector<std::string>> groups;  // group -> envs
  groups["default"].push_back("default");
  for (const auto& env : manifest.environments) groups[env.solve_group].push_back(env.name);
  std::map<std::string, std::string> pinned;
  std::map<std::string, solve::Root> roots;
  for (const auto& [group, members] : groups) {
    std::map<std::string, solve::Requirement> merged;
    for (const auto& env : members) {
      for (const auto& dep : env_deps[env]) {
        auto requirement = to_requirement(dep.name, dep.constraint);
        auto [it, inserted] = merged.emplace(dep.name, requirement);
        if (!inserted && !(it->second.set == requirement.set)) {
          it->second.set = it->second.set.intersect(requirement.set);
          it->second.text += ", " + requirement.text;
          for (auto& v : requirement.prerelease_opt_in) it->second.prerelease_opt_in.push_back(v);
        }
        if (!dep.registry.empty()) pinned[dep.name] = dep.registry;
      }
    }
    solve::Root root{manifest.name, {}};
    for (auto& [name, requirement] : merged) root.requirements.push_back(requirement);
    roots.emplace(group, std::move(root));
  }
  for (const auto& [name, registry] : pinned) WHARF_TRY(registries.by_name(registry));

  solve::Options solve_options;
  solve_options.resolution = to_solver(options.resolution);
  solve_options.prereleases = options.prereleases == Prereleases::Allow
                                  ? solve::Prereleases::Allow
                                  : solve::Prereleases::IfNamed;
  solve_options.unlock = options.update;
  solve_options.unlock_all = options.update_all;
  for (const auto& [name, constraint] : manifest.overrides)
    solve_options.overrides[name] = to_requirement(name, constraint);
  for (const auto& [name, constraint] : manifest.constraints)
    solve_options.constraints[name] = to_requirement(name, constraint);

  lockfile::Lockfile lock;
  lockfile::stamp_inputs(lock, manifest);
  lock.platforms = locked_platforms(manifest);
  for (const auto& [name, resolved] : direct) {
    const auto& platform = resolved.package.platform;
    if (platform != "any" &&
        std::find(lock.platforms.begin(), lock.platforms.end(), platform) == lock.platforms.end())
      return fail("`" + name + "` (" + lockfile::redact_url(resolved.source.location) +
                      ") is a package for " + platform + ", but wharf.yaml locks " +
                      join(lock.platforms, ", "),
                  "use a source built for these platforms, or set `platforms:` in wharf.yaml");
    if (platform != "any" && lock.platforms.size() > 1)
      return fail("`" + name + "` (" + lockfile::redact_url(resolved.source.location) +
                      ") is a package for " + platform + " only, but wharf.yaml locks " +
                      join(lock.platforms, ", "),
                  "a git, url or path package must be `platform: any` to cover several platforms");
  }

  // The previous lock's packages by name, for the preferences below.
  std::unordered_map<std::string_view, std::vector<const lockfile::LockedPackage*>>
      previous_by_name;
  if (previous)
    for (const auto& package : previous->packages)
      previous_by_name[package.name].push_back(&package);

  // (name, version) -> package; a package may differ across platforms.
  std::map<std::pair<std::string, std::string>, lockfile::LockedPackage> packages;

  // env -> platform -> (name, version) chosen for it.
  std::map<std::string, std::map<std::string, std::map<std::string, version::Version>>> chosen;
  for (const auto& platform : lock.platforms) {
    for (const auto& [group, group_envs] : groups) {
      // Locked preferences: what this group's environments held, else any
      // locked version of the name.
      solve_options.preferences.clear();
      if (previous) {
        for (const auto& env : group_envs) {
          auto env_it = previous->environments.find(env);
          if (env_it == previous->environments.end()) continue;
          auto members_it = env_it->second.find(platform);
          if (members_it == env_it->second.end()) continue;
          for (const auto& member : members_it->second) {
            auto found = previous_by_name.find(lockfile::member_name(member));
            if (found == previous_by_name.end()) continue;
            for (const auto* package : found->second)
              if (lockfile::member_is(member, *package))
                solve_options.preferences.emplace(package->name, package->version);
          }
        }
        for (const auto& package : previous->packages)
          for (const auto& locked_platform : package.platforms)
            if (locked_platform.platform == platform)
              solve_options.preferences.emplace(package.name, package.version);
      }
      RegistryProvider provider(registries, platform, pinned, direct);
      auto outcome = WHARF_TRY(solve::solve(provider, roots.at(group), solve_options));
      if (auto* unsolvable = std::get_if<solve::Unsolvable>(&outcome)) {
        std::string where = lock.platforms.size() > 1 ? " on " + platform : "";
        if (group != "default") where += " (solve group `" + group + "`)";
        auto error = fail("no set of versions satisfies the requirements of `" + manifest.name +
                              "`" + where + ":\n" + unsolvable->explanation,
                          "relax the constraints named above in wharf.yaml");
        error.error().details = unsolvable_details(*unsolvable, manifest.name, platform);
        return error;
      }
      auto& solution = std::get<solve::Solution>(outcome);

      for (const auto& [name, version] : solution.versions) {
        auto [slot, fresh] = packages.try_emplace(std::make_pair(name, version.to_string()));
        auto& package = slot->second;
        if (!fresh && std::any_of(package.platforms.begin(), package.platforms.end(),
                                  [&](const auto& p) { return p.platform == platform; }))
          continue;  // another group chose the same package here
        if (auto it = direct.find(name); it != direct.end()) {
          package.name = name;
          package.version = it->second.package.version;
          package.source = it->second.source;
          lockfile::LockedPlatform locked;
          locked.platform = platform;
          locked.artifact = it->second.artifact;
          if (auto deps = solution.dependencies.find(name); deps != solution.dependencies.end())
            locked.dependencies = deps->second;
          package.platforms.push_back(std::move(locked));
          continue;
        }
        auto* entry = WHARF_TRY(provider.lookup(name));
        const manifest::IndexVersion* index_version = find_version(*entry->index, version);
        if (!index_version) return fail("internal: chosen " + name + " is not in its index");
        package.name = name;
        package.version = index_version->version;
        package.source.kind = lockfile::SourceKind::Registry;
        package.source.location = entry->registry->url();
        lockfile::LockedPlatform locked;
        locked.platform = platform;
        const auto* artifact = provider.artifact_for(*index_version);
        locked.artifact = lockfile::LockedArtifact{artifact->url, artifact->sha256, artifact->size};
        if (auto deps = solution.dependencies.find(name); deps != solution.dependencies.end())
          locked.dependencies = deps->second;
        std::sort(locked.dependencies.begin(), locked.dependencies.end());
        package.platforms.push_back(std::move(locked));
      }

      // Each environment holds the closure of its direct dependencies.
      for (const auto& env : group_envs) {
        auto& members = chosen[env][platform];
        std::vector<std::string> queue;
        for (const auto& dep : env_deps[env]) queue.push_back(dep.name);
        while (!queue.empty()) {
          auto name = queue.back();
          queue.pop_back();
          auto version = solution.versions.find(name);
          if (version == solution.versions.end()) continue;
          if (!members.emplace(name, version->second).second) continue;  // already there
          if (auto deps = solution.dependencies.find(name); deps != solution.dependencies.end())
            for (const auto& d : deps->second) queue.push_back(d);
        }
      }
      retire(outcome);  // only memory (wharf/util/heap.hpp)
    }
  }
  // `packages` is ordered by name: a name with several versions is adjacent.
  std::set<std::string> several_versions;
  for (auto it = packages.begin(); it != packages.end(); ++it)
    if (auto next = std::next(it); next != packages.end() && next->first.first == it->first.first)
      several_versions.insert(it->first.first);
  for (auto& [key, package] : packages) lock.packages.push_back(std::move(package));
  for (const auto& [env, platforms] : chosen)
    for (const auto& [platform, members] : platforms) {
      auto& listed = lock.environments[env][platform];
      for (const auto& [name, version] : members)
        listed.push_back(several_versions.count(name) ? name + "@" + version.to_string() : name);
    }
  retire(packages);
  retire(chosen);
  return lock;
}

std::string format_duration(std::chrono::steady_clock::duration elapsed) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
  char buffer[32];
  if (us < 1000)
    std::snprintf(buffer, sizeof buffer, "%.2f ms", us / 1000.0);
  else if (us < 1'000'000)
    std::snprintf(buffer, sizeof buffer, "%lld ms", static_cast<long long>(us / 1000));
  else
    std::snprintf(buffer, sizeof buffer, "%.2f s", us / 1e6);
  return buffer;
}

std::string plural(std::size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace wharf::ops
