#include "wharf/manifest/manifest.hpp"

#include <algorithm>
#include <system_error>

#include "wharf/util/fs.hpp"
#include "wharf/util/hash.hpp"
#include "wharf/util/strings.hpp"
#include "yaml_support.hpp"

namespace wharf::manifest {

namespace {

using yaml::error_at;
using yaml::location_of;
using yaml::Source;
using yaml::ticked;

constexpr std::string_view kNameHint =
    "package names use lower-case letters, digits, `.`, `_` and `-`, starting with a letter or "
    "digit";

bool is_env_var_name(std::string_view name) {
  if (name.empty()) return false;
  auto head = name.front();
  if (!(head == '_' || (head >= 'A' && head <= 'Z') || (head >= 'a' && head <= 'z'))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  });
}

bool has_supported_scheme(std::string_view url) {
  if (url.starts_with("file:") || url.starts_with("http://") || url.starts_with("https://"))
    return true;
  if (url.starts_with("git+")) return url.find("://") != std::string_view::npos;
  return false;
}

Result<std::string> package_name(const Source& source, std::string_view name, const Location& where,
                                 std::string_view role) {
  if (!is_valid_package_name(name))
    return error_at(source, where, "invalid " + std::string(role) + " " + ticked(name),
                    std::string(kNameHint));
  return std::string(name);
}

Result<version::Constraint> parse_constraint_at(const Source& source, const YAML::Node& node,
                                                std::string_view what, const Location& where) {
  auto text = WHARF_TRY(yaml::expect_string(source, node, what, where));
  auto constraint = version::Constraint::parse(*text);
  if (!constraint) {
    std::string hint = constraint.error().hint.empty()
                           ? "write a constraint like `^1.2`, `>=1.0, <2`, `1.4.*` or `*`"
                           : constraint.error().hint;
    return error_at(source, location_of(source, node, where),
                    std::string(what) + ": " + constraint.error().message, hint);
  }
  return *std::move(constraint);
}

struct Parser {
  Source source;
  const std::vector<RegistryDecl>* registries = nullptr;

  Result<DependencySpec> dependency(const std::string& name, const Location& key_where,
                                    const YAML::Node& value) {
    DependencySpec dep;
    dep.name = WHARF_TRY(package_name(source, name, key_where, "package name"));
    dep.where = key_where;
    const std::string what = "dependency `" + name + "`";
    if (value && value.IsScalar()) {
      dep.constraint = WHARF_TRY(parse_constraint_at(source, value, what, key_where));
    } else if (value && value.IsMap()) {
      WHARF_TRY_VOID(dependency_table(dep, what, value));
    } else {
      return error_at(
          source, location_of(source, value, key_where),
          what + " must be a constraint string or a table, found " + yaml::type_name(value),
          "write `" + name + ": \"^1.2\"` or `" + name +
              ": { git: URL, tag: v1.2 }` (also `url:` + `sha256:`, `path:`)");
    }
    if (dep.kind == SourceKind::Registry) {
      if (registries->empty())
        return error_at(source, key_where,
                        what + " comes from a registry, but no `registries` are declared",
                        "declare one under `registries:`, or give the dependency a `git`, `url` "
                        "or `path` source");
    }
    return dep;
  }

