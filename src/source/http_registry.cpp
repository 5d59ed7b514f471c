// HTTP(S) registries: the static tree of FORMATS.md "Registry" on a web server.
//
// Nothing is fetched when the registry is opened. The first index() or
// prefetch() fetches what it is asked for together with registry.yaml (which
// proves the URL points at a registry); every index file is fetched at most
// once per process. Fetches go out in waves: prefetch(names) fetches those
// index files in parallel (net::Client), parses each, and then fetches, in the
// next wave, every package the new indexes depend on that is not known yet,
// until nothing new turns up. The solver calls prefetch() with a package's
// dependencies as soon as it reads them, so a cold solve costs about one round
// trip per level of the dependency graph rather than one per package.
//
// The on-disk cache, one folder per registry URL:
//
//   <cache>/index/<sha256(base URL)[0:16]>/
//     url                          the base URL, for people looking around
//     registry.yaml, index/<name>.yaml          the last bodies received
//     <file>.meta                  "wharf-index-meta 1", sha256 of the body,
//                                  etag, last-modified
//     index/<name>.yaml.absent     the server said 404 (so --offline can tell
//                                  "no such package" from "never fetched")
//
// A cached body is sent back as If-None-Match / If-Modified-Since; a 304 reuses
// it. Bodies and metadata are written atomically and the metadata names the
// body's sha256, so a torn pair (another process, a crash) only costs an
// unconditional request. Offline, only this cache is read.
#include "http_registry.hpp"

#include <map>
#include <mutex>
#include <set>

#include "wharf/manifest/manifest.hpp"
#include "wharf/net/client.hpp"
#include "wharf/util/fs.hpp"
#include "wharf/util/hash.hpp"
#include "wharf/util/strings.hpp"

namespace wharf::source {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kMetaHeader = "wharf-index-meta 1";

bool has_scheme(std::string_view url) {
  auto colon = url.find("://");
  return colon != std::string_view::npos && colon > 0;
}

struct Meta {
  std::string sha256, etag, last_modified;
};

std::optional<Meta> parse_meta(const std::string& text) {
  auto lines = split(text, '\n');
  if (lines.empty() || trim(lines[0]) != kMetaHeader) return std::nullopt;
  Meta meta;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    auto space = line.find(' ');
    if (space == std::string_view::npos) continue;
    auto key = line.substr(0, space);
    std::string value(line.substr(space + 1));
    if (key == "sha256") meta.sha256 = value;
    if (key == "etag") meta.etag = value;
    if (key == "last-modified") meta.last_modified = value;
  }
  if (!is_sha256_hex(meta.sha256)) return std::nullopt;
  return meta;
}

// The index cache is only a cache (load() drops a body its metadata does not
// vouch for), and hundreds of fsyncs would cost more than the downloads.
Result<void> replace_file(const fs::path& path, std::string_view content) {
  return write_file_atomic(path, content, Durability::CacheOnly);
}

// Header values end up in a line-based file: keep them on one line.
std::string one_line(std::string value) {
  std::erase_if(value, [](char c) { return c == '\n' || c == '\r'; });
  return value;
}

// One cached file of the registry (registry.yaml or index/<name>.yaml).
struct CachedFile {
  fs::path body, meta;

  // The cached body and its validators, only when the metadata vouches for
  // the body (anything else counts as not cached).
  std::optional<std::pair<std::string, Meta>> load() const {
    std::error_code ec;
    if (!fs::exists(body, ec)) return std::nullopt;
    auto text = read_file(body);
    if (!text) return std::nullopt;
    auto meta_text = read_file(this->meta);
    if (!meta_text) return std::nullopt;
    auto parsed = parse_meta(*meta_text);
    if (!parsed || parsed->sha256 != sha256_hex(*text)) return std::nullopt;
    return std::pair{std::move(*text), std::move(*parsed)};
  }

  Result<void> store(const fs::path& received, const net::Response& response) const {
    std::error_code ec;
    fs::rename(received, body, ec);
    if (ec) {
      fs::remove(received, ec);
      return fail("cannot write " + body.string() + ": " + ec.message(),
                  "check the permissions of the cache folder");
    }
    std::string text = std::string(kMetaHeader) + "\nsha256 " + response.sha256 + "\netag " +
                       one_line(response.etag) + "\nlast-modified " +
                       one_line(response.last_modified) + "\n";
    return replace_file(meta, text);
  }
};

