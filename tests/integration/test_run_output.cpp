// What test_sync.cpp leaves untested: the variables `wharf run` sets, quiet
// and colourless output, and stale-lock detection for each kind of
// manifest change.
#include <catch2/catch.hpp>

#include "support/harness.hpp"
#include "wharf/util/process.hpp"

using namespace wharf::test;
namespace fs = std::filesystem;

namespace {

void make_registry(const Sandbox& box) {
  box.add_package({"libgreet", "2.1.0", "any", {}, {{"lib/libgreet.txt", "2\n"}}, {}});
  box.add_package({"hello",
                   "1.2.0",
                   "any",
                   {{"libgreet", "^2"}},
                   {{"bin/hello", "#!/bin/sh\necho hello\n"}},
                   {"bin/hello"}});
  box.add_package({"debugger", "0.3.0", "any", {}, {{"share/dbg", "1\n"}}, {}});
  box.index();
}

bool has_escape(const std::string& text) {
  return text.find('\x1b') != std::string::npos;
}

// Runs `wharf ARGS` under script(1), so that its stdout and stderr are a
// terminal; returns what the terminal showed.
std::string on_terminal(const Sandbox& box, const std::string& args,
                        const std::map<std::string, std::string>& env) {
  auto vars = wharf::current_environment();
  vars["WHARF_CACHE_DIR"] = box.cache().string();
  vars.erase("NO_COLOR");
  for (const auto& [k, v] : env) vars[k] = v;
  wharf::ProcessOptions options;
  options.cwd = box.path("project");
  options.env = vars;
  auto result = wharf::run_process(
      {"script", "-qec", std::string(WHARF_BINARY) + " " + args, "/dev/null"}, options);
  REQUIRE(result);
  return result->out;
}

}  // namespace

TEST_CASE("run sets the environment's variables, prefix first", "[integration][run]") {
  Sandbox box;
  make_registry(box);
  box.write_project("  hello: \"*\"\n");
  auto prefix = fs::weakly_canonical(box.path("project")).string() + "/.wharf/envs/default";
  std::map<std::string, std::string> outer{{"PATH", "/usr/bin:/bin"},
                                           {"LD_LIBRARY_PATH", "/outer/lib"},
                                           {"CMAKE_PREFIX_PATH", "/outer"},
                                           {"PKG_CONFIG_PATH", ""}};
  auto run =
      box.wharf({"run", "--", "sh", "-c",
                 "for v in PATH LD_LIBRARY_PATH CMAKE_PREFIX_PATH PKG_CONFIG_PATH "
                 "WHARF_PREFIX WHARF_ENV; do eval \"echo $v=\\$$v\"; done; command -v hello"},
                "project", outer);
  require_exit(run, 0);
  CHECK(run.out == "PATH=" + prefix + "/bin:/usr/bin:/bin\n" +              //
                       "LD_LIBRARY_PATH=" + prefix + "/lib:/outer/lib\n" +  //
                       "CMAKE_PREFIX_PATH=" + prefix + ":/outer\n" +        //
                       "PKG_CONFIG_PATH=" + prefix + "/lib/pkgconfig\n" +   //
                       "WHARF_PREFIX=" + prefix + "\n" +                    //
                       "WHARF_ENV=default\n" +                              //
                       prefix + "/bin/hello\n");

  // The exit code is the command's, also for codes wharf itself never uses.
  CHECK(box.wharf({"run", "--", "sh", "-c", "exit 42"}, "project").code == 42);
  CHECK(box.wharf({"run", "--", "false"}, "project").code == 1);
  auto dev = box.wharf({"run", "-e", "nope", "--", "true"}, "project");
  CHECK(dev.code == 2);
}

TEST_CASE("quiet (-q) prints nothing on success, and errors still", "[integration][run]") {
  Sandbox box;
  make_registry(box);
  box.write_project("  hello: \"*\"\n");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"-q", "lock"}, {"-q", "sync"}, {"-q", "sync"}, {"-q", "lock", "--check"}}) {
    auto result = box.wharf(args, "project");
    INFO(args[1]);
    require_exit(result, 0);
    CHECK(result.out.empty());
    CHECK(result.err.empty());
  }
  auto run = box.wharf({"-q", "run", "--", "hello"}, "project");
  require_exit(run, 0);
  CHECK(run.out == "hello\n");
  CHECK(run.err.empty());
  box.write_project("  hello: \"*\"\n  nothere: \"*\"\n");
  auto failed = box.wharf({"-q", "sync"}, "project");
  require_exit(failed, 1);
  CHECK(failed.err.find("nothere") != std::string::npos);
}