  Result<void> dependency_table(DependencySpec& dep, const std::string& what,
                                const YAML::Node& table) {
    std::string source_key;   // the first of git/url/path seen
    std::string git_ref_key;  // the first of branch/tag/rev seen
    Location registry_where, sha_where, ref_where;
    bool has_registry = false, has_sha = false, has_ref = false;
    WHARF_TRY_VOID(yaml::for_each_entry(
        source, table,
        {"version", "registry", "git", "branch", "tag", "rev", "url", "sha256", "path"}, what,
        [&](const std::string& key, const Location& where,
            const YAML::Node& value) -> Result<void> {
          if (key == "version") {
            dep.constraint = WHARF_TRY(parse_constraint_at(source, value, what, where));
            return {};
          }
          const std::string field = "`" + key + "` of " + what;
          const std::string text = *WHARF_TRY(yaml::expect_nonempty(source, value, field, where));
          if (key == "git" || key == "url" || key == "path") {
            if (!source_key.empty())
              return error_at(source, where,
                              what + " has both `" + source_key + "` and `" + key + "`",
                              "give one source: `git`, `url` or `path` (none for a registry)");
            source_key = key;
            if (key == "git") {
              dep.kind = SourceKind::Git;
              dep.git = text;
            } else if (key == "url") {
              dep.kind = SourceKind::Url;
              dep.url = text;
            } else {
              dep.kind = SourceKind::Path;
              dep.path = text;
            }
          } else if (key == "branch" || key == "tag" || key == "rev") {
            if (!git_ref_key.empty())
              return error_at(source, where,
                              what + " has both `" + git_ref_key + "` and `" + key + "`",
                              "give at most one of `branch`, `tag` or `rev`");
            git_ref_key = key;
            has_ref = true;
            ref_where = where;
            (key == "branch" ? dep.branch : key == "tag" ? dep.tag : dep.rev) = text;
          } else if (key == "registry") {
            has_registry = true;
            registry_where = location_of(source, value, where);
            dep.registry = text;
          } else if (key == "sha256") {
            has_sha = true;
            sha_where = location_of(source, value, where);
            dep.sha256 = text;
          }
          return {};
        }));
    if (has_ref && dep.kind != SourceKind::Git)
      return error_at(source, ref_where, "`" + git_ref_key + "` of " + what + " needs `git`",
                      "add `git: URL`, or remove `" + git_ref_key + "`");
    if (has_registry && dep.kind != SourceKind::Registry)
      return error_at(source, registry_where,
                      "`registry` applies only to registry dependencies, but " + what + " has `" +
                          source_key + "`",
                      "remove `registry`, or remove `" + source_key + "`");
    if (has_sha && dep.kind != SourceKind::Url)
      return error_at(source, sha_where, "`sha256` of " + what + " needs `url`",
                      "`sha256` checks an archive downloaded from `url`");
    if (dep.kind == SourceKind::Url) {
      if (!has_sha)
        return error_at(source, dep.where, "url " + what + " has no `sha256`",
                        "add `sha256: <64 hex>`, the SHA-256 of the archive (`sha256sum FILE`)");
      if (!is_sha256_hex(dep.sha256))
        return error_at(source, sha_where,
                        "`sha256` of " + what + " must be 64 lower-case hex characters, found " +
                            ticked(dep.sha256),
                        "use the output of `sha256sum FILE`");
    }
    if (has_registry) {
      auto& decls = *registries;
      auto found = std::find_if(decls.begin(), decls.end(),
                                [&](const RegistryDecl& r) { return r.name == dep.registry; });
      if (found == decls.end()) {
        std::vector<std::string> names;
        for (const auto& r : decls) names.push_back(r.name);
        std::string hint;
        if (auto close = closest_match(dep.registry, names))
          hint = "did you mean `" + *close + "`?";
        else if (names.empty())
          hint = "declare it under `registries:`";
        else
          hint = "declared registries: " + join(names, ", ");
        return error_at(source, registry_where,
                        what + " names unknown registry " + ticked(dep.registry), hint);
      }
    }
    return {};
  }

  Result<std::vector<DependencySpec>> dependency_map(const YAML::Node& node, const Location& where,
                                                     const std::string& what) {
    WHARF_TRY_VOID(
        yaml::expect_map(source, node, what, where, "indented `name: constraint` lines under it"));
    std::vector<DependencySpec> deps;
    WHARF_TRY_VOID(yaml::for_each_entry(source, node, {}, what,
                                        [&](const std::string& key, const Location& key_where,
                                            const YAML::Node& value) -> Result<void> {
                                          deps.push_back(
                                              WHARF_TRY(dependency(key, key_where, value)));
                                          return {};
                                        }));
    return deps;
  }