class HttpRegistry final : public Registry {
 public:
  HttpRegistry(std::string name, std::string url, std::string base_url,
               const RegistryOptions& options, net::Options net_options)
      : Registry(std::move(name), std::move(url)),
        m_base(std::move(base_url)),
        m_dir(options.cache_dir / "index" / sha256_hex(m_base).substr(0, 16)),
        m_offline(options.offline),
        m_client(std::move(net_options)) {}

  Result<std::shared_ptr<const manifest::PackageIndex>> index(const std::string& package) override {
    std::lock_guard guard(m_mutex);
    if (!manifest::is_valid_package_name(package))
      return fail_input("`" + package + "` is not a valid package name");
    if (m_offline) return offline_index(package);
    if (!m_results.count(package)) fetch_closure({package});
    if (m_root_error) return std::unexpected(*m_root_error);
    return m_results.at(package);
  }

  void prefetch(const std::vector<std::string>& packages) override {
    std::lock_guard guard(m_mutex);
    if (m_offline) return;
    fetch_closure(packages);
  }

  std::string artifact_location(const std::string& url) const override {
    if (has_scheme(url)) return url;
    if (starts_with(url, "/")) return origin() + url;
    return m_base + "/" + url;
  }

  std::string credentials_for(const std::string& location) const override {
    // Only to the registry's own tree: an index may point anywhere.
    return starts_with(location, m_base + "/") ? name() : std::string();
  }

 private:
  // "https://host:port" of the base URL.
  std::string origin() const {
    auto scheme_end = m_base.find("://");
    auto path_start = m_base.find('/', scheme_end + 3);
    return path_start == std::string::npos ? m_base : m_base.substr(0, path_start);
  }

  CachedFile cached(const std::string& relative) const {
    fs::path body = m_dir / relative;
    return CachedFile{body, fs::path(body.string() + ".meta")};
  }

  static std::string index_file(const std::string& package) { return "index/" + package + ".yaml"; }

  fs::path absent_marker(const std::string& package) const {
    return m_dir / (index_file(package) + ".absent");
  }

  Result<std::shared_ptr<const manifest::PackageIndex>> offline_index(const std::string& package) {
    if (auto it = m_results.find(package); it != m_results.end()) return it->second;
    std::error_code ec;
    std::shared_ptr<const manifest::PackageIndex> result;
    auto file = cached(index_file(package));
    if (auto loaded = file.load()) {
      result = WHARF_TRY(parse(package, loaded->first, file.body.string()));
    } else if (!fs::exists(absent_marker(package), ec)) {
      return fail("--offline: the index of `" + package + "` is not in the cache (" +
                      artifact_location(index_file(package)) + ", registry `" + name() + "`)",
                  "run the command once without --offline to fetch it");
    }
    m_results.emplace(package, result);
    return result;
  }

  Result<std::shared_ptr<const manifest::PackageIndex>> parse(const std::string& package,
                                                              const std::string& text,
                                                              const std::string& where) const {
    auto parsed = WHARF_TRY(manifest::parse_package_index(text, where));
    if (parsed.name != package)
      return fail_input(where + ": index names package `" + parsed.name + "`, expected `" +
                        package + "`");
    for (auto& version : parsed.versions)
      for (auto& artifact : version.artifacts)
        artifact.url = resolve_relative(index_file(package), artifact.url);
    return std::make_shared<const manifest::PackageIndex>(std::move(parsed));
  }

  // Fetches `packages` and, wave after wave, what they depend on.
  void fetch_closure(const std::vector<std::string>& packages) {
    std::vector<std::string> wave;
    std::set<std::string> queued;
    for (const auto& p : packages)
      if (!m_results.count(p) && manifest::is_valid_package_name(p) && queued.insert(p).second)
        wave.push_back(p);
    while (!wave.empty() && !m_root_error) {
      fetch_wave(wave);
      std::vector<std::string> next;
      for (const auto& p : wave) {
        const auto& result = m_results.at(p);
        if (!result || !*result) continue;
        for (const auto& version : (*result)->versions)
          for (const auto& [dep, constraint] : version.dependencies)
            if (!m_results.count(dep) && manifest::is_valid_package_name(dep) &&
                queued.insert(dep).second)
              next.push_back(dep);
      }
      wave = std::move(next);
    }
  }

