#include <algorithm>
#include <set>

#include "internal.hpp"
#include "wharf/archive/archive.hpp"
#include "wharf/manifest/package_meta.hpp"
#include "wharf/util/fs.hpp"
#include "wharf/util/hash.hpp"
#include "wharf/util/strings.hpp"

namespace wharf::ops {

namespace fs = std::filesystem;

Result<fs::path> init(const fs::path& dir, const std::string& name) {
  auto file = dir / "wharf.yaml";
  std::error_code ec;
  if (fs::exists(file, ec))
    return fail(file.string() + " already exists", "edit it, or remove it to start over");
  if (!manifest::is_valid_package_name(name))
    return fail_input(
        "`" + name + "` is not a valid project name",
        "use lower-case letters, digits, `.`, `_` and `-`, starting with a letter or digit");
  WHARF_TRY_VOID(write_file_atomic(file, manifest::starter_manifest(name)));
  return file;
}

namespace {

// Expands ${NAME} from `vars`; unknown names expand to nothing.
std::string expand(std::string_view text, const std::map<std::string, std::string>& vars) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '{') {
      auto end = text.find('}', i + 2);
      if (end != std::string_view::npos) {
        auto it = vars.find(std::string(text.substr(i + 2, end - i - 2)));
        if (it != vars.end()) out += it->second;
        i = end;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

void prepend_path(std::map<std::string, std::string>& vars, const std::string& key,
                  const fs::path& dir) {
  auto& value = vars[key];
  value = value.empty() ? dir.string() : dir.string() + ":" + value;
}

}  // namespace

Result<std::map<std::string, std::string>> activation_environment(
    const Context& context, const std::string& environment,
    const std::map<std::string, std::string>& current) {
  // A valid sync stamp holds the manifest's `env:`; else read wharf.yaml.
  std::vector<std::pair<std::string, std::string>> manifest_env;
  if (auto stamp = read_valid_stamp(context.project_dir, environment)) {
    manifest_env = std::move(stamp->env);
  } else {
    auto manifest = WHARF_TRY(manifest::load_manifest(context.project_dir / "wharf.yaml"));
    if (!manifest.dependencies_of(environment))
      return fail_input("unknown environment `" + environment + "`");
    manifest_env = std::move(manifest.env);
  }
  auto prefix = environment_prefix(context.project_dir, environment);
  auto vars = current;
  vars["WHARF_PREFIX"] = prefix.string();
  vars["WHARF_ENV"] = environment;
  vars["WHARF_PROJECT"] = context.project_dir.string();
  prepend_path(vars, "PATH", prefix / "bin");
#ifdef __APPLE__
  prepend_path(vars, "DYLD_LIBRARY_PATH", prefix / "lib");
#else
  prepend_path(vars, "LD_LIBRARY_PATH", prefix / "lib");
#endif
  prepend_path(vars, "CMAKE_PREFIX_PATH", prefix);
  prepend_path(vars, "PKG_CONFIG_PATH", prefix / "lib" / "pkgconfig");
  for (const auto& [key, value] : manifest_env) vars[key] = expand(value, vars);
  return vars;
}

Result<fs::path> pack(const fs::path& source_dir, const fs::path& output_dir,
                      const PackOptions& options) {
  auto meta_file = source_dir / "wharf-package.yaml";
  std::error_code ec;
  if (!fs::exists(meta_file, ec))
    return fail_input(meta_file.string() + " is missing",
                      "a package folder needs a wharf-package.yaml with its name and version");
  auto text = WHARF_TRY(read_file(meta_file));
  auto meta = WHARF_TRY(manifest::parse_package_meta(text, meta_file.string()));
  auto format = archive::format_from_filename("x." + options.format);
  if (!format)
    return fail_input("unknown archive format `" + options.format + "`",
                      "use tar.gz, tar.xz, tar.zst, tar.bz2 or zip");
  fs::create_directories(output_dir, ec);
  auto out = output_dir / (meta.name + "-" + meta.version.to_string() + "-" + meta.platform + "." +
                           std::string(archive::extension(*format)).substr(1));
  // Pack to a sibling and rename, so a registry never sees half an archive.
  auto temp = unique_sibling(out);
  if (auto packed = archive::pack(source_dir, temp, *format); !packed) {
    fs::remove(temp, ec);
    return std::unexpected(packed.error());
  }
  fs::rename(temp, out, ec);
  if (ec) return fail("cannot write " + out.string() + ": " + ec.message());
  return out;
}

Result<IndexSummary> registry_index(const fs::path& dir, const std::string& name) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return fail(dir.string() + " is not a folder");
  std::map<std::string, manifest::PackageIndex> indexes;
  std::vector<fs::path> archives;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    auto rel = fs::relative(it->path(), dir, ec);
    auto first = rel.begin() != rel.end() ? rel.begin()->string() : "";
    if (first == "index" || first.starts_with(".")) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && archive::format_from_filename(it->path().filename().string()))
      archives.push_back(it->path());
  }
  std::sort(archives.begin(), archives.end());
  IndexSummary summary;
  for (const auto& file : archives) {
    auto member = WHARF_TRY(archive::read_member(file, "wharf-package.yaml"));
    if (!member)
      return fail_input(file.string() + " has no wharf-package.yaml",
                        "make package archives with `wharf pack`");
    auto meta =
        WHARF_TRY(manifest::parse_package_meta(*member, file.string() + "!wharf-package.yaml"));
    auto& index = indexes[meta.name];
    index.name = meta.name;
    manifest::IndexVersion* version = nullptr;
    for (auto& v : index.versions)
      if (v.version == meta.version) version = &v;
    if (!version) {
      index.versions.push_back({meta.version, meta.dependencies, {}, false});
      version = &index.versions.back();
      ++summary.versions;
    }
    for (const auto& a : version->artifacts)
      if (a.platform == meta.platform)
        return fail_input("two archives of " + meta.name + " " + meta.version.to_string() +
                          " for " + meta.platform + " in " + dir.string());
    manifest::IndexArtifact artifact;
    artifact.platform = meta.platform;
    artifact.url = "../" + fs::relative(file, dir).generic_string();
    artifact.sha256 = WHARF_TRY(sha256_file(file));
    artifact.size = fs::file_size(file, ec);
    version->artifacts.push_back(std::move(artifact));
  }
  // Keep yanked flags that a maintainer set in an existing index.
  for (auto& [package, index] : indexes) {
    auto path = dir / "index" / (package + ".yaml");
    if (fs::exists(path, ec)) {
      if (auto old_text = read_file(path)) {
        if (auto old = manifest::parse_package_index(*old_text, path.string())) {
          for (auto& v : index.versions)
            for (const auto& o : old->versions)
              if (o.version == v.version) v.yanked = o.yanked;
        }
      }
    }
    WHARF_TRY_VOID(write_file_atomic(path, manifest::write_package_index(index)));
  }
  // Index files of packages that no longer have archives are removed.
  for (auto it = fs::directory_iterator(dir / "index", ec); !ec && it != fs::directory_iterator();
       ++it) {
    auto stem = it->path().stem().string();
    if (it->path().extension() == ".yaml" && !indexes.count(stem)) fs::remove(it->path(), ec);
  }
  manifest::RegistryRoot root;
  root.name = name.empty() ? fs::absolute(dir).lexically_normal().filename().string() : name;
  if (root.name.empty()) root.name = "registry";
  WHARF_TRY_VOID(write_file_atomic(dir / "registry.yaml", manifest::write_registry_root(root)));
  summary.packages = indexes.size();
  return summary;
}

}  // namespace wharf::ops
