// `wharf add` / `wharf remove`: wharf.yaml edited in place (comments and
// order kept), then locked and synced; failures leave wharf.yaml and
// wharf.lock as they were.
#include <catch2/catch.hpp>

#include "support/harness.hpp"

using namespace wharf::test;

namespace {

// hello 1.0.0, 1.2.0 (needs libgreet ^2), 1.3.0 (yanked), 2.0.0-rc.1;
// libgreet 1.0.0, 2.1.0.
void make_registry(const Sandbox& box) {
  box.add_package({"libgreet", "1.0.0", "any", {}, {{"share/libgreet/greeting.txt", "Hi\n"}}, {}});
  box.add_package(
      {"libgreet", "2.1.0", "any", {}, {{"share/libgreet/greeting.txt", "Hello\n"}}, {}});
  for (const char* version : {"1.0.0", "1.2.0", "1.3.0", "2.0.0-rc.1"})
    box.add_package({"hello",
                     version,
                     "any",
                     {{"libgreet", "^2"}},
                     {{"bin/hello", std::string("#!/bin/sh\necho hello ") + version + "\n"}},
                     {"bin/hello"}});
  box.index();
  auto index = box.read("registry/index/hello.yaml");
  const std::string entry = "  - version: \"1.3.0\"\n";
  auto at = index.find(entry);
  REQUIRE(at != std::string::npos);
  auto yanked = index.find("    yanked: false\n", at);
  REQUIRE(yanked != std::string::npos);
  index.replace(yanked, std::string("    yanked: false\n").size(), "    yanked: true\n");
  box.write("registry/index/hello.yaml", index);
}

const std::string kManifest =
    "# The demo project.\n"
    "name: demo  # its name\n"
    "\n"
    "registries:\n"
    "  - name: main\n"
    "    url: file:../registry   # built by the test\n"
    "dependencies:      # what it needs\n"
    "  libgreet: \"^2\"    # the greeting\n"
    "\n"
    "# Variables for `wharf run`.\n"
    "env:\n"
    "  GREETING: hi\n";

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("add and remove round-trip wharf.yaml byte for byte and update the environment",
          "[integration]") {
  Sandbox box;
  make_registry(box);
  box.write("project/wharf.yaml", kManifest);

  // The default constraint: ^ of the newest release that is not yanked (1.3.0)
  // and not a pre-release (2.0.0-rc.1). Keys are sorted, so it goes first.
  auto add = box.wharf({"add", "hello"}, "project");
  require_exit(add, 0);
  std::string with_hello = kManifest;
  with_hello.replace(with_hello.find("  libgreet"), 0, "  hello: \"^1.2.0\"\n");
  CHECK(box.read("project/wharf.yaml") == with_hello);
  CHECK(contains(add.err, "+ hello 1.2.0"));
  CHECK(contains(add.err, "Added hello \"^1.2.0\" to wharf.yaml"));
  CHECK(contains(box.read("project/wharf.lock"), "name: hello"));
  auto run = box.wharf({"run", "--", "hello"}, "project");
  require_exit(run, 0);
  CHECK(run.out == "hello 1.2.0\n");

  // Replacing a constraint keeps the line's comment where it was.
  auto change = box.wharf({"add", "libgreet@~2.1"}, "project");
  require_exit(change, 0);
  std::string changed = with_hello;
  changed.replace(changed.find("  libgreet: \"^2\"    #"),
                  std::string("  libgreet: \"^2\"    #").size(), "  libgreet: \"~2.1\"  #");
  CHECK(box.read("project/wharf.yaml") == changed);
  CHECK(contains(change.err, "Changed libgreet \"^2\" → \"~2.1\" in wharf.yaml"));

  auto remove = box.wharf({"remove", "hello"}, "project");
  require_exit(remove, 0);
  std::string without = changed;
  without.erase(without.find("  hello: \"^1.2.0\"\n"), std::string("  hello: \"^1.2.0\"\n").size());
  CHECK(box.read("project/wharf.yaml") == without);
  CHECK(contains(remove.err, "- hello 1.2.0"));
  CHECK(contains(remove.err, "Removed hello \"^1.2.0\" from wharf.yaml"));
  CHECK_FALSE(contains(box.read("project/wharf.lock"), "name: hello"));
  CHECK_FALSE(box.exists("project/.wharf/envs/default/bin/hello"));
  CHECK(box.exists("project/.wharf/envs/default/share/libgreet/greeting.txt"));
  require_exit(box.wharf({"sync", "--locked"}, "project"), 0);
}

TEST_CASE("add of an unknown package fails and changes nothing", "[integration]") {
  Sandbox box;
  make_registry(box);
  box.write("project/wharf.yaml", kManifest);
  auto add = box.wharf({"add", "no-such-package"}, "project");
  require_exit(add, 1);
  CHECK(contains(add.err, "no package `no-such-package` in registry `main`"));
  CHECK(box.read("project/wharf.yaml") == kManifest);
  CHECK_FALSE(box.exists("project/wharf.lock"));

  // Bad input is exit 2: a constraint that does not parse, a bad name.
  auto bad = box.wharf({"add", "hello@^^1"}, "project");
  require_exit(bad, 2);
  CHECK(contains(bad.err, "hello@^^1"));
  require_exit(box.wharf({"add", "Hello World"}, "project"), 2);
  require_exit(box.wharf({"add", "hello", "--registry", "nope"}, "project"), 2);
  CHECK(box.read("project/wharf.yaml") == kManifest);
}

TEST_CASE("add with an unsatisfiable constraint leaves wharf.yaml and wharf.lock as they were",
          "[integration]") {
  Sandbox box;
  make_registry(box);
  box.write("project/wharf.yaml", kManifest);
  require_exit(box.wharf({"sync"}, "project"), 0);
  auto lock = box.read("project/wharf.lock");

  // hello 1.0.0 needs libgreet ^2, which the manifest's <2 forbids.
  auto add = box.wharf({"add", "hello@=1.0.0", "libgreet@<2"}, "project");
  require_exit(add, 1);
  CHECK(contains(add.err, "libgreet"));
  CHECK(contains(add.err, "wharf.yaml and wharf.lock were left as they were"));
  CHECK(box.read("project/wharf.yaml") == kManifest);
  CHECK(box.read("project/wharf.lock") == lock);
  CHECK_FALSE(box.exists("project/.wharf/envs/default/bin/hello"));
  require_exit(box.wharf({"sync", "--locked"}, "project"), 0);
}

TEST_CASE("add -e and remove -e edit an environment's table", "[integration]") {
  Sandbox box;
  make_registry(box);
  box.write("project/wharf.yaml", kManifest);

  auto add = box.wharf({"add", "-e", "dev", "hello@^1.0"}, "project");
  require_exit(add, 0);
  const std::string with_dev = kManifest +
                               "environments:\n"
                               "  dev:\n"
                               "    dependencies:\n"
                               "      hello: \"^1.0\"\n";
  CHECK(box.read("project/wharf.yaml") == with_dev);
  CHECK(contains(add.err, "(environment `dev`)"));
  auto run = box.wharf({"run", "-e", "dev", "--", "hello"}, "project");
  require_exit(run, 0);
  CHECK(run.out == "hello 1.2.0\n");
  // The default environment did not get it.
  CHECK_FALSE(box.exists("project/.wharf/envs/default/bin/hello"));

  // Not in the top-level table: exit 2, nothing changes.
  auto wrong = box.wharf({"remove", "hello"}, "project");
  require_exit(wrong, 2);
  CHECK(contains(wrong.err, "`hello` is not in the top-level `dependencies`"));
  auto top = box.wharf({"remove", "-e", "dev", "libgreet"}, "project");
  require_exit(top, 2);
  CHECK(contains(top.err, "without -e"));
  CHECK(box.read("project/wharf.yaml") == with_dev);

  auto remove = box.wharf({"remove", "-e", "dev", "hello"}, "project");
  require_exit(remove, 0);
  CHECK(box.read("project/wharf.yaml") == kManifest +
                                              "environments:\n"
                                              "  dev:\n"
                                              "    dependencies:\n");
  CHECK_FALSE(box.exists("project/.wharf/envs/dev/bin/hello"));
}

TEST_CASE("remove of a dependency that is not there is a usage error", "[integration]") {
  Sandbox box;
  make_registry(box);
  box.write("project/wharf.yaml", kManifest);
  auto remove = box.wharf({"remove", "libgret"}, "project");
  require_exit(remove, 2);
  CHECK(contains(remove.err, "`libgret` is not in the top-level `dependencies`"));
  CHECK(contains(remove.err, "did you mean `libgreet`?"));
  CHECK(box.read("project/wharf.yaml") == kManifest);
  CHECK_FALSE(box.exists("project/wharf.lock"));
  require_exit(box.wharf({"remove", "-e", "nope", "libgreet"}, "project"), 2);
}

TEST_CASE("add --no-sync only edits wharf.yaml; --git writes a git dependency", "[integration]") {
  Sandbox box;
  make_registry(box);
  box.write("project/wharf.yaml", kManifest);
  require_exit(box.wharf({"lock"}, "project"), 0);
  auto lock = box.read("project/wharf.lock");

  auto add = box.wharf({"add", "--no-sync", "hello"}, "project");
  require_exit(add, 0);
  CHECK(contains(add.err, "wharf.lock is now out of date"));
  CHECK(contains(box.read("project/wharf.yaml"), "  hello: \"^1.2.0\"\n  libgreet"));
  CHECK(box.read("project/wharf.lock") == lock);
  CHECK_FALSE(box.exists("project/.wharf/envs"));
  auto check = box.wharf({"lock", "--check"}, "project");
  require_exit(check, 1);

  auto git = box.wharf(
      {"add", "--no-sync", "--git", "https://example.org/tools/mylib.git", "--tag", "v1.4.0"},
      "project");
  require_exit(git, 0);
  CHECK(contains(box.read("project/wharf.yaml"),
                 "  libgreet: \"^2\"    # the greeting\n"
                 "  mylib: { git: \"https://example.org/tools/mylib.git\", tag: v1.4.0 }\n"));
  require_exit(box.wharf({"add", "--tag", "v1", "x"}, "project"), 2);

  auto remove = box.wharf({"remove", "--no-sync", "mylib", "hello"}, "project");
  require_exit(remove, 0);
  CHECK(box.read("project/wharf.yaml") == kManifest);
  CHECK(box.read("project/wharf.lock") == lock);
  require_exit(box.wharf({"lock", "--check"}, "project"), 0);
}

TEST_CASE("add --registry pins the registry, and a new constraint keeps the pin", "[integration]") {
  Sandbox box;
  make_registry(box);
  box.add_package(
      {"tool", "1.0.4", "any", {}, {{"bin/tool", "#!/bin/sh\necho tool\n"}}, {"bin/tool"}},
      "extra");
  box.index("extra");
  std::string manifest = kManifest;
  manifest.replace(manifest.find("dependencies:"), 0, "  - name: extra\n    url: file:../extra\n");
  box.write("project/wharf.yaml", manifest);

  // Not in the default registry.
  require_exit(box.wharf({"add", "tool"}, "project"), 1);
  require_exit(box.wharf({"add", "--registry", "extra", "tool"}, "project"), 0);
  std::string pinned = manifest;
  pinned.replace(pinned.find("\n\n# Variables"), 0,
                 "\n  tool: { version: \"^1.0.4\", registry: extra }");
  CHECK(box.read("project/wharf.yaml") == pinned);
  require_exit(box.wharf({"add", "tool@~1.0"}, "project"), 0);
  CHECK(
      contains(box.read("project/wharf.yaml"), "  tool: { version: \"~1.0\", registry: extra }\n"));
  auto run = box.wharf({"run", "--", "tool"}, "project");
  require_exit(run, 0);
  CHECK(run.out == "tool\n");
}

TEST_CASE("add whose install fails puts back the lock it had already rewritten", "[integration]") {
  Sandbox box;
  make_registry(box);
  box.add_package({"broken", "1.0.0", "any", {}, {{"share/broken/x", "x\n"}}, {}});
  box.index();
  std::filesystem::remove(box.path("registry/artifacts/broken-1.0.0-any.tar.gz"));
  box.write("project/wharf.yaml", kManifest);
  require_exit(box.wharf({"sync"}, "project"), 0);
  auto lock = box.read("project/wharf.lock");

  auto add = box.wharf({"add", "broken"}, "project");
  require_exit(add, 1);
  CHECK(contains(add.err, "artifact of broken 1.0.0 is missing"));
  CHECK(contains(add.err, "wharf.yaml and wharf.lock were left as they were"));
  CHECK(box.read("project/wharf.yaml") == kManifest);
  CHECK(box.read("project/wharf.lock") == lock);
  require_exit(box.wharf({"sync", "--locked"}, "project"), 0);
}
