#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "wharf/manifest/manifest.hpp"
#include "wharf/util/fs.hpp"

using namespace wharf;
using namespace wharf::manifest;

namespace {

constexpr const char* kSha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

Manifest parse_ok(const std::string& text) {
  auto parsed = parse_manifest(text, "wharf.yaml");
  if (!parsed) FAIL(parsed.error().message << " / hint: " << parsed.error().hint);
  return *parsed;
}

Error parse_err(const std::string& text) {
  auto parsed = parse_manifest(text, "wharf.yaml");
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().kind == ErrorKind::Input);
  CHECK(parsed.error().exit_code() == 2);
  return parsed.error();
}

const std::string kRegistries =
    "registries:\n"
    "  - name: main\n"
    "    url: file:./registry\n";

}  // namespace

TEST_CASE("the FORMATS.md example manifest parses completely", "[manifest]") {
  std::string text = std::string(
                         "name: demo                        # required\n"
                         "version: 0.1.0                    # optional\n"
                         "registries:                       # ordered; the first is the default\n"
                         "  - name: main\n"
                         "    url: file:./registry\n"
                         "  - name: extra\n"
                         "    url: https://example.org/registry\n"
                         "platforms: [linux-x86_64, macos-arm64]\n"
                         "dependencies:\n"
                         "  hello: \"^1.2\"\n"
                         "  zlib: { version: \">=1.3\", registry: extra }\n"
                         "  mylib: { git: \"https://example.org/mylib.git\", tag: v1.4.0 }\n"
                         "  dataset: { url: \"https://example.org/data-1.0.tar.gz\", sha256: \"") +
                     kSha +
                     "\" }\n"
                     "  tool: { path: ../tool }\n"
                     "environments:\n"
                     "  dev:\n"
                     "    dependencies:\n"
                     "      debugger: \"*\"\n"
                     "env:\n"
                     "  GREETING: hello from ${WHARF_PREFIX}\n"
                     "overrides:\n"
                     "  libgreet: \"=2.0.1\"\n"
                     "constraints:\n"
                     "  openssl: \"<4\"\n"
                     "clash:\n"
                     "  bin/hello: hello\n";
  TempDir dir;
  REQUIRE(write_file_atomic(dir.path() / "wharf.yaml", text));
  auto loaded = load_manifest(dir.path() / "wharf.yaml");
  REQUIRE(loaded);
  const Manifest& m = *loaded;
  CHECK(m.file == dir.path() / "wharf.yaml");
  CHECK(m.root == dir.path());
  CHECK(m.name == "demo");
  REQUIRE(m.version);
  CHECK(m.version->to_string() == "0.1.0");
  REQUIRE(m.registries.size() == 2);
  CHECK(m.registries[0].name == "main");
  CHECK(m.registries[0].url == "file:./registry");
  CHECK(m.registries[0].where.to_string() == (dir.path() / "wharf.yaml").string() + ":4:5");
  CHECK(m.registries[1].url == "https://example.org/registry");
  CHECK(m.platforms == std::vector<std::string>{"linux-x86_64", "macos-arm64"});
  REQUIRE(m.dependencies.size() == 5);
  const auto& hello = m.dependencies[0];
  CHECK(hello.name == "hello");
  CHECK(hello.kind == SourceKind::Registry);
  CHECK(hello.constraint.text() == "^1.2");
  CHECK(hello.registry.empty());
  CHECK(m.registry_for(hello)->name == "main");
  CHECK(hello.where.line == 10);
  CHECK(hello.where.column == 3);
  const auto& zlib = m.dependencies[1];
  CHECK(zlib.name == "zlib");
  CHECK(zlib.kind == SourceKind::Registry);
  CHECK(zlib.constraint.text() == ">=1.3");
  CHECK(zlib.registry == "extra");
  CHECK(m.registry_for(zlib)->url == "https://example.org/registry");
  const auto& mylib = m.dependencies[2];
  CHECK(mylib.kind == SourceKind::Git);
  CHECK(mylib.git == "https://example.org/mylib.git");
  CHECK(mylib.tag == "v1.4.0");
  CHECK(mylib.branch.empty());
  CHECK(mylib.constraint.text() == "*");
  const auto& dataset = m.dependencies[3];
  CHECK(dataset.kind == SourceKind::Url);
  CHECK(dataset.url == "https://example.org/data-1.0.tar.gz");
  CHECK(dataset.sha256 == kSha);
  const auto& tool = m.dependencies[4];
  CHECK(tool.kind == SourceKind::Path);
  CHECK(tool.path == "../tool");
  REQUIRE(m.environments.size() == 1);
  CHECK(m.environments[0].name == "dev");
  REQUIRE(m.environments[0].dependencies.size() == 1);
  CHECK(m.environments[0].dependencies[0].name == "debugger");
  REQUIRE(m.env.size() == 1);
  CHECK(m.env[0].first == "GREETING");
  CHECK(m.env[0].second == "hello from ${WHARF_PREFIX}");
  CHECK(m.overrides.at("libgreet").text() == "=2.0.1");
  CHECK(m.constraints.at("openssl").text() == "<4");
  CHECK(m.clash.at("bin/hello") == "hello");
  CHECK(m.environment_names() == std::vector<std::string>{"default", "dev"});
  CHECK(m.effective_platforms() == std::vector<std::string>{"linux-x86_64", "macos-arm64"});
}

