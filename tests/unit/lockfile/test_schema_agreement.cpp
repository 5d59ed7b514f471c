// The JSON Schemas in schemas/ describe what wharf writes: validate files
// written by the C++ writers with tests/schemas/validate_examples.py (a real
// process, Debian's /usr/bin/python3 with python3-jsonschema).
#include <catch2/catch.hpp>
#include <filesystem>

#include "wharf/lockfile/lockfile.hpp"
#include "wharf/manifest/manifest.hpp"
#include "wharf/manifest/package_meta.hpp"
#include "wharf/manifest/registry_index.hpp"
#include "wharf/util/fs.hpp"
#include "wharf/util/process.hpp"

using namespace wharf;

namespace {

bool validator_available() {
  if (!std::filesystem::exists("/usr/bin/python3")) return false;
  auto probe = run_process({"/usr/bin/python3", "-c", "import jsonschema, yaml"});
  return probe && probe->exit_code == 0;
}

std::string validator() {
  return std::string(WHARF_SOURCE_DIR) + "/tests/schemas/validate_examples.py";
}

}  // namespace

TEST_CASE("files written by wharf validate against the JSON Schemas", "[lockfile]") {
  if (!validator_available()) {
    WARN("skipped: /usr/bin/python3 with jsonschema and yaml is not installed");
    return;
  }
  TempDir dir;
  const std::string sha(64, 'e');

  auto manifest = manifest::parse_manifest(
      "name: demo\n"
      "registries:\n  - name: main\n    url: file:./registry\n"
      "platforms: [linux-x86_64]\n"
      "dependencies:\n  hello: \"^1.0\"\n  tool: { path: ../tool }\n",
      dir.path() / "project" / "wharf.yaml");
  REQUIRE(manifest);
  REQUIRE(
      write_file_atomic(dir.path() / "project" / "wharf.yaml", manifest::starter_manifest("demo")));

  lockfile::Lockfile lock;
  lockfile::stamp_inputs(lock, *manifest);
  lock.platforms = {"linux-x86_64"};
  lockfile::LockedPackage hello{"hello",
                                *version::Version::parse("1.2.0-rc.1+b5"),
                                {lockfile::SourceKind::Registry, "https://u:p@example.org/r"},
                                {}};
  hello.platforms.push_back(
      {"linux-x86_64", lockfile::LockedArtifact{"../a/hello.tar.gz", sha, 12}, {"libgreet"}});
  lockfile::LockedPackage lib{"mylib",
                              *version::Version::parse("2"),
                              {lockfile::SourceKind::Git, "https://example.org/mylib.git",
                               "0123456789abcdef0123456789abcdef01234567", "main"},
                              {}};
  lib.platforms.push_back({"linux-x86_64", std::nullopt, {}});
  lock.packages = {hello, lib};
  lock.environments["default"]["linux-x86_64"] = {"hello", "mylib"};
  REQUIRE(lockfile::save(dir.path() / "project" / "wharf.lock", lock));

  manifest::PackageMeta meta{"hello",
                             *version::Version::parse("1.2.0"),
                             "linux-x86_64",
                             {{"libgreet", *version::Constraint::parse("^2")}}};
  REQUIRE(write_file_atomic(dir.path() / "pkg" / "wharf-package.yaml",
                            manifest::write_package_meta(meta)));

  manifest::PackageIndex index{"hello", {}};
  index.versions.push_back({*version::Version::parse("1.2.0"),
                            {{"libgreet", *version::Constraint::parse(">=2, <3")}},
                            {{"any", "../artifacts/hello-1.2.0.tar.gz", sha, 10}},
                            true});
  index.versions.push_back({*version::Version::parse("1.0"), {}, {}, false});
  REQUIRE(write_file_atomic(dir.path() / "registry" / "index" / "hello.yaml",
                            manifest::write_package_index(index)));
  REQUIRE(write_file_atomic(dir.path() / "registry" / "registry.yaml",
                            manifest::write_registry_root({1, "main"})));

  auto result = run_process({"/usr/bin/python3", validator(), dir.path().string()});
  REQUIRE(result);
  INFO(result->out << result->err);
  CHECK(result->exit_code == 0);
  CHECK(result->out.find("validated 5 file(s), 0 error(s)") != std::string::npos);

  // And the validator does reject a broken file.
  REQUIRE(write_file_atomic(dir.path() / "registry" / "registry.yaml", "format: 9\nname: x\n"));
  auto broken = run_process({"/usr/bin/python3", validator(), dir.path().string()});
  REQUIRE(broken);
  CHECK(broken->exit_code == 1);
  CHECK(broken->err.find("registry.yaml: format:") != std::string::npos);
}
