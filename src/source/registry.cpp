#include "wharf/source/registry.hpp"

#include <mutex>

#include "git_registry.hpp"
#include "http_registry.hpp"
#include "wharf/util/fs.hpp"
#include "wharf/util/heap.hpp"
#include "wharf/util/strings.hpp"

namespace wharf::source {

namespace {

bool has_scheme(std::string_view url) {
  auto colon = url.find("://");
  return colon != std::string_view::npos && colon > 0;
}

class FileRegistry final : public Registry {
 public:
  FileRegistry(std::string name, std::string url, std::filesystem::path dir)
      : Registry(std::move(name), std::move(url)),
        m_dir(std::move(dir)),
        m_index(m_dir / "index", {}, "registry 1") {}
  // The indexes are only memory; the folder's cache entry is still saved.
  ~FileRegistry() override { retire(m_cache); }

  void set_index_cache(manifest::IndexCache cache) override {
    std::lock_guard guard(m_mutex);
    m_index.set_cache(cache);
    Registry::set_index_cache(std::move(cache));
  }

  Result<std::shared_ptr<const manifest::PackageIndex>> index(const std::string& package) override {
    std::lock_guard guard(m_mutex);
    if (auto it = m_cache.find(package); it != m_cache.end()) return it->second;
    std::string file_name = package + ".yaml";
    std::shared_ptr<const manifest::PackageIndex> result;
    // The folder cache keeps indexes finished, so a hit skips the URL joins too.
    auto finish = [&](manifest::PackageIndex parsed) {
      return finish_index(std::move(parsed), package, (m_dir / "index" / file_name).string());
    };
    if (auto loaded = WHARF_TRY(m_index.load(file_name, finish)))
      result = std::make_shared<const manifest::PackageIndex>(*std::move(loaded));
    m_cache.emplace(package, result);
    return result;
  }

  IndexStats index_stats() const override {
    std::lock_guard guard(m_mutex);
    IndexStats stats;
    stats.cached = m_index.answered();
    stats.parsed = m_index.parsed();
    return stats;
  }

  std::string artifact_location(const std::string& url) const override {
    if (has_scheme(url)) {
      if (starts_with(url, "file://")) return url.substr(7);
      return url;
    }
    if (starts_with(url, "file:")) return absolute_from(m_dir, url.substr(5)).string();
    return (m_dir / url).lexically_normal().string();
  }

 private:
  std::filesystem::path m_dir;
  mutable std::mutex m_mutex;
  manifest::IndexFolder m_index;  // guarded by m_mutex
  std::map<std::string, std::shared_ptr<const manifest::PackageIndex>> m_cache;
};

}  // namespace

std::string Registry::describe() const {
  return "registry `" + m_name + "` (" + m_url + ")";
}

Result<RegistryLocation> parse_registry_url(std::string_view url,
                                            const std::filesystem::path& manifest_root) {
  RegistryLocation location;
  std::string text(url);
  if (starts_with(text, "file://")) {
    location.kind = RegistryKind::File;
    location.dir = std::filesystem::path(text.substr(7)).lexically_normal();
    if (!location.dir.is_absolute())
      return fail_input("registry URL `" + text + "`: file:// URLs must be absolute",
                        "use file:./relative/path for a folder relative to wharf.yaml");
  } else if (starts_with(text, "file:")) {
    location.kind = RegistryKind::File;
    location.dir = absolute_from(manifest_root, text.substr(5));
  } else if (starts_with(text, "http://") || starts_with(text, "https://")) {
    location.kind = RegistryKind::Http;
    location.base_url = text;
  } else if (starts_with(text, "git+")) {
    location.kind = RegistryKind::Git;
    location.base_url = text.substr(4);
  } else {
    return fail_input("registry URL `" + text + "` has no known scheme",
                      "use file:PATH, https://..., or git+https://...");
  }
  while (location.base_url.size() > 1 && location.base_url.back() == '/')
    location.base_url.pop_back();
  return location;
}

Result<std::unique_ptr<Registry>> open_registry(const std::string& name, const std::string& url,
                                                const std::filesystem::path& manifest_root,
                                                const RegistryOptions& options) {
  auto location = WHARF_TRY(parse_registry_url(url, manifest_root));
  if (location.kind == RegistryKind::Git)
    return open_git_registry(name, url, location.base_url, manifest_root, options);
  if (location.kind == RegistryKind::Http)
    return open_http_registry(name, url, location.base_url, options);
  std::error_code ec;
  if (!std::filesystem::is_directory(location.dir, ec))
    return fail("registry `" + name + "` (" + url + "): folder " + location.dir.string() +
                    " does not exist",
                "check the `url` of the registry in wharf.yaml");
  auto root_file = location.dir / "registry.yaml";
  if (!std::filesystem::exists(root_file, ec))
    return fail("registry `" + name + "` (" + url + "): " + root_file.string() + " is missing",
                "create it with `wharf registry index " + location.dir.string() + "`");
  auto root_text = WHARF_TRY(read_file(root_file));
  WHARF_TRY(manifest::parse_registry_root(root_text, root_file.string()));
  return std::unique_ptr<Registry>(new FileRegistry(name, url, location.dir));
}

Result<manifest::PackageIndex> finish_index(manifest::PackageIndex parsed,
                                            const std::string& package, const std::string& where) {
  if (parsed.name != package)
    return fail_input(where + ": index names package `" + parsed.name + "`, expected `" + package +
                      "`");
  const std::string index_file = "index/" + package + ".yaml";
  for (auto& version : parsed.versions)
    for (auto& artifact : version.artifacts)
      artifact.url = resolve_relative(index_file, artifact.url);
  return parsed;
}

std::string resolve_relative(const std::string& index_file, const std::string& url) {
  if (has_scheme(url) || starts_with(url, "file:") || starts_with(url, "/")) return url;
  // The index file's folder joined with `url`, `.` and `..` folded the way
  // path::lexically_normal() does, on strings: a lock of thousands of
  // versions resolves every artifact URL.
  bool absolute = starts_with(index_file, "/");
  std::vector<std::string_view> parts;
  auto add = [&](std::string_view text) {
    for (auto segment : split(text, '/')) {
      if (segment.empty() || segment == ".") continue;
      if (segment != "..")
        parts.push_back(segment);
      else if (!parts.empty() && parts.back() != "..")
        parts.pop_back();
      else if (!absolute)  // `/..` is `/`
        parts.push_back(segment);
    }
  };
  if (auto slash = index_file.rfind('/'); slash != std::string::npos)
    add(std::string_view(index_file).substr(0, slash));
  add(url);
  if (parts.empty()) return absolute ? "/" : ".";
  std::string out;
  for (auto part : parts) {
    if (!out.empty() || absolute) out += '/';
    out += part;
  }
  if (url.ends_with('/')) out += '/';
  return out;
}

}  // namespace wharf::source
