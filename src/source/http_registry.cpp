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
// A cached file the server declared fresh (net/freshness.hpp: Cache-Control
// max-age, else Expires minus Date, less the response's age) is used with no
// request at all until its lifetime runs out; a wave first answers every fresh
// file it can reach from the cache (their dependencies join the same wave), so
// the one round trip that follows carries every stale file they lead to. Files
// without such headers (or with no-cache / no-store) are revalidated in every
// process, as are all of them with RegistryOptions::refresh.
//
// The on-disk cache, one folder per registry URL:
//
//   <cache>/index/<sha256(base URL)[0:16]>/
//     url                          the base URL, for people looking around
//     registry.yaml, index/<name>.yaml          the last bodies received
//     <file>.meta                  "wharf-index-meta 1", then one `key value`
//                                  line each: sha256 (of the body), etag,
//                                  last-modified, cache-control, expires (as
//                                  last received: a 304 may leave them out),
//                                  received (Unix seconds) and fresh-for
//                                  (seconds after `received` the body stays
//                                  fresh). Unknown keys are ignored and missing
//                                  ones are empty / 0, so a meta file written
//                                  before freshness existed is simply stale.
//     index/<name>.yaml.absent     the server said 404 (so --offline can tell
//                                  "no such package" from "never fetched")
//
// A stale cached body is sent back as If-None-Match / If-Modified-Since; a 304
// reuses it and rewrites its metadata with the new freshness. Bodies and
// metadata are written atomically and the metadata names the body's sha256,
// so a torn pair (another process, a crash) only costs an unconditional
// request, never a wrong body. Offline, only this cache is read, fresh or not.
#include "http_registry.hpp"

#include <charconv>
#include <map>
#include <mutex>
#include <set>

#include "wharf/manifest/manifest.hpp"
#include "wharf/net/client.hpp"
#include "wharf/net/freshness.hpp"
#include "wharf/util/fs.hpp"
#include "wharf/util/hash.hpp"
#include "wharf/util/heap.hpp"
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
  std::string cache_control, expires;  // as last received
  std::int64_t received = 0;           // Unix seconds
  std::int64_t fresh_for = 0;          // seconds after `received`; 0: always revalidate

  // A clock that went back before `received` makes the entry stale.
  bool fresh_at(std::int64_t now) const {
    return fresh_for > 0 && now >= received && now - received < fresh_for;
  }
};

std::int64_t to_int(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return 0;
  return value;
}

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
    if (key == "cache-control") meta.cache_control = value;
    if (key == "expires") meta.expires = value;
    if (key == "received") meta.received = to_int(value);
    if (key == "fresh-for") meta.fresh_for = to_int(value);
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

std::string serialize_meta(const Meta& meta) {
  return std::string(kMetaHeader) + "\nsha256 " + meta.sha256 + "\netag " + one_line(meta.etag) +
         "\nlast-modified " + one_line(meta.last_modified) + "\ncache-control " +
         one_line(meta.cache_control) + "\nexpires " + one_line(meta.expires) + "\nreceived " +
         std::to_string(meta.received) + "\nfresh-for " + std::to_string(meta.fresh_for) + "\n";
}

