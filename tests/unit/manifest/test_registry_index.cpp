#include <catch2/catch.hpp>
#include <string>

#include "wharf/manifest/registry_index.hpp"

using namespace wharf;
using namespace wharf::manifest;

namespace {

const std::string kSha1(64, 'a');
const std::string kSha2(64, 'b');

std::string sample_index() {
  return "name: hello\n"
         "versions:\n"
         "  - version: 1.10.0\n"
         "    dependencies:\n"
         "      libgreet: \"^2\"\n"
         "    artifacts:\n"
         "      - platform: macos-arm64\n"
         "        url: ../artifacts/hello-1.10.0-macos-arm64.tar.gz\n"
         "        sha256: \"" +
         kSha2 +
         "\"\n"
         "        size: 2048\n"
         "      - platform: linux-x86_64\n"
         "        url: https://cdn.example.org/hello-1.10.0.tar.gz\n"
         "        sha256: \"" +
         kSha1 +
         "\"\n"
         "        size: 10240\n"
         "  - version: 1.2.0\n"
         "    yanked: true\n"
         "    artifacts:\n"
         "      - platform: any\n"
         "        url: ../artifacts/hello-1.2.0.tar.gz\n"
         "        sha256: " +
         kSha1 + "\n";
}

// Field by field, constraint texts included.
void check_same_index(const PackageIndex& x, const PackageIndex& y) {
  CHECK(x.name == y.name);
  REQUIRE(x.versions.size() == y.versions.size());
  for (std::size_t i = 0; i < x.versions.size(); ++i) {
    const auto& a = x.versions[i];
    const auto& b = y.versions[i];
    CHECK(a.version.to_string() == b.version.to_string());
    CHECK(a.yanked == b.yanked);
    REQUIRE(a.dependencies.size() == b.dependencies.size());
    for (std::size_t d = 0; d < a.dependencies.size(); ++d) {
      CHECK(a.dependencies[d].first == b.dependencies[d].first);
      CHECK(a.dependencies[d].second == b.dependencies[d].second);
      CHECK(a.dependencies[d].second.text() == b.dependencies[d].second.text());
    }
    REQUIRE(a.artifacts.size() == b.artifacts.size());
    for (std::size_t k = 0; k < a.artifacts.size(); ++k) {
      CHECK(a.artifacts[k].platform == b.artifacts[k].platform);
      CHECK(a.artifacts[k].url == b.artifacts[k].url);
      CHECK(a.artifacts[k].sha256 == b.artifacts[k].sha256);
      CHECK(a.artifacts[k].size == b.artifacts[k].size);
    }
  }
}

}  // namespace

TEST_CASE("a package index parses, with versions sorted ascending", "[manifest]") {
  auto index = parse_package_index(sample_index(), "index/hello.yaml");
  if (!index) FAIL(index.error().message);
  CHECK(index->name == "hello");
  REQUIRE(index->versions.size() == 2);
  const auto& old = index->versions[0];
  CHECK(old.version.to_string() == "1.2.0");
  CHECK(old.yanked);
  CHECK(old.dependencies.empty());
  REQUIRE(old.artifacts.size() == 1);
  CHECK(old.artifacts[0].platform == "any");
  CHECK(old.artifacts[0].size == 0);
  const auto& current = index->versions[1];
  CHECK(current.version.to_string() == "1.10.0");
  CHECK_FALSE(current.yanked);
  REQUIRE(current.dependencies.size() == 1);
  CHECK(current.dependencies[0].first == "libgreet");
  CHECK(current.dependencies[0].second.text() == "^2");
  REQUIRE(current.artifacts.size() == 2);
  CHECK(current.artifacts[0].platform == "macos-arm64");
  CHECK(current.artifacts[0].sha256 == kSha2);
  CHECK(current.artifacts[0].size == 2048);
  CHECK(current.artifacts[1].url == "https://cdn.example.org/hello-1.10.0.tar.gz");
  CHECK(current.artifacts[1].size == 10240);
}

