// `wharf add` / `wharf remove` (see wharf/ops/edit.hpp).
#include "wharf/ops/edit.hpp"

#include <algorithm>
#include <optional>

#include "internal.hpp"
#include "wharf/manifest/edit.hpp"
#include "wharf/util/file_lock.hpp"
#include "wharf/util/fs.hpp"
#include "wharf/util/strings.hpp"
#include "wharf/version/constraint.hpp"

namespace wharf::ops {

namespace fs = std::filesystem;

namespace {

// `^` of the newest version that is neither yanked nor a pre-release, with
// at least three components (`^1.2.0`); nullopt when there is none.
std::optional<std::string> default_constraint(const manifest::PackageIndex& index) {
  const manifest::IndexVersion* newest = nullptr;
  for (const auto& v : index.versions)
    if (!v.yanked && !v.version.is_prerelease() && (!newest || newest->version < v.version))
      newest = &v;
  if (!newest) return std::nullopt;
  auto release = newest->version.release();
  while (release.size() < 3) release.push_back(0);
  std::vector<std::string> parts;
  for (auto component : release) parts.push_back(std::to_string(component));
  return "^" + join(parts, ".");
}

// The package name a git URL suggests: its last path segment without `.git`.
std::string name_from_git_url(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  auto slash = url.find_last_of("/:");
  std::string last = slash == std::string::npos ? url : url.substr(slash + 1);
  if (last.ends_with(".git")) last.resize(last.size() - 4);
  for (auto& c : last) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return last;
}

std::string where_suffix(const std::string& environment) {
  return environment == "default" ? "" : " (environment `" + environment + "`)";
}

Result<void> check_environment_name(const std::string& environment) {
  if (environment == "default") return {};
  if (!manifest::is_valid_package_name(environment))
    return fail_input("invalid environment name `" + environment + "`",
                      "environment names are lower-case letters, digits and `._-`");
  return {};
}

// Writes the edited manifest, then syncs `environment`; when the sync fails,
// puts wharf.yaml and wharf.lock back to their old bytes.
Result<bool> write_and_sync(const Context& context, const std::string& old_text,
                            const std::string& new_text, const std::string& environment,
                            AfterEdit after) {
  const fs::path manifest_path = context.project_dir / "wharf.yaml";
  const fs::path lock_path = context.project_dir / "wharf.lock";
  std::error_code ec;
  std::optional<std::string> old_lock;
  if (fs::exists(lock_path, ec)) old_lock = WHARF_TRY(read_file(lock_path));

  if (new_text != old_text) WHARF_TRY_VOID(write_file_atomic(manifest_path, new_text));
  if (after == AfterEdit::NoSync) return false;

  SyncOptions options;
  options.environments = {environment};
  auto synced = sync(context, options);
  if (synced) return true;

  Error error = synced.error();
  auto restored = write_file_atomic(manifest_path, old_text);
  if (restored) {
    if (old_lock) {
      restored = write_file_atomic(lock_path, *old_lock);
    } else {
      fs::remove(lock_path, ec);
    }
  }
  if (!restored) {
    error.message += "\nand wharf.yaml could not be put back: " + restored.error().message;
    return std::unexpected(error);
  }
  error.message += "\nwharf.yaml and wharf.lock were left as they were";
  return std::unexpected(error);
}

void report_changes(Reporter& reporter, const EditResult& result, const std::string& environment) {
  for (const auto& change : result.changes) {
    auto suffix = where_suffix(environment);
    if (change.new_value.empty())
      reporter.step("Removed", change.name + " " + change.old_value + " from wharf.yaml" + suffix);
    else if (change.old_value.empty())
      reporter.step("Added", change.name + " " + change.new_value + " to wharf.yaml" + suffix);
    else if (change.old_value == change.new_value)
      reporter.step("Kept",
                    change.name + " " + change.new_value + " (already in wharf.yaml)" + suffix);
    else
      reporter.step("Changed", change.name + " " + change.old_value + " → " + change.new_value +
                                   " in wharf.yaml" + suffix);
  }
}

// The entry `name` in the environment's own table, or nullptr.
const manifest::DependencySpec* own_entry(const manifest::Manifest& manifest,
                                          const std::string& environment, const std::string& name) {
  const std::vector<manifest::DependencySpec>* table = &manifest.dependencies;
  if (environment != "default") {
    table = nullptr;
    for (const auto& env : manifest.environments)
      if (env.name == environment) table = &env.dependencies;
  }
  if (!table) return nullptr;
  for (const auto& dep : *table)
    if (dep.name == name) return &dep;
  return nullptr;
}

// Serializes edits of one project's wharf.yaml between wharf processes.
Result<FileLock> lock_manifest(const Context& context) {
  return FileLock::acquire(context.project_dir / ".wharf" / "edit.lock");
}

}  // namespace

Result<AddRequest> parse_add_spec(std::string_view spec) {
  auto at = spec.find('@');
  AddRequest request;
  request.name = std::string(trim(spec.substr(0, at)));
  if (at != std::string_view::npos) {
    request.constraint = std::string(trim(spec.substr(at + 1)));
    if (request.constraint.empty())
      return fail_input("`" + std::string(spec) + "` has an empty constraint after `@`",
                        "write NAME or NAME@CONSTRAINT, e.g. hello@^1.2");
  }
  if (request.name.empty())
    return fail_input("`" + std::string(spec) + "` has no package name",
                      "write NAME or NAME@CONSTRAINT, e.g. hello@^1.2");
  return request;
}

Result<EditResult> add(const Context& context, const AddOptions& options) {
  WHARF_TRY_VOID(check_environment_name(options.environment));
  int refs = !options.branch.empty() + !options.tag.empty() + !options.rev.empty();
  const bool git = !options.git.empty();
  if (refs > 1) return fail_input("give at most one of --branch, --tag and --rev");
  if (!git && refs > 0)
    return fail_input("--branch, --tag and --rev need --git URL",
                      "wharf add --git https://example.org/lib.git --tag v1.0");
  if (git && !options.registry.empty())
    return fail_input("--registry and --git do not go together",
                      "a git dependency is fetched from its URL, not from a registry");
  if (git && options.packages.size() > 1) return fail_input("--git adds one package at a time");
  if (!git && options.packages.empty())
    return fail_input("no package given", "usage: wharf add NAME[@CONSTRAINT]...");

  auto guard = WHARF_TRY(lock_manifest(context));
  const fs::path path = context.project_dir / "wharf.yaml";
  const std::string original = WHARF_TRY(read_file(path));
  auto manifest = WHARF_TRY(manifest::parse_manifest(original, path));

  const manifest::RegistryDecl* registry_decl = nullptr;
  if (!git) {
    if (manifest.registries.empty())
      return fail_input(path.string() + " declares no registry to add packages from",
                        "add a `registries:` entry (`- name: main` / `url: file:./registry`)");
    registry_decl = &manifest.registries.front();
    if (!options.registry.empty()) {
      registry_decl = nullptr;
      std::vector<std::string> names;
      for (const auto& decl : manifest.registries) {
        names.push_back(decl.name);
        if (decl.name == options.registry) registry_decl = &decl;
      }
      if (!registry_decl) {
        auto close = closest_match(options.registry, names);
        return fail_input(
            "no registry named `" + options.registry + "` in " + path.string(),
            close ? "did you mean `" + *close + "`?" : "declared registries: " + join(names, ", "));
      }
    }
  }

  // The newest version (for the default caret) honours index freshness, as lock does.
  RegistrySet registries(manifest.root, manifest.registries, registry_options(context));
  std::vector<AddRequest> requests = options.packages;
  if (git && requests.empty()) requests.push_back({});
  EditResult result;
  std::string text = original;
  for (auto& request : requests) {
    if (request.name.empty() && git) request.name = name_from_git_url(options.git);
    if (!manifest::is_valid_package_name(request.name))
      return fail_input("invalid package name `" + request.name + "`",
                        git ? "name it: wharf add NAME --git URL"
                            : "package names are lower-case letters, digits and `._-`");
    if (!request.constraint.empty()) {
      auto parsed = version::Constraint::parse(request.constraint);
      if (!parsed)
        return std::unexpected(
            with_context(parsed.error(), "`" + request.name + "@" + request.constraint + "`"));
    }
    manifest::DependencyValue value;
    value.version = request.constraint;
    if (git) {
      value.git = options.git;
      value.branch = options.branch;
      value.tag = options.tag;
      value.rev = options.rev;
    } else {
      // Re-constraining a dependency pinned to a registry keeps the pin.
      const manifest::RegistryDecl* decl = registry_decl;
      if (options.registry.empty())
        if (const auto* existing = own_entry(manifest, options.environment, request.name))
          if (existing->kind == manifest::SourceKind::Registry)
            if (const auto* pinned = manifest.registry_for(*existing)) decl = pinned;
      auto* registry = WHARF_TRY(registries.by_name(decl->name));
      auto index = WHARF_TRY(registry->index(request.name));
      if (!index)
        return fail("no package `" + request.name + "` in " + registry->describe(),
                    "check the name; wharf.yaml was not changed");
      if (value.version.empty()) {
        auto constraint = default_constraint(*index);
        if (!constraint)
          return fail("`" + request.name + "` has no version in " + registry->describe() +
                          " that is neither yanked nor a pre-release",
                      "name one: wharf add " + request.name + "@VERSION");
        value.version = *constraint;
      }
      if (decl != &manifest.registries.front()) value.registry = decl->name;
    }
    auto edited =
        WHARF_TRY(manifest::set_dependency(text, path, options.environment, request.name, value));
    ManifestChange change{request.name, edited.replaced ? edited.old_value : "",
                          manifest::render_dependency(value)};
    result.changes.push_back(change);
    text = std::move(edited.text);
  }
  result.manifest_changed = text != original;
  result.synced =
      WHARF_TRY(write_and_sync(context, original, text, options.environment, options.after));
  report_changes(*context.reporter, result, options.environment);
  if (options.after == AfterEdit::NoSync && result.manifest_changed)
    context.reporter->warning("wharf.lock is now out of date; run `wharf lock` or `wharf sync`");
  return result;
}

Result<EditResult> remove(const Context& context, const RemoveOptions& options) {
  WHARF_TRY_VOID(check_environment_name(options.environment));
  if (options.names.empty()) return fail_input("no package given", "usage: wharf remove NAME...");
  auto guard = WHARF_TRY(lock_manifest(context));
  const fs::path path = context.project_dir / "wharf.yaml";
  const std::string original = WHARF_TRY(read_file(path));
  auto manifest = WHARF_TRY(manifest::parse_manifest(original, path));
  if (!manifest.dependencies_of(options.environment)) {
    auto names = manifest.environment_names();
    auto close = closest_match(options.environment, names);
    return fail_input(
        "unknown environment `" + options.environment + "` in " + path.string(),
        close ? "did you mean `" + *close + "`?" : "environments: " + join(names, ", "));
  }
  EditResult result;
  std::string text = original;
  for (const auto& name : options.names) {
    auto edited = WHARF_TRY(manifest::remove_dependency(text, path, options.environment, name));
    result.changes.push_back({name, edited.old_value, ""});
    text = std::move(edited.text);
  }
  result.manifest_changed = text != original;
  result.synced =
      WHARF_TRY(write_and_sync(context, original, text, options.environment, options.after));
  report_changes(*context.reporter, result, options.environment);
  if (options.after == AfterEdit::NoSync)
    context.reporter->warning("wharf.lock is now out of date; run `wharf lock` or `wharf sync`");
  return result;
}

}  // namespace wharf::ops
