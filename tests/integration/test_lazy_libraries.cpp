// libcurl, libgit2 and libarchive are opened on first use (WHARF_LAZY_LIBS):
// commands that need none of them never map them, and the ones that do still
// work. What the dynamic loader maps is read from its own trace
// (LD_DEBUG=files prints `file=<soname> ...` for every library it loads, at
// start or by dlopen), so the check follows the real process, not the build.
// With WHARF_STATIC_RUNTIME, libstdc++, libgcc_s, libfmt and libyaml-cpp are
// never loaded at all.
#include <catch2/catch.hpp>
#include <string>

#include "support/harness.hpp"
#include "support/http_server.hpp"
#include "unit/git/git_repo_fixture.hpp"
#include "wharf/util/process.hpp"

using namespace wharf::test;
namespace fs = std::filesystem;

namespace {

// The loader's trace of which files a process maps, away from any proxy.
const std::map<std::string, std::string> kTrace = [] {
  auto env = kNoProxy;
  env["LD_DEBUG"] = "files";
  return env;
}();

// Which of the three libraries the loader trace of a run shows.
struct Loaded {
  bool curl = false;
  bool git2 = false;
  bool archive = false;
};

Loaded loaded_by(const CommandResult& result) {
  // The trace itself works: libc is always loaded by wharf.
  REQUIRE(result.err.find("file=libc.so") != std::string::npos);
  return {result.err.find("file=libcurl") != std::string::npos,
          result.err.find("file=libgit2") != std::string::npos,
          result.err.find("file=libarchive") != std::string::npos};
}

CommandResult traced(const Sandbox& box, const std::vector<std::string>& args,
                     const std::string& cwd = "project") {
  auto result = box.wharf(args, cwd, kTrace);
  require_exit(result, 0);
  return result;
}

// Each lazily loaded library is absent from a run that does not need it.
void require_none_of(const Loaded& loaded) {
#if WHARF_LAZY_CURL
  CHECK_FALSE(loaded.curl);
#endif
#if WHARF_LAZY_GIT2
  CHECK_FALSE(loaded.git2);
#endif
#if WHARF_LAZY_ARCHIVE
  CHECK_FALSE(loaded.archive);
#endif
  (void)loaded;
}

void make_registry(const Sandbox& box) {
  box.add_package(
      {"hello", "1.2.0", "any", {}, {{"bin/hello", "#!/bin/sh\necho hello\n"}}, {"bin/hello"}});
  box.index();
}

}  // namespace

TEST_CASE("commands that need no HTTP, git or archives do not load those libraries",
          "[integration][lazy]") {
  Sandbox box;
  make_registry(box);
  box.write_project("  hello: \"^1\"\n");

  auto version = traced(box, {"--version"}, "");
  require_none_of(loaded_by(version));
#if WHARF_STATIC_RUNTIME
  // The C++ runtime and fmt are inside the binary (WHARF_STATIC_RUNTIME).
  CHECK(version.err.find("file=libstdc++") == std::string::npos);
  CHECK(version.err.find("file=libgcc_s") == std::string::npos);
  CHECK(version.err.find("file=libfmt") == std::string::npos);
#if WHARF_STATIC_YAML_CPP
  CHECK(version.err.find("file=libyaml-cpp") == std::string::npos);
#endif
#endif
  require_none_of(loaded_by(traced(box, {"lock"})));

  // The first sync unpacks the archive, and needs only libarchive.
  auto sync = loaded_by(traced(box, {"sync"}));
  CHECK(sync.archive);
#if WHARF_LAZY_CURL
  CHECK_FALSE(sync.curl);
#endif
#if WHARF_LAZY_GIT2
  CHECK_FALSE(sync.git2);
#endif

  require_none_of(loaded_by(traced(box, {"sync"})));
  require_none_of(loaded_by(traced(box, {"tree"})));
  auto run = traced(box, {"run", "--", "hello"});
  CHECK(run.out == "hello\n");
  require_none_of(loaded_by(run));
}

TEST_CASE("libcurl is loaded for an HTTP registry and libgit2 for a git dependency",
          "[integration][lazy]") {
  Sandbox box;
  make_registry(box);

  SECTION("HTTP") {
    TestHttpServer server(box.path("registry"));
    box.write_project_at(server.url("/"), "  hello: \"^1\"\n");
    auto lock = loaded_by(traced(box, {"lock"}));
    CHECK(lock.curl);
#if WHARF_LAZY_GIT2
    CHECK_FALSE(lock.git2);
#endif
    CHECK(box.read("project/wharf.lock").find(server.url("/")) != std::string::npos);
  }

  SECTION("git") {
    wharf::git::testing::WorkRepo repo(box.root(), "tool");
    repo.write("wharf-package.yaml", "name: tool\nversion: 1.0.0\n");
    auto commit = repo.commit("1.0.0");
    box.write_project("  tool: { git: \"" + repo.url() + "\", branch: main }\n");
    auto lock = loaded_by(traced(box, {"lock"}));
    CHECK(lock.git2);
#if WHARF_LAZY_CURL
    CHECK_FALSE(lock.curl);
#endif
    CHECK(box.read("project/wharf.lock").find(commit) != std::string::npos);
  }
}