  // One parallel batch: these index files (and registry.yaml the first time).
  void fetch_wave(const std::vector<std::string>& packages) {
    std::vector<std::string> files;
    bool with_root = !m_root_checked;
    if (with_root) files.push_back("registry.yaml");
    for (const auto& p : packages) files.push_back(index_file(p));

    std::vector<net::Request> requests;
    std::vector<std::optional<std::pair<std::string, Meta>>> previous;
    for (const auto& file : files) {
      auto entry = cached(file);
      net::Request request;
      request.url = artifact_location(file);
      request.destination = unique_sibling(entry.body, "part");
      request.label = file == "registry.yaml"
                          ? std::string("registry.yaml")
                          : "the index of `" + file.substr(6, file.size() - 11) + "`";
      request.auth_name = name();
      request.not_found_ok = true;
      auto loaded = entry.load();
      if (loaded) {
        request.if_none_match = loaded->second.etag;
        request.if_modified_since = loaded->second.last_modified;
      }
      previous.push_back(std::move(loaded));
      requests.push_back(std::move(request));
    }
    auto responses = m_client.fetch_all(requests);

    for (std::size_t i = 0; i < files.size(); ++i) {
      auto text = receive(files[i], requests[i], responses[i], previous[i]);
      if (with_root && i == 0) {
        m_root_checked = true;
        if (!text) {
          m_root_error = text.error();
        } else if (!*text) {
          m_root_error = fail("registry `" + name() + "` (" + url() + "): " + requests[i].url +
                                  " does not exist (HTTP 404)",
                              "check the `url` of the registry in wharf.yaml; it must point at "
                              "the folder holding registry.yaml")
                             .error();
        } else if (auto root = manifest::parse_registry_root(**text, requests[i].url); !root) {
          m_root_error = root.error();
        }
        continue;
      }
      const std::string package = packages[i - (with_root ? 1 : 0)];
      std::error_code ec;
      if (!text) {
        m_results.emplace(package, std::unexpected(text.error()));
      } else if (!*text) {
        (void)replace_file(absent_marker(package), "");
        m_results.emplace(package, std::shared_ptr<const manifest::PackageIndex>());
      } else {
        fs::remove(absent_marker(package), ec);
        m_results.emplace(package, parse(package, **text, requests[i].url));
      }
    }
  }

  // The body of one answered request: nullopt for 404, the cached body for
  // 304, else the new body (stored in the cache first).
  Result<std::optional<std::string>> receive(
      const std::string& file, const net::Request& request, const Result<net::Response>& response,
      const std::optional<std::pair<std::string, Meta>>& previous) {
    std::error_code ec;
    if (!response) return std::unexpected(response.error());
    if (response->status == 404 || response->status == 410) return std::optional<std::string>{};
    auto entry = cached(file);
    if (response->not_modified()) {
      if (previous) return std::optional<std::string>(previous->first);
      return fail("the server answered " + request.url +
                      " with 304 Not Modified, but the cache holds no copy",
                  "run the command again");
    }
    auto text = read_file(request.destination);
    if (!text) {
      fs::remove(request.destination, ec);
      return std::unexpected(text.error());
    }
    WHARF_TRY_VOID(entry.store(request.destination, *response));
    return std::optional<std::string>(std::move(*text));
  }

  std::string m_base;
  fs::path m_dir;
  bool m_offline = false;
  net::Client m_client;
  std::mutex m_mutex;
  bool m_root_checked = false;
  std::optional<Error> m_root_error;
  std::map<std::string, Result<std::shared_ptr<const manifest::PackageIndex>>> m_results;
};

}  // namespace

Result<std::unique_ptr<Registry>> open_http_registry(const std::string& name,
                                                     const std::string& url,
                                                     const std::string& base_url,
                                                     const RegistryOptions& options) {
  auto net_options = WHARF_TRY(net::options_from_env());
  if (options.jobs > 0) net_options.concurrency = options.jobs;
  if (options.cache_dir.empty())
    return fail("internal: registry `" + name + "` was opened without a cache folder");
  std::error_code ec;
  fs::path dir = options.cache_dir / "index" / sha256_hex(base_url).substr(0, 16);
  if (!options.offline) {
    fs::create_directories(dir / "index", ec);
    if (ec)
      return fail("cannot create " + (dir / "index").string() + ": " + ec.message(),
                  "check its permissions, or set WHARF_CACHE_DIR to a writable folder");
    if (!fs::exists(dir / "url", ec)) (void)replace_file(dir / "url", base_url + "\n");
  }
  // For `wharf cache prune`: this registry's cached index files are in use.
  if (fs::is_directory(dir, ec)) mark_used(dir / "used");
  return std::unique_ptr<Registry>(new HttpRegistry(name, url, base_url, options, net_options));
}

}  // namespace wharf::source
