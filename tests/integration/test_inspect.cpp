// `wharf tree`, `why`, `outdated`, `lock --dry-run` and `--json`: the
// behaviour around the golden outputs (test_golden.cpp) — errors, hints,
// stale locks, options, and that looking never writes.
#include <catch2/catch.hpp>

#include "support/harness.hpp"

using namespace wharf::test;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// hello 1.0.0 / 2.0.0, libgreet 2.1.0 / 3.0.0; hello 1 needs libgreet ^2,
// hello 2 needs libgreet ^3; debugger 0.3.0 needs libgreet *.
void make_registry(const Sandbox& box) {
  box.add_package({"libgreet", "2.1.0", "any", {}, {{"share/libgreet/v", "2\n"}}, {}});
  box.add_package({"libgreet", "3.0.0", "any", {}, {{"share/libgreet/v", "3\n"}}, {}});
  box.add_package({"hello", "1.0.0", "any", {{"libgreet", "^2"}}, {{"share/hello/v", "1\n"}}, {}});
  box.add_package({"hello", "2.0.0", "any", {{"libgreet", "^3"}}, {{"share/hello/v", "2\n"}}, {}});
  box.add_package({"debugger", "0.3.0", "any", {{"libgreet", "*"}}, {{"share/dbg/v", "1\n"}}, {}});
  box.index();
}

const std::string kDevEnvironment =
    "environments:\n  dev:\n    dependencies:\n      debugger: \"*\"\n";

}  // namespace

TEST_CASE("tree, why and outdated need a lock and never write one", "[integration][inspect]") {
  Sandbox box;
  make_registry(box);
  box.write_project("  hello: \"^1\"\n");
  const std::vector<std::vector<std::string>> commands{{"tree"}, {"why", "hello"}, {"outdated"}};
  for (const auto& args : commands) {
    auto result = box.wharf(args, "project");
    INFO(args[0]);
    require_exit(result, 1);
    CHECK(contains(result.err, "wharf.lock does not exist"));
    CHECK(contains(result.err, "run `wharf lock`"));
  }
  CHECK_FALSE(box.exists("project/wharf.lock"));
  CHECK_FALSE(box.exists("project/.wharf"));
}

TEST_CASE("tree: --depth, --invert, environments and platforms", "[integration][inspect]") {
  Sandbox box;
  make_registry(box);
  box.write_project("  hello: \"^1\"\n", kDevEnvironment);
  require_exit(box.wharf({"lock"}, "project"), 0);

  auto full = box.wharf({"tree"}, "project");
  require_exit(full, 0);
  CHECK(full.out == "demo\n└── hello 1.0.0\n    └── libgreet 2.1.0\n");
  CHECK(full.err.empty());

  auto top = box.wharf({"tree", "--depth", "0"}, "project");
  require_exit(top, 0);
  CHECK(top.out == "demo\n");

  // The dev environment adds debugger, which shares libgreet with hello.
  auto dev = box.wharf({"tree", "-e", "dev"}, "project");
  require_exit(dev, 0);
  CHECK(dev.out ==
        "demo\n├── debugger 0.3.0\n│   └── libgreet 2.1.0\n└── hello 1.0.0\n"
        "    └── libgreet 2.1.0\n");

  auto inverted = box.wharf({"tree", "-e", "dev", "--invert", "libgreet"}, "project");
  require_exit(inverted, 0);
  CHECK(inverted.out ==
        "libgreet 2.1.0\n├── debugger 0.3.0\n│   └── demo\n└── hello 1.0.0\n    └── demo\n");

  auto unknown_env = box.wharf({"tree", "-e", "deve"}, "project");
  require_exit(unknown_env, 2);
  CHECK(contains(unknown_env.err, "unknown environment `deve`"));
  CHECK(contains(unknown_env.err, "did you mean `dev`?"));

  auto unknown_package = box.wharf({"tree", "--invert", "helo"}, "project");
  require_exit(unknown_package, 2);
  CHECK(contains(unknown_package.err, "did you mean `hello`?"));

  auto platform = box.wharf({"tree", "--platform", "macos-arm64"}, "project");
  require_exit(platform, 2);
  CHECK(contains(platform.err, "platform `macos-arm64` is not locked"));
  CHECK(contains(platform.err, "linux-x86_64"));
}

