// HTTP caching freshness of registry index files (RFC 9111): the real wharf
// binary against tests/support/http_server.py sending Cache-Control, Expires
// and Age, counting the requests per path.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <thread>

#include "support/harness.hpp"
#include "support/http_server.hpp"
#include "wharf/util/strings.hpp"

using namespace wharf;
using namespace wharf::test;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kIndexPaths = {"/registry.yaml", "/index/hello.yaml",
                                              "/index/libgreet.yaml"};

void publish_libgreet_2_2(const Sandbox& box) {
  PackageSpec newer{"libgreet", "2.2.0"};
  newer.files["lib/greet.txt"] = "greetings v2.2\n";
  box.add_package(newer);
  box.index();
}

CommandResult run(const Sandbox& box, std::vector<std::string> args) {
  return box.wharf(args, "project", kNoProxy);
}

// The same headers for registry.yaml and every index file.
void cache_for(TestHttpServer& server, const std::vector<std::string>& headers) {
  server.set_headers("/registry.yaml", headers);
  server.set_headers("/index/", headers);
}

// Requests made to registry.yaml and the index files since the last reset.
int index_requests(TestHttpServer& server) {
  int total = 0;
  for (const auto& path : kIndexPaths) total += server.request_count(path);
  return total;
}

// Runs wharf after a reset of the server's counts; it must succeed without
// asking for registry.yaml or any index file.
void require_no_index_requests(const Sandbox& box, TestHttpServer& server,
                               std::vector<std::string> args) {
  server.reset();
  require_exit(run(box, std::move(args)), 0);
  CHECK(index_requests(server) == 0);
}

void require_each_revalidated(TestHttpServer& server) {
  for (const auto& path : kIndexPaths) {
    INFO(path);
    CHECK(server.request_count(path) == 1);
    CHECK(server.last_status(path) == 304);
  }
}

std::string http_date(std::time_t at) {
  std::tm tm{};
  gmtime_r(&at, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buffer;
}

// Every index cache meta file of the sandbox's cache.
std::vector<fs::path> meta_files(const Sandbox& box) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::recursive_directory_iterator(box.cache() / "index"))
    if (entry.path().extension() == ".meta") out.push_back(entry.path());
  return out;
}

}  // namespace

TEST_CASE("fresh index files are used without any request", "[integration][http][freshness]") {
  Sandbox box;
  box.add_hello_registry("hello");
  TestHttpServer server(box.path("registry"));
  cache_for(server, {"Cache-Control: public, max-age=600"});
  box.write_project_at(server.url("/"), "  hello: \"^1\"\n");
  require_exit(run(box, {"lock"}), 0);
  auto first = box.read("project/wharf.lock");

  server.reset();
  auto relocked = run(box, {"-v", "lock", "--update"});
  require_exit(relocked, 0);
  CHECK(index_requests(server) == 0);
  CHECK(server.stats()["counts"].empty());
  CHECK(box.read("project/wharf.lock") == first);
  CHECK(relocked.err.find("Index files of registry `main`: 2 fresh, 0 revalidated, 0 downloaded") !=
        std::string::npos);

  // sync --update (the lock step of sync) is just as quiet on the network for index files.
  require_no_index_requests(box, server, {"sync", "--update"});
}

TEST_CASE("only the stale index files of a wave are requested", "[integration][http][freshness]") {
  Sandbox box;
  box.add_hello_registry("hello");
  TestHttpServer server(box.path("registry"));
  // hello is fresh for ten minutes; registry.yaml and libgreet (found through
  // hello's dependencies, from the cache) say nothing and are revalidated.
  server.set_headers("/index/hello.yaml", {"Cache-Control: max-age=600"});
  box.write_project_at(server.url("/"), "  hello: \"^1\"\n");
  require_exit(run(box, {"lock"}), 0);

  server.reset();
  auto relocked = run(box, {"-v", "lock", "--update"});
  require_exit(relocked, 0);
  CHECK(server.request_count("/index/hello.yaml") == 0);
  CHECK(server.request_count("/index/libgreet.yaml") == 1);
  CHECK(server.last_status("/index/libgreet.yaml") == 304);
  CHECK(server.request_count("/registry.yaml") == 1);
  CHECK(relocked.err.find("1 fresh, 1 revalidated, 0 downloaded") != std::string::npos);
}

namespace {

// Sets `headers` on a new registry, locks, then checks what two more locks ask.
void check_always_revalidated(const std::vector<std::string>& headers) {
  Sandbox box;
  box.add_hello_registry("hello");
  TestHttpServer server(box.path("registry"));
  if (!headers.empty()) cache_for(server, headers);
  box.write_project_at(server.url("/"), "  hello: \"^1\"\n");
  require_exit(run(box, {"lock"}), 0);
  for (int round = 0; round < 2; ++round) {
    server.reset();
    auto relocked = run(box, {"-v", "lock", "--update"});
    require_exit(relocked, 0);
    require_each_revalidated(server);
    CHECK(relocked.err.find("0 fresh, 2 revalidated, 0 downloaded") != std::string::npos);
  }
}

void check_fresh(const std::vector<std::string>& headers) {
  Sandbox box;
  box.add_hello_registry("hello");
  TestHttpServer server(box.path("registry"));
  cache_for(server, headers);
  box.write_project_at(server.url("/"), "  hello: \"^1\"\n");
  require_exit(run(box, {"lock"}), 0);
  require_no_index_requests(box, server, {"lock", "--update"});
}

}  // namespace

