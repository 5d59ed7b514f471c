// Direct sources in isolation: folder hashing and copying (path deps),
// metadata and version checks, ref encoding, and pinning git refs against
// real repositories made by the test.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "unit/git/git_repo_fixture.hpp"
#include "wharf/source/direct.hpp"
#include "wharf/source/registry.hpp"
#include "wharf/util/fs.hpp"
#include "wharf/util/hash.hpp"

using namespace wharf;
using wharf::git::testing::WorkRepo;
namespace fs = std::filesystem;

namespace {

void put(const fs::path& file, const std::string& content, bool executable = false) {
  fs::create_directories(file.parent_path());
  REQUIRE(write_file_atomic(file, content));
  fs::permissions(file, executable ? fs::perms(0755) : fs::perms(0644));
}

std::string hash_of(const fs::path& dir) {
  auto hash = source::hash_folder(dir);
  REQUIRE(hash);
  return *hash;
}

version::Constraint constraint(const std::string& text) {
  auto parsed = version::Constraint::parse(text);
  REQUIRE(parsed);
  return *parsed;
}

}  // namespace

TEST_CASE("hash_folder identifies a folder's content, not its metadata", "[source]") {
  TempDir tmp;
  auto dir = tmp.path() / "tool";
  put(dir / "bin/tool", "#!/bin/sh\n", true);
  put(dir / "share/tool/a.txt", "a\n");
  auto base = hash_of(dir);
  CHECK(is_sha256_hex(base));
  CHECK(hash_of(dir) == base);

  SECTION("a changed byte changes it") {
    put(dir / "share/tool/a.txt", "b\n");
    CHECK(hash_of(dir) != base);
  }
  SECTION("the executable bit counts, other mode bits do not") {
    fs::permissions(dir / "bin/tool", fs::perms(0700));
    CHECK(hash_of(dir) == base);
    fs::permissions(dir / "bin/tool", fs::perms(0644));
    CHECK(hash_of(dir) != base);
  }
  SECTION("a new empty folder or a renamed file counts") {
    fs::create_directories(dir / "lib");
    CHECK(hash_of(dir) != base);
    fs::remove(dir / "lib");
    fs::rename(dir / "share/tool/a.txt", dir / "share/tool/b.txt");
    CHECK(hash_of(dir) != base);
  }
  SECTION("symlinks count by their target text") {
    fs::create_symlink("tool", dir / "bin/alias");
    auto with_link = hash_of(dir);
    CHECK(with_link != base);
    fs::remove(dir / "bin/alias");
    fs::create_symlink("other", dir / "bin/alias");
    CHECK(hash_of(dir) != with_link);
  }
  SECTION(".git and .wharf at the top are not content") {
    put(dir / ".git/HEAD", "ref: refs/heads/main\n");
    put(dir / ".wharf/envs/x", "x");
    CHECK(hash_of(dir) == base);
    put(dir / "share/.git", "a file deeper down is content\n");
    CHECK(hash_of(dir) != base);
  }
}

TEST_CASE("copy_folder makes a copy that hashes the same", "[source]") {
  TempDir tmp;
  auto dir = tmp.path() / "tool";
  put(dir / "bin/tool", "#!/bin/sh\necho hi\n", true);
  put(dir / "share/doc.txt", "doc\n");
  put(dir / ".git/config", "[core]\n");
  fs::create_symlink("../share/doc.txt", dir / "bin/doc");
  fs::create_directories(dir / "empty");
  auto dest = tmp.path() / "copy";
  fs::create_directories(dest);
  REQUIRE(source::copy_folder(dir, dest));
  CHECK(hash_of(dest) == hash_of(dir));
  CHECK_FALSE(fs::exists(dest / ".git"));
  CHECK(fs::is_symlink(dest / "bin/doc"));
  CHECK(fs::read_symlink(dest / "bin/doc") == "../share/doc.txt");
  CHECK((fs::status(dest / "bin/tool").permissions() & fs::perms::owner_exec) != fs::perms::none);
  CHECK(fs::is_directory(dest / "empty"));
}