TEST_CASE("dependencies_of: environments add to and replace top-level dependencies", "[manifest]") {
  auto m = parse_ok(kRegistries +
                    "name: demo\n"
                    "dependencies:\n"
                    "  hello: \"^1\"\n"
                    "  zlib: \"*\"\n"
                    "environments:\n"
                    "  dev:\n"
                    "    dependencies:\n"
                    "      debugger: \"*\"\n"
                    "      hello: \"^2\"\n"
                    "  empty:\n");
  auto def = m.dependencies_of("default");
  REQUIRE(def);
  REQUIRE(def->size() == 2);
  CHECK((*def)[0].constraint.text() == "^1");
  auto dev = m.dependencies_of("dev");
  REQUIRE(dev);
  REQUIRE(dev->size() == 3);
  CHECK((*dev)[0].name == "hello");
  CHECK((*dev)[0].constraint.text() == "^2");
  CHECK((*dev)[1].name == "zlib");
  CHECK((*dev)[2].name == "debugger");
  auto empty = m.dependencies_of("empty");
  REQUIRE(empty);
  CHECK(empty->size() == 2);
  CHECK_FALSE(m.dependencies_of("prod"));
}

TEST_CASE("a manifest without platforms covers the current platform", "[manifest]") {
  auto m = parse_ok("name: demo\n");
  CHECK(m.platforms.empty());
  CHECK(m.effective_platforms() == std::vector<std::string>{current_platform()});
  const auto& known = known_platforms();
  CHECK(std::find(known.begin(), known.end(), current_platform()) != known.end());
  CHECK(m.dependencies.empty());
  CHECK_FALSE(m.version);
}

TEST_CASE("malformed YAML is located 1-based", "[manifest]") {
  auto e = parse_err("name: demo\ndependencies:\n  hello: [1, 2\n");
  CHECK(e.message.starts_with("wharf.yaml:4:1: invalid YAML: "));
  auto e2 = parse_err("name: demo\n  bad: : x\n");
  CHECK(e2.message.starts_with("wharf.yaml:2:"));
  CHECK(e2.message.find("invalid YAML") != std::string::npos);
}