  Result<std::vector<RegistryDecl>> registry_list(const YAML::Node& node, const Location& where) {
    WHARF_TRY_VOID(yaml::expect_list(source, node, "`registries`", where,
                                     "a list of `- name: NAME` / `url: URL` entries"));
    std::vector<RegistryDecl> out;
    if (!node || node.IsNull()) return out;
    for (const auto& item : node) {
      Location item_where = location_of(source, item, where);
      if (!item.IsMap())
        return error_at(source, item_where,
                        std::string("a registry must be a map with `name` and `url`, found ") +
                            yaml::type_name(item),
                        "write `- name: main` and `url: file:./registry` on the next line");
      RegistryDecl decl;
      decl.where = item_where;
      bool has_name = false, has_url = false;
      WHARF_TRY_VOID(yaml::for_each_entry(
          source, item, {"name", "url"}, "a registry entry",
          [&](const std::string& key, const Location& key_where,
              const YAML::Node& value) -> Result<void> {
            auto text =
                *WHARF_TRY(yaml::expect_nonempty(source, value, "`" + key + "`", key_where));
            Location value_where = location_of(source, value, key_where);
            if (key == "name") {
              decl.name = WHARF_TRY(package_name(source, text, value_where, "registry name"));
              has_name = true;
            } else {
              if (!has_supported_scheme(text))
                return error_at(source, value_where, "unsupported registry URL " + ticked(text),
                                "use file:PATH, file:///ABS, https://..., http://..., "
                                "git+https://... or git+file://...");
              decl.url = text;
              has_url = true;
            }
            return {};
          }));
      if (!has_name)
        return error_at(source, item_where, "a registry entry has no `name`",
                        "add `name: main` (dependencies refer to registries by name)");
      if (!has_url)
        return error_at(source, item_where, "registry `" + decl.name + "` has no `url`",
                        "add `url: file:./registry` or `url: https://...`");
      for (const auto& other : out)
        if (other.name == decl.name)
          return error_at(source, item_where,
                          "registry " + ticked(decl.name) + " is declared twice",
                          "give each registry a distinct name");
      out.push_back(std::move(decl));
    }
    return out;
  }

  Result<std::vector<std::string>> platform_list(const YAML::Node& node, const Location& where) {
    WHARF_TRY_VOID(yaml::expect_list(source, node, "`platforms`", where,
                                     "`platforms: [linux-x86_64, macos-arm64]`"));
    std::vector<std::string> out;
    if (!node || node.IsNull()) return out;
    for (const auto& item : node) {
      Location item_where = location_of(source, item, where);
      auto text = *WHARF_TRY(yaml::expect_nonempty(source, item, "a platform", item_where));
      const auto& known = known_platforms();
      if (std::find(known.begin(), known.end(), text) == known.end()) {
        std::string hint;
        if (auto close = closest_match(text, known))
          hint = "did you mean `" + *close + "`?";
        else
          hint = "known platforms: " + join(known, ", ");
        return error_at(source, item_where, "unknown platform " + ticked(text), hint);
      }
      if (std::find(out.begin(), out.end(), text) != out.end())
        return error_at(source, item_where, "platform " + ticked(text) + " is listed twice",
                        "remove the second entry");
      out.push_back(text);
    }
    return out;
  }

  Result<std::map<std::string, version::Constraint>> constraint_map(const YAML::Node& node,
                                                                    const Location& where,
                                                                    const std::string& what) {
    WHARF_TRY_VOID(
        yaml::expect_map(source, node, what, where, "indented `name: constraint` lines under it"));
    std::map<std::string, version::Constraint> out;
    WHARF_TRY_VOID(yaml::for_each_entry(
        source, node, {}, what,
        [&](const std::string& key, const Location& key_where,
            const YAML::Node& value) -> Result<void> {
          auto name = WHARF_TRY(package_name(source, key, key_where, "package name"));
          out.insert_or_assign(name, WHARF_TRY(parse_constraint_at(
                                         source, value, "`" + key + "` in " + what, key_where)));
          return {};
        }));
    return out;
  }