TEST_CASE("tree on a stale lock shows the lock and warns", "[integration][inspect]") {
  Sandbox box;
  make_registry(box);
  box.write_project("  hello: \"^1\"\n");
  require_exit(box.wharf({"lock"}, "project"), 0);
  auto before = box.read("project/wharf.lock");
  box.write_project("  hello: \"^1\"\n  debugger: \"*\"\n");
  auto tree = box.wharf({"tree"}, "project");
  require_exit(tree, 0);
  CHECK(contains(tree.out, "hello 1.0.0"));
  CHECK_FALSE(contains(tree.out, "debugger"));
  CHECK(contains(tree.err, "wharf.lock is out of date (dependencies changed)"));
  CHECK(box.read("project/wharf.lock") == before);

  // With --json the warning moves into the document; stderr stays quiet.
  auto json = box.wharf({"--json", "tree"}, "project");
  require_exit(json, 0);
  CHECK(json.err.empty());
  CHECK(contains(json.out, "\"warnings\": [\n    \"wharf.lock is out of date"));
}

TEST_CASE("why names another environment that holds the package", "[integration][inspect]") {
  Sandbox box;
  make_registry(box);
  box.write_project("  hello: \"^1\"\n", kDevEnvironment);
  require_exit(box.wharf({"lock"}, "project"), 0);
  auto why = box.wharf({"why", "debugger"}, "project");
  require_exit(why, 2);
  CHECK(contains(why.err, "package `debugger` is not in environment `default`"));
  CHECK(contains(why.err, "it is in environment `dev`: use `-e dev`"));
  auto dev = box.wharf({"why", "libgreet", "-e", "dev"}, "project");
  require_exit(dev, 0);
  CHECK(dev.out ==
        "demo → debugger * → libgreet * (2.1.0)\ndemo → hello ^1 → libgreet ^2 (2.1.0)\n");
}

TEST_CASE("lock --dry-run explains each change and writes nothing", "[integration][inspect]") {
  Sandbox box;
  make_registry(box);
  box.write_project("  hello: \"^1\"\n");

  // No lock yet: everything would be added, and nothing is written.
  auto first = box.wharf({"lock", "--dry-run"}, "project");
  require_exit(first, 0);
  CHECK(contains(first.err, " + hello 1.0.0 (required by demo)"));
  CHECK(contains(first.err, " + libgreet 2.1.0 (required by hello)"));
  CHECK(contains(first.err, "wharf.lock does not exist"));
  CHECK_FALSE(box.exists("project/wharf.lock"));

  require_exit(box.wharf({"lock"}, "project"), 0);
  auto locked = box.read("project/wharf.lock");
  auto fresh = box.wharf({"lock", "--dry-run"}, "project");
  require_exit(fresh, 0);
  CHECK(contains(fresh.err, "wharf.lock is up to date"));

  // A new major of hello drags libgreet along: the reason names the requirement.
  box.write_project("  hello: \"^2\"\n");
  auto dry = box.wharf({"lock", "--dry-run"}, "project");
  require_exit(dry, 0);
  CHECK(contains(dry.err, " ~ hello 1.0.0 → 2.0.0 (constraint changed in wharf.yaml)"));
  CHECK(contains(dry.err, " ~ libgreet 2.1.0 → 3.0.0 (hello 2.0.0 requires libgreet ^3)"));
  CHECK(box.read("project/wharf.lock") == locked);

  // A real lock prints the same changes without the reasons.
  auto real = box.wharf({"lock"}, "project");
  require_exit(real, 0);
  CHECK(contains(real.err, " ~ hello 1.0.0 → 2.0.0\n"));
  CHECK(box.read("project/wharf.lock") != locked);
}

TEST_CASE("failures under --json print an error document and keep the exit code",
          "[integration][inspect]") {
  Sandbox box;
  make_registry(box);
  box.write_project("  hello: \"^1\"\n");
  require_exit(box.wharf({"lock"}, "project"), 0);
  box.write_project("  hello: \"^2\"\n");

  auto locked = box.wharf({"--json", "sync", "--locked"}, "project");
  require_exit(locked, 1);
  // The human error stays on stderr; stdout holds the document, with the
  // changes --locked refused.
  CHECK(contains(locked.err, "error: wharf.lock is out of date"));
  CHECK(locked.out.starts_with("{\n  \"error\": {\n    \"message\": \"wharf.lock is out of date"));
  CHECK(contains(locked.out, "\"hint\": \"run `wharf lock` and commit wharf.lock"));
  CHECK(contains(locked.out, "\"kind\": \"changed\",\n      \"name\": \"hello\""));
  CHECK(contains(locked.out, "\"reason\": \"constraint changed in wharf.yaml\""));

  auto bad = box.wharf({"--json", "why", "nope"}, "project");
  require_exit(bad, 2);
  CHECK(contains(bad.out, "\"message\": \"package `nope` is not in environment `default`"));

  // Commands without a JSON document of their own still report failures in JSON.
  auto no_project = box.wharf({"--json", "tree"}, "");
  require_exit(no_project, 1);
  CHECK(contains(no_project.out, "\"message\": \"no wharf.yaml in"));
  CHECK(contains(no_project.out, "\"hint\": \"run `wharf init` to create one\""));
}

