// The real wharf binary against a registry served over HTTP by
// tests/support/http_server.py (with its fault modes).
#include <unistd.h>

#include <catch2/catch.hpp>
#include <future>
#include <set>

#include "support/harness.hpp"
#include "support/http_server.hpp"
#include "wharf/util/hash.hpp"
#include "wharf/util/process.hpp"

using namespace wharf;
using namespace wharf::test;
namespace fs = std::filesystem;

namespace {

const char* const kHello = "/artifacts/hello-1.2.0-any.tar.gz";
const char* const kLibgreet = "/artifacts/libgreet-2.1.0-any.tar.gz";

void write_http_project(const Sandbox& box, const TestHttpServer& server,
                        const std::string& project = "project") {
  box.write_project_at(server.url("/"), "  hello: \"^1\"\n", project);
}

CommandResult run(const Sandbox& box, std::vector<std::string> args,
                  const std::string& project = "project") {
  return box.wharf(args, project, kNoProxy);
}

// Every file name under the store's downloads/ and tmp/.
std::set<std::string> stored_files(const Sandbox& box) {
  std::set<std::string> names;
  for (const char* area : {"downloads", "tmp"}) {
    std::error_code ec;
    fs::path dir = box.cache() / area;
    if (!fs::exists(dir, ec)) continue;
    for (auto it = fs::recursive_directory_iterator(dir, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
      if (it->is_regular_file()) names.insert(it->path().filename().string());
  }
  return names;
}

std::string sha256_of(const Sandbox& box, const std::string& rel) {
  return sha256_hex(box.read(rel));
}

}  // namespace

TEST_CASE("lock and sync from an HTTP registry", "[integration][http]") {
  Sandbox box;
  box.add_hello_registry("Hello over HTTP");
  TestHttpServer server(box.path("registry"));
  write_http_project(box, server);

  auto synced = run(box, {"sync"});
  require_exit(synced, 0);
  CHECK(synced.err.find("Fetched 2 packages") != std::string::npos);
  CHECK(synced.err.find("2 downloads") != std::string::npos);
  // Not a terminal: no progress bars, no cursor movement.
  CHECK(synced.err.find('\x1b') == std::string::npos);
  CHECK(synced.err.find('\r') == std::string::npos);

  auto lock = box.read("project/wharf.lock");
  CHECK(lock.find(server.url("/")) != std::string::npos);
  CHECK(lock.find("artifacts/hello-1.2.0-any.tar.gz") != std::string::npos);

  auto ran = run(box, {"run", "--", "hello"});
  require_exit(ran, 0);
  CHECK(ran.out == "Hello over HTTP\n");
  CHECK(box.read("project/.wharf/envs/default/lib/greet.txt") == "greetings v2.1\n");

  // Each file the solve needed was fetched once; nothing else was asked for.
  auto stats = server.stats();
  CHECK(stats["counts"]["/registry.yaml"] == 1);
  CHECK(stats["counts"]["/index/hello.yaml"] == 1);
  CHECK(stats["counts"]["/index/libgreet.yaml"] == 1);
  CHECK(stats["counts"][kHello] == 1);
  CHECK(stats["counts"][kLibgreet] == 1);
  CHECK(stats["counts"].size() == 5);

  // The downloads are in the store under their sha256.
  auto files = stored_files(box);
  CHECK(files.count(sha256_of(box, "registry/artifacts/hello-1.2.0-any.tar.gz")) == 1);
  CHECK(files.count(sha256_of(box, "registry/artifacts/libgreet-2.1.0-any.tar.gz")) == 1);
}

TEST_CASE("a warm lock revalidates index files with conditional requests", "[integration][http]") {
  Sandbox box;
  box.add_hello_registry("Hello over HTTP");
  TestHttpServer server(box.path("registry"));
  write_http_project(box, server);
  require_exit(run(box, {"lock"}), 0);
  auto first_lock = box.read("project/wharf.lock");

  server.reset();
  auto relocked = run(box, {"lock", "--update", "hello"});
  require_exit(relocked, 0);
  CHECK(box.read("project/wharf.lock") == first_lock);
  for (const std::string path : {"/registry.yaml", "/index/hello.yaml", "/index/libgreet.yaml"}) {
    INFO(path);
    CHECK(server.request_count(path) == 1);
    CHECK_FALSE(server.last_header(path, "If-None-Match").empty());
    CHECK(server.last_status(path) == 304);
  }

  // A changed index is fetched in full again and used.
  PackageSpec newer{"libgreet", "2.2.0"};
  newer.files["lib/greet.txt"] = "greetings v2.2\n";
  box.add_package(newer);
  box.index();
  server.reset();
  auto updated = run(box, {"lock", "--update", "libgreet"});
  require_exit(updated, 0);
  CHECK(server.last_status("/index/libgreet.yaml") == 200);
  CHECK(server.last_status("/index/hello.yaml") == 304);
  CHECK(box.read("project/wharf.lock").find("2.2.0") != std::string::npos);
}

TEST_CASE("HTTP registries survive 500s, 429s and dropped connections", "[integration][http]") {
  Sandbox box;
  box.add_hello_registry("Hello over HTTP");
  TestHttpServer server(box.path("registry"));
  write_http_project(box, server);
  server.set_fault("/index/hello.yaml", "fail-500:2");
  server.set_fault("/index/libgreet.yaml", "fail-429:1");
  server.set_fault(kHello, "fail-500:2");
  server.set_fault(kLibgreet, "drop-halfway:1");

  auto synced = run(box, {"sync"});
  require_exit(synced, 0);
  CHECK(server.request_count("/index/hello.yaml") == 3);
  CHECK(server.request_count("/index/libgreet.yaml") == 2);
  CHECK(server.request_count(kHello) == 3);
  CHECK(server.request_count(kLibgreet) >= 2);
  auto ran = run(box, {"run", "--", "hello"});
  require_exit(ran, 0);
  CHECK(ran.out == "Hello over HTTP\n");
  CHECK(box.read("project/.wharf/envs/default/lib/greet.txt") == "greetings v2.1\n");
}

TEST_CASE("wrong bytes from an HTTP registry fail the sync and change nothing",
          "[integration][http]") {
  Sandbox box;
  box.add_hello_registry("Hello over HTTP");
  TestHttpServer server(box.path("registry"));
  write_http_project(box, server);
  require_exit(run(box, {"lock"}), 0);
  auto lock_before = box.read("project/wharf.lock");
  const std::string hello_sha = sha256_of(box, "registry/artifacts/hello-1.2.0-any.tar.gz");

  server.set_fault(kHello, "wrong-bytes");
  auto synced = run(box, {"sync"});
  require_exit(synced, 1);
  INFO(synced.err);
  CHECK(synced.err.find("sha256 mismatch") != std::string::npos);
  CHECK(synced.err.find("hello 1.2.0") != std::string::npos);
  CHECK(synced.err.find(server.url(kHello)) != std::string::npos);
  CHECK(synced.err.find("expected " + hello_sha) != std::string::npos);
  // The server sent the wrong bytes (it XORs each with 0x5A): wharf names their hash.
  std::string wrong = box.read("registry/artifacts/hello-1.2.0-any.tar.gz");
  for (auto& c : wrong) c = static_cast<char>(c ^ 0x5A);
  CHECK(synced.err.find("got " + sha256_hex(wrong)) != std::string::npos);

  CHECK(stored_files(box).count(hello_sha) == 0);
  CHECK(stored_files(box).count(sha256_hex(wrong)) == 0);
  CHECK_FALSE(fs::exists(box.cache() / "trees" / hello_sha));
  CHECK(fs::is_empty(box.cache() / "tmp"));  // no half-made download left behind
  CHECK(box.read("project/wharf.lock") == lock_before);
  CHECK_FALSE(box.exists("project/.wharf/envs/default"));

  // Once the server is right again, the same command works.
  server.set_fault(kHello, "none");
  require_exit(run(box, {"sync"}), 0);
  CHECK(stored_files(box).count(hello_sha) == 1);
}

TEST_CASE("offline mode uses the cache and names what it lacks", "[integration][http]") {
  Sandbox box;
  box.add_hello_registry("Hello over HTTP");
  TestHttpServer server(box.path("registry"));
  write_http_project(box, server);

  SECTION("a cold cache: the missing index is named") {
    auto offline = run(box, {"--offline", "sync"});
    require_exit(offline, 1);
    CHECK(offline.err.find("index of `hello`") != std::string::npos);
    CHECK(offline.err.find(server.url("/index/hello.yaml")) != std::string::npos);
    CHECK(offline.err.find("without --offline") != std::string::npos);
    CHECK(server.stats()["counts"].empty());
    CHECK_FALSE(box.exists("project/wharf.lock"));
  }

  SECTION("a locked project whose artifacts are not cached: the artifacts are named") {
    require_exit(run(box, {"lock"}), 0);
    require_exit(run(box, {"cache", "clean"}), 0);
    server.reset();
    auto offline = run(box, {"--offline", "sync"});
    require_exit(offline, 1);
    CHECK(offline.err.find("hello 1.2.0 (" + server.url(kHello) + ")") != std::string::npos);
    CHECK(offline.err.find("libgreet 2.1.0 (" + server.url(kLibgreet) + ")") != std::string::npos);
    CHECK(offline.err.find("without --offline") != std::string::npos);
    CHECK(server.stats()["counts"].empty());
    CHECK_FALSE(box.exists("project/.wharf/envs/default"));
  }

  SECTION("a warm cache: lock and sync work without the server") {
    require_exit(run(box, {"sync"}), 0);
    write_http_project(box, server, "other");
    server.reset();
    auto locked = run(box, {"--offline", "lock"}, "other");
    require_exit(locked, 0);
    CHECK(box.read("other/wharf.lock") == box.read("project/wharf.lock"));
    auto synced = run(box, {"--offline", "sync"}, "other");
    require_exit(synced, 0);
    CHECK(server.stats()["counts"].empty());
    auto ran = run(box, {"run", "--", "hello"}, "other");
    require_exit(ran, 0);
    CHECK(ran.out == "Hello over HTTP\n");
  }
}

TEST_CASE("with -j 1 and -q: one transfer at a time, nothing printed", "[integration][http]") {
  Sandbox box;
  box.add_hello_registry("Hello over HTTP");
  TestHttpServer server(box.path("registry"));
  write_http_project(box, server);
  auto quiet = run(box, {"-q", "-j", "1", "sync"});
  require_exit(quiet, 0);
  CHECK(quiet.err.empty());
  CHECK(server.stats()["max_in_flight"] == 1);
}

TEST_CASE("WHARF_AUTH_<NAME> reaches the registry and nothing else", "[integration][http]") {
  Sandbox box;
  box.add_hello_registry("Hello over HTTP");
  TestHttpServer server(box.path("registry"));
  write_http_project(box, server);
  for (const std::string& path : std::vector<std::string>{
           "/registry.yaml", "/index/hello.yaml", "/index/libgreet.yaml", kHello, kLibgreet})
    server.set_fault(path, "require-auth:Bearer s3cret-token");

  auto refused = run(box, {"sync"});
  require_exit(refused, 1);
  CHECK(refused.err.find("401") != std::string::npos);
  CHECK(refused.err.find("WHARF_AUTH_MAIN") != std::string::npos);

  auto env = kNoProxy;
  env["WHARF_AUTH_MAIN"] = "Bearer s3cret-token";
  auto synced = box.wharf({"sync", "-v"}, "project", env);
  require_exit(synced, 0);
  CHECK(synced.err.find("s3cret") == std::string::npos);
  CHECK(synced.out.find("s3cret") == std::string::npos);
  CHECK(box.read("project/wharf.lock").find("s3cret") == std::string::npos);
  CHECK(server.last_header(kHello, "Authorization") == "Bearer s3cret-token");
}

TEST_CASE("index files are fetched in parallel, each once", "[integration][http]") {
  Sandbox box;
  std::string deps;
  for (int i = 0; i < 6; ++i) {
    PackageSpec leaf{"leaf" + std::to_string(i), "1.0.0"};
    leaf.files["share/leaf" + std::to_string(i)] = "leaf\n";
    box.add_package(leaf);
    deps += "  leaf" + std::to_string(i) + ": \"*\"\n";
  }
  box.index();
  TestHttpServer server(box.path("registry"));
  // Slow index files make any serial fetching show up as one request at a time.
  for (int i = 0; i < 6; ++i)
    server.set_fault("/index/leaf" + std::to_string(i) + ".yaml", "delay:300");
  box.write_project_at(server.url("/"), deps);
  require_exit(run(box, {"lock"}), 0);
  auto stats = server.stats();
  CHECK(stats["max_in_flight"].get<int>() >= 2);
  for (int i = 0; i < 6; ++i)
    CHECK(stats["counts"]["/index/leaf" + std::to_string(i) + ".yaml"] == 1);
}

TEST_CASE("on a terminal, downloads draw progress lines and a summary", "[integration][http]") {
  if (::access("/usr/bin/script", X_OK) != 0) {
    WARN("script(1) from util-linux is missing: cannot give wharf a terminal");
    return;
  }
  Sandbox box;
  box.add_hello_registry("Hello over HTTP");
  TestHttpServer server(box.path("registry"));
  write_http_project(box, server);
  require_exit(run(box, {"lock"}), 0);
  // Bytes arrive over 1.5 s, so the transfer is seen in progress.
  server.set_fault(kHello, "trickle:1500");

  auto on_terminal = [&](const std::string& args) {
    auto vars = current_environment();
    for (const auto& [k, v] : kNoProxy) vars[k] = v;
    vars["WHARF_CACHE_DIR"] = box.cache().string();
    vars["NO_COLOR"] = "1";
    ProcessOptions options;
    options.cwd = box.path("project");
    options.env = vars;
    // script(1) runs the command on a new pseudo-terminal and copies what it
    // prints to our stdout; -e passes the exit code on.
    auto result = run_process({"/usr/bin/script", "-qefc",
                               std::string("exec '") + WHARF_BINARY + "' " + args, "/dev/null"},
                              options);
    REQUIRE(result);
    INFO(result->out << result->err);
    REQUIRE(result->exit_code == 0);
    return result->out;
  };

  auto shown = on_terminal("sync");
  CHECK(shown.find("hello 1.2.0") != std::string::npos);
  CHECK(shown.find(" [") != std::string::npos);       // a bar
  CHECK(shown.find("F\x1b[J") != std::string::npos);  // redrawn in place (up N lines, erase)
  CHECK(shown.find("Fetched 2 packages") != std::string::npos);
  CHECK(shown.find("2 downloads") != std::string::npos);

  require_exit(run(box, {"cache", "clean"}), 0);
  fs::remove_all(box.path("project/.wharf"));
  auto quiet = on_terminal("-q sync");
  CHECK(quiet.find("hello 1.2.0") == std::string::npos);
  CHECK(quiet.find('\x1b') == std::string::npos);
  CHECK(quiet.find("Fetched") == std::string::npos);
}

TEST_CASE("an HTTP registry URL without registry.yaml is named in the error",
          "[integration][http]") {
  Sandbox box;
  box.add_hello_registry("Hello over HTTP");
  TestHttpServer server(box.path("registry"));
  box.write_project_at(server.url("/not-here"), "  hello: \"^1\"\n");
  auto synced = run(box, {"sync"});
  require_exit(synced, 1);
  CHECK(synced.err.find(server.url("/not-here/registry.yaml") + " does not exist") !=
        std::string::npos);
  CHECK(synced.err.find("registry `main`") != std::string::npos);
  CHECK_FALSE(box.exists("project/wharf.lock"));
}

TEST_CASE("four projects sync from one HTTP registry at once, sharing a cache",
          "[integration][http]") {
  Sandbox box;
  box.add_hello_registry("Hello over HTTP");
  TestHttpServer server(box.path("registry"));
  // Slow enough that the four processes overlap on the same files.
  server.set_fault("/index/libgreet.yaml", "delay:200");
  server.set_fault(kHello, "trickle:400");
  for (int i = 0; i < 4; ++i) write_http_project(box, server, "project" + std::to_string(i));
  std::vector<std::future<CommandResult>> runs;
  for (int i = 0; i < 4; ++i) {
    std::string project = "project" + std::to_string(i);
    runs.push_back(
        std::async(std::launch::async, [&box, project] { return run(box, {"sync"}, project); }));
  }
  for (auto& result : runs) require_exit(result.get(), 0);
  for (int i = 0; i < 4; ++i) {
    std::string project = "project" + std::to_string(i);
    require_exit(run(box, {"verify"}, project), 0);
    CHECK(run(box, {"run", "--", "hello"}, project).out == "Hello over HTTP\n");
  }
  int trees = 0;
  for (auto& entry : fs::directory_iterator(box.cache() / "trees"))
    if (entry.is_directory()) ++trees;
  CHECK(trees == 2);
  CHECK(fs::is_empty(box.cache() / "tmp"));
  // A download claimed by one process is waited for, not fetched again.
  CHECK(server.request_count(kHello) == 1);
  CHECK(server.request_count(kLibgreet) == 1);
  // The index cache they wrote together is whole: an offline lock can use it.
  write_http_project(box, server, "later");
  require_exit(run(box, {"--offline", "lock"}, "later"), 0);
  CHECK(box.read("later/wharf.lock") == box.read("project0/wharf.lock"));
}
