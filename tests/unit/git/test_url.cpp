#include <catch2/catch.hpp>

#include "wharf/git/git.hpp"

using namespace wharf::git;

TEST_CASE("redact_url strips credentials", "[git]") {
  CHECK(redact_url("https://user:token@example.org/x.git") == "https://example.org/x.git");
  CHECK(redact_url("https://ghp_TOKEN@example.org/x.git") == "https://example.org/x.git");
  CHECK(redact_url("https://example.org/x.git") == "https://example.org/x.git");
  CHECK(redact_url("ssh://git@example.org/x.git") == "ssh://git@example.org/x.git");
  CHECK(redact_url("ssh://git:pw@example.org/x.git") == "ssh://example.org/x.git");
  CHECK(redact_url("git@example.org:team/x.git") == "git@example.org:team/x.git");
  CHECK(redact_url("file:///srv/a@b/x") == "file:///srv/a@b/x");
  CHECK(redact_url("/srv/repo") == "/srv/repo");
}

TEST_CASE("resolve_submodule_url follows git's relative URL rules", "[git]") {
  CHECK(resolve_submodule_url("https://h/org/super.git", "../lib.git") == "https://h/org/lib.git");
  CHECK(resolve_submodule_url("https://h/org/super.git/", "../lib.git") == "https://h/org/lib.git");
  CHECK(resolve_submodule_url("https://h/org/super.git", "../../other/lib") ==
        "https://h/other/lib");
  CHECK(resolve_submodule_url("https://h/org/super.git", "./sub") == "https://h/org/super.git/sub");
  CHECK(resolve_submodule_url("file:///tmp/x/super", "../sub") == "file:///tmp/x/sub");
  CHECK(resolve_submodule_url("/tmp/x/super", "../sub") == "/tmp/x/sub");
  CHECK(resolve_submodule_url("git@h:org/super.git", "../lib.git") == "git@h:org/lib.git");
  CHECK(resolve_submodule_url("git@h:super.git", "../lib.git") == "git@h:lib.git");
  CHECK(resolve_submodule_url("https://h/org/super.git", "https://e/lib.git") ==
        "https://e/lib.git");
}

TEST_CASE("describe and is_full_commit_id", "[git]") {
  CHECK(describe({RefKind::Branch, "main"}) == "branch `main`");
  CHECK(describe({RefKind::Tag, "v1"}) == "tag `v1`");
  CHECK(describe({RefKind::Rev, "abc1"}) == "rev `abc1`");
  CHECK(describe({}) == "default branch (HEAD)");
  CHECK(is_full_commit_id(std::string(40, 'a')));
  CHECK_FALSE(is_full_commit_id(std::string(39, 'a')));
  CHECK_FALSE(is_full_commit_id(std::string(40, 'A')));
  CHECK_FALSE(is_full_commit_id(std::string(40, 'g')));
}
