// Environments and platforms: one lock holds every environment on every
// locked platform, with one version per package across environments.
#include <catch2/catch.hpp>

#include "support/harness.hpp"

using namespace wharf::test;

namespace {

void make_registry(const Sandbox& box) {
  box.add_package({"libgreet", "1.0.0", "any", {}, {{"share/libgreet/v1", "1\n"}}, {}});
  box.add_package({"libgreet", "2.1.0", "any", {}, {{"share/libgreet/v2", "2\n"}}, {}});
  box.add_package({"tool",
                   "1.0.0",
                   "linux-x86_64",
                   {},
                   {{"bin/tool", "#!/bin/sh\necho linux tool\n"}},
                   {"bin/tool"}});
  box.add_package({"tool",
                   "1.0.0",
                   "macos-arm64",
                   {},
                   {{"bin/tool", "#!/bin/sh\necho mac tool\n"}},
                   {"bin/tool"}});
  box.add_package({"debugger",
                   "0.3.0",
                   "any",
                   {{"libgreet", "<2"}},
                   {{"bin/debugger", "#!/bin/sh\necho dbg\n"}},
                   {"bin/debugger"}});
  box.index();
}

}  // namespace

TEST_CASE("environments share one version of a package and install separately", "[integration]") {
  Sandbox box;
  make_registry(box);
  box.write_project("  libgreet: \"*\"\n",
                    "environments:\n  dev:\n    dependencies:\n      debugger: \"*\"\n");
  auto sync = box.wharf({"sync", "--all-envs"}, "project");
  require_exit(sync, 0);
  // dev's debugger needs libgreet <2, so the default environment gets 1.0.0 too.
  CHECK(box.exists("project/.wharf/envs/default/share/libgreet/v1"));
  CHECK_FALSE(box.exists("project/.wharf/envs/default/bin/debugger"));
  CHECK(box.exists("project/.wharf/envs/dev/bin/debugger"));
  CHECK(box.exists("project/.wharf/envs/dev/share/libgreet/v1"));
  auto run = box.wharf({"run", "-e", "dev", "--", "debugger"}, "project");
  require_exit(run, 0);
  CHECK(run.out == "dbg\n");
  auto unknown = box.wharf({"sync", "-e", "deve"}, "project");
  require_exit(unknown, 2);
  CHECK(unknown.err.find("did you mean `dev`?") != std::string::npos);
}

TEST_CASE("a lock covers every listed platform, and sync installs this one's", "[integration]") {
  Sandbox box;
  make_registry(box);
  box.write_project("  tool: \"*\"\n", "platforms: [linux-x86_64, macos-arm64]\n");
  require_exit(box.wharf({"lock"}, "project"), 0);
  auto lock = box.read("project/wharf.lock");
  CHECK(lock.find("macos-arm64") != std::string::npos);
  CHECK(lock.find("tool-1.0.0-macos-arm64") != std::string::npos);
  CHECK(lock.find("tool-1.0.0-linux-x86_64") != std::string::npos);
  require_exit(box.wharf({"sync"}, "project"), 0);
  auto run = box.wharf({"run", "--", "tool"}, "project");
  require_exit(run, 0);
  CHECK(run.out == "linux tool\n");
}
