#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "git_repo_fixture.hpp"
#include "wharf/git/git.hpp"

using namespace wharf;
using namespace wharf::git;
using wharf::git::testing::WorkRepo;
namespace fs = std::filesystem;

namespace {

std::string must_resolve(const fs::path& mirror, Ref ref, const std::string& url) {
  auto commit = resolve(mirror, ref, url);
  INFO((commit ? std::string() : commit.error().message + " / " + commit.error().hint));
  REQUIRE(commit.has_value());
  return *commit;
}

}  // namespace

TEST_CASE("resolve finds branches, tags, revs and the default branch", "[git]") {
  TempDir tmp("wharf-git-test");
  WorkRepo upstream(tmp.path(), "upstream", "trunk");
  upstream.write("a.txt", "one\n");
  auto first = upstream.commit("first");
  upstream.git({"tag", "light", first});
  upstream.git({"tag", "-a", "v1.0", "-m", "release 1.0", first});
  upstream.git({"checkout", "-q", "-b", "dev"});
  upstream.write("a.txt", "two\n");
  auto second = upstream.commit("second");
  upstream.git({"checkout", "-q", "trunk"});

  auto mirrors = tmp.path() / "cache" / "git";
  auto mirror = ensure_mirror(upstream.url(), mirrors, FetchPolicy::IfMissing);
  REQUIRE(mirror.has_value());
  CHECK(*mirror == mirror_path(upstream.url(), mirrors));
  CHECK(fs::exists(*mirror / "HEAD"));
  // Each use is recorded beside the mirror, for `wharf cache prune`.
  fs::path used = mirror->string() + ".used";
  REQUIRE(fs::exists(used));
  fs::last_write_time(used, fs::file_time_type::clock::now() - std::chrono::hours(48));
  auto old_use = fs::last_write_time(used);
  REQUIRE(ensure_mirror(upstream.url(), mirrors, FetchPolicy::IfMissing));
  CHECK(fs::last_write_time(used) > old_use);

  CHECK(must_resolve(*mirror, {RefKind::Branch, "trunk"}, upstream.url()) == first);
  CHECK(must_resolve(*mirror, {RefKind::Branch, "dev"}, upstream.url()) == second);
  CHECK(must_resolve(*mirror, {RefKind::Tag, "light"}, upstream.url()) == first);
  // Annotated tags are peeled to the commit, not the tag object.
  auto tag_object = upstream.git({"rev-parse", "v1.0"});
  CHECK(tag_object != first);
  CHECK(must_resolve(*mirror, {RefKind::Tag, "v1.0"}, upstream.url()) == first);
  CHECK(must_resolve(*mirror, {RefKind::Rev, second}, upstream.url()) == second);
  CHECK(must_resolve(*mirror, {RefKind::Rev, second.substr(0, 8)}, upstream.url()) == second);
  // The default branch is the remote's HEAD (trunk), not whatever was fetched last.
  CHECK(must_resolve(*mirror, {RefKind::Default, ""}, upstream.url()) == first);

  CHECK(has_commit(*mirror, first));
  CHECK(has_commit(*mirror, second));
  CHECK_FALSE(has_commit(*mirror, std::string(40, 'a')));
  CHECK_FALSE(has_commit(tmp.path() / "nowhere.git", first));

  auto refs = list_refs(*mirror);
  REQUIRE(refs.has_value());
  CHECK(refs->branches == std::vector<std::string>{"dev", "trunk"});
  CHECK(refs->tags == std::vector<std::string>{"light", "v1.0"});
}

