// Bad input: one clear message, the right exit code, nothing half-written.
#include <catch2/catch.hpp>
#include <fstream>

#include "support/harness.hpp"

using namespace wharf::test;

namespace {

void make_registry(const Sandbox& box) {
  box.add_package(
      {"hello", "1.0.0", "any", {}, {{"bin/hello", "#!/bin/sh\necho hi\n"}}, {"bin/hello"}});
  box.index();
}

// Runs sync on `manifest` and checks the exit code, that stderr contains each
// of `expected`, and that no lockfile or environment was written.
void expect_rejected(const Sandbox& box, const std::string& manifest, int code,
                     const std::vector<std::string>& expected) {
  box.write("project/wharf.yaml", manifest);
  auto result = box.wharf({"sync"}, "project");
  INFO("manifest:\n" << manifest);
  require_exit(result, code);
  for (const auto& text : expected) {
    INFO("expected in stderr: " << text);
    CHECK(result.err.find(text) != std::string::npos);
  }
  CHECK_FALSE(box.exists("project/wharf.lock"));
  CHECK_FALSE(box.exists("project/.wharf"));
}

const std::string kRegistry =
    "name: demo\nregistries:\n  - name: main\n    url: file:../registry\n";

}  // namespace

TEST_CASE("malformed YAML names the file, line and column", "[integration]") {
  Sandbox box;
  make_registry(box);
  expect_rejected(box, kRegistry + "dependencies:\n  hello: [1.0\n", 2, {"wharf.yaml:"});
}

TEST_CASE("a list where a map belongs is a type error", "[integration]") {
  Sandbox box;
  make_registry(box);
  expect_rejected(box, kRegistry + "dependencies:\n  - hello\n", 2,
                  {"wharf.yaml:6:3", "`dependencies` must be a map, found a list"});
}

TEST_CASE("an unknown key gets a suggestion", "[integration]") {
  Sandbox box;
  make_registry(box);
  expect_rejected(box, kRegistry + "dependencis:\n  hello: \"*\"\n", 2,
                  {"wharf.yaml:5:1", "dependencis", "did you mean `dependencies`?"});
}

TEST_CASE("invalid constraints are located", "[integration]") {
  for (std::string bad : {"1..2", ">=", "^x"}) {
    Sandbox box;
    make_registry(box);
    expect_rejected(box, kRegistry + "dependencies:\n  hello: \"" + bad + "\"\n", 2,
                    {"wharf.yaml:6", bad});
  }
}

TEST_CASE("a package the registry lacks names the registry searched", "[integration]") {
  Sandbox box;
  make_registry(box);
  expect_rejected(box, kRegistry + "dependencies:\n  nosuch: \"*\"\n", 1,
                  {"nosuch", "registry `main`", "file:../registry"});
}

TEST_CASE("a missing registry folder is reported", "[integration]") {
  Sandbox box;
  expect_rejected(box, kRegistry + "dependencies:\n  hello: \"*\"\n", 1,
                  {"registry `main`", "does not exist"});
}

TEST_CASE("no manifest at all says how to start", "[integration]") {
  Sandbox box;
  auto result = box.wharf({"sync"});
  require_exit(result, 1);
  CHECK(result.err.find("wharf init") != std::string::npos);
}

TEST_CASE("a hash mismatch fails and leaves the old environment", "[integration]") {
  Sandbox box;
  make_registry(box);
  box.write("project/wharf.yaml", kRegistry + "dependencies:\n  hello: \"*\"\n");
  require_exit(box.wharf({"lock"}, "project"), 0);
  // Tamper with the artifact after locking: the lock's sha256 no longer matches.
  for (auto& entry : std::filesystem::directory_iterator(box.path("registry/artifacts"))) {
    std::ofstream(entry.path(), std::ios::app) << "tampered";
  }
  auto lock_before = box.read("project/wharf.lock");
  auto result = box.wharf({"sync"}, "project");
  require_exit(result, 1);
  CHECK(result.err.find("sha256") != std::string::npos);
  CHECK(result.err.find("hello") != std::string::npos);
  CHECK(box.read("project/wharf.lock") == lock_before);
  CHECK_FALSE(box.exists("project/.wharf/envs/default/bin/hello"));
}

TEST_CASE("a usage error with --json is JSON too", "[integration]") {
  Sandbox box;
  auto result = box.wharf({"--json", "lock", "--no-such-flag"});
  require_exit(result, 2);
  CHECK(result.err.find("--no-such-flag") != std::string::npos);
  CHECK(result.out.starts_with("{\n  \"error\": {\n"));
  CHECK(result.out.find("\"message\": \"The following argument was not expected: --no-such-flag") !=
        std::string::npos);
  CHECK(result.out.find("\"hint\": \"run `wharf --help` for the commands and flags\"") !=
        std::string::npos);
  CHECK(result.out.find("\"details\": null") != std::string::npos);
  // Without --json, stdout stays empty; after `--`, `--json` belongs to the command.
  CHECK(box.wharf({"lock", "--no-such-flag"}).out.empty());
  CHECK(box.wharf({"lock", "--no-such-flag", "--", "--json"}).out.empty());
}