TEST_CASE("wrong types name what was expected and what was found", "[manifest]") {
  auto e = parse_err("name: demo\ndependencies:\n  - hello\n");
  CHECK(e.message == "wharf.yaml:3:3: `dependencies` must be a map, found a list");
  CHECK_FALSE(e.hint.empty());
  auto top = parse_err("- a\n- b\n");
  CHECK(top.message == "wharf.yaml:1:1: the manifest must be a map of keys, found a list");
  auto platforms = parse_err("name: demo\nplatforms: linux-x86_64\n");
  CHECK(platforms.message == "wharf.yaml:2:12: `platforms` must be a list, found a string");
  auto name = parse_err("name: [a]\n");
  CHECK(name.message == "wharf.yaml:1:7: `name` must be a string, found a list");
  auto dep = parse_err(kRegistries + "name: demo\ndependencies:\n  hello: [1]\n");
  CHECK(dep.message ==
        "wharf.yaml:6:10: dependency `hello` must be a constraint string or a table, found a "
        "list");
  auto null_dep = parse_err(kRegistries + "name: demo\ndependencies:\n  hello:\n");
  CHECK(null_dep.message.starts_with("wharf.yaml:6:3: dependency `hello` must be a constraint"));
  CHECK(null_dep.message.ends_with("found nothing"));
}

TEST_CASE("unknown keys are errors at every level, with suggestions", "[manifest]") {
  auto top = parse_err("name: demo\ndependencis:\n  hello: \"*\"\n");
  CHECK(top.message == "wharf.yaml:2:1: unknown key `dependencis` in the manifest");
  CHECK(top.hint == "did you mean `dependencies`?");

  auto far = parse_err("name: demo\nzzzzzzzz: 1\n");
  CHECK(far.message == "wharf.yaml:2:1: unknown key `zzzzzzzz` in the manifest");
  CHECK(far.hint.starts_with("known keys of the manifest: name, version, registries"));

  auto registry = parse_err("name: demo\nregistries:\n  - name: main\n    ulr: file:./r\n");
  CHECK(registry.message == "wharf.yaml:4:5: unknown key `ulr` in a registry entry");
  CHECK(registry.hint == "did you mean `url`?");

  auto dep = parse_err(kRegistries + "name: demo\ndependencies:\n  hello: { verison: \"1\" }\n");
  CHECK(dep.message == "wharf.yaml:6:12: unknown key `verison` in dependency `hello`");
  CHECK(dep.hint == "did you mean `version`?");

  auto env = parse_err(kRegistries +
                       "name: demo\nenvironments:\n  dev:\n    dependecies:\n      a: \"*\"\n");
  CHECK(env.message == "wharf.yaml:7:5: unknown key `dependecies` in environment `dev`");
  CHECK(env.hint == "did you mean `dependencies`?");

  auto env_dep = parse_err(kRegistries +
                           "name: demo\nenvironments:\n  dev:\n    dependencies:\n"
                           "      a: { tga: v1, git: x }\n");
  CHECK(env_dep.message == "wharf.yaml:8:12: unknown key `tga` in dependency `a`");
  CHECK(env_dep.hint == "did you mean `tag`?");
}

TEST_CASE("duplicate keys are errors", "[manifest]") {
  auto e = parse_err(kRegistries + "name: demo\ndependencies:\n  a: \"1\"\n  a: \"2\"\n");
  CHECK(e.message == "wharf.yaml:7:3: duplicate key `a` in `dependencies`");
}

TEST_CASE("invalid versions and constraints are located at the value", "[manifest]") {
  auto v = parse_err("name: demo\nversion: v1.2\n");
  CHECK(v.message.starts_with("wharf.yaml:2:10: `version`: "));
  CHECK(v.message.find("v1.2") != std::string::npos);

  auto c = parse_err(kRegistries + "name: demo\ndependencies:\n  hello: \">=\"\n");
  CHECK(c.message.starts_with("wharf.yaml:6:10: dependency `hello`: "));
  CHECK(c.message.find("`>=`") != std::string::npos);

  auto table = parse_err(kRegistries + "name: demo\ndependencies:\n  hello: { version: 1.2.x }\n");
  CHECK(table.message.starts_with("wharf.yaml:6:21: dependency `hello`: "));
  CHECK(table.message.find("1.2.x") != std::string::npos);

  auto over = parse_err("name: demo\noverrides:\n  zlib: \"^^1\"\n");
  CHECK(over.message.starts_with("wharf.yaml:3:9: `zlib` in `overrides`: "));
}

