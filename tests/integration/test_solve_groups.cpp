// Solve groups: environments share one version of each package unless the
// manifest puts one in a group of its own (`solve-group:`).
#include <catch2/catch.hpp>

#include "support/harness.hpp"

using namespace wharf::test;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// hello 1.2.0 needs libgreet ^2; legacy 1.0.0 needs libgreet <2.
void make_registry(const Sandbox& box) {
  box.add_package({"libgreet", "1.0.0", "any", {}, {{"share/libgreet/v", "one\n"}}, {}});
  box.add_package({"libgreet", "2.1.0", "any", {}, {{"share/libgreet/v", "two\n"}}, {}});
  box.add_package({"hello", "1.2.0", "any", {{"libgreet", "^2"}}, {{"bin/hello", "x"}}, {}});
  box.add_package({"legacy", "1.0.0", "any", {{"libgreet", "<2"}}, {{"bin/legacy", "y"}}, {}});
  box.add_package({"base", "1.0.0", "any", {}, {{"share/base/b", "b"}}, {}});
  box.index();
}

// Every environment has the top-level `base`; `new` adds hello, `old` legacy.
std::string environments(const std::string& old_extra) {
  return "environments:\n  new:\n    dependencies:\n      hello: \"*\"\n  old:\n" + old_extra +
         "    dependencies:\n      legacy: \"*\"\n";
}

}  // namespace

TEST_CASE("environments of one solve group must agree, so a conflict is unsatisfiable",
          "[integration]") {
  Sandbox box;
  make_registry(box);
  box.write_project("  base: \"*\"\n", environments(""));
  auto lock = box.wharf({"lock"}, "project");
  CHECK(lock.code == 1);
  CHECK(contains(lock.err, "version solving failed"));
  CHECK_FALSE(box.exists("project/wharf.lock"));
}

TEST_CASE("an environment in its own solve group gets its own versions", "[integration]") {
  Sandbox box;
  make_registry(box);
  box.write_project("  base: \"*\"\n", environments("    solve-group: legacy\n"));
  require_exit(box.wharf({"lock"}, "project"), 0);
  auto lock = box.read("project/wharf.lock");
  // Two versions of libgreet: the environments name the one they hold.
  CHECK(contains(lock, "libgreet@1.0.0"));
  CHECK(contains(lock, "libgreet@2.1.0"));
  CHECK(contains(lock, "version: \"1.0.0\""));
  CHECK(contains(lock, "version: \"2.1.0\""));

  require_exit(box.wharf({"sync", "--all-envs"}, "project"), 0);
  CHECK(box.read("project/.wharf/envs/new/share/libgreet/v") == "two\n");
  CHECK(box.read("project/.wharf/envs/old/share/libgreet/v") == "one\n");
  CHECK(box.exists("project/.wharf/envs/old/share/base/b"));  // the top-level deps too
  CHECK_FALSE(box.exists("project/.wharf/envs/old/bin/hello"));
  for (const char* env : {"default", "new", "old"})
    require_exit(box.wharf({"verify", "-e", env}, "project"), 0);

  auto tree = box.wharf({"tree", "-e", "old"}, "project");
  require_exit(tree, 0);
  CHECK(contains(tree.out, "legacy 1.0.0"));
  CHECK(contains(tree.out, "libgreet 1.0.0"));
  CHECK_FALSE(contains(tree.out, "libgreet 2.1.0"));
  auto why = box.wharf({"why", "libgreet", "-e", "new"}, "project");
  require_exit(why, 0);
  CHECK(contains(why.out, "2.1.0"));

  // Re-locking is stable, and moving the environment back into the default
  // group is a change of the resolution inputs.
  require_exit(box.wharf({"lock"}, "project"), 0);
  CHECK(box.read("project/wharf.lock") == lock);
  box.write_project("  base: \"*\"\n", environments(""));
  auto check = box.wharf({"lock", "--check"}, "project");
  CHECK(check.code == 1);
  CHECK(contains(check.err, "environment dependencies changed"));
}

TEST_CASE("a solve group name must be a valid name", "[integration]") {
  Sandbox box;
  make_registry(box);
  box.write_project("  base: \"*\"\n", environments("    solve-group: \"Not Valid\"\n"));
  auto lock = box.wharf({"lock"}, "project");
  CHECK(lock.code == 2);
  CHECK(contains(lock.err, "wharf.yaml:"));
  CHECK(contains(lock.err, "solve group name"));
}
