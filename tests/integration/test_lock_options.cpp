// `wharf lock`'s choices, end to end with the real binary: --update NAME and
// --update, --resolution, --prerelease allow, yanked versions, overrides:
// and constraints:, and an unsatisfiable manifest.
#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "support/harness.hpp"

using namespace wharf::test;

namespace {

// name -> version, read from wharf.lock's "  - name: X\n    version: \"V\"" blocks.
std::map<std::string, std::string> locked(const Sandbox& box) {
  std::map<std::string, std::string> out;
  std::string text = box.read("project/wharf.lock");
  const std::string name_tag = "\n  - name: ", version_tag = "\n    version: \"";
  for (std::size_t at = text.find(name_tag); at != std::string::npos;
       at = text.find(name_tag, at + 1)) {
    std::size_t name_start = at + name_tag.size();
    std::string name = text.substr(name_start, text.find('\n', name_start) - name_start);
    std::size_t v = text.find(version_tag, name_start);
    REQUIRE(v != std::string::npos);
    v += version_tag.size();
    out[name] = text.substr(v, text.find('"', v) - v);
  }
  return out;
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

// Marks one version yanked in the registry's index, as a maintainer would.
void yank(const Sandbox& box, const std::string& name, const std::string& version) {
  std::string rel = "registry/index/" + name + ".yaml";
  std::string text = box.read(rel);
  std::string entry = "  - version: \"" + version + "\"\n";
  std::size_t at = text.find(entry);
  REQUIRE(at != std::string::npos);
  std::size_t flag = text.find("    yanked: false\n", at);
  REQUIRE(flag != std::string::npos);
  text.replace(flag, 17, "    yanked: true\n");
  box.write(rel, text);
}

// A registry with `lib` at `versions` and a project that needs lib `constraint`.
void lib_registry(const Sandbox& box, const std::vector<std::string>& versions,
                  const std::string& constraint) {
  for (const auto& v : versions) add(box, "lib", v);
  box.index();
  box.write_project("  lib: \"" + constraint + "\"\n");
}

}  // namespace

TEST_CASE("lock --update NAME moves only NAME and what it must, --update moves all",
          "[integration]") {
  Sandbox box;
  add(box, "app", "1.0.0", {{"lib", "^1"}});
  add(box, "lib", "1.0.0");
  add(box, "tool", "1.0.0");
  box.index();
  box.write_project("  app: \"^1\"\n  tool: \"^1\"\n");
  require_exit(box.wharf({"lock"}, "project"), 0);
  CHECK(locked(box) ==
        std::map<std::string, std::string>{{"app", "1.0.0"}, {"lib", "1.0.0"}, {"tool", "1.0.0"}});

  // New releases: app 1.1.0 needs lib >=1.1, and lib and tool move on too.
  add(box, "app", "1.1.0", {{"lib", ">=1.1, <2"}});
  add(box, "lib", "1.1.0");
  add(box, "lib", "1.2.0");
  add(box, "tool", "1.1.0");
  box.index();

  // A plain lock keeps every locked version that still fits.
  auto plain = box.wharf({"lock"}, "project");
  require_exit(plain, 0);
  CHECK(locked(box).at("app") == "1.0.0");
  CHECK(locked(box).at("tool") == "1.0.0");

  auto one = box.wharf({"lock", "--update", "app"}, "project");
  require_exit(one, 0);
  auto after = locked(box);
  CHECK(after.at("app") == "1.1.0");
  // lib must move (app 1.1.0 needs >=1.1); its lock no longer fits, so it
  // takes the newest version allowed.
  CHECK(after.at("lib") == "1.2.0");
  CHECK(after.at("tool") == "1.0.0");  // untouched
  CHECK(one.err.find("tool") == std::string::npos);

  auto all = box.wharf({"lock", "--update"}, "project");
  require_exit(all, 0);
  CHECK(locked(box) ==
        std::map<std::string, std::string>{{"app", "1.1.0"}, {"lib", "1.2.0"}, {"tool", "1.1.0"}});
  // --update parses the old lock only when the new one differs; it still
  // tells what moved.
  CHECK(all.err.find("~ tool 1.0.0 → 1.1.0") != std::string::npos);

  // Nothing newer: the same bytes, nothing reported, nothing written.
  std::string settled = box.read("project/wharf.lock");
  auto again = box.wharf({"lock", "--update"}, "project");
  require_exit(again, 0);
  CHECK(box.read("project/wharf.lock") == settled);
  CHECK(again.err.find("→") == std::string::npos);

  // A damaged lock still stops --update with its own error, and stays as it was.
  box.write("project/wharf.lock", settled + "garbage: [\n");
  auto damaged = box.wharf({"lock", "--update"}, "project");
  CHECK(damaged.code == 2);
  CHECK(damaged.err.find("wharf.lock:") != std::string::npos);
  CHECK(damaged.err.find("delete wharf.lock and run `wharf lock`") != std::string::npos);
  CHECK(box.read("project/wharf.lock") == settled + "garbage: [\n");
}

TEST_CASE("lock --update NAME keeps a dependency's lock when it still fits", "[integration]") {
  Sandbox box;
  add(box, "app", "1.0.0", {{"lib", "^1"}});
  add(box, "lib", "1.0.0");
  box.index();
  box.write_project("  app: \"^1\"\n");
  require_exit(box.wharf({"lock"}, "project"), 0);
  add(box, "app", "1.1.0", {{"lib", "^1"}});
  add(box, "lib", "1.5.0");
  box.index();
  require_exit(box.wharf({"lock", "--update", "app"}, "project"), 0);
  CHECK(locked(box) == std::map<std::string, std::string>{{"app", "1.1.0"}, {"lib", "1.0.0"}});
}

TEST_CASE("lock --resolution lowest and lowest-direct", "[integration]") {
  Sandbox box;
  add(box, "app", "1.0.0", {{"lib", ">=1.1"}});
  add(box, "app", "1.3.0", {{"lib", ">=1.1"}});
  add(box, "lib", "1.0.0");
  add(box, "lib", "1.1.0");
  add(box, "lib", "1.4.0");
  box.index();
  box.write_project("  app: \">=1\"\n");

  require_exit(box.wharf({"lock"}, "project"), 0);
  CHECK(locked(box) == std::map<std::string, std::string>{{"app", "1.3.0"}, {"lib", "1.4.0"}});

  require_exit(box.wharf({"lock", "--update", "--resolution", "lowest"}, "project"), 0);
  CHECK(locked(box) == std::map<std::string, std::string>{{"app", "1.0.0"}, {"lib", "1.1.0"}});

  require_exit(box.wharf({"lock", "--update", "--resolution", "lowest-direct"}, "project"), 0);
  CHECK(locked(box) == std::map<std::string, std::string>{{"app", "1.0.0"}, {"lib", "1.4.0"}});

  auto bad = box.wharf({"lock", "--resolution", "newest"}, "project");
  CHECK(bad.code == 2);
}

TEST_CASE("pre-releases: only when named, or with --prerelease allow", "[integration]") {
  Sandbox box;
  lib_registry(box, {"1.0.0", "2.0.0-rc.1"}, ">=1");
  require_exit(box.wharf({"lock"}, "project"), 0);
  CHECK(locked(box).at("lib") == "1.0.0");

  require_exit(box.wharf({"lock", "--update", "--prerelease", "allow"}, "project"), 0);
  CHECK(locked(box).at("lib") == "2.0.0-rc.1");

  // A constraint that names a pre-release of 2.0.0 opts it in without the flag.
  box.write_project("  lib: \">=2.0.0-rc.1\"\n");
  require_exit(box.wharf({"lock", "--update"}, "project"), 0);
  CHECK(locked(box).at("lib") == "2.0.0-rc.1");
}

TEST_CASE("a yanked version is not chosen unless it is already locked", "[integration]") {
  Sandbox box;
  lib_registry(box, {"1.0.0", "1.1.0"}, "^1");
  require_exit(box.wharf({"lock"}, "project"), 0);
  CHECK(locked(box).at("lib") == "1.1.0");

  yank(box, "lib", "1.1.0");
  // Already locked: it stays (the manifest changes, so the solver runs).
  box.write_project("  lib: \">=1.0.0, <2\"\n");
  auto kept = box.wharf({"lock"}, "project");
  require_exit(kept, 0);
  CHECK(locked(box).at("lib") == "1.1.0");

  // Not locked any more (update): the newest version that is not yanked.
  require_exit(box.wharf({"lock", "--update", "lib"}, "project"), 0);
  CHECK(locked(box).at("lib") == "1.0.0");

  // A fresh project never picks it.
  Sandbox fresh;
  lib_registry(fresh, {"1.0.0", "1.1.0"}, "^1");
  yank(fresh, "lib", "1.1.0");
  require_exit(fresh.wharf({"lock"}, "project"), 0);
  CHECK(locked(fresh).at("lib") == "1.0.0");

  // Only yanked versions fit: unsatisfiable, and the message says so.
  fresh.write_project("  lib: \"=1.1.0\"\n");
  auto none = fresh.wharf({"lock"}, "project");
  CHECK(none.code == 1);
  CHECK(none.err.find("version solving failed") != std::string::npos);
}

TEST_CASE("overrides: replace every requirement, constraints: narrow without adding",
          "[integration]") {
  Sandbox box;
  add(box, "app", "1.0.0", {{"lib", "^1"}});
  add(box, "lib", "1.0.0");
  add(box, "lib", "1.5.0");
  add(box, "lib", "2.0.0");
  add(box, "extra", "1.0.0");
  add(box, "extra", "1.1.0");
  box.index();

  // app says lib ^1; the override replaces that with =2.0.0.
  box.write_project("  app: \"^1\"\n", "overrides:\n  lib: \"=2.0.0\"\n");
  require_exit(box.wharf({"lock"}, "project"), 0);
  CHECK(locked(box) == std::map<std::string, std::string>{{"app", "1.0.0"}, {"lib", "2.0.0"}});

  // A constraint narrows app's lib ^1 to <1.5, and one on a package nobody
  // needs does not add it.
  box.write_project("  app: \"^1\"\n", "constraints:\n  lib: \"<1.5\"\n  extra: \"=1.0.0\"\n");
  require_exit(box.wharf({"lock"}, "project"), 0);
  CHECK(locked(box) == std::map<std::string, std::string>{{"app", "1.0.0"}, {"lib", "1.0.0"}});

  // A constraint that rules out everything app accepts: no solution.
  box.write_project("  app: \"^1\"\n", "constraints:\n  lib: \">=3\"\n");
  auto none = box.wharf({"lock"}, "project");
  CHECK(none.code == 1);
  CHECK(none.err.find("lib") != std::string::npos);
  CHECK(none.err.find("version solving failed") != std::string::npos);
}

TEST_CASE("an unsatisfiable manifest exits 1, explains why, names the project, writes nothing",
          "[integration]") {
  Sandbox box;
  add(box, "a", "1.0.0");
  add(box, "a", "2.0.0", {{"b", "^3"}});
  add(box, "b", "2.0.0");
  add(box, "b", "3.0.0");
  add(box, "c", "1.0.0", {{"b", "<3"}});
  box.index();
  box.write_project("  a: \"^2\"\n  c: \"*\"\n");
  auto lock = box.wharf({"lock"}, "project");
  CHECK(lock.code == 1);
  CHECK(lock.err.find("version solving failed") != std::string::npos);
  // The root of the explanation is the project, by its manifest name.
  CHECK(lock.err.find("because demo depends on both a ^2 and c") != std::string::npos);
  CHECK(lock.err.find("b ^3") != std::string::npos);
  CHECK(lock.err.find("b <3") != std::string::npos);
  CHECK_FALSE(box.exists("project/wharf.lock"));
  auto sync = box.wharf({"sync"}, "project");
  CHECK(sync.code == 1);
  CHECK_FALSE(box.exists("project/.wharf/envs/default"));
}

TEST_CASE("lock keeps parsed index files in the cache and notices edited ones", "[integration]") {
  Sandbox box;
  lib_registry(box, {"1.0.0", "1.1.0"}, "^1");
  // Hand-edited index (a comment takes it off the canonical fast path).
  box.write("registry/index/lib.yaml", "# edited\n" + box.read("registry/index/lib.yaml"));
  require_exit(box.wharf({"lock"}, "project"), 0);
  CHECK(locked(box).at("lib") == "1.1.0");
  CHECK(std::filesystem::exists(box.cache() / "index-cache"));
  CHECK_FALSE(std::filesystem::is_empty(box.cache() / "index-cache"));
  // An edit is a different file: the yank is seen, not the cached entry.
  yank(box, "lib", "1.1.0");
  require_exit(box.wharf({"lock", "--update"}, "project"), 0);
  CHECK(locked(box).at("lib") == "1.0.0");
}

TEST_CASE("global options before the command may take values named like commands",
          "[integration]") {
  // wharf declares only the command a line names (src/cli/app.cpp): the
  // values of -C, --cache-dir and -j are not taken for it.
  Sandbox box;
  lib_registry(box, {"1.0.0"}, "^1");
  auto result = box.wharf({"-C", "project", "--cache-dir", "sync", "-j", "2", "lock"}, "");
  require_exit(result, 0);
  // `sync` taken for the command would have made `lock` an unexpected argument.
  CHECK(locked(box) == std::map<std::string, std::string>{{"lib", "1.0.0"}});
  CHECK(result.err.find("Resolved 1 package") != std::string::npos);

  // A line that names no command, or an unknown one, still gets CLI11's own answers.
  auto typo = box.wharf({"-C", "project", "lcok"}, "");
  require_exit(typo, 2);
  auto help = box.wharf({"--help"}, "");
  require_exit(help, 0);
  for (const char* command : {"init", "sync", "lock", "run", "outdated"})
    CHECK(help.out.find(std::string("  ") + command + " ") != std::string::npos);
}