TEST_CASE("write_package_index is deterministic and round-trips", "[manifest]") {
  auto index = parse_package_index(sample_index(), "index/hello.yaml");
  REQUIRE(index);
  std::string written = write_package_index(*index);
  CHECK(written ==
        "name: hello\n"
        "versions:\n"
        "  - version: \"1.2.0\"\n"
        "    dependencies: {}\n"
        "    artifacts:\n"
        "      - platform: any\n"
        "        url: ../artifacts/hello-1.2.0.tar.gz\n"
        "        sha256: \"" +
            kSha1 +
            "\"\n"
            "        size: 0\n"
            "    yanked: true\n"
            "  - version: \"1.10.0\"\n"
            "    dependencies:\n"
            "      libgreet: \"^2\"\n"
            "    artifacts:\n"
            "      - platform: linux-x86_64\n"
            "        url: https://cdn.example.org/hello-1.10.0.tar.gz\n"
            "        sha256: \"" +
            kSha1 +
            "\"\n"
            "        size: 10240\n"
            "      - platform: macos-arm64\n"
            "        url: ../artifacts/hello-1.10.0-macos-arm64.tar.gz\n"
            "        sha256: \"" +
            kSha2 +
            "\"\n"
            "        size: 2048\n"
            "    yanked: false\n");
  auto again = parse_package_index(written, "x");
  REQUIRE(again);
  CHECK(write_package_index(*again) == written);

  // Unsorted input gives the same bytes.
  PackageIndex shuffled = *index;
  std::swap(shuffled.versions[0], shuffled.versions[1]);
  CHECK(write_package_index(shuffled) == written);

  PackageIndex empty{"nothing", {}};
  CHECK(write_package_index(empty) == "name: nothing\nversions: []\n");
  auto parsed_empty = parse_package_index(write_package_index(empty), "x");
  REQUIRE(parsed_empty);
  CHECK(parsed_empty->versions.empty());
}

TEST_CASE("package index errors are located", "[manifest]") {
  auto expect_error = [](const std::string& text, const std::string& message) {
    auto parsed = parse_package_index(text, "index/a.yaml");
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().kind == ErrorKind::Input);
    CHECK(parsed.error().message == message);
    return parsed.error();
  };
  expect_error("name: a\n", "index/a.yaml:1:1: missing `versions`");
  expect_error("versions: []\n", "index/a.yaml:1:1: missing `name`");
  auto unknown = expect_error("name: a\nversions:\n  - version: 1.0.0\n    yankd: true\n",
                              "index/a.yaml:4:5: unknown key `yankd` in a version entry");
  CHECK(unknown.hint == "did you mean `yanked`?");
  expect_error("name: a\nversions:\n  - version: 1.0.0\n  - version: \"1.0\"\n",
               "index/a.yaml:4:5: version 1.0 of `a` is listed twice");
  expect_error("name: a\nversions:\n  - version: 1.0.0\n    yanked: maybe\n",
               "index/a.yaml:4:13: `yanked` must be `true` or `false`, found `maybe`");
  expect_error(
      "name: a\nversions:\n  - version: 1.0.0\n    artifacts:\n      - platform: any\n"
      "        url: x\n",
      "index/a.yaml:5:9: an artifact of `a` 1.0.0 has no `sha256`");
  expect_error(
      "name: a\nversions:\n  - version: 1.0.0\n    artifacts:\n      - platform: any\n"
      "        url: x\n        sha256: xyz\n",
      "index/a.yaml:7:17: `sha256` must be 64 lower-case hex characters, found `xyz`");
  expect_error(
      "name: a\nversions:\n  - version: 1.0.0\n    artifacts:\n      - platform: any\n"
      "        url: x\n        sha256: " +
          kSha1 + "\n        size: -1\n",
      "index/a.yaml:8:15: `size` must be a non-negative integer, found `-1`");
  expect_error("name: a\nversions: {}\n",
               "index/a.yaml:2:11: `versions` must be a list, found a map");
  expect_error("name: a\nversions:\n  - dependencies: {}\n",
               "index/a.yaml:3:5: a version entry of `a` has no `version`");
  auto bad = parse_package_index("name: a\nversions:\n  - version: x1\n", "index/a.yaml");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.starts_with("index/a.yaml:3:14: `version`: "));
}

TEST_CASE("registry.yaml round-trips and rejects newer formats", "[manifest]") {
  RegistryRoot root{1, "main"};
  auto text = write_registry_root(root);
  CHECK(text == "format: 1\nname: main\n");
  auto parsed = parse_registry_root(text, "registry.yaml");
  REQUIRE(parsed);
  CHECK(parsed->format == 1);
  CHECK(parsed->name == "main");

  auto newer = parse_registry_root("format: 2\nname: main\n", "registry.yaml");
  REQUIRE_FALSE(newer);
  CHECK(newer.error().message ==
        "registry.yaml:1:9: registry format 2 was written by a newer wharf (this one reads up to "
        "1)");
  CHECK(newer.error().hint == "upgrade wharf");

  auto missing = parse_registry_root("name: main\n", "registry.yaml");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message == "registry.yaml:1:1: missing `format`");

  auto unknown = parse_registry_root("format: 1\nname: x\nnmae: y\n", "registry.yaml");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message == "registry.yaml:3:1: unknown key `nmae` in registry.yaml");
}