TEST_CASE("a moved branch, a re-pointed tag and a deleted branch are seen only on fetch", "[git]") {
  TempDir tmp("wharf-git-test");
  WorkRepo upstream(tmp.path(), "upstream");
  upstream.write("f", "1");
  auto first = upstream.commit("first");
  upstream.git({"tag", "moving", first});
  upstream.git({"branch", "doomed"});
  auto mirrors = tmp.path() / "mirrors";
  auto mirror = ensure_mirror(upstream.url(), mirrors, FetchPolicy::Always);
  REQUIRE(mirror.has_value());
  CHECK(must_resolve(*mirror, {RefKind::Branch, "main"}, upstream.url()) == first);

  upstream.write("f", "2");
  auto second = upstream.commit("second");
  upstream.git({"tag", "-f", "moving", second});
  upstream.git({"branch", "-D", "doomed"});

  // IfMissing with a mirror present does not fetch.
  auto again = ensure_mirror(upstream.url(), mirrors, FetchPolicy::IfMissing);
  REQUIRE(again.has_value());
  CHECK(*again == *mirror);
  CHECK_FALSE(has_commit(*mirror, second));
  CHECK(has_commit(*mirror, first));  // a locked commit needs no fetch
  CHECK(must_resolve(*mirror, {RefKind::Branch, "main"}, upstream.url()) == first);

  // Never uses the mirror as it is.
  auto offline = ensure_mirror(upstream.url(), mirrors, FetchPolicy::Never);
  REQUIRE(offline.has_value());
  CHECK_FALSE(has_commit(*mirror, second));

  REQUIRE(ensure_mirror(upstream.url(), mirrors, FetchPolicy::Always).has_value());
  CHECK(has_commit(*mirror, second));
  CHECK(must_resolve(*mirror, {RefKind::Branch, "main"}, upstream.url()) == second);
  CHECK(must_resolve(*mirror, {RefKind::Default, ""}, upstream.url()) == second);
  CHECK(must_resolve(*mirror, {RefKind::Tag, "moving"}, upstream.url()) == second);
  CHECK_FALSE(resolve(*mirror, {RefKind::Branch, "doomed"}, upstream.url()).has_value());
  // The old commit stays readable for lockfiles that still name it.
  CHECK(has_commit(*mirror, first));

  // A force-pushed (rewritten) branch is followed too.
  upstream.git({"reset", "-q", "--hard", first});
  upstream.write("g", "3");
  auto rewritten = upstream.commit("rewritten");
  REQUIRE(ensure_mirror(upstream.url(), mirrors, FetchPolicy::Always).has_value());
  CHECK(must_resolve(*mirror, {RefKind::Branch, "main"}, upstream.url()) == rewritten);
}

TEST_CASE("unknown refs fail naming the URL and the ref, with close names", "[git]") {
  TempDir tmp("wharf-git-test");
  WorkRepo upstream(tmp.path(), "upstream");
  auto first = upstream.commit("first");
  upstream.git({"branch", "develop"});
  upstream.git({"tag", "v1.2.0"});
  auto mirror = ensure_mirror(upstream.url(), tmp.path() / "m", FetchPolicy::IfMissing);
  REQUIRE(mirror.has_value());

  auto branch = resolve(*mirror, {RefKind::Branch, "devlop"}, upstream.url());
  REQUIRE_FALSE(branch.has_value());
  CHECK(branch.error().kind == ErrorKind::Failure);
  CHECK_THAT(branch.error().message, Catch::Contains(upstream.url()));
  CHECK_THAT(branch.error().message, Catch::Contains("branch `devlop`"));
  CHECK_THAT(branch.error().hint, Catch::Contains("did you mean `develop`?"));
  CHECK_THAT(branch.error().hint, Catch::Contains("develop, main"));

  auto tag = resolve(*mirror, {RefKind::Tag, "v1.2.1"}, upstream.url());
  REQUIRE_FALSE(tag.has_value());
  CHECK_THAT(tag.error().message, Catch::Contains("tag `v1.2.1`"));
  CHECK_THAT(tag.error().hint, Catch::Contains("did you mean `v1.2.0`?"));

  auto wrong_kind = resolve(*mirror, {RefKind::Tag, "develop"}, upstream.url());
  REQUIRE_FALSE(wrong_kind.has_value());
  CHECK_THAT(wrong_kind.error().hint, Catch::Contains("use `branch: develop`"));

  auto rev = resolve(*mirror, {RefKind::Rev, "deadbeef"}, upstream.url());
  REQUIRE_FALSE(rev.has_value());
  CHECK_THAT(rev.error().message, Catch::Contains("no commit `deadbeef`"));

  auto not_hex = resolve(*mirror, {RefKind::Rev, "main"}, upstream.url());
  REQUIRE_FALSE(not_hex.has_value());
  CHECK(not_hex.error().kind == ErrorKind::Input);
  CHECK_THAT(not_hex.error().hint, Catch::Contains("branch:"));
  CHECK(resolve(*mirror, {RefKind::Rev, first}, upstream.url()).value() == first);
}

