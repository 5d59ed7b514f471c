#include "internal.hpp"
#include "wharf/install/installer.hpp"
#include "wharf/store/store.hpp"

namespace wharf::ops {

namespace {
std::string kind_name(install::FileProblem::Kind kind) {
  switch (kind) {
    case install::FileProblem::Kind::Modified:
      return "modified";
    case install::FileProblem::Kind::Missing:
      return "missing";
    case install::FileProblem::Kind::Extra:
      return "extra";
    case install::FileProblem::Kind::TypeChanged:
      return "type-changed";
  }
  return "unknown";
}
}  // namespace

Result<std::vector<FileIssue>> verify(const Context& context, const std::string& environment) {
  auto prefix = environment_prefix(context.project_dir, environment);
  std::error_code ec;
  if (!std::filesystem::exists(prefix, ec))
    return fail("environment `" + environment + "` is not installed (" + prefix.string() + ")",
                "run `wharf sync`");
  auto report = WHARF_TRY(install::verify(prefix));
  std::vector<FileIssue> issues;
  for (const auto& problem : report.problems)
    issues.push_back({kind_name(problem.kind), problem.path, problem.package});

  // The environment must also be what wharf.lock says, for this platform.
  auto lock = WHARF_TRY(lockfile::load(context.project_dir / "wharf.lock"));
  auto env_it = lock.environments.find(environment);
  const auto platform = manifest::current_platform();
  install::Request request;
  request.prefix = prefix;
  auto store = WHARF_TRY(store::Store::open(context.cache_dir));
  if (env_it != lock.environments.end() && env_it->second.count(platform)) {
    for (const auto& name : env_it->second.at(platform)) {
      for (const auto& package : lock.packages) {
        if (package.name != name) continue;
        for (const auto& p : package.platforms) {
          if (p.platform != platform || !p.artifact) continue;
          request.packages.push_back({package.name,
                                      package.version.to_string(),
                                      p.artifact->sha256,
                                      store.tree_path(p.artifact->sha256),
                                      {"wharf-package.yaml"},
                                      ""});
        }
      }
    }
  }
  if (!WHARF_TRY(install::is_up_to_date(request))) issues.push_back({"stale", "", ""});
  return issues;
}

Result<CacheReport> cache_clean(const std::filesystem::path& cache_dir) {
  auto store = WHARF_TRY(store::Store::open(cache_dir));
  auto report = WHARF_TRY(store.clean());
  return CacheReport{report.removed_entries, report.freed_bytes};
}

Result<CacheReport> cache_prune(const std::filesystem::path& cache_dir,
                                std::chrono::seconds max_age) {
  auto store = WHARF_TRY(store::Store::open(cache_dir));
  auto report = WHARF_TRY(store.prune(max_age));
  return CacheReport{report.removed_entries, report.freed_bytes};
}

}  // namespace wharf::ops
