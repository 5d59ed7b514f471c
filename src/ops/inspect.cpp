// `wharf tree`, `wharf why`, `wharf outdated`: read-only views of wharf.lock.
//
// Each builds the locked dependency graph of one environment on one platform
// (package name -> version and dependency names) and walks it. Constraints,
// which the lockfile does not record, come from wharf.yaml for the project's
// direct dependencies and from the registries' indexes for the rest.
#include <algorithm>
#include <functional>
#include <set>

#include "internal.hpp"
#include "wharf/util/strings.hpp"

namespace wharf::ops {

namespace fs = std::filesystem;

namespace {

// Stands for the project among package names (never a valid package name).
const std::string kProject = "<project>";

struct GraphNode {
  const lockfile::LockedPackage* package = nullptr;
  std::vector<std::string> dependencies;  // sorted, only members of the environment
};

// The locked graph of one environment on one platform.
struct LockedGraph {
  manifest::Manifest manifest;
  lockfile::Lockfile lock;
  std::string environment;
  std::string platform;
  std::map<std::string, GraphNode> nodes;
  // The project's direct dependencies in this environment: name -> constraint.
  std::map<std::string, std::string> direct;

  bool has_dependencies(const std::string& name) const {
    auto it = nodes.find(name);
    return it != nodes.end() && !it->second.dependencies.empty();
  }
  std::vector<std::string> dependents(const std::string& name) const {
    std::vector<std::string> out;
    for (const auto& [other, node] : nodes)
      if (std::binary_search(node.dependencies.begin(), node.dependencies.end(), name))
        out.push_back(other);
    return out;
  }
};

Result<lockfile::Lockfile> load_lock_for_inspection(const fs::path& project) {
  auto path = project / "wharf.lock";
  std::error_code ec;
  if (!fs::exists(path, ec))
    return fail("wharf.lock does not exist in " + project.string(),
                "run `wharf lock` to create it");
  return lockfile::load(path);
}

Result<std::string> choose_platform(const lockfile::Lockfile& lock, const std::string& asked) {
  std::string platform = asked.empty() ? manifest::current_platform() : asked;
  if (std::find(lock.platforms.begin(), lock.platforms.end(), platform) != lock.platforms.end())
    return platform;
  std::string locked = join(lock.platforms, ", ");
  if (asked.empty())
    return fail("wharf.lock does not cover this platform (" + platform + ")",
                "choose a locked one with --platform (" + locked + ")");
  auto close = closest_match(platform, lock.platforms);
  return fail_input("platform `" + platform + "` is not locked in wharf.lock",
                    close ? "did you mean `" + *close + "`?" : "locked platforms: " + locked);
}

Result<LockedGraph> load_graph(const Context& context, const InspectOptions& options) {
  LockedGraph graph;
  graph.manifest = WHARF_TRY(manifest::load_manifest(context.project_dir / "wharf.yaml"));
  graph.lock = WHARF_TRY(load_lock_for_inspection(context.project_dir));
  auto freshness = lockfile::check_fresh(graph.lock, graph.manifest);
  if (freshness.state == lockfile::Freshness::Stale)
    context.reporter->warning("wharf.lock is out of date (" + freshness.reason +
                              "); showing it as locked; run `wharf lock` to update it");

  graph.environment = options.environment;
  auto env_it = graph.lock.environments.find(graph.environment);
  if (env_it == graph.lock.environments.end() ||
      !graph.manifest.dependencies_of(graph.environment)) {
    std::vector<std::string> names;
    for (const auto& [name, platforms] : graph.lock.environments) names.push_back(name);
    auto close = closest_match(graph.environment, names);
    return fail_input(
        "unknown environment `" + graph.environment + "`",
        close ? "did you mean `" + *close + "`?" : "environments: " + join(names, ", "));
  }
  graph.platform = WHARF_TRY(choose_platform(graph.lock, options.platform));
  auto members_it = env_it->second.find(graph.platform);
  if (members_it == env_it->second.end())
    return fail("environment `" + graph.environment + "` is not locked for " + graph.platform,
                "run `wharf lock`");
  std::set<std::string> members;
  for (const auto& member : members_it->second) members.emplace(lockfile::member_name(member));

  for (const auto& package : graph.lock.packages) {
    bool member =
        std::any_of(members_it->second.begin(), members_it->second.end(),
                    [&](const std::string& m) { return lockfile::member_is(m, package); });
    if (!member) continue;
    for (const auto& p : package.platforms) {
      if (p.platform != graph.platform) continue;
      auto& node = graph.nodes[package.name];
      node.package = &package;
      for (const auto& dep : p.dependencies)
        if (members.count(dep)) node.dependencies.push_back(dep);
      std::sort(node.dependencies.begin(), node.dependencies.end());
    }
  }
  for (const auto& name : members)
    if (!graph.nodes.count(name))
      return fail("wharf.lock lists `" + name + "` in environment `" + graph.environment +
                      "` but has no entry of it for " + graph.platform,
                  "run `wharf lock` to repair wharf.lock");
  const auto direct = *graph.manifest.dependencies_of(graph.environment);
  for (const auto& dep : direct)
    if (graph.nodes.count(dep.name)) graph.direct[dep.name] = dep.constraint.text();
  return graph;
}

TreeNode project_node(const LockedGraph& graph) {
  TreeNode node;
  node.name = graph.manifest.name;
  if (graph.manifest.version) node.version = graph.manifest.version->to_string();
  node.is_project = true;
  return node;
}

// Builds tree nodes depth first, eliding repeats the way `cargo tree` does:
// a package whose dependencies were already shown is marked `repeated`.
class TreeBuilder {
 public:
  using Edges = std::function<std::vector<std::string>(const std::string&)>;
  TreeBuilder(const LockedGraph& graph, Edges edges, int depth)
      : m_graph(graph), m_edges(std::move(edges)), m_depth(depth) {}

