// The walking skeleton end to end: registry -> lock -> cache -> environment -> run.
#include <catch2/catch.hpp>

#include "support/harness.hpp"

using namespace wharf::test;
namespace fs = std::filesystem;

namespace {

// hello 1.0.0 / 1.2.0 (needs libgreet ^2), libgreet 1.0.0 / 2.1.0.
void make_registry(const Sandbox& box) {
  box.add_package({"libgreet", "1.0.0", "any", {}, {{"share/libgreet/greeting.txt", "Hi\n"}}, {}});
  box.add_package(
      {"libgreet", "2.1.0", "any", {}, {{"share/libgreet/greeting.txt", "Hello\n"}}, {}});
  box.add_package(
      {"hello", "1.0.0", "any", {}, {{"bin/hello", "#!/bin/sh\necho old hello\n"}}, {"bin/hello"}});
  box.add_package({"hello",
                   "1.2.0",
                   "any",
                   {{"libgreet", "^2"}},
                   {{"bin/hello",
                     "#!/bin/sh\nprintf '%s from %s\\n' \"$(cat "
                     "\"$WHARF_PREFIX/share/libgreet/greeting.txt\")\" "
                     "\"$WHARF_PREFIX\"\n"}},
                   {"bin/hello"}});
  box.index();
}

}  // namespace

TEST_CASE("sync creates the lockfile and the environment, and run uses it", "[integration]") {
  Sandbox box;
  make_registry(box);
  box.write_project("  hello: \"^1.1\"\n");

  auto sync = box.wharf({"sync"}, "project");
  require_exit(sync, 0);
  CHECK(sync.err.find("+ hello 1.2.0") != std::string::npos);
  CHECK(sync.err.find("+ libgreet 2.1.0") != std::string::npos);
  REQUIRE(box.exists("project/wharf.lock"));
  CHECK(box.exists("project/.wharf/envs/default/bin/hello"));
  CHECK(box.read("project/.wharf/envs/default/share/libgreet/greeting.txt") == "Hello\n");
  CHECK_FALSE(box.exists("project/.wharf/envs/default/wharf-package.yaml"));

  auto lock = box.read("project/wharf.lock");
  CHECK(lock.find("hello") != std::string::npos);
  CHECK(lock.find("2.1.0") != std::string::npos);

  auto run = box.wharf({"run", "--", "hello"}, "project");
  require_exit(run, 0);
  auto prefix = fs::canonical(box.path("project")).string() + "/.wharf/envs/default";
  CHECK(run.out == "Hello from " + prefix + "\n");

  // A second sync changes nothing and says so.
  auto again = box.wharf({"sync"}, "project");
  require_exit(again, 0);
  CHECK(again.err.find("up to date") != std::string::npos);
  CHECK(again.err.find("+ ") == std::string::npos);
  CHECK(box.read("project/wharf.lock") == lock);
}

TEST_CASE("run passes the command's exit code and arguments through", "[integration]") {
  Sandbox box;
  make_registry(box);
  box.write_project("  hello: \"*\"\n");
  auto run =
      box.wharf({"run", "--", "sh", "-c", "echo \"$WHARF_PREFIX\" \"$1\"; exit 7", "sh", "arg one"},
                "project");
  CHECK(run.code == 7);
  CHECK(run.out.find("/.wharf/envs/default arg one") != std::string::npos);
  auto missing = box.wharf({"run", "--", "no-such-tool-here"}, "project");
  CHECK(missing.code == 127);
  CHECK(missing.err.find("no-such-tool-here") != std::string::npos);
}

TEST_CASE("a changed constraint re-locks, and --locked refuses a stale lock", "[integration]") {
  Sandbox box;
  make_registry(box);
  box.write_project("  hello: \"^1.1\"\n");
  require_exit(box.wharf({"sync"}, "project"), 0);
  auto before = box.read("project/wharf.lock");

  box.write_project("  hello: \"~1.0\"\n");
  auto locked = box.wharf({"sync", "--locked"}, "project");
  require_exit(locked, 1);
  CHECK(locked.err.find("--locked") != std::string::npos);
  CHECK(locked.err.find("hello 1.2.0 → 1.0.0") != std::string::npos);
  CHECK(box.read("project/wharf.lock") == before);
  CHECK(box.exists("project/.wharf/envs/default/share/libgreet/greeting.txt"));

  auto sync = box.wharf({"sync"}, "project");
  require_exit(sync, 0);
  CHECK(sync.err.find("hello 1.2.0 → 1.0.0") != std::string::npos);
  CHECK(sync.err.find("- libgreet 2.1.0") != std::string::npos);
  CHECK_FALSE(box.exists("project/.wharf/envs/default/share/libgreet/greeting.txt"));
  auto run = box.wharf({"run", "--", "hello"}, "project");
  CHECK(run.out == "old hello\n");
}

