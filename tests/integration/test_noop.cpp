// The no-op fast path (the sync stamp): a sync or run that finds wharf.yaml,
// wharf.lock and the environment unchanged since the last sync answers without
// reading them, and every change to any of them is still noticed.
#include <catch2/catch.hpp>

#include "support/harness.hpp"

using namespace wharf::test;
namespace fs = std::filesystem;

namespace {

const char* const kStampNote = "unchanged since its last sync";

void make_registry(const Sandbox& box) {
  box.add_package(
      {"hello", "1.0.0", "any", {}, {{"bin/hello", "#!/bin/sh\necho hello one\n"}}, {"bin/hello"}});
  box.add_package(
      {"hello", "1.2.0", "any", {}, {{"bin/hello", "#!/bin/sh\necho hello two\n"}}, {"bin/hello"}});
  box.index();
}

std::string installed_hello(const Sandbox& box) {
  return box.read("project/.wharf/envs/default/bin/hello");
}

}  // namespace

TEST_CASE("a second sync is answered by the stamp, and says so with -v", "[integration]") {
  Sandbox box;
  make_registry(box);
  box.write_project("  hello: \"^1\"\n");
  require_exit(box.wharf({"sync"}, "project"), 0);
  REQUIRE(box.exists("project/.wharf/stamps/default"));

  // The first check after the sync may have to take the full path (the files
  // may be as new as the stamp); the one after it is answered by the stamp.
  require_exit(box.wharf({"sync"}, "project"), 0);
  auto fast = box.wharf({"-v", "sync"}, "project");
  require_exit(fast, 0);
  CHECK(fast.err.find(kStampNote) != std::string::npos);
  CHECK(fast.err.find("is up to date") != std::string::npos);
}

TEST_CASE("an edit of wharf.yaml right after a sync is never missed", "[integration]") {
  Sandbox box;
  make_registry(box);
  // Same-size edits, made as fast as possible after each sync: the identity
  // of the file (inode, size) stays the same, only its times move, possibly
  // within one clock tick of the stamp.
  for (int round = 0; round < 6; ++round) {
    bool old = round % 2 == 1;
    box.write_project(old ? "  hello: \"=1.0.0\"\n" : "  hello: \"=1.2.0\"\n");
    auto sync = box.wharf({"sync"}, "project");
    require_exit(sync, 0);
    INFO("round " << round << "\n" << sync.err);
    CHECK(installed_hello(box) ==
          (old ? "#!/bin/sh\necho hello one\n" : "#!/bin/sh\necho hello two\n"));
    auto run = box.wharf({"run", "--", "hello"}, "project");
    require_exit(run, 0);
    CHECK(run.out == (old ? "hello one\n" : "hello two\n"));
  }
}

TEST_CASE("a deleted or replaced environment is reinstalled despite the stamp", "[integration]") {
  Sandbox box;
  make_registry(box);
  box.write_project("  hello: \"^1\"\n");
  require_exit(box.wharf({"sync"}, "project"), 0);
  require_exit(box.wharf({"sync"}, "project"), 0);

  fs::remove(box.path("project/.wharf/envs/default"));
  auto sync = box.wharf({"sync"}, "project");
  require_exit(sync, 0);
  CHECK(sync.err.find("Installed environment `default`") != std::string::npos);
  CHECK(box.exists("project/.wharf/envs/default/bin/hello"));

  // Another lock installed with --frozen (which writes no stamp) changes the
  // environment behind the stamp's back; the next plain sync puts back what
  // wharf.lock says.
  auto lock = box.read("project/wharf.lock");
  box.write_project("  hello: \"=1.0.0\"\n");
  require_exit(box.wharf({"lock"}, "project"), 0);
  require_exit(box.wharf({"sync", "--frozen"}, "project"), 0);
  CHECK(installed_hello(box) == "#!/bin/sh\necho hello one\n");
  box.write_project("  hello: \"^1\"\n");
  box.write("project/wharf.lock", lock);
  require_exit(box.wharf({"sync"}, "project"), 0);
  CHECK(installed_hello(box) == "#!/bin/sh\necho hello two\n");
}