// The metadata of a response that arrived at `response_time` (a request sent
// at `request_time`): a 200's own, or for a 304 the stored one updated with
// what the 304 says (RFC 9111 4.3.4: header fields it leaves out stay).
Meta meta_of(const net::Response& response, const Meta* previous, std::int64_t request_time,
             std::int64_t response_time) {
  Meta meta;
  net::Response merged = response;
  if (previous) {
    meta = *previous;
    if (merged.cache_control.empty()) merged.cache_control = previous->cache_control;
    if (merged.expires.empty()) merged.expires = previous->expires;
  } else {
    meta.sha256 = response.sha256;
  }
  meta.etag = response.etag;
  meta.last_modified = response.last_modified;
  meta.cache_control = merged.cache_control;
  meta.expires = merged.expires;
  meta.received = response_time;
  meta.fresh_for = net::fresh_for(merged, request_time, response_time);
  return meta;
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

  Result<void> store(const fs::path& received, const Meta& new_meta) const {
    std::error_code ec;
    fs::rename(received, body, ec);
    if (ec) {
      fs::remove(received, ec);
      return fail("cannot write " + body.string() + ": " + ec.message(),
                  "check the permissions of the cache folder");
    }
    return replace_file(meta, serialize_meta(new_meta));
  }

  // After a 304: the body stays, its metadata gets the new validators and
  // freshness. The write is skipped when the stored metadata says the same
  // but for a fresh window that ends no later and at most a tenth of the
  // lifetime sooner (a --refresh of files still fresh, or a server without
  // caching headers): it stays a safe, slightly early expiry, and a batch of
  // 304s costs no writes.
  Result<void> refresh_meta(const Meta& old_meta, const Meta& new_meta) const {
    bool same =
        old_meta.etag == new_meta.etag && old_meta.last_modified == new_meta.last_modified &&
        old_meta.cache_control == new_meta.cache_control && old_meta.expires == new_meta.expires;
    auto end_of = [](const Meta& m) { return m.fresh_for > 0 ? m.received + m.fresh_for : 0; };
    std::int64_t old_end = end_of(old_meta), new_end = end_of(new_meta);
    if (same && old_end <= new_end && (new_end - old_end) * 10 <= new_meta.fresh_for) return {};
    return replace_file(meta, serialize_meta(new_meta));
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
        m_refresh(options.refresh),
        m_client(std::move(net_options)) {}
  ~HttpRegistry() override { retire(m_results); }  // only memory (wharf/util/heap.hpp)

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

  IndexStats index_stats() const override {
    std::lock_guard guard(m_mutex);
    return m_stats;
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
    return std::make_shared<const manifest::PackageIndex>(WHARF_TRY(
        finish_index(WHARF_TRY(manifest::parse_package_index(text, where)), package, where)));
  }

  using Loaded = std::optional<std::pair<std::string, Meta>>;

  // An index file that needs a request, with what the cache holds of it.
  struct Stale {
    std::string package;
    Loaded cached;
  };

  // The dependencies of `package`'s index that nobody asked for yet.
  void queue_dependencies(const std::string& package, std::set<std::string>& queued,
                          std::vector<std::string>& into) const {
    const auto& result = m_results.at(package);
    if (!result || !*result) return;
    for (const auto& version : (*result)->versions)
      for (const auto& [dep, constraint] : version.dependencies)
        if (!m_results.count(dep) && manifest::is_valid_package_name(dep) &&
            queued.insert(dep).second)
          into.push_back(dep);
  }

  // registry.yaml from the cache, when it is fresh and valid: no request needed.
  void check_root_from_cache(std::int64_t now) {
    if (m_refresh) return;
    auto loaded = cached("registry.yaml").load();
    if (!loaded || !loaded->second.fresh_at(now)) return;
    if (manifest::parse_registry_root(loaded->first, artifact_location("registry.yaml")))
      m_root_checked = true;
  }

  // Fetches `packages` and, wave after wave, what they depend on.
  void fetch_closure(const std::vector<std::string>& packages) {
    std::vector<std::string> wave;
    std::set<std::string> queued;
    for (const auto& p : packages)
      if (!m_results.count(p) && manifest::is_valid_package_name(p) && queued.insert(p).second)
        wave.push_back(p);
    if (wave.empty()) return;
    const std::int64_t now = net::unix_now();
    if (!m_root_checked) check_root_from_cache(now);
    while (!wave.empty() && !m_root_error) {
      // Fresh files answer from the cache at once, and their dependencies join
      // this wave (`wave` grows while it is walked).
      std::vector<Stale> stale;
      for (std::size_t i = 0; i < wave.size(); ++i) {
        const std::string package = wave[i];
        auto file = cached(index_file(package));
        auto loaded = file.load();
        if (loaded && !m_refresh && loaded->second.fresh_at(now)) {
          ++m_stats.fresh;
          m_results.emplace(package,
                            parse(package, loaded->first, artifact_location(index_file(package))));
          queue_dependencies(package, queued, wave);
        } else {
          stale.push_back({package, std::move(loaded)});
        }
      }
      if (stale.empty() && m_root_checked) break;
      fetch_wave(stale);
      std::vector<std::string> next;
      for (const auto& entry : stale) queue_dependencies(entry.package, queued, next);
      wave = std::move(next);
    }
  }

  // One parallel batch: these index files (and registry.yaml until it is checked).
  void fetch_wave(std::vector<Stale>& stale) {
    std::vector<std::string> files;
    std::vector<Loaded> previous;
    bool with_root = !m_root_checked;
    if (with_root) {
      files.push_back("registry.yaml");
      previous.push_back(cached("registry.yaml").load());
    }
    for (auto& entry : stale) {
      files.push_back(index_file(entry.package));
      previous.push_back(std::move(entry.cached));
    }

    std::vector<net::Request> requests;
    for (std::size_t i = 0; i < files.size(); ++i) {
      const auto& file = files[i];
      auto entry = cached(file);
      net::Request request;
      request.url = artifact_location(file);
      request.destination = unique_sibling(entry.body, "part");
      request.label = file == "registry.yaml"
                          ? std::string("registry.yaml")
                          : "the index of `" + file.substr(6, file.size() - 11) + "`";
      request.auth_name = name();
      request.not_found_ok = true;
      if (previous[i]) {
        request.if_none_match = previous[i]->second.etag;
        request.if_modified_since = previous[i]->second.last_modified;
      }
      requests.push_back(std::move(request));
    }
    const std::int64_t request_time = net::unix_now();
    auto responses = m_client.fetch_all(requests);
    const std::int64_t response_time = net::unix_now();

    for (std::size_t i = 0; i < files.size(); ++i) {
      auto text =
          receive(files[i], requests[i], responses[i], previous[i], request_time, response_time);
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
      const std::string& package = stale[i - (with_root ? 1 : 0)].package;
      if (responses[i]) {
        long status = responses[i]->status;
        if (status == 304)
          ++m_stats.revalidated;
        else if (status == 404 || status == 410)
          ++m_stats.not_found;
        else
          ++m_stats.downloaded;
      }
      std::error_code ec;
      if (!text) {
        m_results.emplace(package, std::unexpected(text.error()));
      } else if (!*text) {
        // Not a cached body any more (fresh or not), only the marker for --offline.
        fs::remove(cached(index_file(package)).meta, ec);
        (void)replace_file(absent_marker(package), "");
        m_results.emplace(package, std::shared_ptr<const manifest::PackageIndex>());
      } else {
        fs::remove(absent_marker(package), ec);
        m_results.emplace(package, parse(package, **text, requests[i].url));
      }
    }
  }

  // The body of one answered request: nullopt for 404, the cached body for
  // 304 (its metadata refreshed), else the new body (stored in the cache first).
  Result<std::optional<std::string>> receive(const std::string& file, const net::Request& request,
                                             const Result<net::Response>& response,
                                             const Loaded& previous, std::int64_t request_time,
                                             std::int64_t response_time) {
    std::error_code ec;
    if (!response) return std::unexpected(response.error());
    if (response->status == 404 || response->status == 410) return std::optional<std::string>{};
    auto entry = cached(file);
    if (response->not_modified()) {
      if (!previous)
        return fail("the server answered " + request.url +
                        " with 304 Not Modified, but the cache holds no copy",
                    "run the command again");
      // The cache is only a cache: a metadata file that cannot be written
      // costs a revalidation next time, not this run.
      (void)entry.refresh_meta(previous->second,
                               meta_of(*response, &previous->second, request_time, response_time));
      return std::optional<std::string>(previous->first);
    }
    auto text = read_file(request.destination);
    if (!text) {
      fs::remove(request.destination, ec);
      return std::unexpected(text.error());
    }
    WHARF_TRY_VOID(
        entry.store(request.destination, meta_of(*response, nullptr, request_time, response_time)));
    return std::optional<std::string>(std::move(*text));
  }

  std::string m_base;
  fs::path m_dir;
  bool m_offline = false;
  bool m_refresh = false;
  net::Client m_client;
  mutable std::mutex m_mutex;
  IndexStats m_stats;
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