TEST_CASE("invalid package names are rejected where written", "[manifest]") {
  auto e = parse_err(kRegistries + "name: demo\ndependencies:\n  Hello: \"*\"\n");
  CHECK(e.message == "wharf.yaml:6:3: invalid package name `Hello`");
  CHECK(e.hint.find("lower-case") != std::string::npos);
  auto clash = parse_err("name: demo\nclash:\n  bin/x: Bad_Name\n");
  CHECK(clash.message == "wharf.yaml:3:10: invalid package name `Bad_Name`");

  CHECK(is_valid_package_name("hello"));
  CHECK(is_valid_package_name("7zip"));
  CHECK(is_valid_package_name("lib.greet_2-x"));
  CHECK_FALSE(is_valid_package_name(""));
  CHECK_FALSE(is_valid_package_name("-x"));
  CHECK_FALSE(is_valid_package_name(".x"));
  CHECK_FALSE(is_valid_package_name("Hello"));
  CHECK_FALSE(is_valid_package_name("a b"));
  CHECK_FALSE(is_valid_package_name("a/b"));
  CHECK_FALSE(is_valid_package_name(std::string(129, 'a')));
}

TEST_CASE("registry references must name a declared registry", "[manifest]") {
  auto typo = parse_err(kRegistries + "name: demo\ndependencies:\n  zlib: { registry: mian }\n");
  CHECK(typo.message == "wharf.yaml:6:21: dependency `zlib` names unknown registry `mian`");
  CHECK(typo.hint == "did you mean `main`?");

  auto none = parse_err("name: demo\ndependencies:\n  zlib: \"*\"\n");
  CHECK(none.message ==
        "wharf.yaml:3:3: dependency `zlib` comes from a registry, but no `registries` are "
        "declared");

  auto twice = parse_err(
      "name: demo\nregistries:\n  - {name: a, url: file:x}\n  - {name: a, url: file:y}\n");
  CHECK(twice.message == "wharf.yaml:4:5: registry `a` is declared twice");

  auto no_url = parse_err("name: demo\nregistries:\n  - name: a\n");
  CHECK(no_url.message == "wharf.yaml:3:5: registry `a` has no `url`");

  auto scheme = parse_err("name: demo\nregistries:\n  - name: a\n    url: ./registry\n");
  CHECK(scheme.message == "wharf.yaml:4:10: unsupported registry URL `./registry`");
  CHECK(scheme.hint.find("file:PATH") != std::string::npos);

  // Path, git and url deps need no registry.
  auto m = parse_ok("name: demo\ndependencies:\n  tool: { path: ../tool }\n");
  CHECK(m.dependencies[0].kind == SourceKind::Path);
}

TEST_CASE("git dependencies take at most one of branch, tag and rev", "[manifest]") {
  auto e = parse_err(
      "name: demo\ndependencies:\n  lib: { git: \"https://x/lib.git\", branch: main, "
      "tag: v1 }\n");
  CHECK(e.message == "wharf.yaml:3:50: dependency `lib` has both `branch` and `tag`");
  CHECK(e.hint == "give at most one of `branch`, `tag` or `rev`");

  auto orphan = parse_err("name: demo\ndependencies:\n  lib: { path: ../lib, rev: abc }\n");
  CHECK(orphan.message == "wharf.yaml:3:24: `rev` of dependency `lib` needs `git`");

  auto two_sources = parse_err("name: demo\ndependencies:\n  lib: { path: ../lib, git: x }\n");
  CHECK(two_sources.message == "wharf.yaml:3:24: dependency `lib` has both `path` and `git`");

  auto registry_on_git =
      parse_err(kRegistries + "name: demo\ndependencies:\n  lib: { git: x, registry: main }\n");
  CHECK(registry_on_git.message ==
        "wharf.yaml:6:28: `registry` applies only to registry dependencies, but dependency "
        "`lib` has `git`");

  auto m =
      parse_ok("name: demo\ndependencies:\n  lib: { git: x, rev: abc123, version: \">=1\" }\n");
  CHECK(m.dependencies[0].rev == "abc123");
  CHECK(m.dependencies[0].constraint.text() == ">=1");
}

