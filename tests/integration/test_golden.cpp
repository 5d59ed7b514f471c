// Golden files: the lockfile and the output of the looking commands on a
// small registry with a diamond (app and util both need core) and a shared
// leaf (base, under core), compared byte for byte with tests/golden/.
//
// Only timings ("in 3 ms") are normalised; archives from `wharf pack` are
// byte-deterministic, so the lockfile's sha256s and sizes are compared as
// they are. WHARF_UPDATE_GOLDEN=1 rewrites the golden files instead
// (CONTRIBUTING.md); review the diff before committing it.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <regex>

#include "support/harness.hpp"

using namespace wharf::test;
namespace fs = std::filesystem;

namespace {

const fs::path kGoldenDir = fs::path(WHARF_SOURCE_DIR) / "tests" / "golden";

bool updating() {
  const char* value = std::getenv("WHARF_UPDATE_GOLDEN");
  return value && std::string(value) == "1";
}

std::string normalise(const std::string& text) {
  static const std::regex timing(R"( in [0-9]+(\.[0-9]+)? (ms|s)\b)");
  return std::regex_replace(text, timing, " in <time>");
}

void check_golden(const std::string& name, const std::string& actual) {
  auto file = kGoldenDir / name;
  if (updating()) {
    REQUIRE(wharf::write_file_atomic(file, actual));
    return;
  }
  auto expected = wharf::read_file(file);
  INFO("golden file " << file.string() << " (WHARF_UPDATE_GOLDEN=1 rewrites it)");
  REQUIRE(expected);
  INFO("expected:\n" << *expected << "\nactual:\n" << actual);
  CHECK(*expected == actual);
}

// A human command's golden: the command, its exit code, stdout and stderr.
void check_command(const Sandbox& box, const std::string& name,
                   const std::vector<std::string>& args, int code) {
  auto result = box.wharf(args, "project");
  std::string command = "$ wharf";
  for (const auto& arg : args) command += " " + arg;
  INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
  CHECK(result.code == code);
  check_golden(name, command + "\nexit: " + std::to_string(result.code) + "\n--- stdout\n" +
                         normalise(result.out) + "--- stderr\n" + normalise(result.err));
}

// A --json command's golden: stdout only, which must be the whole output
// when it succeeds (nothing on stderr).
void check_json(const Sandbox& box, const std::string& name, const std::vector<std::string>& args,
                int code) {
  auto result = box.wharf(args, "project");
  INFO("stderr:\n" << result.err);
  CHECK(result.code == code);
  if (code == 0) CHECK(result.err.empty());
  check_golden(name, normalise(result.out));
}

void add(const Sandbox& box, const std::string& name, const std::string& version,
         std::vector<std::pair<std::string, std::string>> deps = {}) {
  box.add_package({name,
                   version,
                   "any",
                   std::move(deps),
                   {{"share/" + name + "/VERSION", version + "\n"}},
                   {}});
}

const std::string kManifest =
    "name: demo\nversion: 0.1.0\nregistries:\n  - name: main\n    url: file:../registry\n"
    "platforms: [linux-x86_64]\n";

}  // namespace

TEST_CASE("golden: lockfile and the output of lock, tree, why, outdated and --json",
          "[integration][golden]") {
#if !(defined(__linux__) && defined(__x86_64__))
  WARN("the golden files are of a linux-x86_64 run; skipped on this platform");
  return;
#endif
  Sandbox box;
  add(box, "base", "1.0.0");
  for (const char* v : {"1.0.0", "1.1.0"}) add(box, "core", v, {{"base", "^1"}});
  add(box, "log", "2.0.0");
  add(box, "app", "1.0.0", {{"core", "^1"}, {"log", "^2"}});
  add(box, "util", "1.2.0", {{"core", "^1.1"}});
  add(box, "zlib", "1.3.1");
  box.index();
  box.write("project/wharf.yaml",
            kManifest + "dependencies:\n  app: \"^1\"\n  util: \"^1\"\n  log: \"~2.0\"\n");

  check_command(box, "lock.txt", {"lock"}, 0);
  check_golden("wharf.lock", box.read("project/wharf.lock"));
  check_command(box, "tree.txt", {"tree"}, 0);
  check_command(box, "tree-depth.txt", {"tree", "--depth", "1"}, 0);
  check_command(box, "tree-invert.txt", {"tree", "--invert", "base"}, 0);
  check_command(box, "why.txt", {"why", "base"}, 0);
  check_command(box, "why-unknown.txt", {"why", "bsae"}, 2);
  check_json(box, "tree.json", {"--json", "tree"}, 0);
  check_json(box, "tree-invert.json", {"--json", "tree", "--invert", "core"}, 0);
  check_json(box, "why.json", {"--json", "why", "base"}, 0);
  check_json(box, "error-why.json", {"--json", "why", "bsae"}, 2);
  check_command(box, "outdated-up-to-date.txt", {"outdated"}, 0);

  // Newer versions are published: core 1.2.0 is allowed, core 2.0.0 and log
  // 2.1.0 are not (^1.1, ~2.0).
  add(box, "core", "1.2.0", {{"base", "^1"}});
  add(box, "core", "2.0.0", {{"base", "^1"}});
  add(box, "log", "2.1.0");
  box.index();
  check_command(box, "outdated.txt", {"outdated"}, 0);
  check_json(box, "outdated.json", {"--json", "outdated"}, 0);

  auto locked = box.read("project/wharf.lock");
  check_command(box, "lock-dry-run-update.txt", {"lock", "--dry-run", "--update", "core"}, 0);
  box.write("project/wharf.yaml",
            kManifest + "dependencies:\n  app: \"^1\"\n  log: \"^2.1\"\n  zlib: \"^1\"\n");
  check_command(box, "lock-dry-run.txt", {"lock", "--dry-run"}, 0);
  check_json(box, "lock-dry-run.json", {"--json", "lock", "--dry-run"}, 0);
  CHECK(box.read("project/wharf.lock") == locked);  // a dry run writes nothing

  check_json(box, "sync.json", {"--json", "sync"}, 0);
  check_golden("relocked/wharf.lock", box.read("project/wharf.lock"));
  check_json(box, "sync-noop.json", {"--json", "sync"}, 0);
}
