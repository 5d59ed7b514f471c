// Fetching over the network transports: smart HTTP from a real server on
// 127.0.0.1, and TLS certificate verification.
#include <catch2/catch.hpp>

#include "git_repo_fixture.hpp"
#include "support/http_server.hpp"
#include "wharf/git/git.hpp"

using namespace wharf;
using namespace wharf::git;
using wharf::git::testing::GitHttpServer;
using wharf::git::testing::read_text;
using wharf::git::testing::WorkRepo;
namespace fs = std::filesystem;

TEST_CASE("a mirror is fetched over smart HTTP", "[git]") {
  TempDir tmp("wharf-git-test");
  WorkRepo upstream(tmp.path(), "work");
  upstream.write("file.txt", "over http\n");
  auto first = upstream.commit("first");
  upstream.git({"tag", "v1"});
  auto served = tmp.path() / "served";
  fs::create_directories(served);
  wharf::git::testing::run_git(tmp.path(), {"clone", "-q", "--bare", upstream.dir().string(),
                                            (served / "repo.git").string()});
  GitHttpServer server(served);
  auto url = server.url("repo.git");
  auto mirrors = tmp.path() / "mirrors";

  auto mirror = ensure_mirror(url, mirrors, FetchPolicy::IfMissing);
  INFO((mirror ? std::string() : mirror.error().message));
  REQUIRE(mirror.has_value());
  CHECK(resolve(*mirror, {RefKind::Tag, "v1"}, url).value() == first);
  CHECK(resolve(*mirror, {RefKind::Default, ""}, url).value() == first);

  // A new commit pushed to the server is seen by the next fetch.
  upstream.write("file.txt", "second\n");
  auto second = upstream.commit("second");
  upstream.git({"push", "-q", (served / "repo.git").string(), "main"});
  REQUIRE(ensure_mirror(url, mirrors, FetchPolicy::Always).has_value());
  CHECK(resolve(*mirror, {RefKind::Branch, "main"}, url).value() == second);

  auto dest = tmp.path() / "out";
  REQUIRE(export_tree(*mirror, second, dest, url, mirrors, FetchPolicy::Never).has_value());
  CHECK(read_text(dest / "file.txt") == "second\n");

  auto missing = ensure_mirror(server.url("missing.git"), mirrors, FetchPolicy::Always);
  REQUIRE_FALSE(missing.has_value());
  CHECK_THAT(missing.error().message,
             Catch::StartsWith("cannot fetch " + server.url("missing.git")));
}

TEST_CASE("credentials written in an http URL are used and never shown", "[git]") {
  TempDir tmp("wharf-git-test");
  WorkRepo upstream(tmp.path(), "work");
  auto first = upstream.commit("first");
  auto served = tmp.path() / "served";
  fs::create_directories(served);
  wharf::git::testing::run_git(tmp.path(), {"clone", "-q", "--bare", upstream.dir().string(),
                                            (served / "repo.git").string()});
  GitHttpServer server(served, "reader:opensesame");
  auto mirrors = tmp.path() / "mirrors";

  auto good_url = server.url("repo.git", "reader:opensesame");
  auto mirror = ensure_mirror(good_url, mirrors, FetchPolicy::IfMissing);
  INFO((mirror ? std::string() : mirror.error().message));
  REQUIRE(mirror.has_value());
  CHECK(resolve(*mirror, {RefKind::Branch, "main"}, good_url).value() == first);

  auto bad_url = server.url("repo.git", "reader:wrong-secret");
  auto rejected = ensure_mirror(bad_url, mirrors, FetchPolicy::IfMissing);
  REQUIRE_FALSE(rejected.has_value());
  CHECK_THAT(rejected.error().message,
             Catch::StartsWith("cannot fetch " + server.url("repo.git") + ": "));
  CHECK_THAT(rejected.error().message, Catch::Contains("rejected the credentials"));
  CHECK_THAT(rejected.error().message, !Catch::Contains("wrong-secret"));
  CHECK_THAT(rejected.error().hint, Catch::Contains("credentials"));

  auto anonymous = ensure_mirror(server.url("repo.git"), mirrors, FetchPolicy::IfMissing);
  REQUIRE_FALSE(anonymous.has_value());
  CHECK_THAT(anonymous.error().message, Catch::Contains("requires authentication"));
}

TEST_CASE("https fetches verify the server certificate", "[git]") {
  TempDir tmp("wharf-git-test");
  auto cert = tmp.path() / "cert.pem";
  auto key = tmp.path() / "key.pem";
  auto made = run_process({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                           key.string(), "-out", cert.string(), "-days", "1", "-subj",
                           "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"});
  REQUIRE(made.has_value());
  REQUIRE(made->exit_code == 0);
  fs::create_directories(tmp.path() / "root");
  wharf::test::TestHttpServer server(tmp.path() / "root", {.tls_cert = cert, .tls_key = key});
  auto url = server.url("/repo.git");
  auto result = ensure_mirror(url, tmp.path() / "mirrors", FetchPolicy::IfMissing);
  REQUIRE_FALSE(result.has_value());
  CHECK_THAT(result.error().message, Catch::StartsWith("cannot fetch " + url + ": "));
  CHECK_THAT(result.error().message, Catch::Contains("certificate"));
}