TEST_CASE("hash_folder refuses what cannot be installed", "[source]") {
  TempDir tmp;
  auto dir = tmp.path() / "tool";
  fs::create_directories(dir);
  REQUIRE(::mkfifo((dir / "pipe").c_str(), 0644) == 0);
  auto hashed = source::hash_folder(dir);
  REQUIRE_FALSE(hashed);
  CHECK(hashed.error().message.find("pipe") != std::string::npos);
}

TEST_CASE("package metadata decides layout and version", "[source]") {
  auto leaf = source::describe_package("fonts", std::nullopt, "x");
  REQUIRE(leaf);
  CHECK(leaf->layout == source::LayoutKind::Leaf);
  CHECK(leaf->version.to_string() == "0.0.0");
  CHECK(source::install_subdir("fonts", leaf->layout) == "share/fonts");
  CHECK(source::check_version(*leaf, version::Constraint::any(), "fonts"));
  auto leaf_checked = source::check_version(*leaf, constraint("^1"), "fonts");
  REQUIRE_FALSE(leaf_checked);
  CHECK(leaf_checked.error().kind == ErrorKind::Input);

  auto meta = source::describe_package(
      "mylib", std::string("name: mylib\nversion: 1.4.0\ndependencies:\n  zlib: \">=1.3\"\n"),
      "label");
  REQUIRE(meta);
  CHECK(meta->layout == source::LayoutKind::Root);
  CHECK(meta->version.to_string() == "1.4.0");
  REQUIRE(meta->dependencies.size() == 1);
  CHECK(meta->dependencies[0].first == "zlib");
  CHECK(source::install_subdir("mylib", meta->layout).empty());
  CHECK(source::check_version(*meta, constraint("^1.2"), "mylib"));
  auto too_old = source::check_version(*meta, constraint("^2"), "mylib");
  REQUIRE_FALSE(too_old);
  CHECK(too_old.error().kind == ErrorKind::Failure);
  CHECK(too_old.error().message.find("1.4.0") != std::string::npos);

  auto renamed = source::describe_package("other", std::string("name: mylib\nversion: 1\n"), "f");
  REQUIRE_FALSE(renamed);
  CHECK(renamed.error().message.find("`mylib`") != std::string::npos);
}

TEST_CASE("git refs are recorded with their kind", "[source]") {
  manifest::DependencySpec dep;
  CHECK(source::encode_reference(source::git_ref_of(dep)).empty());
  dep.branch = "main";
  CHECK(source::encode_reference(source::git_ref_of(dep)) == "branch=main");
  dep.branch.clear();
  dep.tag = "v1.0";
  CHECK(source::encode_reference(source::git_ref_of(dep)) == "tag=v1.0");
  dep.tag.clear();
  dep.rev = "abc1234";
  CHECK(source::encode_reference(source::git_ref_of(dep)) == "rev=abc1234");

  CHECK(source::git_fetch_url("https://h/x.git", "/p") == "https://h/x.git");
  CHECK(source::git_fetch_url("git@host:org/x.git", "/p") == "git@host:org/x.git");
  CHECK(source::git_fetch_url("../x", "/p/q") == "/p/x");
}

TEST_CASE("pin_git resolves refs, and keeps a locked commit", "[source]") {
  TempDir tmp;
  WorkRepo repo(tmp.path(), "mylib");
  repo.write("wharf-package.yaml", "name: mylib\nversion: 1.0.0\n");
  auto first = repo.commit("first");
  auto mirrors = tmp.path() / "cache" / "git";

  auto pinned =
      source::pin_git(repo.url(), {git::RefKind::Branch, "main"}, std::nullopt, mirrors, false);
  REQUIRE(pinned);
  CHECK(pinned->commit == first);
  auto described = source::describe_git("mylib", *pinned, repo.url());
  REQUIRE(described);
  CHECK(described->version.to_string() == "1.0.0");

  repo.write("wharf-package.yaml", "name: mylib\nversion: 1.1.0\n");
  auto second = repo.commit("second");
  // Locked: kept, although the branch moved.
  auto kept = source::pin_git(repo.url(), {git::RefKind::Branch, "main"}, first, mirrors, false);
  REQUIRE(kept);
  CHECK(kept->commit == first);
  // A rev the mirror lacks is fetched.
  auto by_rev = source::pin_git(repo.url(), {git::RefKind::Rev, second.substr(0, 8)}, std::nullopt,
                                mirrors, false);
  REQUIRE(by_rev);
  CHECK(by_rev->commit == second);
  // Offline with no mirror: a clear failure.
  auto offline = source::pin_git(repo.url(), {}, std::nullopt, tmp.path() / "empty", true);
  REQUIRE_FALSE(offline);
  CHECK(offline.error().message.find("--offline") != std::string::npos);
  // A locked commit that no longer exists upstream.
  auto gone = source::mirror_with_commit(repo.url(), std::string(40, 'a'), mirrors, false);
  REQUIRE_FALSE(gone);
  CHECK(gone.error().hint.find("wharf lock --update") != std::string::npos);
}