TEST_CASE("url dependencies need a well-formed sha256", "[manifest]") {
  auto missing = parse_err("name: demo\ndependencies:\n  data: { url: \"https://x/d.tgz\" }\n");
  CHECK(missing.message == "wharf.yaml:3:3: url dependency `data` has no `sha256`");
  CHECK(missing.hint.find("sha256sum") != std::string::npos);

  auto upper = parse_err("name: demo\ndependencies:\n  data: { url: u, sha256: \"" +
                         std::string(64, 'A') + "\" }\n");
  CHECK(upper.message ==
        "wharf.yaml:3:27: `sha256` of dependency `data` must be 64 lower-case "
        "hex characters, found `" +
            std::string(64, 'A') + "`");

  auto short_sha = parse_err("name: demo\ndependencies:\n  data: { url: u, sha256: abc }\n");
  CHECK(short_sha.message.starts_with("wharf.yaml:3:27: `sha256` of dependency `data`"));

  auto orphan = parse_err("name: demo\ndependencies:\n  data: { path: p, sha256: abc }\n");
  CHECK(orphan.message == "wharf.yaml:3:28: `sha256` of dependency `data` needs `url`");
}

TEST_CASE("platforms must be known", "[manifest]") {
  auto e = parse_err("name: demo\nplatforms: [linux-x86_64, linux-x64]\n");
  CHECK(e.message == "wharf.yaml:2:27: unknown platform `linux-x64`");
  CHECK(e.hint == "did you mean `linux-x86_64`?");
  auto any = parse_err("name: demo\nplatforms: [any]\n");
  CHECK(any.message == "wharf.yaml:2:13: unknown platform `any`");
  auto twice = parse_err("name: demo\nplatforms:\n  - macos-arm64\n  - macos-arm64\n");
  CHECK(twice.message == "wharf.yaml:4:5: platform `macos-arm64` is listed twice");
}

TEST_CASE("missing name and other required pieces", "[manifest]") {
  auto e = parse_err("version: 1.0.0\n");
  CHECK(e.message == "wharf.yaml:1:1: missing `name`");
  CHECK(e.hint.find("name:") != std::string::npos);
  auto empty = parse_err("");
  CHECK(empty.message == "wharf.yaml:1:1: missing `name`");
  auto blank = parse_err("name: \"\"\n");
  CHECK(blank.message == "wharf.yaml:1:7: `name` must not be empty");
  auto def = parse_err("name: demo\nenvironments:\n  default:\n    dependencies: {}\n");
  CHECK(def.message == "wharf.yaml:3:3: `default` cannot be declared under `environments`");
  auto var = parse_err("name: demo\nenv:\n  1BAD: x\n");
  CHECK(var.message == "wharf.yaml:3:3: invalid variable name `1BAD`");
}

TEST_CASE("load_manifest: a missing file says to run wharf init", "[manifest]") {
  TempDir dir;
  auto e = load_manifest(dir.path() / "wharf.yaml");
  REQUIRE_FALSE(e);
  CHECK(e.error().kind == ErrorKind::Failure);
  CHECK(e.error().message == "no wharf.yaml in " + dir.path().string());
  CHECK(e.error().hint.find("wharf init") != std::string::npos);
}