  TreeNode build(const std::string& name, int level) {
    TreeNode node;
    node.name = name;
    if (name == kProject) return project_node(m_graph);
    node.version = m_graph.nodes.at(name).package->version.to_string();
    auto next = m_edges(name);
    if (next.empty()) return node;
    if (m_expanded.count(name)) {
      node.repeated = true;
      return node;
    }
    if (m_depth >= 0 && level >= m_depth) {
      node.truncated = true;
      return node;
    }
    m_expanded.insert(name);
    for (const auto& child : next) node.children.push_back(build(child, level + 1));
    return node;
  }

 private:
  const LockedGraph& m_graph;
  Edges m_edges;
  int m_depth;
  std::set<std::string> m_expanded;
};

// The constraint `parent` (at its locked version) puts on `child`, from the
// registry index; empty when it cannot be read.
class ConstraintLookup {
 public:
  ConstraintLookup(const LockedGraph& graph, const Context& context)
      : m_graph(graph),
        m_reporter(*context.reporter),
        m_registries(graph.manifest.root, graph.manifest.registries, registry_options(context)) {}

  std::string of(const std::string& parent, const std::string& child) {
    if (parent == kProject) {
      auto it = m_graph.direct.find(child);
      return it == m_graph.direct.end() ? "" : it->second;
    }
    const auto* package = m_graph.nodes.at(parent).package;
    auto index = read_index(*package);
    if (!index) return "";
    for (const auto& v : index->versions) {
      if (v.version != package->version) continue;
      for (const auto& [dep, constraint] : v.dependencies)
        if (dep == child) return constraint.text();
    }
    return "";
  }

 private:
  std::shared_ptr<const manifest::PackageIndex> read_index(const lockfile::LockedPackage& package) {
    if (auto it = m_indexes.find(package.name); it != m_indexes.end()) return it->second;
    std::shared_ptr<const manifest::PackageIndex> index;
    if (auto read = m_registries.index_of(package))
      index = *read;
    else
      warn_once(read.error().message);
    m_indexes[package.name] = index;
    return index;
  }