TEST_CASE("without caching headers or with no-cache every lock revalidates",
          "[integration][http][freshness]") {
  const std::vector<std::vector<std::string>> cases = {
      {},
      {"Cache-Control: no-cache"},
      {"Cache-Control: max-age=600, no-cache"},
      {"Cache-Control: no-store"},
      {"Cache-Control: max-age=0, must-revalidate"},
      {"Cache-Control: s-maxage=600"},  // for shared caches only
      {"Expires: 0"},
      {"Cache-Control: max-age=600", "Age: 600"},  // as old as its lifetime
  };
  for (const auto& headers : cases) {
    INFO((headers.empty() ? std::string("no headers") : join(headers, "; ")));
    check_always_revalidated(headers);
  }
}

TEST_CASE("Expires after Date and an Age short of max-age keep a response fresh",
          "[integration][http][freshness]") {
  check_fresh({"Expires: " + http_date(std::time(nullptr) + 600)});
  check_fresh({"Cache-Control: max-age=600", "Age: 100"});
}

TEST_CASE("once the lifetime has passed, index files are revalidated, and a 304 renews it",
          "[integration][http][freshness]") {
  Sandbox box;
  box.add_hello_registry("hello");
  TestHttpServer server(box.path("registry"));
  cache_for(server, {"Cache-Control: max-age=1"});
  box.write_project_at(server.url("/"), "  hello: \"^1\"\n");
  require_exit(run(box, {"lock"}), 0);

  // Whole seconds: after two the one-second lifetime is over whatever the rounding.
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  cache_for(server, {"Cache-Control: max-age=600"});
  server.reset();
  require_exit(run(box, {"lock", "--update"}), 0);
  require_each_revalidated(server);

  // The 304s carried a ten-minute lifetime: now the cache is fresh.
  require_no_index_requests(box, server, {"lock", "--update"});
}

TEST_CASE("refresh revalidates fresh index files and a publish shows only then",
          "[integration][http][freshness]") {
  Sandbox box;
  box.add_hello_registry("hello");
  TestHttpServer server(box.path("registry"));
  cache_for(server, {"Cache-Control: max-age=600"});
  box.write_project_at(server.url("/"), "  hello: \"^1\"\n");
  require_exit(run(box, {"lock"}), 0);

  server.reset();
  auto refreshed = run(box, {"-v", "lock", "--update", "--refresh"});
  require_exit(refreshed, 0);
  require_each_revalidated(server);
  CHECK(refreshed.err.find("0 fresh, 2 revalidated, 0 downloaded") != std::string::npos);

  // A new libgreet is published while the cached index is fresh: not seen
  // (documented: at most max-age late), and nothing is asked.
  publish_libgreet_2_2(box);
  require_no_index_requests(box, server, {"lock", "--update", "libgreet"});
  CHECK(box.read("project/wharf.lock").find("2.2.0") == std::string::npos);

  server.reset();
  auto seen = run(box, {"-v", "sync", "--update", "libgreet", "--refresh"});
  require_exit(seen, 0);
  CHECK(server.last_status("/index/libgreet.yaml") == 200);
  CHECK(server.last_status("/index/hello.yaml") == 304);
  CHECK(seen.err.find("0 fresh, 1 revalidated, 1 downloaded") != std::string::npos);
  CHECK(box.read("project/wharf.lock").find("2.2.0") != std::string::npos);
  CHECK(box.read("project/.wharf/envs/default/lib/greet.txt") == "greetings v2.2\n");

  // The server stops allowing caching: the 304s of a refresh say so, and
  // from then on every lock revalidates.
  cache_for(server, {"Cache-Control: no-cache"});
  require_exit(run(box, {"lock", "--update", "--refresh"}), 0);
  server.reset();
  require_exit(run(box, {"lock", "--update"}), 0);
  require_each_revalidated(server);
}

TEST_CASE("outdated revalidates fresh index files; what it fetched, lock then uses",
          "[integration][http][freshness]") {
  Sandbox box;
  box.add_hello_registry("hello");
  TestHttpServer server(box.path("registry"));
  cache_for(server, {"Cache-Control: max-age=600"});
  box.write_project_at(server.url("/"), "  hello: \"^1\"\n");
  require_exit(run(box, {"lock"}), 0);
  publish_libgreet_2_2(box);

  server.reset();
  auto report = run(box, {"outdated"});
  require_exit(report, 0);
  CHECK(server.last_status("/index/libgreet.yaml") == 200);
  CHECK(server.last_status("/index/hello.yaml") == 304);
  INFO(report.out);
  CHECK(report.out.find("2.2.0") != std::string::npos);

  // The new index is in the cache, fresh: the update needs no request.
  require_no_index_requests(box, server, {"lock", "--update", "libgreet"});
  CHECK(box.read("project/wharf.lock").find("2.2.0") != std::string::npos);
}

