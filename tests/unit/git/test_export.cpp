#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "git_repo_fixture.hpp"
#include "wharf/git/git.hpp"

using namespace wharf;
using namespace wharf::git;
using wharf::git::testing::read_text;
using wharf::git::testing::WorkRepo;
namespace fs = std::filesystem;

namespace {

mode_t mode_of(const fs::path& path) {
  struct stat info {};
  REQUIRE(::lstat(path.c_str(), &info) == 0);
  return info.st_mode & 07777;
}

void require_ok(const Result<void>& result) {
  INFO((result ? std::string() : result.error().message + " / " + result.error().hint));
  REQUIRE(result.has_value());
}

}  // namespace

TEST_CASE("export_tree writes contents, executable bits and symlinks, without .git", "[git]") {
  TempDir tmp("wharf-git-test");
  WorkRepo upstream(tmp.path(), "upstream");
  upstream.write("README", "hello\n");
  upstream.write("bin/tool", "#!/bin/sh\necho tool\n", true);
  upstream.write("share/deep/nested/data.bin", std::string("\x00\x01\xff", 3));
  upstream.write("crlf.txt", "a\r\nb\r\n");
  fs::create_symlink("../README", upstream.dir() / "bin" / "readme-link");
  auto first = upstream.commit("first");
  upstream.write("README", "changed later\n");
  upstream.commit("second");

  auto mirrors = tmp.path() / "mirrors";
  auto mirror = ensure_mirror(upstream.url(), mirrors, FetchPolicy::IfMissing);
  REQUIRE(mirror.has_value());
  auto dest = tmp.path() / "out" / "pkg";
  require_ok(export_tree(*mirror, first, dest, upstream.url(), mirrors, FetchPolicy::IfMissing));

  CHECK(read_text(dest / "README") == "hello\n");  // the commit asked for, not the branch tip
  CHECK(read_text(dest / "bin/tool") == "#!/bin/sh\necho tool\n");
  CHECK(read_text(dest / "share/deep/nested/data.bin") == std::string("\x00\x01\xff", 3));
  CHECK(read_text(dest / "crlf.txt") == "a\r\nb\r\n");
  CHECK(mode_of(dest / "bin/tool") == 0755);
  CHECK(mode_of(dest / "README") == 0644);
  REQUIRE(fs::is_symlink(dest / "bin/readme-link"));
  CHECK(fs::read_symlink(dest / "bin/readme-link") == "../README");
  CHECK(read_text(dest / "bin/readme-link") == "hello\n");
  CHECK_FALSE(fs::exists(dest / ".git"));

  // Nothing else was left beside the destination.
  std::size_t siblings = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dest.parent_path())) ++siblings;
  CHECK(siblings == 1);

  // The destination must be fresh.
  auto again = export_tree(*mirror, first, dest, upstream.url(), mirrors, FetchPolicy::IfMissing);
  REQUIRE_FALSE(again.has_value());
  CHECK_THAT(again.error().message, Catch::Contains("already exists"));
}

TEST_CASE("export_tree of a commit missing from the mirror fails clearly offline", "[git]") {
  TempDir tmp("wharf-git-test");
  WorkRepo upstream(tmp.path(), "upstream");
  upstream.commit("first");
  auto mirrors = tmp.path() / "mirrors";
  auto mirror = ensure_mirror(upstream.url(), mirrors, FetchPolicy::IfMissing);
  REQUIRE(mirror.has_value());
  upstream.write("new", "n");
  auto unseen = upstream.commit("after the mirror");
  auto dest = tmp.path() / "out";
  auto result = export_tree(*mirror, unseen, dest, upstream.url(), mirrors, FetchPolicy::Never);
  REQUIRE_FALSE(result.has_value());
  CHECK_THAT(result.error().message, Catch::Contains(unseen));
  CHECK_THAT(result.error().message, Catch::Contains(upstream.url()));
  CHECK_THAT(result.error().hint, Catch::Contains("without --offline"));
  CHECK_FALSE(fs::exists(dest));
}

