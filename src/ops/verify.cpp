#include "internal.hpp"

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

  // The environment must also be what wharf.lock says, for this platform; a
  // lock that does not describe it at all counts as stale too.
  auto lock = WHARF_TRY(lockfile::load(context.project_dir / "wharf.lock"));
  auto store = WHARF_TRY(store::Store::open(context.cache_dir));
  auto locked = locked_environment(context, lock, environment, store);
  if (!locked || !WHARF_TRY(install::is_up_to_date(locked->request)))
    issues.push_back({"stale", "", ""});
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