TEST_CASE("offline uses the cached index files whether fresh or not",
          "[integration][http][freshness]") {
  Sandbox box;
  box.add_hello_registry("hello");
  TestHttpServer server(box.path("registry"));
  cache_for(server, {"Cache-Control: no-cache"});
  box.write_project_at(server.url("/"), "  hello: \"^1\"\n");
  require_exit(run(box, {"lock"}), 0);
  server.reset();
  require_exit(run(box, {"--offline", "lock", "--update", "--refresh"}), 0);
  CHECK(server.stats()["counts"].empty());
}

TEST_CASE("index cache metadata from before freshness, or damaged, is only a revalidation",
          "[integration][http][freshness]") {
  Sandbox box;
  box.add_hello_registry("hello");
  TestHttpServer server(box.path("registry"));
  cache_for(server, {"Cache-Control: max-age=600"});
  box.write_project_at(server.url("/"), "  hello: \"^1\"\n");
  require_exit(run(box, {"lock"}), 0);
  auto first = box.read("project/wharf.lock");
  auto metas = meta_files(box);
  REQUIRE(metas.size() == 3);

  SECTION("the format written before freshness: revalidated once, then fresh") {
    for (const auto& meta : metas) {
      std::string old_format;
      const std::string current = box.read(fs::relative(meta, box.root()).string());
      for (auto line : split(current, '\n')) {
        std::string text(line);
        if (text.starts_with("wharf-index-meta") || text.starts_with("sha256 ") ||
            text.starts_with("etag ") || text.starts_with("last-modified "))
          old_format += text + "\n";
      }
      box.write(fs::relative(meta, box.root()).string(), old_format);
    }
    server.reset();
    require_exit(run(box, {"lock", "--update"}), 0);
    require_each_revalidated(server);
    require_no_index_requests(box, server, {"lock", "--update"});
  }

  SECTION("a torn or damaged entry is fetched in full, never served") {
    // A fresh-looking meta file that does not vouch for its body.
    auto hello_meta = std::find_if(metas.begin(), metas.end(), [](const fs::path& p) {
      return p.filename() == "hello.yaml.meta";
    });
    REQUIRE(hello_meta != metas.end());
    fs::path body = hello_meta->parent_path() / "hello.yaml";
    box.write(fs::relative(body, box.root()).string(), "name: hello\nversions: [garbage\n");
    // And one that is not a meta file at all.
    auto libgreet_meta = hello_meta->parent_path() / "libgreet.yaml.meta";
    box.write(fs::relative(libgreet_meta, box.root()).string(), "wharf-index-meta 1\nsha2");
    server.reset();
    require_exit(run(box, {"lock", "--update"}), 0);
    CHECK(server.last_status("/index/hello.yaml") == 200);
    CHECK(server.last_status("/index/libgreet.yaml") == 200);
    CHECK(server.request_count("/registry.yaml") == 0);
    CHECK(box.read("project/wharf.lock") == first);
    require_no_index_requests(box, server, {"lock", "--update"});
  }
}

TEST_CASE("add reads an HTTP registry once: its lock step finds the index fresh",
          "[integration][http][freshness]") {
  Sandbox box;
  box.add_hello_registry("hello");
  TestHttpServer server(box.path("registry"));
  cache_for(server, {"Cache-Control: max-age=600"});
  box.write("project/wharf.yaml", "name: demo\nregistries:\n  - name: main\n    url: " +
                                      server.url("/") + "\ndependencies: {}\n");
  auto added = run(box, {"add", "hello"});
  require_exit(added, 0);
  CHECK(box.read("project/wharf.yaml").find("^1.2.0") != std::string::npos);
  CHECK(box.read("project/wharf.lock").find("libgreet") != std::string::npos);
  // Looked up by add for the newest version, then read fresh by the lock.
  CHECK(server.request_count("/index/hello.yaml") == 1);
  CHECK(server.request_count("/index/libgreet.yaml") == 1);
}

TEST_CASE("a 304 with the same headers but a fresh age makes a stale entry fresh",
          "[integration][http][freshness]") {
  Sandbox box;
  box.add_hello_registry("hello");
  TestHttpServer server(box.path("registry"));
  // Arrives already as old as its lifetime: stale at once.
  cache_for(server, {"Cache-Control: max-age=600", "Age: 600"});
  box.write_project_at(server.url("/"), "  hello: \"^1\"\n");
  require_exit(run(box, {"lock"}), 0);
  server.reset();
  require_exit(run(box, {"lock", "--update"}), 0);
  require_each_revalidated(server);

  // The same Cache-Control, now from a first-hand copy: the 304 renews the entry.
  cache_for(server, {"Cache-Control: max-age=600"});
  server.reset();
  require_exit(run(box, {"lock", "--update"}), 0);
  require_each_revalidated(server);
  require_no_index_requests(box, server, {"lock", "--update"});
}