  Result<std::vector<EnvironmentDecl>> environment_map(const YAML::Node& node,
                                                       const Location& where) {
    WHARF_TRY_VOID(yaml::expect_map(source, node, "`environments`", where,
                                    "`dev:` followed by an indented `dependencies:` map"));
    std::vector<EnvironmentDecl> out;
    WHARF_TRY_VOID(yaml::for_each_entry(
        source, node, {}, "`environments`",
        [&](const std::string& key, const Location& key_where,
            const YAML::Node& value) -> Result<void> {
          if (key == "default")
            return error_at(source, key_where, "`default` cannot be declared under `environments`",
                            "the top-level `dependencies` are the default environment");
          EnvironmentDecl env;
          env.name = WHARF_TRY(package_name(source, key, key_where, "environment name"));
          env.where = key_where;
          const std::string what = "environment `" + key + "`";
          WHARF_TRY_VOID(
              yaml::expect_map(source, value, what, key_where, "an indented `dependencies:` map"));
          WHARF_TRY_VOID(yaml::for_each_entry(
              source, value, {"dependencies", "solve-group"}, what,
              [&](const std::string& inner, const Location& inner_where,
                  const YAML::Node& item) -> Result<void> {
                if (inner == "solve-group") {
                  auto group = *WHARF_TRY(
                      yaml::expect_nonempty(source, item, "`solve-group` of " + what, inner_where));
                  env.solve_group = WHARF_TRY(package_name(
                      source, group, location_of(source, item, inner_where), "solve group name"));
                  return {};
                }
                env.dependencies =
                    WHARF_TRY(dependency_map(item, inner_where, "`dependencies` of " + what));
                return {};
              }));
          out.push_back(std::move(env));
          return {};
        }));
    return out;
  }
};

void field(std::string& out, std::string_view text) {
  out += std::to_string(text.size());
  out += ':';
  out += text;
  out += ';';
}

void serialize_dependencies(std::string& out, const Manifest& manifest,
                            std::vector<DependencySpec> deps) {
  std::sort(deps.begin(), deps.end(),
            [](const DependencySpec& a, const DependencySpec& b) { return a.name < b.name; });
  field(out, std::to_string(deps.size()));
  for (const auto& dep : deps) {
    field(out, dep.name);
    field(out, std::to_string(static_cast<int>(dep.kind)));
    field(out, dep.constraint.text());
    // The registry by position, so that naming the default registry or not,
    // or renaming a registry, is not a dependency change.
    const RegistryDecl* registry = manifest.registry_for(dep);
    field(out, registry ? std::to_string(registry - manifest.registries.data()) : "-");
    field(out, dep.git);
    field(out, dep.branch);
    field(out, dep.tag);
    field(out, dep.rev);
    field(out, dep.url);
    field(out, dep.sha256);
    field(out, dep.path);
  }
}

}  // namespace

std::string Location::to_string() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column > 0 ? column : 1);
}

std::optional<std::vector<DependencySpec>> Manifest::dependencies_of(std::string_view env) const {
  if (env == "default") return dependencies;
  auto found = std::find_if(environments.begin(), environments.end(),
                            [&](const EnvironmentDecl& e) { return e.name == env; });
  if (found == environments.end()) return std::nullopt;
  std::vector<DependencySpec> out = dependencies;
  for (const auto& dep : found->dependencies) {
    auto same = std::find_if(out.begin(), out.end(),
                             [&](const DependencySpec& d) { return d.name == dep.name; });
    if (same != out.end())
      *same = dep;
    else
      out.push_back(dep);
  }
  return out;
}

std::vector<std::string> Manifest::environment_names() const {
  std::vector<std::string> names{"default"};
  for (const auto& env : environments) names.push_back(env.name);
  return names;
}