TEST_CASE("offline without a cached mirror fails clearly", "[git]") {
  TempDir tmp("wharf-git-test");
  WorkRepo upstream(tmp.path(), "upstream");
  upstream.commit("first");
  auto mirrors = tmp.path() / "mirrors";
  auto result = ensure_mirror(upstream.url(), mirrors, FetchPolicy::Never);
  REQUIRE_FALSE(result.has_value());
  CHECK_THAT(result.error().message, Catch::Contains(upstream.url()));
  CHECK_THAT(result.error().message, Catch::Contains("--offline"));
  CHECK_THAT(result.error().hint, Catch::Contains("without --offline"));
  CHECK_FALSE(fs::exists(mirror_path(upstream.url(), mirrors)));
}

TEST_CASE("an unreachable URL fails with the reason and leaves no mirror behind", "[git]") {
  TempDir tmp("wharf-git-test");
  auto mirrors = tmp.path() / "mirrors";
  std::string url = "file://" + (tmp.path() / "does-not-exist").string();
  auto result = ensure_mirror(url, mirrors, FetchPolicy::IfMissing);
  REQUIRE_FALSE(result.has_value());
  CHECK_THAT(result.error().message, Catch::StartsWith("cannot fetch " + url + ": "));
  CHECK_THAT(result.error().hint, Catch::Contains("--offline"));
  CHECK_FALSE(fs::exists(mirror_path(url, mirrors)));
  // No half-made staging folders either: only the lock file remains.
  for (const auto& entry : fs::directory_iterator(mirrors)) {
    CHECK(entry.path().extension() == ".lock");
  }
}

TEST_CASE("credentials in a URL never reach an error message", "[git]") {
  TempDir tmp("wharf-git-test");
  // Port 1 on the loopback interface: the connection is refused at once.
  std::string url = "http://someone:s3cr3t-token@127.0.0.1:1/repo.git";
  auto result = ensure_mirror(url, tmp.path() / "mirrors", FetchPolicy::Always);
  REQUIRE_FALSE(result.has_value());
  CHECK_THAT(result.error().message,
             Catch::StartsWith("cannot fetch http://127.0.0.1:1/repo.git: "));
  CHECK_THAT(result.error().message, !Catch::Contains("s3cr3t"));
  CHECK_THAT(result.error().hint, !Catch::Contains("s3cr3t"));
}

TEST_CASE("threads fetching the same URL at once share one mirror", "[git]") {
  TempDir tmp("wharf-git-test");
  WorkRepo upstream(tmp.path(), "upstream");
  upstream.write("x", "x");
  auto head = upstream.commit("first");
  auto mirrors = tmp.path() / "mirrors";
  for (auto policy : {FetchPolicy::IfMissing, FetchPolicy::Always}) {
    constexpr int thread_count = 4;
    std::vector<Result<fs::path>> results(thread_count);
    {
      std::vector<std::jthread> threads;
      for (int i = 0; i < thread_count; ++i) {
        threads.emplace_back(
            [&, i] { results[i] = ensure_mirror(upstream.url(), mirrors, policy); });
      }
    }
    for (const auto& result : results) {
      INFO((result ? std::string() : result.error().message));
      REQUIRE(result.has_value());
      CHECK(*result == mirror_path(upstream.url(), mirrors));
      CHECK(resolve(*result, {RefKind::Branch, "main"}, upstream.url()).value() == head);
    }
  }
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(mirrors)) ++entries;
  CHECK(entries == 3);  // the mirror, its lock file and its use marker
}