#if WHARF_LAZY_CURL && WHARF_LAZY_GIT2 && WHARF_LAZY_ARCHIVE
namespace {

// Runs wharf in a private mount namespace where the three libraries' files
// read as empty (/dev/null bound over them), as on a machine without them.
CommandResult without_libraries(const Sandbox& box, const std::vector<std::string>& args,
                                const std::string& cwd = "project") {
  std::vector<std::string> argv{"unshare",
                                "-rm",
                                "sh",
                                "-c",
                                "for f in \"$1\" \"$2\" \"$3\"; do mount --bind /dev/null \"$f\" "
                                "|| exit 99; done; shift 3; exec \"$@\"",
                                "sh",
                                WHARF_LAZY_CURL_FILE,
                                WHARF_LAZY_GIT2_FILE,
                                WHARF_LAZY_ARCHIVE_FILE,
                                WHARF_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  auto vars = wharf::current_environment();
  vars["WHARF_CACHE_DIR"] = box.cache().string();
  vars["NO_COLOR"] = "1";
  for (const auto& [key, value] : kTrace) vars[key] = value;
  vars.erase("LD_DEBUG");
  auto result = wharf::run_process(argv, {.cwd = box.path(cwd), .env = vars});
  REQUIRE(result);
  REQUIRE(result->exit_code != 99);
  return {result->exit_code, result->out, result->err};
}

bool can_hide_libraries() {
  auto probe =
      wharf::run_process({"unshare", "-rm", "mount", "--bind", "/dev/null", WHARF_LAZY_CURL_FILE});
  return probe && probe->exit_code == 0;
}

}  // namespace

TEST_CASE("without the libraries, only the commands that need one fail, and say which",
          "[integration][lazy]") {
  if (!can_hide_libraries()) {
    WARN("not checked: `unshare -rm` (a user and mount namespace) is not allowed here");
    return;
  }
  Sandbox box;
  make_registry(box);
  box.write_project("  hello: \"^1\"\n");
  require_exit(box.wharf({"sync"}, "project"), 0);

  auto version = without_libraries(box, {"--version"}, "");
  require_exit(version, 0);
  auto run = without_libraries(box, {"run", "--", "hello"});
  require_exit(run, 0);
  CHECK(run.out == "hello\n");
  require_exit(without_libraries(box, {"lock", "--check"}), 0);

  // A fresh environment has to unpack the archive.
  fs::remove_all(box.path("project/.wharf"));
  require_exit(box.wharf({"cache", "clean"}), 0);
  auto sync = without_libraries(box, {"sync"});
  require_exit(sync, 1);
  CHECK(sync.err.find("wharf needs libarchive.so") != std::string::npos);
  CHECK(sync.err.find("to pack and unpack archives") != std::string::npos);
  CHECK(sync.err.find("install libarchive") != std::string::npos);
  CHECK_FALSE(box.exists("project/.wharf/envs/default/bin/hello"));

  TestHttpServer server(box.path("registry"));
  box.write_project_at(server.url("/"), "  hello: \"^1\"\n", "http");
  auto http = without_libraries(box, {"lock"}, "http");
  require_exit(http, 1);
  CHECK(http.err.find("wharf needs libcurl.so") != std::string::npos);
  CHECK(http.err.find("to download over HTTP") != std::string::npos);
  CHECK(http.err.find("install libcurl") != std::string::npos);
  CHECK_FALSE(box.exists("http/wharf.lock"));

  wharf::git::testing::WorkRepo repo(box.root(), "tool");
  repo.write("wharf-package.yaml", "name: tool\nversion: 1.0.0\n");
  repo.commit("1.0.0");
  box.write_project("  tool: { git: \"" + repo.url() + "\", branch: main }\n", "", "gitproj");
  auto git = without_libraries(box, {"lock"}, "gitproj");
  require_exit(git, 1);
  CHECK(git.err.find("wharf needs libgit2.so") != std::string::npos);
  CHECK(git.err.find("to fetch git dependencies") != std::string::npos);
  CHECK(git.err.find("install libgit2") != std::string::npos);
  CHECK_FALSE(box.exists("gitproj/wharf.lock"));
}
#endif