TEST_CASE("outdated compares with the registry and exits 0", "[integration][inspect]") {
  Sandbox box;
  make_registry(box);
  box.write_project("  hello: \"^1\"\n");
  require_exit(box.wharf({"lock"}, "project"), 0);
  auto report = box.wharf({"outdated"}, "project");
  require_exit(report, 0);
  CHECK(report.out ==
        "package   locked  allowed  latest  kind\n"
        "hello     1.0.0   1.0.0    2.0.0   direct\n"
        "libgreet  2.1.0   2.1.0    3.0.0   transitive\n");

  box.write_project("  hello: \"^2\"\n");
  require_exit(box.wharf({"lock"}, "project"), 0);
  auto current = box.wharf({"outdated"}, "project");
  require_exit(current, 0);
  CHECK(current.out == "All 2 locked packages are up to date\n");
}

TEST_CASE("tree and why terminate on a dependency cycle", "[integration][inspect]") {
  Sandbox box;
  box.add_package({"a", "1.0.0", "any", {{"b", "*"}}, {{"share/a", "a\n"}}, {}});
  box.add_package({"b", "1.0.0", "any", {{"a", "*"}, {"c", "*"}}, {{"share/b", "b\n"}}, {}});
  box.add_package({"c", "1.0.0", "any", {}, {{"share/c", "c\n"}}, {}});
  box.index();
  box.write_project("  a: \"*\"\n");
  require_exit(box.wharf({"lock"}, "project"), 0);
  auto tree = box.wharf({"tree"}, "project");
  require_exit(tree, 0);
  CHECK(tree.out ==
        "demo\n└── a 1.0.0\n    └── b 1.0.0\n        ├── a 1.0.0 (*)\n        └── c 1.0.0\n");
  auto inverted = box.wharf({"tree", "--invert", "c"}, "project");
  require_exit(inverted, 0);
  CHECK(inverted.out ==
        "c 1.0.0\n└── b 1.0.0\n    └── a 1.0.0\n        ├── demo\n        └── b 1.0.0 (*)\n");
  auto why = box.wharf({"why", "c"}, "project");
  require_exit(why, 0);
  CHECK(why.out == "demo → a * → b * → c * (1.0.0)\n");
}

TEST_CASE("tree, why and outdated show another locked platform with --platform",
          "[integration][inspect]") {
  Sandbox box;
  // tool 2.0.0 is published for Linux only, so macOS locks tool 1.0.0.
  box.add_package({"liba", "1.0.0", "any", {}, {{"share/a", "a\n"}}, {}});
  box.add_package({"libb", "1.0.0", "any", {}, {{"share/b", "b\n"}}, {}});
  box.add_package({"tool", "1.0.0", "macos-arm64", {{"libb", "*"}}, {{"share/t", "1\n"}}, {}});
  box.add_package({"tool", "2.0.0", "linux-x86_64", {{"liba", "*"}}, {{"share/t", "2\n"}}, {}});
  box.index();
  box.write_project("  tool: \"*\"\n", "platforms: [linux-x86_64, macos-arm64]\n");
  require_exit(box.wharf({"lock"}, "project"), 0);

  auto linux_tree = box.wharf({"tree", "--platform", "linux-x86_64"}, "project");
  require_exit(linux_tree, 0);
  CHECK(linux_tree.out == "demo\n└── tool 2.0.0\n    └── liba 1.0.0\n");
  auto mac_tree = box.wharf({"tree", "--platform", "macos-arm64"}, "project");
  require_exit(mac_tree, 0);
  CHECK(mac_tree.out == "demo\n└── tool 1.0.0\n    └── libb 1.0.0\n");

  auto why = box.wharf({"why", "libb", "--platform", "macos-arm64"}, "project");
  require_exit(why, 0);
  CHECK(why.out == "demo → tool * → libb * (1.0.0)\n");
  auto not_here = box.wharf({"why", "libb", "--platform", "linux-x86_64"}, "project");
  require_exit(not_here, 2);
  CHECK(not_here.err.find("not in environment `default` on linux-x86_64") != std::string::npos);

  // The newest tool for macOS is 1.0.0: 2.0.0 has no artifact for it.
  auto outdated = box.wharf({"outdated", "--platform", "macos-arm64"}, "project");
  require_exit(outdated, 0);
  CHECK(outdated.out == "All 2 locked packages are up to date\n");
  auto typo = box.wharf({"tree", "--platform", "macos-arm46"}, "project");
  require_exit(typo, 2);
  CHECK(typo.err.find("did you mean `macos-arm64`?") != std::string::npos);
}