TEST_CASE("run takes env: from the stamp and notices when it changes", "[integration]") {
  Sandbox box;
  make_registry(box);
  box.write_project("  hello: \"^1\"\n", "env:\n  GREETING: \"one ${WHARF_ENV}\"\n");
  require_exit(box.wharf({"sync"}, "project"), 0);
  for (int i = 0; i < 2; ++i) {
    auto run = box.wharf({"run", "--", "sh", "-c", "echo \"$GREETING\""}, "project");
    require_exit(run, 0);
    CHECK(run.out == "one default\n");
  }
  box.write_project("  hello: \"^1\"\n", "env:\n  GREETING: \"two ${WHARF_ENV}\"\n");
  auto run = box.wharf({"run", "--", "sh", "-c", "echo \"$GREETING\""}, "project");
  require_exit(run, 0);
  CHECK(run.out == "two default\n");

  // A value with a tab and a newline survives the stamp.
  box.write_project("  hello: \"^1\"\n", "env:\n  GREETING: \"a\\tb\\nc\"\n");
  for (int i = 0; i < 3; ++i) {
    auto odd = box.wharf({"run", "--", "sh", "-c", "printf '%s|' \"$GREETING\""}, "project");
    require_exit(odd, 0);
    CHECK(odd.out == "a\tb\nc|");
  }
}

TEST_CASE("an environment removed from wharf.yaml is unknown even with an old stamp",
          "[integration]") {
  Sandbox box;
  make_registry(box);
  box.write_project("  hello: \"^1\"\n", "environments:\n  dev:\n    dependencies: {}\n");
  require_exit(box.wharf({"sync", "-e", "dev"}, "project"), 0);
  require_exit(box.wharf({"run", "-e", "dev", "--", "true"}, "project"), 0);
  box.write_project("  hello: \"^1\"\n");
  auto run = box.wharf({"run", "-e", "dev", "--", "true"}, "project");
  CHECK(run.code == 2);
  CHECK(run.err.find("unknown environment `dev`") != std::string::npos);
}

TEST_CASE("a package's private files are installed as editable copies", "[integration]") {
  Sandbox box;
  box.add_package({"app",
                   "1.0.0",
                   "any",
                   {},
                   {{"wharf-package.yaml",
                     "name: app\nversion: 1.0.0\nplatform: any\nprivate: [etc/app.conf]\n"},
                    {"etc/app.conf", "color = blue\n"},
                    {"bin/app", "#!/bin/sh\ncat \"$WHARF_PREFIX/etc/app.conf\"\n"}},
                   {"bin/app"}});
  box.index();
  box.write_project("  app: \"*\"\n");
  require_exit(box.wharf({"sync"}, "project"), 0);
  fs::path conf = box.path("project/.wharf/envs/default/etc/app.conf");
  CHECK((fs::status(conf).permissions() & fs::perms::owner_write) != fs::perms::none);
  CHECK(fs::hard_link_count(conf) == 1);  // not shared with the cache tree
  CHECK(fs::hard_link_count(box.path("project/.wharf/envs/default/bin/app")) > 1);

  box.write("project/.wharf/envs/default/etc/app.conf", "color = red\n");
  auto run = box.wharf({"run", "--", "app"}, "project");
  require_exit(run, 0);
  CHECK(run.out == "color = red\n");
  auto verify = box.wharf({"verify"}, "project");
  CHECK(verify.code == 1);
  CHECK(verify.out.find("etc/app.conf") != std::string::npos);

  // A second project sharing the cache gets the original bytes.
  box.write_project("  app: \"*\"\n", "", "other");
  require_exit(box.wharf({"sync"}, "other"), 0);
  CHECK(box.read("other/.wharf/envs/default/etc/app.conf") == "color = blue\n");
}
