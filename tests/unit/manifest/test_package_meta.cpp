#include <catch2/catch.hpp>

#include "wharf/manifest/package_meta.hpp"

using namespace wharf;
using namespace wharf::manifest;

TEST_CASE("package metadata parses and round-trips", "[manifest]") {
  auto meta = parse_package_meta(
      "name: hello\n"
      "version: 1.2.0\n"
      "platform: linux-x86_64\n"
      "dependencies:\n"
      "  zeta: \">=1\"\n"
      "  libgreet: \"^2\"\n",
      "wharf-package.yaml");
  REQUIRE(meta);
  CHECK(meta->name == "hello");
  CHECK(meta->version.to_string() == "1.2.0");
  CHECK(meta->platform == "linux-x86_64");
  REQUIRE(meta->dependencies.size() == 2);
  CHECK(meta->dependencies[0].first == "zeta");  // file order
  CHECK(meta->dependencies[1].second.text() == "^2");

  std::string written = write_package_meta(*meta);
  CHECK(written ==
        "name: hello\n"
        "version: \"1.2.0\"\n"
        "platform: linux-x86_64\n"
        "dependencies:\n"
        "  libgreet: \"^2\"\n"
        "  zeta: \">=1\"\n");
  auto again = parse_package_meta(written, "x");
  REQUIRE(again);
  CHECK(write_package_meta(*again) == written);
}

TEST_CASE("package metadata defaults: platform any, no dependencies", "[manifest]") {
  auto meta = parse_package_meta("name: data\nversion: \"2.0\"\n", "m");
  REQUIRE(meta);
  CHECK(meta->platform == "any");
  CHECK(meta->dependencies.empty());
  CHECK(meta->version.to_string() == "2.0");  // as written
  auto written = write_package_meta(*meta);
  CHECK(written == "name: data\nversion: \"2.0\"\nplatform: any\ndependencies: {}\n");
  REQUIRE(parse_package_meta(written, "m"));
}

TEST_CASE("package metadata errors are located", "[manifest]") {
  auto missing_version = parse_package_meta("name: hello\n", "pkg/wharf-package.yaml");
  REQUIRE_FALSE(missing_version);
  CHECK(missing_version.error().kind == ErrorKind::Input);
  CHECK(missing_version.error().message == "pkg/wharf-package.yaml:1:1: missing `version`");

  auto missing_name = parse_package_meta("version: 1.0.0\n", "m");
  REQUIRE_FALSE(missing_name);
  CHECK(missing_name.error().message == "m:1:1: missing `name`");

  auto unknown = parse_package_meta("name: a\nversion: 1.0.0\nplatfrom: any\n", "m");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message == "m:3:1: unknown key `platfrom` in the package metadata");
  CHECK(unknown.error().hint == "did you mean `platform`?");

  auto platform = parse_package_meta("name: a\nversion: 1.0.0\nplatform: linux\n", "m");
  REQUIRE_FALSE(platform);
  CHECK(platform.error().message == "m:3:11: unknown platform `linux`");

  auto bad_version = parse_package_meta("name: a\nversion: 01.0\n", "m");
  REQUIRE_FALSE(bad_version);
  CHECK(bad_version.error().message.starts_with("m:2:10: `version`: "));

  auto bad_name = parse_package_meta("name: A\nversion: 1.0.0\n", "m");
  REQUIRE_FALSE(bad_name);
  CHECK(bad_name.error().message == "m:1:7: invalid package name `A`");

  auto bad_dep = parse_package_meta("name: a\nversion: 1.0.0\ndependencies:\n  b: \"^^\"\n", "m");
  REQUIRE_FALSE(bad_dep);
  CHECK(bad_dep.error().message.starts_with("m:4:6: `dependencies`, `b`: "));

  auto list_deps = parse_package_meta("name: a\nversion: 1.0.0\ndependencies: [b]\n", "m");
  REQUIRE_FALSE(list_deps);
  CHECK(list_deps.error().message == "m:3:15: `dependencies` must be a map, found a list");
}

TEST_CASE("package metadata lists private files and refuses paths that leave it", "[manifest]") {
  auto meta = manifest::parse_package_meta(
      "name: app\nversion: 1.0.0\nprivate:\n  - etc/app.conf\n  - \"share/app/*.ini\"\n",
      "wharf-package.yaml");
  REQUIRE(meta);
  CHECK(meta->private_files == std::vector<std::string>{"etc/app.conf", "share/app/*.ini"});
  auto again = manifest::parse_package_meta(manifest::write_package_meta(*meta), "again");
  REQUIRE(again);
  CHECK(again->private_files == meta->private_files);

  for (const char* bad : {"../outside", "/etc/passwd", "etc/../../x"}) {
    auto refused = manifest::parse_package_meta(
        std::string("name: app\nversion: 1.0.0\nprivate:\n  - \"") + bad + "\"\n",
        "wharf-package.yaml");
    REQUIRE_FALSE(refused);
    CHECK(refused.error().exit_code() == 2);
    CHECK(refused.error().message.find("wharf-package.yaml:4:") == 0);
    CHECK(refused.error().message.find("leaves the package") != std::string::npos);
  }
}