TEST_CASE("export_tree follows submodules to their gitlink commits", "[git]") {
  TempDir tmp("wharf-git-test");
  WorkRepo inner(tmp.path(), "inner");
  inner.write("inner.txt", "inner v1\n");
  inner.commit("inner first");

  WorkRepo lib(tmp.path(), "lib");
  lib.write("lib.txt", "lib v1\n");
  lib.write("run.sh", "#!/bin/sh\n", true);
  lib.commit("lib first");
  // A nested submodule, by absolute URL.
  lib.git({"submodule", "add", "-q", inner.url(), "vendor/inner"});
  auto lib_pinned = lib.commit("lib with inner");

  WorkRepo super(tmp.path(), "super");
  super.write("top.txt", "top\n");
  // A relative URL, resolved against the superproject's URL.
  super.git({"submodule", "add", "-q", "../lib", "deps/lib"});
  super.git({"config", "-f", ".gitmodules", "submodule.deps/lib.url", "../lib"});
  auto super_commit = super.commit("super with lib");

  // Move the submodule on: the export must still show the pinned commit.
  lib.write("lib.txt", "lib v2\n");
  lib.commit("lib second");

  auto mirrors = tmp.path() / "mirrors";
  auto mirror = ensure_mirror(super.url(), mirrors, FetchPolicy::IfMissing);
  REQUIRE(mirror.has_value());
  auto dest = tmp.path() / "out";
  require_ok(
      export_tree(*mirror, super_commit, dest, super.url(), mirrors, FetchPolicy::IfMissing));

  CHECK(read_text(dest / "top.txt") == "top\n");
  CHECK(read_text(dest / "deps/lib/lib.txt") == "lib v1\n");
  CHECK(mode_of(dest / "deps/lib/run.sh") == 0755);
  CHECK(read_text(dest / "deps/lib/vendor/inner/inner.txt") == "inner v1\n");
  CHECK_FALSE(fs::exists(dest / "deps/lib/.git"));
  CHECK(fs::exists(dest / ".gitmodules"));
  // Each submodule got its own mirror.
  CHECK(fs::is_directory(mirror_path("file://" + (tmp.path() / "lib").string(), mirrors)));
  CHECK(fs::is_directory(mirror_path(inner.url(), mirrors)));
  CHECK(has_commit(mirror_path("file://" + (tmp.path() / "lib").string(), mirrors), lib_pinned));

  // Offline, with every mirror cached, the export works again.
  auto offline_dest = tmp.path() / "offline";
  require_ok(
      export_tree(*mirror, super_commit, offline_dest, super.url(), mirrors, FetchPolicy::Never));
  CHECK(read_text(offline_dest / "deps/lib/vendor/inner/inner.txt") == "inner v1\n");

  // The superproject moves its submodule on: the cached submodule mirror lacks
  // the new gitlink commit and is fetched again.
  auto checkout = super.dir() / "deps/lib";
  wharf::git::testing::run_git(checkout, {"fetch", "-q", "origin"});
  wharf::git::testing::run_git(checkout, {"checkout", "-q", "origin/main"});
  auto super_moved = super.commit("super with lib v2");
  REQUIRE(ensure_mirror(super.url(), mirrors, FetchPolicy::Always).has_value());
  auto moved_dest = tmp.path() / "moved";
  require_ok(
      export_tree(*mirror, super_moved, moved_dest, super.url(), mirrors, FetchPolicy::IfMissing));
  CHECK(read_text(moved_dest / "deps/lib/lib.txt") == "lib v2\n");
  CHECK(read_text(moved_dest / "deps/lib/vendor/inner/inner.txt") == "inner v1\n");
}

TEST_CASE("a gitlink without a .gitmodules entry exports as an empty folder", "[git]") {
  TempDir tmp("wharf-git-test");
  WorkRepo upstream(tmp.path(), "upstream");
  upstream.write("a", "a");
  auto first = upstream.commit("first");
  upstream.git({"update-index", "--add", "--cacheinfo", "160000," + first + ",orphan"});
  upstream.git({"commit", "-q", "-m", "gitlink"});
  auto commit = upstream.git({"rev-parse", "HEAD"});
  auto mirrors = tmp.path() / "mirrors";
  auto mirror = ensure_mirror(upstream.dir().string(), mirrors, FetchPolicy::IfMissing);
  REQUIRE(mirror.has_value());
  auto dest = tmp.path() / "out";
  require_ok(
      export_tree(*mirror, commit, dest, upstream.dir().string(), mirrors, FetchPolicy::Never));
  CHECK(fs::is_directory(dest / "orphan"));
  CHECK(fs::is_empty(dest / "orphan"));
  CHECK(read_text(dest / "a") == "a");
}