TEST_CASE("colour only on a terminal, and never with NO_COLOR", "[integration][run]") {
  Sandbox box;
  make_registry(box);
  box.write_project("  hello: \"*\"\n");
  // A pipe, NO_COLOR unset (empty counts as unset).
  auto piped = box.wharf({"lock"}, "project", {{"NO_COLOR", ""}});
  require_exit(piped, 0);
  CHECK(piped.err.find("+ hello 1.2.0") != std::string::npos);
  CHECK_FALSE(has_escape(piped.err));
  auto failed_piped = box.wharf({"why", "nope"}, "project", {{"NO_COLOR", ""}});
  CHECK(failed_piped.code == 2);
  CHECK_FALSE(has_escape(failed_piped.err));

  // A terminal: colour, unless NO_COLOR is set.
  fs::remove(box.path("project/wharf.lock"));
  auto coloured = on_terminal(box, "lock", {});
  CHECK(coloured.find("hello 1.2.0") != std::string::npos);
  CHECK(has_escape(coloured));
  fs::remove(box.path("project/wharf.lock"));
  auto plain = on_terminal(box, "lock", {{"NO_COLOR", "1"}});
  CHECK(plain.find("hello 1.2.0") != std::string::npos);
  CHECK_FALSE(has_escape(plain));
  auto plain_error = on_terminal(box, "why nope", {{"NO_COLOR", "1"}});
  CHECK(plain_error.find("nope") != std::string::npos);
  CHECK_FALSE(has_escape(plain_error));
}

TEST_CASE("lock --check names each kind of manifest change", "[integration][run]") {
  Sandbox box;
  make_registry(box);
  fs::copy(box.path("registry"), box.path("mirror"), fs::copy_options::recursive);
  const std::string head = "name: demo\nregistries:\n  - name: main\n    url: file:../";
  const std::string deps = "dependencies:\n  hello: \"^1\"\n";
  auto manifest = [&](const std::string& registry, const std::string& dependencies,
                      const std::string& extra) {
    return head + registry + "\n" + dependencies + extra;
  };
  const std::string base = manifest("registry", deps, "");

  struct Change {
    const char* what;
    std::string manifest;
    const char* reason;
  };
  const std::vector<Change> changes{
      {"a constraint", manifest("registry", "dependencies:\n  hello: \"^1.2\"\n", ""),
       "dependencies changed"},
      {"a new dependency", manifest("registry", deps + "  debugger: \"*\"\n", ""),
       "dependencies changed"},
      {"a registry URL", manifest("mirror", deps, ""), "registries changed"},
      {"a platform", manifest("registry", deps, "platforms: [linux-x86_64, macos-arm64]\n"),
       "platform macos-arm64 is not locked"},
      {"an environment",
       manifest("registry", deps,
                "environments:\n  dev:\n    dependencies:\n      debugger: '*'\n"),
       "environment dev is not locked"},
      {"an override", manifest("registry", deps, "overrides:\n  libgreet: \"=2.1.0\"\n"),
       "overrides or constraints changed"},
  };
  box.write("project/wharf.yaml", base);
  require_exit(box.wharf({"lock"}, "project"), 0);
  const auto locked = box.read("project/wharf.lock");
  require_exit(box.wharf({"lock", "--check"}, "project"), 0);
  for (const auto& change : changes) {
    INFO("changed: " << change.what);
    box.write("project/wharf.yaml", change.manifest);
    auto check = box.wharf({"lock", "--check"}, "project");
    require_exit(check, 1);
    CHECK(check.err.find(std::string("wharf.lock is out of date: ") + change.reason) !=
          std::string::npos);
    CHECK(box.read("project/wharf.lock") == locked);
    if (std::string(change.what) == "a registry URL") {
      // Same versions, another source: the summary says so, and --dry-run why.
      auto dry = box.wharf({"lock", "--dry-run"}, "project");
      INFO(dry.err);
      CHECK(dry.err.find(" ~ hello 1.2.0 from file:../registry → 1.2.0 from file:../mirror "
                         "(registries changed in wharf.yaml)\n") != std::string::npos);
      CHECK(dry.err.find(" ~ libgreet 2.1.0 from file:../registry → 2.1.0 from file:../mirror") !=
            std::string::npos);
    }
    // Re-locking makes --check pass again.
    require_exit(box.wharf({"lock"}, "project"), 0);
    require_exit(box.wharf({"lock", "--check"}, "project"), 0);
    box.write("project/wharf.yaml", base);
    require_exit(box.wharf({"lock"}, "project"), 0);
  }
  // Changes that do not affect resolution keep the lock fresh.
  box.write("project/wharf.yaml", "# a comment\n" + base + "env:\n  GREETING: hi\n");
  require_exit(box.wharf({"lock", "--check"}, "project"), 0);
}