TEST_CASE("a registry in a git repository is read from its commit's tree", "[source]") {
  TempDir tmp;
  WorkRepo repo(tmp.path(), "reg");
  repo.write("registry.yaml", "format: 1\nname: reg\n");
  repo.write("index/hello.yaml",
             "name: hello\nversions:\n  - version: 1.0.0\n    artifacts:\n      - platform: any\n"
             "        url: ../artifacts/hello.tar.gz\n        sha256: \"" +
                 std::string(64, 'a') + "\"\n");
  repo.commit("registry");
  repo.git({"tag", "v1"});
  repo.write("index/hello.yaml", "name: hello\nversions: []\n");
  repo.commit("empty it");

  source::RegistryOptions cache{tmp.path() / "cache", false};
  auto at_tag = source::open_registry("main", "git+" + repo.url() + "#v1", tmp.path(), cache);
  REQUIRE(at_tag);
  auto index = (*at_tag)->index("hello");
  REQUIRE(index);
  REQUIRE(*index);
  REQUIRE((*index)->versions.size() == 1);
  auto location = (*at_tag)->artifact_location((*index)->versions[0].artifacts[0].url);
  CHECK(location.find((cache.cache_dir / "git").string()) == 0);
  CHECK(location.ends_with("/artifacts/hello.tar.gz"));
  CHECK((*at_tag)->url() == "git+" + repo.url() + "#v1");

  auto head = source::open_registry("main", "git+" + repo.url(), tmp.path(), cache);
  REQUIRE(head);
  auto empty = (*head)->index("hello");
  REQUIRE(empty);
  REQUIRE(*empty);
  CHECK((*empty)->versions.empty());

  auto bad_ref = source::open_registry("main", "git+" + repo.url() + "#nope", tmp.path(), cache);
  REQUIRE_FALSE(bad_ref);
  CHECK(bad_ref.error().message.find("#nope") != std::string::npos);
}

TEST_CASE("resolve_relative joins like path::lexically_normal", "[source]") {
  const std::pair<const char*, const char*> cases[] = {
      {"index/hello.yaml", "../artifacts/hello-1.0.tar.gz"},
      {"index/hello.yaml", "x.tgz"},
      {"index/hello.yaml", "./a/./b/../c.tgz"},
      {"index/hello.yaml", "../../../up.tgz"},
      {"a/b/index/h.yaml", "../../c//d.tgz"},
      {"hello.yaml", "../x.tgz"},
      {"/srv/reg/index/h.yaml", "../../../../x.tgz"},
      {"index/h.yaml", "dir/"},
      {"index/h.yaml", ".."},
  };
  for (const auto& [index_file, url] : cases) {
    auto expected =
        (std::filesystem::path(index_file).parent_path() / url).lexically_normal().generic_string();
    CHECK(wharf::source::resolve_relative(index_file, url) == expected);
  }
  CHECK(wharf::source::resolve_relative("index/h.yaml", "https://cdn/x.tgz") ==
        "https://cdn/x.tgz");
  CHECK(wharf::source::resolve_relative("index/h.yaml", "file:/abs/x.tgz") == "file:/abs/x.tgz");
  CHECK(wharf::source::resolve_relative("index/h.yaml", "/abs/x.tgz") == "/abs/x.tgz");
}
