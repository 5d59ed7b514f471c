// git, url and path dependencies, and a registry held in a git repository,
// end to end through the real `wharf` binary. The repositories are made by
// the test with the git command-line tool; the HTTP server is the test server
// on 127.0.0.1.
#include <catch2/catch.hpp>
#include <future>

#include "support/harness.hpp"
#include "support/http_server.hpp"
#include "unit/git/git_repo_fixture.hpp"
#include "wharf/util/hash.hpp"
#include "wharf/util/process.hpp"

using namespace wharf::test;
using wharf::git::testing::WorkRepo;
namespace fs = std::filesystem;

namespace {

const std::string kEnv = "project/.wharf/envs/default/";

// libgreet 2.1.0 in the file registry the projects declare (`main`).
void make_registry(const Sandbox& box) {
  box.add_package(
      {"libgreet", "2.1.0", "any", {}, {{"share/libgreet/greeting.txt", "Hello\n"}}, {}});
  box.index();
}

// A package repository: wharf-package.yaml (mylib VERSION, needing libgreet)
// and bin/mylib printing `text`.
void write_mylib(const WorkRepo& repo, const std::string& version, const std::string& text) {
  repo.write("wharf-package.yaml",
             "name: mylib\nversion: " + version + "\ndependencies:\n  libgreet: \"^2\"\n");
  repo.write("bin/mylib", "#!/bin/sh\necho " + text + "\n", true);
}

std::string lock_of(const Sandbox& box) {
  return box.read("project/wharf.lock");
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string sha256_of(const fs::path& file) {
  auto sha = wharf::sha256_file(file);
  REQUIRE(sha);
  return *sha;
}

// wharf.lock of the project validates against schemas/lockfile.schema.json.
void require_lock_matches_schema(const Sandbox& box) {
  auto result = wharf::run_process(
      {"/usr/bin/python3", "-c",
       "import json, sys, yaml, jsonschema\n"
       "jsonschema.validate(yaml.safe_load(open(sys.argv[1])), json.load(open(sys.argv[2])))\n",
       box.path("project/wharf.lock").string(),
       std::string(WHARF_SOURCE_DIR) + "/schemas/lockfile.schema.json"});
  REQUIRE(result);
  INFO(result->err);
  REQUIRE(result->exit_code == 0);
}

// tar.gz of `dir`'s content, made with tar (no wharf involved).
void make_tarball(const fs::path& dir, const fs::path& out) {
  fs::create_directories(out.parent_path());
  auto result = wharf::run_process({"tar", "-czf", out.string(), "-C", dir.string(), "."});
  REQUIRE(result);
  REQUIRE(result->exit_code == 0);
}

}  // namespace

TEST_CASE("a git dependency by tag locks the tag's commit and takes part in the solve",
          "[integration][git]") {
  Sandbox box;
  make_registry(box);
  WorkRepo repo(box.root(), "mylib");
  write_mylib(repo, "1.4.0", "mylib one-four");
  repo.commit("1.4.0");
  repo.git({"tag", "-a", "v1.4.0", "-m", "release 1.4.0"});  // annotated: peeled to the commit
  write_mylib(repo, "1.5.0", "mylib one-five");
  repo.commit("1.5.0 in progress");
  auto tagged = repo.git({"rev-parse", "v1.4.0^{commit}"});

  box.write_project("  mylib: { git: \"" + repo.url() + "\", tag: v1.4.0 }\n");
  auto sync = box.wharf({"sync"}, "project");
  require_exit(sync, 0);
  CHECK(contains(sync.err, "+ mylib 1.4.0 (" + tagged.substr(0, 7) + ")"));
  CHECK(contains(sync.err, "+ libgreet 2.1.0"));

  auto lock = lock_of(box);
  CHECK((contains(lock, "git: \"" + repo.url() + "\"") || contains(lock, "git: " + repo.url())));
  CHECK(contains(lock, "commit: \"" + tagged + "\""));
  CHECK(contains(lock, "reference: tag=v1.4.0"));
  CHECK(contains(lock, "version: \"1.4.0\""));
  require_lock_matches_schema(box);

  CHECK(box.read(kEnv + "share/libgreet/greeting.txt") == "Hello\n");
  CHECK_FALSE(box.exists(kEnv + "wharf-package.yaml"));
  auto run = box.wharf({"run", "--", "mylib"}, "project");
  require_exit(run, 0);
  CHECK(run.out == "mylib one-four\n");
  require_exit(box.wharf({"verify"}, "project"), 0);

  // Nothing to do the second time, and the lock does not move.
  auto again = box.wharf({"sync"}, "project");
  require_exit(again, 0);
  CHECK(contains(again.err, "up to date"));
  CHECK(lock_of(box) == lock);

  // With the lock and the tree cached, a sync needs no repository at all.
  fs::rename(repo.dir(), box.path("moved-away"));
  fs::remove_all(box.path("project/.wharf"));
  require_exit(box.wharf({"sync"}, "project"), 0);
  CHECK(box.wharf({"run", "--", "mylib"}, "project").out == "mylib one-four\n");
  fs::rename(box.path("moved-away"), repo.dir());

  // A fresh checkout (empty cache, existing lock) installs the same commit.
  require_exit(box.wharf({"cache", "clean"}), 0);
  fs::remove_all(box.path("project/.wharf"));
  require_exit(box.wharf({"sync", "--frozen"}, "project"), 0);
  CHECK(box.wharf({"run", "--", "mylib"}, "project").out == "mylib one-four\n");
}

TEST_CASE("a moved branch stays locked until `wharf lock --update NAME`", "[integration][git]") {
  Sandbox box;
  make_registry(box);
  WorkRepo repo(box.root(), "mylib");
  write_mylib(repo, "1.0.0", "first");
  auto first = repo.commit("first");

  box.write_project("  mylib: { git: \"" + repo.url() + "\", branch: main }\n");
  require_exit(box.wharf({"sync"}, "project"), 0);
  CHECK(contains(lock_of(box), "commit: \"" + first + "\""));
  CHECK(contains(lock_of(box), "reference: branch=main"));

  write_mylib(repo, "1.0.0", "second");
  auto second = repo.commit("second");
  REQUIRE(second != first);

  // The lock is fresh: neither lock nor sync moves the branch.
  require_exit(box.wharf({"lock"}, "project"), 0);
  require_exit(box.wharf({"sync"}, "project"), 0);
  CHECK(contains(lock_of(box), "commit: \"" + first + "\""));
  CHECK(box.wharf({"run", "--", "mylib"}, "project").out == "first\n");

  // A re-lock for another reason keeps the locked commit too.
  box.write_project("  mylib: { git: \"" + repo.url() + "\", branch: main }\n  libgreet: \"*\"\n");
  require_exit(box.wharf({"sync"}, "project"), 0);
  CHECK(contains(lock_of(box), "commit: \"" + first + "\""));

  // With an empty cache, a sync fetches the repository again and installs
  // exactly the locked commit, not the branch's tip.
  require_exit(box.wharf({"cache", "clean"}), 0);
  fs::remove_all(box.path("project/.wharf"));
  require_exit(box.wharf({"sync"}, "project"), 0);
  CHECK(box.wharf({"run", "--", "mylib"}, "project").out == "first\n");

  auto update = box.wharf({"lock", "--update", "mylib"}, "project");
  require_exit(update, 0);
  CHECK(contains(update.err,
                 "mylib 1.0.0 (" + first.substr(0, 7) + ") → 1.0.0 (" + second.substr(0, 7) + ")"));
  auto lock = lock_of(box);
  CHECK(contains(lock, "commit: \"" + second + "\""));
  CHECK_FALSE(contains(lock, first));

  require_exit(box.wharf({"sync"}, "project"), 0);
  CHECK(box.wharf({"run", "--", "mylib"}, "project").out == "second\n");
}

TEST_CASE("a git dependency by rev locks the full commit id", "[integration][git]") {
  Sandbox box;
  make_registry(box);
  WorkRepo repo(box.root(), "mylib");
  write_mylib(repo, "0.9.0", "old");
  auto old = repo.commit("old");
  write_mylib(repo, "1.0.0", "new");
  repo.commit("new");

  box.write_project("  mylib: { git: \"" + repo.url() + "\", rev: \"" + old.substr(0, 10) +
                    "\" }\n");
  require_exit(box.wharf({"sync"}, "project"), 0);
  auto lock = lock_of(box);
  CHECK(contains(lock, "commit: \"" + old + "\""));
  CHECK(contains(lock, "reference: rev=" + old.substr(0, 10)));
  CHECK(contains(lock, "version: \"0.9.0\""));
  CHECK(box.wharf({"run", "--", "mylib"}, "project").out == "old\n");
}

TEST_CASE("a git dependency's submodules are installed with it", "[integration][git]") {
  Sandbox box;
  make_registry(box);
  WorkRepo data(box.root(), "data");
  data.write("greeting.txt", "from the submodule\n");
  auto data_commit = data.commit("data");
  WorkRepo repo(box.root(), "mylib");
  write_mylib(repo, "1.0.0", "with submodule");
  repo.git({"submodule", "add", "-q", data.url(), "share/mylib/data"});
  auto commit = repo.commit("add the submodule");

  box.write_project("  mylib: { git: \"" + repo.url() + "\" }\n");
  require_exit(box.wharf({"sync"}, "project"), 0);
  CHECK(contains(lock_of(box), "commit: \"" + commit + "\""));
  CHECK(box.read(kEnv + "share/mylib/data/greeting.txt") == "from the submodule\n");
  // git's own files are not payload.
  CHECK_FALSE(box.exists(kEnv + ".gitmodules"));

  // The submodule's later commits do not matter: the gitlink pins it.
  data.write("greeting.txt", "moved on\n");
  REQUIRE(data.commit("later") != data_commit);
  require_exit(box.wharf({"cache", "clean"}), 0);
  fs::remove_all(box.path("project/.wharf"));
  require_exit(box.wharf({"sync"}, "project"), 0);
  CHECK(box.read(kEnv + "share/mylib/data/greeting.txt") == "from the submodule\n");
}

TEST_CASE("a git repository without wharf-package.yaml is a leaf under share/<name>/",
          "[integration][git]") {
  Sandbox box;
  WorkRepo repo(box.root(), "fonts");
  repo.write("README", "fonts\n");
  repo.write("ttf/mono.ttf", "not really a font\n");
  auto commit = repo.commit("fonts");

  box.write_project("  fonts: { git: \"" + repo.url() + "\" }\n");
  require_exit(box.wharf({"sync"}, "project"), 0);
  CHECK(box.read(kEnv + "share/fonts/README") == "fonts\n");
  CHECK(box.read(kEnv + "share/fonts/ttf/mono.ttf") == "not really a font\n");
  CHECK_FALSE(box.exists(kEnv + "README"));
  auto lock = lock_of(box);
  CHECK(contains(lock, "commit: \"" + commit + "\""));
  CHECK(contains(lock, "version: \"0.0.0\""));
  require_exit(box.wharf({"verify"}, "project"), 0);

  // A leaf has no version to check.
  box.write_project("  fonts: { git: \"" + repo.url() + "\", version: \"^1\" }\n");
  auto checked = box.wharf({"lock"}, "project");
  require_exit(checked, 2);
  CHECK(contains(checked.err, "has no wharf-package.yaml"));
}

TEST_CASE("`version:` on a git dependency checks the package's own version", "[integration][git]") {
  Sandbox box;
  make_registry(box);
  WorkRepo repo(box.root(), "mylib");
  write_mylib(repo, "1.4.0", "x");
  repo.commit("1.4.0");

  box.write_project("  mylib: { git: \"" + repo.url() + "\", version: \"^2\" }\n");
  auto wrong = box.wharf({"sync"}, "project");
  require_exit(wrong, 1);
  CHECK(contains(wrong.err, "mylib"));
  CHECK(contains(wrong.err, "1.4.0"));
  CHECK(contains(wrong.err, "^2"));
  CHECK_FALSE(box.exists("project/wharf.lock"));
  CHECK_FALSE(box.exists("project/.wharf"));

  box.write_project("  mylib: { git: \"" + repo.url() + "\", version: \"^1.2\" }\n");
  require_exit(box.wharf({"sync"}, "project"), 0);

  // A tag that does not exist: one clear message, nothing written.
  auto lock = lock_of(box);
  box.write_project("  mylib: { git: \"" + repo.url() + "\", tag: v9 }\n");
  auto missing = box.wharf({"sync"}, "project");
  require_exit(missing, 1);
  CHECK(contains(missing.err, "has no tag `v9`"));
  CHECK(lock_of(box) == lock);
}

TEST_CASE("a registry held in a git repository", "[integration][git]") {
  Sandbox box;
  WorkRepo registry(box.root(), "gitreg");
  box.add_package(
      {"hello", "1.0.0", "any", {}, {{"bin/hello", "#!/bin/sh\necho hello one\n"}}, {"bin/hello"}},
      "gitreg");
  box.index("gitreg");
  registry.commit("hello 1.0.0");
  registry.git({"tag", "v1"});

  std::string url = "git+" + registry.url();
  box.write_project_at(url, "  hello: \"*\"\n");
  require_exit(box.wharf({"sync"}, "project"), 0);
  CHECK(box.wharf({"run", "--", "hello"}, "project").out == "hello one\n");
  CHECK((contains(lock_of(box), "registry: \"" + url + "\"") ||
         contains(lock_of(box), "registry: " + url)));

  // A new version pushed to the registry's repository is seen on update.
  box.add_package(
      {"hello", "2.0.0", "any", {}, {{"bin/hello", "#!/bin/sh\necho hello two\n"}}, {"bin/hello"}},
      "gitreg");
  box.index("gitreg");
  registry.commit("hello 2.0.0");
  require_exit(box.wharf({"lock", "--update"}, "project"), 0);
  CHECK(contains(lock_of(box), "version: \"2.0.0\""));
  require_exit(box.wharf({"sync"}, "project"), 0);
  CHECK(box.wharf({"run", "--", "hello"}, "project").out == "hello two\n");

  // `#REF` reads the registry at that tag.
  box.write_project_at(url + "#v1", "  hello: \"*\"\n");
  require_exit(box.wharf({"sync"}, "project"), 0);
  CHECK(contains(lock_of(box), "version: \"1.0.0\""));
  CHECK(box.wharf({"run", "--", "hello"}, "project").out == "hello one\n");

  // An index file edited by hand (not wharf's layout) is parsed once and kept
  // in the cache of parsed index files, as for a file registry.
  box.write("gitreg/index/hello.yaml", "# edited by hand\n" + box.read("gitreg/index/hello.yaml"));
  registry.commit("a comment in hello's index");
  box.write_project_at(url, "  hello: \"*\"\n");
  auto parsed_entries = [&] {
    std::error_code ec;
    auto dir = fs::directory_iterator(box.cache() / "index-cache", ec);
    return ec ? 0 : std::distance(dir, fs::directory_iterator());
  };
  CHECK(parsed_entries() == 0);
  require_exit(box.wharf({"lock", "--update"}, "project"), 0);
  CHECK(contains(lock_of(box), "version: \"2.0.0\""));
  CHECK(parsed_entries() == 1);
}

TEST_CASE("a url dependency from a file: URL is verified by its sha256", "[integration][url]") {
  Sandbox box;
  make_registry(box);
  // With metadata (made by `wharf pack`), needing libgreet.
  box.add_package({"tool",
                   "3.1.0",
                   "any",
                   {{"libgreet", "^2"}},
                   {{"bin/tool", "#!/bin/sh\necho tool\n"}},
                   {"bin/tool"}},
                  "downloads");
  auto archive = box.path("downloads/artifacts/tool-3.1.0-any.tar.gz");
  auto sha = sha256_of(archive);

  box.write_project(
      "  tool: { url: \"file:../downloads/artifacts/tool-3.1.0-any.tar.gz\", "
      "sha256: \"" +
      sha + "\" }\n");
  auto sync = box.wharf({"sync"}, "project");
  require_exit(sync, 0);
  CHECK(contains(sync.err, "+ tool 3.1.0"));
  CHECK(contains(sync.err, "+ libgreet 2.1.0"));
  auto lock = lock_of(box);
  CHECK((contains(lock, "url: \"file:../downloads/artifacts/tool-3.1.0-any.tar.gz\"") ||
         contains(lock, "url: file:../downloads/artifacts/tool-3.1.0-any.tar.gz")));
  CHECK(contains(lock, "sha256: \"" + sha + "\""));
  CHECK(contains(lock, "size: " + std::to_string(fs::file_size(archive))));
  require_lock_matches_schema(box);
  CHECK(box.wharf({"run", "--", "tool"}, "project").out == "tool\n");

  // A sha256 the bytes do not have: refused, and nothing changes. (A sha256
  // already in the cache would be served from it: the bytes are the same.)
  box.write("other/bin/tool", "#!/bin/sh\necho evil\n", true);
  make_tarball(box.path("other"), box.path("downloads/evil.tar.gz"));
  auto evil_sha = sha256_of(box.path("downloads/evil.tar.gz"));
  auto claimed = wharf::sha256_hex("what wharf.yaml claims");
  box.write_project("  tool: { url: \"file:../downloads/evil.tar.gz\", sha256: \"" + claimed +
                    "\" }\n");
  auto wrong = box.wharf({"sync"}, "project");
  require_exit(wrong, 1);
  CHECK(contains(wrong.err, "sha256 mismatch"));
  CHECK(contains(wrong.err, evil_sha));
  CHECK(contains(wrong.err, claimed));
  CHECK(contains(wrong.err, "wharf.yaml"));
  CHECK(lock_of(box) == lock);
  CHECK(box.read(kEnv + "bin/tool") == "#!/bin/sh\necho tool\n");
  CHECK_FALSE(fs::exists(box.cache() / "downloads" / evil_sha.substr(0, 2) / evil_sha));
  CHECK_FALSE(fs::exists(box.cache() / "downloads" / claimed.substr(0, 2) / claimed));
}

TEST_CASE("a url dependency over HTTP, and a leaf archive under share/<name>/",
          "[integration][url]") {
  Sandbox box;
  box.write("content/data.csv", "a,b\n1,2\n");
  make_tarball(box.path("content"), box.path("served/data-1.0.tar.gz"));
  auto sha = sha256_of(box.path("served/data-1.0.tar.gz"));
  TestHttpServer server(box.path("served"));
  auto url = server.url("/data-1.0.tar.gz");

  box.write_project("  dataset: { url: \"" + url + "\", sha256: \"" + sha + "\" }\n");
  require_exit(box.wharf({"sync"}, "project"), 0);
  CHECK(box.read(kEnv + "share/dataset/data.csv") == "a,b\n1,2\n");
  CHECK(contains(lock_of(box), "sha256: \"" + sha + "\""));
  CHECK(server.request_count("/data-1.0.tar.gz") == 1);

  // A fresh environment from the cache downloads nothing.
  fs::remove_all(box.path("project/.wharf"));
  require_exit(box.wharf({"sync"}, "project"), 0);
  CHECK(server.request_count("/data-1.0.tar.gz") == 1);

  // The server now sends other bytes: with an empty cache, the locked sha256 refuses them.
  auto lock = lock_of(box);
  require_exit(box.wharf({"cache", "clean"}), 0);
  server.set_fault("/data-1.0.tar.gz", "wrong-bytes");
  // The environment is intact, so a plain sync has nothing to fetch; asking
  // for the package again makes it download.
  CHECK(contains(box.wharf({"sync"}, "project").err, "up to date"));
  auto wrong = box.wharf({"sync", "--reinstall", "dataset"}, "project");
  require_exit(wrong, 1);
  CHECK(contains(wrong.err, "sha256 mismatch"));
  CHECK(contains(wrong.err, "dataset"));
  CHECK(lock_of(box) == lock);
  CHECK(box.read(kEnv + "share/dataset/data.csv") == "a,b\n1,2\n");
  CHECK_FALSE(fs::exists(box.cache() / "downloads" / sha.substr(0, 2) / sha));
}

TEST_CASE("a path dependency is locked as written and re-installed when it changes",
          "[integration][path]") {
  Sandbox box;
  make_registry(box);
  box.write("tool/wharf-package.yaml",
            "name: tool\nversion: 0.3.0\ndependencies:\n  libgreet: \"^2\"\n");
  box.write("tool/bin/tool", "#!/bin/sh\necho version one\n", true);
  box.write("tool/.git/HEAD", "not content\n");

  box.write_project("  tool: { path: ../tool }\n");
  auto sync = box.wharf({"sync"}, "project");
  require_exit(sync, 0);
  CHECK(contains(sync.err, "+ tool 0.3.0"));
  auto lock = lock_of(box);
  CHECK(contains(lock, "path: ../tool"));
  require_lock_matches_schema(box);
  CHECK_FALSE(contains(lock, box.root().string()));
  CHECK(contains(lock, "libgreet"));
  CHECK(box.wharf({"run", "--", "tool"}, "project").out == "version one\n");
  CHECK_FALSE(box.exists(kEnv + ".git"));
  require_exit(box.wharf({"verify"}, "project"), 0);
  // Looking at the lock treats the path package as having no registry index.
  auto outdated = box.wharf({"outdated"}, "project");
  require_exit(outdated, 0);
  CHECK(contains(outdated.out, "All 2 locked packages are up to date"));
  auto why = box.wharf({"why", "libgreet"}, "project");
  require_exit(why, 0);
  CHECK_FALSE(contains(why.err, "not shown"));

  // Unchanged: nothing to do.
  CHECK(contains(box.wharf({"sync"}, "project").err, "up to date"));

  // An edit is seen by verify (stale) and installed by the next sync.
  box.write("tool/bin/tool", "#!/bin/sh\necho version two\n", true);
  box.write("tool/share/tool/notes.txt", "new file\n");
  require_exit(box.wharf({"verify"}, "project"), 1);
  auto resync = box.wharf({"sync"}, "project");
  require_exit(resync, 0);
  CHECK(contains(resync.err, "Installed"));
  CHECK(box.wharf({"run", "--", "tool"}, "project").out == "version two\n");
  CHECK(box.read(kEnv + "share/tool/notes.txt") == "new file\n");
  CHECK(lock_of(box) == lock);
  require_exit(box.wharf({"verify"}, "project"), 0);

  // A new version in its wharf-package.yaml makes the lock stale.
  box.write("tool/wharf-package.yaml",
            "name: tool\nversion: 0.4.0\ndependencies:\n  libgreet: \"^2\"\n");
  auto locked = box.wharf({"sync", "--locked"}, "project");
  require_exit(locked, 1);
  CHECK(contains(locked.err, "changed its wharf-package.yaml"));
  auto relock = box.wharf({"sync"}, "project");
  require_exit(relock, 0);
  CHECK(contains(relock.err, "tool 0.3.0 → 0.4.0"));
  CHECK(contains(lock_of(box), "version: \"0.4.0\""));

  // A missing folder: one message naming the path.
  fs::remove_all(box.path("tool"));
  auto gone = box.wharf({"sync"}, "project");
  require_exit(gone, 1);
  CHECK(contains(gone.err, "../tool"));
}

TEST_CASE("git dependencies and git registries over smart HTTP", "[integration][git]") {
  Sandbox box;
  WorkRepo registry(box.root(), "gitreg");
  box.add_package({"libgreet", "2.1.0", "any", {}, {{"share/libgreet/greeting.txt", "Hi\n"}}, {}},
                  "gitreg");
  box.index("gitreg");
  registry.commit("libgreet");
  WorkRepo repo(box.root(), "mylib");
  write_mylib(repo, "1.0.0", "over http");
  auto commit = repo.commit("1.0.0");
  repo.git({"tag", "v1"});
  fs::create_directories(box.path("served"));
  wharf::git::testing::run_git(box.root(), {"clone", "-q", "--bare", repo.dir().string(),
                                            box.path("served/mylib.git").string()});
  wharf::git::testing::run_git(box.root(), {"clone", "-q", "--bare", registry.dir().string(),
                                            box.path("served/gitreg.git").string()});
  wharf::git::testing::GitHttpServer server(box.path("served"));

  box.write("project/wharf.yaml", "name: demo\nregistries:\n  - name: main\n    url: git+" +
                                      server.url("gitreg.git") +
                                      "\ndependencies:\n  mylib: { git: \"" +
                                      server.url("mylib.git") + "\", tag: v1 }\n");
  auto sync = box.wharf({"sync"}, "project");
  require_exit(sync, 0);
  CHECK(contains(sync.err, "+ libgreet 2.1.0"));
  CHECK(contains(lock_of(box), "commit: \"" + commit + "\""));
  CHECK(box.wharf({"run", "--", "mylib"}, "project").out == "over http\n");
  CHECK(box.read(kEnv + "share/libgreet/greeting.txt") == "Hi\n");
}

TEST_CASE("projects sharing one cache sync git, url and path packages at once",
          "[integration][git]") {
  Sandbox box;
  make_registry(box);
  WorkRepo repo(box.root(), "mylib");
  write_mylib(repo, "1.0.0", "shared");
  auto commit = repo.commit("1.0.0");
  box.write("content/data.csv", "x\n");
  make_tarball(box.path("content"), box.path("served/data.tar.gz"));
  auto sha = sha256_of(box.path("served/data.tar.gz"));
  box.write("tool/bin/tool", "#!/bin/sh\necho tool\n", true);
  std::string deps = "  mylib: { git: \"" + repo.url() +
                     "\" }\n  dataset: { url: \"file:../served/data.tar.gz\", sha256: \"" + sha +
                     "\" }\n  tool: { path: ../tool }\n";
  for (int i = 0; i < 4; ++i) box.write_project(deps, "", "project" + std::to_string(i));
  std::vector<std::future<CommandResult>> runs;
  for (int i = 0; i < 4; ++i) {
    std::string project = "project" + std::to_string(i);
    runs.push_back(
        std::async(std::launch::async, [&box, project] { return box.wharf({"sync"}, project); }));
  }
  for (auto& run : runs) require_exit(run.get(), 0);
  for (int i = 0; i < 4; ++i) {
    std::string project = "project" + std::to_string(i);
    require_exit(box.wharf({"verify"}, project), 0);
    CHECK(contains(box.read(project + "/wharf.lock"), "commit: \"" + commit + "\""));
    CHECK(box.wharf({"run", "--", "mylib"}, project).out == "shared\n");
    CHECK(box.read(project + "/.wharf/envs/default/share/dataset/data.csv") == "x\n");
  }
  // One tree per package, however many processes asked for it.
  int git_trees = 0, path_trees = 0;
  for (auto& entry : fs::directory_iterator(box.cache() / "trees")) {
    auto name = entry.path().filename().string();
    git_trees += name.starts_with("git-") ? 1 : 0;
    path_trees += name.starts_with("path-") ? 1 : 0;
  }
  CHECK(git_trees == 1);
  CHECK(path_trees == 1);
}

TEST_CASE("bad direct sources fail with one message and write nothing", "[integration][git]") {
  Sandbox box;
  make_registry(box);
  WorkRepo repo(box.root(), "mylib");
  write_mylib(repo, "1.0.0", "x");
  repo.commit("1.0.0");

  SECTION("a repository that does not exist") {
    box.write_project("  mylib: { git: \"file://" + box.path("nope.git").string() + "\" }\n");
    auto sync = box.wharf({"sync"}, "project");
    require_exit(sync, 1);
    CHECK(contains(sync.err, "wharf.yaml:6:3: git dependency `mylib`"));
    CHECK(contains(sync.err, "cannot fetch"));
  }
  SECTION("one package with two sources in two environments") {
    box.write_project(
        "  mylib: { git: \"" + repo.url() + "\" }\n",
        "environments:\n  dev:\n    dependencies:\n      mylib: { path: ../mylib }\n");
    auto sync = box.wharf({"sync"}, "project");
    require_exit(sync, 2);
    CHECK(contains(sync.err, "`mylib` has another source in environment `dev`"));
  }
  SECTION("metadata naming another package") {
    box.write("other/wharf-package.yaml", "name: something\nversion: 1.0.0\n");
    box.write_project("  other: { path: ../other }\n");
    auto sync = box.wharf({"sync"}, "project");
    require_exit(sync, 2);
    CHECK(contains(sync.err, "names package `something`"));
  }
  CHECK_FALSE(box.exists("project/wharf.lock"));
  CHECK_FALSE(box.exists("project/.wharf"));
}

TEST_CASE("offline, cached git mirrors are used and what is missing is named",
          "[integration][git]") {
  Sandbox box;
  make_registry(box);
  WorkRepo repo(box.root(), "mylib");
  write_mylib(repo, "1.0.0", "cached");
  auto first = repo.commit("first");
  box.write_project("  mylib: { git: \"" + repo.url() + "\", branch: main }\n");
  require_exit(box.wharf({"sync"}, "project"), 0);

  // The branch moves upstream; offline, an update can only see the mirror.
  write_mylib(repo, "1.0.0", "newer");
  repo.commit("second");
  require_exit(box.wharf({"--offline", "lock", "--update", "mylib"}, "project"), 0);
  CHECK(contains(lock_of(box), "commit: \"" + first + "\""));

  require_exit(box.wharf({"cache", "clean"}), 0);
  fs::remove_all(box.path("project/.wharf"));
  auto offline = box.wharf({"--offline", "sync"}, "project");
  require_exit(offline, 1);
  CHECK(contains(offline.err, "--offline"));
  CHECK(contains(offline.err, "mylib"));
  CHECK_FALSE(box.exists("project/.wharf/envs/default"));
}