TEST_CASE("the canonical fast path reads what write_package_index writes", "[manifest]") {
  auto index = parse_package_index(sample_index(), "index/hello.yaml");
  REQUIRE(index);
  // Add a version with quoted-needing strings and no dependencies or artifacts.
  index->versions.push_back({*version::Version::parse("2.0.0-rc.1+b7"), {}, {}, false});
  index->versions.push_back(
      {*version::Version::parse("3"),
       {{"zlib", *version::Constraint::parse(">=1.2, <2 || =3.0")}},
       {{"any", "https://example.org/x y/a.tar.gz?v=1", std::string(64, 'f'), 7}},
       false});
  std::string written = write_package_index(*index);

  auto fast = parse_canonical_package_index(written);
  REQUIRE(fast);
  CHECK(write_package_index(*fast) == written);
  REQUIRE(fast->versions.size() == 4);
  CHECK(fast->versions[0].version.to_string() == "1.2.0");
  CHECK(fast->versions[0].yanked);
  CHECK(fast->versions[2].version.to_string() == "2.0.0-rc.1+b7");
  CHECK(fast->versions[3].dependencies.at(0).second.text() == ">=1.2, <2 || =3.0");
  CHECK(fast->versions[3].artifacts.at(0).url == "https://example.org/x y/a.tar.gz?v=1");
  CHECK(fast->versions[3].artifacts.at(0).size == 7);

  // Field by field the same as the general parser (which a comment forces).
  auto slow = parse_package_index("# comment\n" + written, "x");
  REQUIRE(slow);
  REQUIRE_FALSE(parse_canonical_package_index("# comment\n" + written));
  check_same_index(*slow, *fast);
}

TEST_CASE("the binary form gives back exactly the index encoded, and rejects damage",
          "[manifest]") {
  auto index = parse_package_index(sample_index(), "index/hello.yaml");
  REQUIRE(index);
  index->versions.push_back(
      {*version::Version::parse("3"),
       {{"zlib", *version::Constraint::parse(">=1.2, <2 || =3.0")},
        {"abc", *version::Constraint::parse("^0.1.0-rc.1")}},  // not in name order: kept as is
       {{"linux-x86_64", "it's \"odd\"\n", std::string(64, 'f'), 1ull << 40},
        {"any", std::string(300, 'u'), std::string(64, 'e'), 0}},
       true});
  std::string bytes = encode_package_index(*index);
  auto decoded = decode_package_index(bytes);
  REQUIRE(decoded);
  check_same_index(*index, *decoded);
  CHECK(encode_package_index(*decoded) == bytes);

  // Every truncation, trailing bytes, and an invalid version text are rejected.
  for (std::size_t cut = 0; cut < bytes.size(); ++cut)
    CHECK_FALSE(decode_package_index(std::string_view(bytes).substr(0, cut)));
  CHECK_FALSE(decode_package_index(bytes + "x"));
  std::string bad = bytes;
  auto at = bad.find("1.2.0");
  REQUIRE(at != std::string::npos);
  bad[at] = 'x';
  CHECK_FALSE(decode_package_index(bad));
  CHECK_FALSE(decode_package_index(std::string(20, '\xff')));
}

TEST_CASE("the fast path declines anything unusual, and errors stay located", "[manifest]") {
  PackageIndex index{"a", {}};
  index.versions.push_back({*version::Version::parse("1.0.0"), {}, {}, false});
  std::string written = write_package_index(index);
  REQUIRE(parse_canonical_package_index(written));

  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string text = written;
    auto pos = text.find(from);
    REQUIRE(pos != std::string::npos);
    text.replace(pos, from.size(), to);
    return text;
  };
  // Different but valid layouts fall back to yaml-cpp and still parse.
  for (const auto& text : {replaced("yanked: false", "yanked: false  # note"),
                           replaced("versions:\n", "versions:\n\n"),
                           replaced("name: a", "name: 'a'"), written + "\n"}) {
    INFO(text);
    CHECK_FALSE(parse_canonical_package_index(text));
    auto parsed = parse_package_index(text, "index/a.yaml");
    REQUIRE(parsed);
    CHECK(write_package_index(*parsed) == written);
  }
  // Invalid values in the canonical layout are declined, and the full parser
  // reports them with a location.
  auto bad_version = replaced("\"1.0.0\"", "\"1.0.x\"");
  CHECK_FALSE(parse_canonical_package_index(bad_version));
  auto error = parse_package_index(bad_version, "index/a.yaml");
  REQUIRE_FALSE(error);
  CHECK(error.error().message.starts_with("index/a.yaml:3:14: `version`: "));

  auto unsorted =
      "name: a\nversions:\n  - version: \"2\"\n    dependencies: {}\n"
      "    artifacts: []\n    yanked: false\n  - version: \"1\"\n"
      "    dependencies: {}\n    artifacts: []\n    yanked: false\n";
  CHECK_FALSE(parse_canonical_package_index(unsorted));
  auto sorted = parse_package_index(unsorted, "x");
  REQUIRE(sorted);
  CHECK(sorted->versions[0].version.to_string() == "1");
}