TEST_CASE("the starter manifest is valid and commented", "[manifest]") {
  std::string text = starter_manifest("my-project");
  CHECK(text.find("# ") != std::string::npos);
  auto m = parse_manifest(text, "wharf.yaml");
  REQUIRE(m);
  CHECK(m->name == "my-project");
  CHECK(m->dependencies.empty());
  // Uncommenting the examples keeps it valid (given a registry).
  std::string uncommented;
  for (std::string_view rest = text; !rest.empty();) {
    auto end = rest.find('\n');
    std::string line(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    auto hash = line.find("# ");
    bool example =
        hash != std::string::npos && line.find_first_not_of(' ') == hash &&
        line.find(':') != std::string::npos && line.find("wharf") == std::string::npos &&
        line.find("What") == std::string::npos && line.find("Where") == std::string::npos &&
        line.find("More") == std::string::npos && line.find("Variables") == std::string::npos;
    if (example) line.erase(hash, 2);
    uncommented += line + "\n";
  }
  auto full = parse_manifest(uncommented, "wharf.yaml");
  if (!full) FAIL(full.error().message << "\n" << uncommented);
  CHECK(full->dependencies.size() == 3);
  CHECK(full->environments.size() == 1);
  CHECK(full->registries.size() == 1);
}

TEST_CASE("resolution_hash ignores layout and non-resolution keys", "[manifest]") {
  auto a = parse_ok(kRegistries +
                    "name: demo\n"
                    "platforms: [linux-x86_64, macos-arm64]\n"
                    "dependencies:\n"
                    "  hello: \"^1.2\"\n"
                    "  zlib: { version: \">=1.3\", registry: main }\n"
                    "environments:\n"
                    "  dev: { dependencies: { debugger: \"*\" } }\n"
                    "  ci: { dependencies: { lint: \"*\" } }\n"
                    "overrides: { zlib: \"=1.3.1\" }\n"
                    "constraints: { openssl: \"<4\" }\n");
  // Reordered keys, block style, comments, another name/version/env/clash.
  auto b = parse_ok(
      "# a comment\n"
      "constraints:\n"
      "  openssl: \"<4\"\n"
      "overrides:\n"
      "  zlib: \"=1.3.1\"   # pinned\n"
      "environments:\n"
      "  ci:\n"
      "    dependencies:\n"
      "      lint: \"*\"\n"
      "  dev:\n"
      "    dependencies:\n"
      "      debugger: \"*\"\n"
      "dependencies:\n"
      "  zlib:\n"
      "    registry: main\n"
      "    version: \">=1.3\"\n"
      "  hello:     \"^1.2\"\n"
      "platforms:\n"
      "  - macos-arm64\n"
      "  - linux-x86_64\n"
      "name: other\n"
      "version: 9.9.9\n"
      "env:\n"
      "  X: y\n"
      "clash:\n"
      "  bin/x: hello\n" +
      kRegistries);
  CHECK(a.resolution_hash() == b.resolution_hash());
  CHECK(a.resolution_hash().size() == 64);
  CHECK(a.resolution_inputs().sections() == b.resolution_inputs().sections());

  // The default registry named explicitly or implicitly is the same input.
  auto implicit = parse_ok(kRegistries + "name: demo\ndependencies:\n  hello: \"^1\"\n");
  auto explicit_ = parse_ok(kRegistries +
                            "name: demo\ndependencies:\n  hello: { version: \"^1\", registry: "
                            "main }\n");
  CHECK(implicit.resolution_hash() == explicit_.resolution_hash());
}

TEST_CASE("resolution_hash changes with every resolution input", "[manifest]") {
  const std::string base_text = kRegistries +
                                "name: demo\n"
                                "platforms: [linux-x86_64]\n"
                                "dependencies:\n"
                                "  hello: \"^1.2\"\n"
                                "  lib: { git: \"https://x/lib.git\", tag: v1 }\n"
                                "environments:\n"
                                "  dev: { dependencies: { debugger: \"*\" } }\n"
                                "overrides: { zlib: \"=1.3.1\" }\n"
                                "constraints: { openssl: \"<4\" }\n";
  auto base = parse_ok(base_text);
  auto base_inputs = base.resolution_inputs();
  auto changed = [&](const std::string& from, const std::string& to) {
    auto pos = base_text.find(from);
    REQUIRE(pos != std::string::npos);
    std::string text = base_text;
    text.replace(pos, from.size(), to);
    return parse_ok(text);
  };
  struct Case {
    std::string from, to, section;
  };
  std::vector<Case> cases{
      {"file:./registry", "file:./other", "registries"},
      {"name: main", "name: primary", "registries"},
      {"[linux-x86_64]", "[linux-x86_64, macos-arm64]", "platforms"},
      {"\"^1.2\"", "\"^1.3\"", "dependencies"},
      {"tag: v1", "tag: v2", "dependencies"},
      {"tag: v1", "branch: v1", "dependencies"},
      {"https://x/lib.git", "https://y/lib.git", "dependencies"},
      {"  hello: \"^1.2\"\n", "", "dependencies"},
      {"debugger: \"*\"", "debugger: \"^1\"", "environments"},
      {"dev:", "test:", "environments"},
      {"zlib: \"=1.3.1\"", "zlib: \"=1.3.2\"", "overrides"},
      {"openssl: \"<4\"", "openssl: \"<3\"", "overrides"},
  };
  for (const auto& c : cases) {
    INFO(c.from << " -> " << c.to);
    auto m = changed(c.from, c.to);
    CHECK(m.resolution_hash() != base.resolution_hash());
    auto inputs = m.resolution_inputs();
    auto sections = inputs.sections();
    auto old_sections = base_inputs.sections();
    for (std::size_t i = 0; i < sections.size(); ++i) {
      INFO(sections[i].first);
      CHECK((sections[i].second != old_sections[i].second) == (sections[i].first == c.section));
    }
  }

  // Not resolution inputs.
  auto env = parse_ok(base_text + "env:\n  FOO: bar\n");
  CHECK(env.resolution_hash() == base.resolution_hash());
  auto renamed = changed("name: demo", "name: other");
  CHECK(renamed.resolution_hash() == base.resolution_hash());
  auto clash = parse_ok(base_text + "clash:\n  bin/x: hello\n");
  CHECK(clash.resolution_hash() == base.resolution_hash());
  auto versioned = parse_ok(base_text + "version: 2.0.0\n");
  CHECK(versioned.resolution_hash() == base.resolution_hash());
}

TEST_CASE("Location::to_string is file:line:column", "[manifest]") {
  CHECK((Location{"wharf.yaml", 4, 3}).to_string() == "wharf.yaml:4:3");
  CHECK((Location{"wharf.yaml", 0, 0}).to_string() == "wharf.yaml");
}

TEST_CASE("solve-group puts an environment apart, and only then changes the hash", "[manifest]") {
  const std::string head =
      "name: demo\nregistries:\n  - name: main\n    url: file:./r\ndependencies:\n  a: \"*\"\n"
      "environments:\n  dev:\n";
  auto plain = parse_ok(head + "    dependencies:\n      b: \"*\"\n");
  auto same = parse_ok(head + "    solve-group: default\n    dependencies:\n      b: \"*\"\n");
  auto apart = parse_ok(head + "    solve-group: tools\n    dependencies:\n      b: \"*\"\n");
  REQUIRE(plain.environments.size() == 1);
  CHECK(plain.environments[0].solve_group == "default");
  CHECK(apart.environments[0].solve_group == "tools");
  CHECK(same.resolution_hash() == plain.resolution_hash());
  CHECK(apart.resolution_hash() != plain.resolution_hash());
  CHECK(apart.resolution_inputs().environments != plain.resolution_inputs().environments);
  CHECK(apart.resolution_inputs().dependencies == plain.resolution_inputs().dependencies);

  auto bad = parse_err(head + "    solve-group: [x]\n");
  CHECK(bad.message.find("wharf.yaml:9:") == 0);
}