  void warn_once(const std::string& message) {
    if (m_warned) return;
    m_warned = true;
    m_reporter.warning("some constraints are not shown: " + message);
  }

  const LockedGraph& m_graph;
  Reporter& m_reporter;
  RegistrySet m_registries;
  std::map<std::string, std::shared_ptr<const manifest::PackageIndex>> m_indexes;
  bool m_warned = false;
};

std::string dependency_hint(const LockedGraph& graph, const std::string& name) {
  for (const auto& [env, platforms] : graph.lock.environments) {
    if (env == graph.environment) continue;
    auto it = platforms.find(graph.platform);
    if (it != platforms.end() &&
        std::any_of(it->second.begin(), it->second.end(),
                    [&](const std::string& m) { return lockfile::member_name(m) == name; }))
      return "it is in environment `" + env + "`: use `-e " + env + "`";
  }
  std::vector<std::string> names;
  for (const auto& [package, node] : graph.nodes) names.push_back(package);
  if (auto close = closest_match(name, names)) return "did you mean `" + *close + "`?";
  return "`wharf tree` shows what the environment holds";
}

Result<void> require_member(const LockedGraph& graph, const std::string& name) {
  if (graph.nodes.count(name)) return {};
  return fail_input("package `" + name + "` is not in environment `" + graph.environment + "` on " +
                        graph.platform,
                    dependency_hint(graph, name));
}

// The newest non-yanked version with an artifact for `platform` (or `any`);
// pre-releases only when `allow_prerelease`.
std::string newest_in_index(const manifest::PackageIndex& index, const std::string& platform,
                            bool allow_prerelease) {
  const manifest::IndexVersion* best = nullptr;
  for (const auto& v : index.versions) {
    if (v.yanked || (v.version.is_prerelease() && !allow_prerelease)) continue;
    bool available = std::any_of(v.artifacts.begin(), v.artifacts.end(), [&](const auto& a) {
      return a.platform == platform || a.platform == "any";
    });
    if (available && (!best || best->version < v.version)) best = &v;
  }
  return best ? best->version.to_string() : "";
}

}  // namespace

Result<Tree> tree(const Context& context, const TreeOptions& options) {
  auto graph = WHARF_TRY(load_graph(context, options.inspect));
  Tree out{graph.manifest.name, graph.environment, graph.platform, {}};
  if (options.invert.empty()) {
    TreeBuilder builder(
        graph,
        [&](const std::string& name) {
          if (name == kProject) {
            std::vector<std::string> roots;
            for (const auto& [dep, constraint] : graph.direct) roots.push_back(dep);
            return roots;
          }
          return graph.nodes.at(name).dependencies;
        },
        options.depth);
    out.root = project_node(graph);
    if (options.depth != 0) {
      for (const auto& [dep, constraint] : graph.direct)
        out.root.children.push_back(builder.build(dep, 1));
    } else {
      out.root.truncated = !graph.direct.empty();
    }
    return out;
  }
  WHARF_TRY_VOID(require_member(graph, options.invert));
  TreeBuilder builder(
      graph,
      [&](const std::string& name) {
        if (name == kProject) return std::vector<std::string>{};
        auto up = graph.dependents(name);
        if (graph.direct.count(name)) up.insert(up.begin(), kProject);
        return up;
      },
      options.depth);
  out.root = builder.build(options.invert, 0);
  return out;
}

Result<WhyReport> why(const Context& context, const std::string& name,
                      const InspectOptions& options) {
  auto graph = WHARF_TRY(load_graph(context, options));
  WHARF_TRY_VOID(require_member(graph, name));
  WhyReport report;
  report.project = graph.manifest.name;
  report.environment = graph.environment;
  report.platform = graph.platform;
  report.package = name;
  report.version = graph.nodes.at(name).package->version.to_string();

  // Only nodes that lead to `name` are worth walking into.
  std::set<std::string> leads{name};
  for (std::vector<std::string> queue{name}; !queue.empty();) {
    auto current = queue.back();
    queue.pop_back();
    for (const auto& up : graph.dependents(current))
      if (leads.insert(up).second) queue.push_back(up);
  }

  ConstraintLookup constraints(graph, context);
  std::vector<PathStep> path{
      {graph.manifest.name, graph.manifest.version ? graph.manifest.version->to_string() : "", ""}};
  std::vector<std::string> stack{kProject};
  std::function<void(const std::string&)> walk = [&](const std::string& at) {
    if (report.truncated) return;
    std::vector<std::string> next;
    if (at == kProject) {
      for (const auto& [dep, constraint] : graph.direct) next.push_back(dep);
    } else {
      next = graph.nodes.at(at).dependencies;
    }
    for (const auto& child : next) {
      if (!leads.count(child)) continue;
      if (std::find(stack.begin(), stack.end(), child) != stack.end()) continue;  // a cycle
      path.push_back(
          {child, graph.nodes.at(child).package->version.to_string(), constraints.of(at, child)});
      stack.push_back(child);
      if (child == name) {
        if (report.paths.size() == kMaxWhyPaths)
          report.truncated = true;
        else
          report.paths.push_back(path);
      } else {
        walk(child);
      }
      stack.pop_back();
      path.pop_back();
      if (report.truncated) return;
    }
  };
  walk(kProject);
  return report;
}

Result<OutdatedReport> outdated(const Context& context, const InspectOptions& options) {
  auto manifest = WHARF_TRY(manifest::load_manifest(context.project_dir / "wharf.yaml"));
  auto lock = WHARF_TRY(load_lock_for_inspection(context.project_dir));
  auto freshness = lockfile::check_fresh(lock, manifest);
  if (freshness.state == lockfile::Freshness::Stale)
    context.reporter->warning("wharf.lock is out of date (" + freshness.reason +
                              "); comparing the versions it holds");
  auto platform = WHARF_TRY(choose_platform(lock, options.platform));

  // "What is newest" must be current: every index file read is revalidated,
  // however fresh the cache says it is (what arrives refreshes the cache, so
  // a `lock --update` right after sees the same versions).
  auto network = registry_options(context);
  network.refresh = true;
  RegistrySet registries(manifest.root, manifest.registries, network);
  LockOptions update;
  update.update_all = true;
  auto newest = resolve_lockfile(manifest, registries, &lock, update);
  report_index_stats(*context.reporter, registries);
  if (!newest)
    return std::unexpected(
        with_context(newest.error(), "finding the newest versions wharf.yaml allows"));

  auto version_on = [&](const lockfile::Lockfile& l, const std::string& name) -> std::string {
    for (const auto& package : l.packages)
      if (package.name == name)
        for (const auto& p : package.platforms)
          if (p.platform == platform) return package.version.to_string();
    return "";
  };

  std::set<std::string> direct;
  for (const auto& env : manifest.environment_names()) {
    const auto deps = *manifest.dependencies_of(env);
    for (const auto& dep : deps) direct.insert(dep.name);
  }

  OutdatedReport report{manifest.name, platform, {}};
  for (const auto& package : lock.packages) {
    bool on_platform = std::any_of(package.platforms.begin(), package.platforms.end(),
                                   [&](const auto& p) { return p.platform == platform; });
    if (!on_platform) continue;
    OutdatedPackage row;
    row.name = package.name;
    row.locked = package.version.to_string();
    row.allowed = version_on(*newest, package.name);
    row.direct = direct.count(package.name) > 0;
    auto index = WHARF_TRY(registries.index_of(package));
    if (index) row.latest = newest_in_index(*index, platform, package.version.is_prerelease());
    if (row.latest.empty()) row.latest = row.locked;
    report.packages.push_back(std::move(row));
  }
  return report;
}

}  // namespace wharf::ops