TEST_CASE("a .gitmodules with an include directive is refused", "[git]") {
  TempDir tmp("wharf-git-test");
  WorkRepo upstream(tmp.path(), "upstream");
  upstream.write(".gitmodules", "[include]\n\tpath = /etc/gitconfig\n");
  auto commit = upstream.commit("first");
  auto mirrors = tmp.path() / "mirrors";
  auto mirror = ensure_mirror(upstream.url(), mirrors, FetchPolicy::IfMissing);
  REQUIRE(mirror.has_value());
  auto result =
      export_tree(*mirror, commit, tmp.path() / "out", upstream.url(), mirrors, FetchPolicy::Never);
  REQUIRE_FALSE(result.has_value());
  CHECK_THAT(result.error().message, Catch::Contains("include"));
}

TEST_CASE("a submodule that is not cached fails offline", "[git]") {
  TempDir tmp("wharf-git-test");
  WorkRepo lib(tmp.path(), "lib");
  lib.write("lib.txt", "lib\n");
  lib.commit("lib");
  WorkRepo super(tmp.path(), "super");
  super.git({"submodule", "add", "-q", lib.url(), "lib"});
  auto commit = super.commit("super");
  auto mirrors = tmp.path() / "mirrors";
  auto mirror = ensure_mirror(super.url(), mirrors, FetchPolicy::IfMissing);
  REQUIRE(mirror.has_value());
  auto dest = tmp.path() / "out";
  auto result = export_tree(*mirror, commit, dest, super.url(), mirrors, FetchPolicy::Never);
  REQUIRE_FALSE(result.has_value());
  CHECK_THAT(result.error().message, Catch::Contains("submodule `lib`"));
  CHECK_THAT(result.error().message, Catch::Contains(lib.url()));
  CHECK_FALSE(fs::exists(dest));
}

TEST_CASE("read_file_at reads one file at a commit", "[git]") {
  TempDir tmp("wharf-git-test");
  WorkRepo upstream(tmp.path(), "upstream");
  upstream.write("wharf-package.yaml", "name: hello\nversion: 1.0.0\n");
  upstream.write("index/hello.yaml", "name: hello\n");
  auto first = upstream.commit("first");
  upstream.write("wharf-package.yaml", "name: hello\nversion: 2.0.0\n");
  auto second = upstream.commit("second");
  auto mirror = ensure_mirror(upstream.url(), tmp.path() / "m", FetchPolicy::IfMissing);
  REQUIRE(mirror.has_value());

  auto at_first = read_file_at(*mirror, first, "wharf-package.yaml");
  REQUIRE(at_first.has_value());
  REQUIRE(at_first->has_value());
  CHECK(**at_first == "name: hello\nversion: 1.0.0\n");
  CHECK(read_file_at(*mirror, second, "wharf-package.yaml").value().value() ==
        "name: hello\nversion: 2.0.0\n");
  CHECK(read_file_at(*mirror, first, "index/hello.yaml").value().value() == "name: hello\n");

  auto absent = read_file_at(*mirror, first, "missing.yaml");
  REQUIRE(absent.has_value());
  CHECK_FALSE(absent->has_value());
  CHECK_FALSE(read_file_at(*mirror, first, "index/missing.yaml").value().has_value());

  auto folder = read_file_at(*mirror, first, "index");
  REQUIRE_FALSE(folder.has_value());
  CHECK_THAT(folder.error().message, Catch::Contains("not a regular file"));

  auto unknown = read_file_at(*mirror, std::string(40, 'b'), "wharf-package.yaml");
  REQUIRE_FALSE(unknown.has_value());
  CHECK_THAT(unknown.error().message, Catch::Contains(std::string(40, 'b')));
}
