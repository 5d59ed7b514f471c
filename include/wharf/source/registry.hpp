// Registries: where package indexes and artifacts come from.
//
// A registry is a static tree (FORMATS.md "Registry"): `registry.yaml`,
// `index/<name>.yaml`, and artifacts anywhere, their URLs relative to the
// index file that names them. This module turns a registry URL from the
// manifest into something that answers "what versions of X exist" and "where
// is the artifact of X@v", caching each parsed index for the process.
//
// Artifact locations are normalised to be relative to the registry root when
// they lie inside it ("artifacts/hello-1.2.0.tar.gz"), so a lockfile stays the
// same wherever the project is checked out; absolute URLs stay absolute.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "wharf/manifest/index_cache.hpp"
#include "wharf/manifest/registry_index.hpp"
#include "wharf/util/error.hpp"

namespace wharf::source {

enum class RegistryKind { File, Http, Git };

struct RegistryLocation {
  RegistryKind kind = RegistryKind::File;
  std::filesystem::path dir;  // File: the registry root folder (absolute)
  std::string base_url;       // Http/Git: the URL without a trailing slash
};

// Parses `file:PATH` (absolute, or relative to `manifest_root`), `file:///abs`,
// `http(s)://...`, `git+https://...`, `git+file://...`. Input error otherwise.
Result<RegistryLocation> parse_registry_url(std::string_view url,
                                            const std::filesystem::path& manifest_root);

class Registry {
 public:
  virtual ~Registry() = default;
  const std::string& name() const { return m_name; }
  // The URL as written in the manifest (recorded in the lockfile).
  const std::string& url() const { return m_url; }

  // The index of one package, or nullptr when the registry has none. Parsed
  // once per process. Artifact URLs in the result are normalised (see above).
  virtual Result<std::shared_ptr<const manifest::PackageIndex>> index(
      const std::string& package) = 0;
  // Where to read an artifact whose normalised URL is `url`: a local file
  // path for file registries, else an absolute URL.
  virtual std::string artifact_location(const std::string& url) const = 0;
  // A human description for messages ("registry `main` (file:./registry)").
  std::string describe() const;
  // Where parsed index files are cached (manifest/index_cache.hpp); none by default.
  void set_index_cache(manifest::IndexCache cache) { m_index_cache = std::move(cache); }
  const manifest::IndexCache& index_cache() const { return m_index_cache; }

 protected:
  Registry(std::string name, std::string url) : m_name(std::move(name)), m_url(std::move(url)) {}

 private:
  std::string m_name;
  std::string m_url;
  manifest::IndexCache m_index_cache;
};

// Opens a registry. For `file:` registries a missing folder or registry.yaml
// is a Failure naming the path.
Result<std::unique_ptr<Registry>> open_registry(const std::string& name, const std::string& url,
                                                const std::filesystem::path& manifest_root);

// Joins a relative URL onto the folder of `index_file` ("index/hello.yaml" +
// "../a/x.tgz" -> "a/x.tgz"); absolute URLs and `file:` URLs pass through.
std::string resolve_relative(const std::string& index_file, const std::string& url);

}  // namespace wharf::source