std::vector<std::string> Manifest::effective_platforms() const {
  std::vector<std::string> out = platforms;
  if (out.empty()) out.push_back(current_platform());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

const RegistryDecl* Manifest::registry_for(const DependencySpec& dep) const {
  if (dep.kind != SourceKind::Registry || registries.empty()) return nullptr;
  if (dep.registry.empty()) return &registries.front();
  for (const auto& registry : registries)
    if (registry.name == dep.registry) return &registry;
  return nullptr;
}

std::string ResolutionInputs::combined() const {
  std::string out;
  for (const auto& [name, hash] : sections()) {
    field(out, name);
    field(out, hash);
  }
  return sha256_hex(out);
}

std::vector<std::pair<std::string, std::string>> ResolutionInputs::sections() const {
  return {{"registries", registries},
          {"platforms", platforms},
          {"dependencies", dependencies},
          {"environments", environments},
          {"overrides", overrides}};
}

ResolutionInputs Manifest::resolution_inputs() const {
  ResolutionInputs inputs;
  std::string out;
  field(out, "registries/1");
  for (const auto& registry : registries) {
    field(out, registry.name);
    field(out, registry.url);
  }
  inputs.registries = sha256_hex(out);

  out.clear();
  field(out, "platforms/1");
  std::vector<std::string> sorted = platforms;
  std::sort(sorted.begin(), sorted.end());
  for (const auto& platform : sorted) field(out, platform);
  inputs.platforms = sha256_hex(out);

  out.clear();
  field(out, "dependencies/1");
  serialize_dependencies(out, *this, dependencies);
  inputs.dependencies = sha256_hex(out);

  out.clear();
  field(out, "environments/1");
  std::vector<const EnvironmentDecl*> envs;
  for (const auto& env : environments) envs.push_back(&env);
  std::sort(envs.begin(), envs.end(),
            [](const EnvironmentDecl* a, const EnvironmentDecl* b) { return a->name < b->name; });
  for (const auto* env : envs) {
    field(out, env->name);
    serialize_dependencies(out, *this, env->dependencies);
    // Only a group other than the default is written, so that locks made
    // before solve groups existed stay fresh.
    if (env->solve_group != "default") field(out, "solve-group=" + env->solve_group);
  }
  inputs.environments = sha256_hex(out);

  out.clear();
  field(out, "overrides/1");
  for (const auto& [name, constraint] : overrides) {
    field(out, name);
    field(out, constraint.text());
  }
  field(out, "constraints");
  for (const auto& [name, constraint] : constraints) {
    field(out, name);
    field(out, constraint.text());
  }
  inputs.overrides = sha256_hex(out);
  return inputs;
}

std::string Manifest::resolution_hash() const {
  return resolution_inputs().combined();
}

Result<Manifest> parse_manifest(std::string_view text, const std::filesystem::path& file) {
  Parser parser;
  parser.source.file = file.string();
  const Source& source = parser.source;
  auto root = WHARF_TRY(yaml::load(source, text));
  Location top{source.file, 1, 1};
  if (root && !root.IsNull() && !root.IsMap())
    return error_at(
        source, location_of(source, root, top),
        std::string("the manifest must be a map of keys, found ") + yaml::type_name(root),
        "start the file with `name: <project>`");

  Manifest manifest;
  std::error_code ec;
  manifest.file = std::filesystem::absolute(file, ec).lexically_normal();
  manifest.root = manifest.file.parent_path();

  // Collect the top-level entries first: dependencies need the registries,
  // wherever they are written.
  struct Entry {
    YAML::Node value;
    Location where;
    bool present = false;
  };
  Entry name, version, registries, platforms, dependencies, environments, env, overrides,
      constraints, clash;
  WHARF_TRY_VOID(yaml::for_each_entry(
      source, root,
      {"name", "version", "registries", "platforms", "dependencies", "environments", "env",
       "overrides", "constraints", "clash"},
      "the manifest",
      [&](const std::string& key, const Location& where, const YAML::Node& value) -> Result<void> {
        Entry* entry = key == "name"           ? &name
                       : key == "version"      ? &version
                       : key == "registries"   ? &registries
                       : key == "platforms"    ? &platforms
                       : key == "dependencies" ? &dependencies
                       : key == "environments" ? &environments
                       : key == "env"          ? &env
                       : key == "overrides"    ? &overrides
                       : key == "constraints"  ? &constraints
                                               : &clash;
        *entry = Entry{value, where, true};
        return {};
      }));

  if (!name.present)
    return error_at(source, top, "missing `name`", "add `name: <project>` at the top of the file");
  manifest.name = *WHARF_TRY(yaml::expect_nonempty(source, name.value, "`name`", name.where));
  if (std::any_of(manifest.name.begin(), manifest.name.end(),
                  [](unsigned char c) { return c <= ' '; }))
    return error_at(source, location_of(source, name.value, name.where),
                    "`name` must not contain spaces, found " + ticked(manifest.name),
                    "use a short identifier such as `my-project`");

  if (version.present) {
    auto text = *WHARF_TRY(yaml::expect_string(source, version.value, "`version`", version.where));
    auto parsed = version::Version::parse(text);
    if (!parsed)
      return error_at(source, location_of(source, version.value, version.where),
                      "`version`: " + parsed.error().message, "write a version like `0.1.0`");
    manifest.version = *parsed;
  }

  if (registries.present)
    manifest.registries = WHARF_TRY(parser.registry_list(registries.value, registries.where));
  parser.registries = &manifest.registries;
  if (platforms.present)
    manifest.platforms = WHARF_TRY(parser.platform_list(platforms.value, platforms.where));
  if (dependencies.present)
    manifest.dependencies =
        WHARF_TRY(parser.dependency_map(dependencies.value, dependencies.where, "`dependencies`"));
  if (environments.present)
    manifest.environments =
        WHARF_TRY(parser.environment_map(environments.value, environments.where));

  if (env.present) {
    WHARF_TRY_VOID(yaml::expect_map(source, env.value, "`env`", env.where,
                                    "indented `NAME: value` lines under it"));
    WHARF_TRY_VOID(yaml::for_each_entry(
        source, env.value, {}, "`env`",
        [&](const std::string& key, const Location& where,
            const YAML::Node& value) -> Result<void> {
          if (!is_env_var_name(key))
            return error_at(source, where, "invalid variable name " + ticked(key),
                            "use letters, digits and `_`, not starting with a digit");
          std::string text;
          if (value && !value.IsNull())
            text = *WHARF_TRY(yaml::expect_string(source, value, "`" + key + "` in `env`", where));
          manifest.env.emplace_back(key, std::move(text));
          return {};
        }));
  }
  if (overrides.present)
    manifest.overrides =
        WHARF_TRY(parser.constraint_map(overrides.value, overrides.where, "`overrides`"));
  if (constraints.present)
    manifest.constraints =
        WHARF_TRY(parser.constraint_map(constraints.value, constraints.where, "`constraints`"));
  if (clash.present) {
    WHARF_TRY_VOID(yaml::expect_map(source, clash.value, "`clash`", clash.where,
                                    "indented `path/or/glob: package` lines under it"));
    WHARF_TRY_VOID(yaml::for_each_entry(
        source, clash.value, {}, "`clash`",
        [&](const std::string& key, const Location& where,
            const YAML::Node& value) -> Result<void> {
          if (trim(key).empty())
            return error_at(source, where, "an empty path in `clash`",
                            "write the path (or glob) inside the environment, such as `bin/tool`");
          auto winner =
              *WHARF_TRY(yaml::expect_nonempty(source, value, "`" + key + "` in `clash`", where));
          manifest.clash[key] = WHARF_TRY(
              package_name(source, winner, location_of(source, value, where), "package name"));
          return {};
        }));
  }
  return manifest;
}

Result<Manifest> load_manifest(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    auto dir = file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
    return fail("no wharf.yaml in " + dir.string(), "run `wharf init` to create one");
  }
  auto text = WHARF_TRY(read_file(file));
  return parse_manifest(text, file);
}

