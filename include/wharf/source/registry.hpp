// Registries: where package indexes and artifacts come from.
//
// A registry is a static tree (FORMATS.md "Registry"): `registry.yaml`,
// `index/<name>.yaml`, and artifacts anywhere, their URLs relative to the
// index file that names them. This module turns a registry URL from the
// manifest into something that answers "what versions of X exist" and "where
// is the artifact of X@v", caching each parsed index for the process.
//
// HTTP(S) registries fetch index files only when asked (index(), prefetch()),
// keep them under <cache_dir>/index/<hash of the registry URL>/ with their
// ETag / Last-Modified and HTTP freshness (net/freshness.hpp). A cached file
// the server declared fresh (Cache-Control max-age, Expires) is used without
// a request until its lifetime runs out; any other is revalidated with a
// conditional request once per process (a 304 per index file). `refresh`
// revalidates even fresh files. Offline, they read only that cache (fresh or
// not) and say which file is missing.
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
#include <vector>

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

// What opening a registry may use besides its URL.
struct RegistryOptions {
  std::filesystem::path
      cache_dir;         // the global cache root (index files under index/, git mirrors under git/)
  bool offline = false;  // only the cache (file: registries are always read)
  int jobs = 0;          // parallel transfers; 0: $WHARF_CONCURRENCY, else 16
  bool refresh = false;  // --refresh: revalidate cached index files even while fresh
};

// What a registry did for its index files in this process (registry.yaml not
// counted): used fresh from the cache, revalidated (304), downloaded (200),
// or answered "no such package" (404/410).
struct IndexStats {
  std::size_t fresh = 0, revalidated = 0, downloaded = 0, not_found = 0;
  // File and git registries: index files answered by the cache of their
  // folder (one stat each), and files parsed.
  std::size_t cached = 0, parsed = 0;
  std::size_t total() const {
    return fresh + revalidated + downloaded + not_found + cached + parsed;
  }
};

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
  // The registry name whose credentials (WHARF_AUTH_<NAME>, see net) go with
  // a download of `location` (from artifact_location()); empty for none.
  virtual std::string credentials_for(const std::string& location) const {
    (void)location;
    return {};
  }
  // Hint: index() of these packages will be asked for soon. Remote registries
  // fetch them (and, as each arrives, the packages it depends on) in
  // parallel; errors are kept and returned by index() later.
  virtual void prefetch(const std::vector<std::string>& packages) { (void)packages; }
  // Counts for `-v`; all zero for registries that are not fetched over HTTP.
  virtual IndexStats index_stats() const { return {}; }
  // A human description for messages ("registry `main` (file:./registry)").
  std::string describe() const;
  // Where parsed index files are cached (manifest/index_cache.hpp); none by default.
  virtual void set_index_cache(manifest::IndexCache cache) { m_index_cache = std::move(cache); }
  const manifest::IndexCache& index_cache() const { return m_index_cache; }

 protected:
  Registry(std::string name, std::string url) : m_name(std::move(name)), m_url(std::move(url)) {}

 private:
  std::string m_name;
  std::string m_url;
  manifest::IndexCache m_index_cache;
};

// Opens a registry. For `file:` registries a missing folder or registry.yaml
// is a Failure naming the path. HTTP(S) registries touch the network only
// when an index is needed (their registry.yaml is checked with the first one).
// A `git+URL[#REF]` registry is a git repository holding the registry tree:
// its mirror is fetched (once per process, never with `options.offline`), REF
// (a branch, tag or commit id; the default branch when absent) resolved, and
// that commit's tree checked out in the cache and read as a folder registry;
// artifact locations are files in that checkout.
Result<std::unique_ptr<Registry>> open_registry(const std::string& name, const std::string& url,
                                                const std::filesystem::path& manifest_root,
                                                const RegistryOptions& options = {});

// Joins a relative URL onto the folder of `index_file` ("index/hello.yaml" +
// "../a/x.tgz" -> "a/x.tgz"); absolute URLs and `file:` URLs pass through.
std::string resolve_relative(const std::string& index_file, const std::string& url);

}  // namespace wharf::source