TEST_CASE("sync --frozen installs from the lock without reading the manifest", "[integration]") {
  Sandbox box;
  make_registry(box);
  box.write_project("  hello: \"^1.1\"\n");
  require_exit(box.wharf({"lock"}, "project"), 0);
  CHECK_FALSE(box.exists("project/.wharf"));
  // A manifest that no longer parses does not matter to --frozen.
  box.write("project/wharf.yaml", "name: [broken\n");
  auto frozen = box.wharf({"sync", "--frozen"}, "project");
  require_exit(frozen, 0);
  CHECK(box.exists("project/.wharf/envs/default/bin/hello"));
}

TEST_CASE("unsatisfiable constraints explain why and write nothing", "[integration]") {
  Sandbox box;
  make_registry(box);
  box.write_project("  hello: \"^1.2\"\n  libgreet: \"<2\"\n");
  auto sync = box.wharf({"sync"}, "project");
  require_exit(sync, 1);
  CHECK(sync.err.find("hello") != std::string::npos);
  CHECK(sync.err.find("libgreet") != std::string::npos);
  CHECK(sync.err.find("demo") != std::string::npos);
  CHECK_FALSE(box.exists("project/wharf.lock"));
  CHECK_FALSE(box.exists("project/.wharf"));
}

TEST_CASE("lock --check reports a stale lock with exit 1", "[integration]") {
  Sandbox box;
  make_registry(box);
  box.write_project("  hello: \"^1.1\"\n");
  require_exit(box.wharf({"lock", "--check"}, "project"), 1);
  require_exit(box.wharf({"lock"}, "project"), 0);
  require_exit(box.wharf({"lock", "--check"}, "project"), 0);
  box.write_project("  hello: \"^1.1\"\n  libgreet: \"*\"\n");
  auto stale = box.wharf({"lock", "--check"}, "project");
  require_exit(stale, 1);
  CHECK(stale.err.find("out of date") != std::string::npos);
}

TEST_CASE("verify reports damage and sync --repair restores it", "[integration]") {
  Sandbox box;
  make_registry(box);
  box.write_project("  hello: \"^1.1\"\n");
  require_exit(box.wharf({"sync"}, "project"), 0);
  require_exit(box.wharf({"verify"}, "project"), 0);

  fs::remove(box.path("project/.wharf/envs/default/share/libgreet/greeting.txt"));
  box.write("project/.wharf/envs/default/bin/extra-tool", "#!/bin/sh\n");
  auto verify = box.wharf({"verify"}, "project");
  require_exit(verify, 1);
  CHECK(verify.out.find("missing") != std::string::npos);
  CHECK(verify.out.find("share/libgreet/greeting.txt") != std::string::npos);
  CHECK(verify.out.find("extra") != std::string::npos);
  CHECK(verify.out.find("bin/extra-tool") != std::string::npos);

  require_exit(box.wharf({"sync", "--repair"}, "project"), 0);
  CHECK(box.read("project/.wharf/envs/default/share/libgreet/greeting.txt") == "Hello\n");
}

TEST_CASE("init writes a starter manifest that syncs", "[integration]") {
  Sandbox box;
  fs::create_directories(box.path("fresh"));
  require_exit(box.wharf({"init"}, "fresh"), 0);
  REQUIRE(box.exists("fresh/wharf.yaml"));
  auto again = box.wharf({"init"}, "fresh");
  require_exit(again, 1);
  CHECK(again.err.find("already exists") != std::string::npos);
}

TEST_CASE("wharf --version and --help", "[integration]") {
  Sandbox box;
  auto version = box.wharf({"--version"});
  require_exit(version, 0);
  CHECK(version.out.find("wharf 0.1.0") != std::string::npos);
  auto help = box.wharf({"--help"});
  require_exit(help, 0);
  for (const char* command : {"init", "sync", "lock", "run", "verify", "pack", "registry", "cache"})
    CHECK(help.out.find(command) != std::string::npos);
  auto bad = box.wharf({"frobnicate"});
  CHECK(bad.code == 2);
}