std::string starter_manifest(std::string_view project_name) {
  std::string name(project_name);
  return "# wharf.yaml: what this project needs. `wharf sync` installs it into\n"
         "# .wharf/envs/default/ and records exact versions in wharf.lock.\n"
         "name: " +
         name +
         "\n"
         "version: 0.1.0\n"
         "\n"
         "# Where packages come from; the first registry is the default.\n"
         "# registries:\n"
         "#   - name: main\n"
         "#     url: https://example.org/registry   # or file:./registry\n"
         "\n"
         "# What the lockfile covers; default: the platform you run on.\n"
         "# platforms: [linux-x86_64, macos-arm64]\n"
         "\n"
         "dependencies:\n"
         "  # hello: \"^1.2\"\n"
         "  # mylib: { git: \"https://example.org/mylib.git\", tag: v1.4.0 }\n"
         "  # tool: { path: ../tool }\n"
         "\n"
         "# More environments, each adding to the dependencies above.\n"
         "# environments:\n"
         "#   dev:\n"
         "#     dependencies:\n"
         "#       debugger: \"*\"\n"
         "\n"
         "# Variables set when an environment is activated.\n"
         "# env:\n"
         "#   GREETING: hello from ${WHARF_PREFIX}\n";
}

std::string current_platform() {
#if defined(__APPLE__) && (defined(__aarch64__) || defined(__arm64__))
  return "macos-arm64";
#elif defined(__APPLE__)
  return "macos-x86_64";
#elif defined(_WIN32)
  return "windows-x86_64";
#elif defined(__aarch64__)
  return "linux-aarch64";
#else
  return "linux-x86_64";
#endif
}

const std::vector<std::string>& known_platforms() {
  static const std::vector<std::string> platforms{"linux-x86_64", "linux-aarch64", "macos-x86_64",
                                                  "macos-arm64", "windows-x86_64"};
  return platforms;
}

bool is_valid_artifact_platform(std::string_view platform) {
  if (platform == "any") return true;
  const auto& known = known_platforms();
  return std::find(known.begin(), known.end(), platform) != known.end();
}

bool is_valid_package_name(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_or_digit(name.front())) return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return lower_or_digit(c) || c == '.' || c == '_' || c == '-'; });
}

}  // namespace wharf::manifest
