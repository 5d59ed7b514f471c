#include <catch2/catch.hpp>
#include <string>

#include "wharf/manifest/edit.hpp"
#include "wharf/manifest/manifest.hpp"

using namespace wharf;
using namespace wharf::manifest;

namespace {

const std::string kHead =
    "# My project.\n"
    "name: demo   # the name\n"
    "registries:\n"
    "  - name: main\n"
    "    url: file:./registry\n";

std::string set_ok(const std::string& text, std::string_view env, std::string_view name,
                   const DependencyValue& value) {
  auto edited = set_dependency(text, "wharf.yaml", env, name, value);
  if (!edited) FAIL(edited.error().message << " / " << edited.error().hint);
  return edited->text;
}

std::string remove_ok(const std::string& text, std::string_view env, std::string_view name) {
  auto edited = remove_dependency(text, "wharf.yaml", env, name);
  if (!edited) FAIL(edited.error().message << " / " << edited.error().hint);
  return edited->text;
}

DependencyValue constraint(std::string text) {
  DependencyValue v;
  v.version = std::move(text);
  return v;
}

}  // namespace

TEST_CASE("yaml_scalar quotes what would not read back as the same string", "[manifest]") {
  CHECK(yaml_scalar("main") == "main");
  CHECK(yaml_scalar("v1.4.0") == "v1.4.0");
  CHECK(yaml_scalar("feature/x-y") == "feature/x-y");
  CHECK(yaml_scalar("^1.2.0") == "\"^1.2.0\"");
  CHECK(yaml_scalar("*") == "\"*\"");
  CHECK(yaml_scalar("1.2") == "\"1.2\"");
  CHECK(yaml_scalar(">=1, <2") == "\">=1, <2\"");
  CHECK(yaml_scalar("true") == "\"true\"");
  CHECK(yaml_scalar("Null") == "\"Null\"");
  CHECK(yaml_scalar("") == "\"\"");
  CHECK(yaml_scalar("https://x.org/a.git") == "\"https://x.org/a.git\"");
  CHECK(yaml_scalar("say \"hi\"\\") == "\"say \\\"hi\\\"\\\\\"");
}

TEST_CASE("render_dependency writes a string or a flow table", "[manifest]") {
  CHECK(render_dependency(constraint("^1.2.0")) == "\"^1.2.0\"");
  DependencyValue r = constraint("^2");
  r.registry = "extra";
  CHECK(render_dependency(r) == "{ version: \"^2\", registry: extra }");
  DependencyValue g;
  g.git = "https://example.org/mylib.git";
  g.tag = "v1.4.0";
  CHECK(render_dependency(g) == "{ git: \"https://example.org/mylib.git\", tag: v1.4.0 }");
  g.tag.clear();
  g.rev = "0123abc";
  g.version = ">=1";
  CHECK(render_dependency(g) ==
        "{ git: \"https://example.org/mylib.git\", rev: \"0123abc\", version: \">=1\" }");
}

TEST_CASE("set_dependency appends to a block table and keeps every other byte", "[manifest]") {
  std::string text = kHead +
                     "dependencies:        # what we need\n"
                     "    zlib: \">=1.3\"    # compression\n"
                     "    # the greeter\n"
                     "    hello: \"^1.2\"\n"
                     "\n"
                     "# variables\n"
                     "env:\n"
                     "  A: b\n";
  // Unsorted keys: the new entry goes after the last one, with the table's indentation.
  CHECK(set_ok(text, "default", "fmt", constraint("^10.2.1")) ==
        kHead +
            "dependencies:        # what we need\n"
            "    zlib: \">=1.3\"    # compression\n"
            "    # the greeter\n"
            "    hello: \"^1.2\"\n"
            "    fmt: \"^10.2.1\"\n"
            "\n"
            "# variables\n"
            "env:\n"
            "  A: b\n");
  // Replacing keeps the comment at its column.
  auto replaced = set_dependency(text, "wharf.yaml", "default", "zlib", constraint("^1.3.1"));
  REQUIRE(replaced);
  CHECK(replaced->replaced);
  CHECK(replaced->old_value == "\">=1.3\"");
  CHECK(replaced->text == kHead +
                              "dependencies:        # what we need\n"
                              "    zlib: \"^1.3.1\"   # compression\n"
                              "    # the greeter\n"
                              "    hello: \"^1.2\"\n"
                              "\n"
                              "# variables\n"
                              "env:\n"
                              "  A: b\n");
}

TEST_CASE("set_dependency inserts at the sorted place when the keys are sorted", "[manifest]") {
  std::string text = kHead +
                     "dependencies:\n"
                     "  alpha: \"*\"\n"
                     "  # about zeta\n"
                     "  zeta: \"^1\"\n";
  CHECK(set_ok(text, "default", "mid", constraint("^2.0.0")) == kHead +
                                                                    "dependencies:\n"
                                                                    "  alpha: \"*\"\n"
                                                                    "  mid: \"^2.0.0\"\n"
                                                                    "  # about zeta\n"
                                                                    "  zeta: \"^1\"\n");
}

TEST_CASE("set_dependency replaces a nested table entry with one line", "[manifest]") {
  std::string text = kHead +
                     "dependencies:\n"
                     "  zlib:\n"
                     "    version: \">=1.3\"\n"
                     "    registry: main\n"
                     "  hello: \"*\"\n";
  CHECK(set_ok(text, "default", "zlib", constraint("^1.3.1")) == kHead +
                                                                     "dependencies:\n"
                                                                     "  zlib: \"^1.3.1\"\n"
                                                                     "  hello: \"*\"\n");
}

TEST_CASE("set_dependency handles `{}`, one-line flow tables and a missing table", "[manifest]") {
  CHECK(set_ok(kHead + "dependencies: {}  # none yet\nenv: {}\n", "default", "hello",
               constraint("^1.2.0")) ==
        kHead + "dependencies:  # none yet\n  hello: \"^1.2.0\"\nenv: {}\n");
  CHECK(set_ok(kHead + "dependencies: { a: \"1\", b: { version: \"2\" } }\n", "default", "b",
               constraint("^3")) == kHead + "dependencies: { a: \"1\", b: \"^3\" }\n");
  CHECK(set_ok(kHead + "dependencies: {a: \"1\"}\n", "default", "c", constraint("^3")) ==
        kHead + "dependencies: { a: \"1\", c: \"^3\" }\n");
  // No terminator on the last line: it gets one, the rest is kept.
  CHECK(set_ok(kHead + "env:\n  A: b", "default", "hello", constraint("^1")) ==
        kHead + "env:\n  A: b\ndependencies:\n  hello: \"^1\"\n");
  // Four-space files get four spaces.
  CHECK(set_ok("name: x\nregistries:\n    - name: main\n      url: file:r\n", "default", "h",
               constraint("*")) ==
        "name: x\nregistries:\n    - name: main\n      url: file:r\ndependencies:\n    h: \"*\"\n");
}

TEST_CASE("set_dependency keeps CRLF line endings", "[manifest]") {
  std::string text =
      "name: demo\r\nregistries:\r\n  - name: main\r\n    url: file:r\r\n"
      "dependencies:\r\n  hello: \"*\"\r\n";
  CHECK(set_ok(text, "default", "zlib", constraint("^1")) == text + "  zlib: \"^1\"\r\n");
}

TEST_CASE("set_dependency edits an environment's table, creating what is missing", "[manifest]") {
  std::string base = kHead + "dependencies:\n  hello: \"*\"\n";
  // No environments: yet.
  CHECK(set_ok(base, "dev", "gdb", constraint("^13.0.0")) ==
        base + "environments:\n  dev:\n    dependencies:\n      gdb: \"^13.0.0\"\n");
  // environments: with another environment.
  std::string with_test = base +
                          "environments:\n"
                          "  test:          # for CI\n"
                          "    dependencies:\n"
                          "      check: \"*\"\n"
                          "env:\n"
                          "  A: b\n";
  CHECK(set_ok(with_test, "dev", "gdb", constraint("^13")) == base +
                                                                  "environments:\n"
                                                                  "  test:          # for CI\n"
                                                                  "    dependencies:\n"
                                                                  "      check: \"*\"\n"
                                                                  "  dev:\n"
                                                                  "    dependencies:\n"
                                                                  "      gdb: \"^13\"\n"
                                                                  "env:\n"
                                                                  "  A: b\n");
  // The environment exists: its table gets the entry; the top level is untouched.
  CHECK(set_ok(with_test, "test", "hello", constraint("^2")) == base +
                                                                    "environments:\n"
                                                                    "  test:          # for CI\n"
                                                                    "    dependencies:\n"
                                                                    "      check: \"*\"\n"
                                                                    "      hello: \"^2\"\n"
                                                                    "env:\n"
                                                                    "  A: b\n");
}

TEST_CASE("set_dependency writes git and registry tables that parse back", "[manifest]") {
  DependencyValue g;
  g.git = "https://example.org/mylib.git";
  g.tag = "v1.4.0";
  auto text = set_ok(kHead, "default", "mylib", g);
  CHECK(text == kHead +
                    "dependencies:\n  mylib: { git: \"https://example.org/mylib.git\", tag: "
                    "v1.4.0 }\n");
  auto parsed = parse_manifest(text, "wharf.yaml");
  REQUIRE(parsed);
  REQUIRE(parsed->dependencies.size() == 1);
  CHECK(parsed->dependencies[0].kind == SourceKind::Git);
  CHECK(parsed->dependencies[0].git == "https://example.org/mylib.git");
  CHECK(parsed->dependencies[0].tag == "v1.4.0");
}

TEST_CASE("set_dependency refuses what would not parse, and odd structures", "[manifest]") {
  // A registry that is not declared: the re-parse fails, nothing is returned.
  DependencyValue r = constraint("^1");
  r.registry = "nope";
  auto bad = set_dependency(kHead, "wharf.yaml", "default", "hello", r);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind == ErrorKind::Input);
  CHECK(bad.error().message.find("would make it invalid") != std::string::npos);
  CHECK(bad.error().message.find("nope") != std::string::npos);

  auto multi = set_dependency(kHead + "dependencies: { a: \"1\",\n  b: \"2\" }\n", "wharf.yaml",
                              "default", "c", constraint("*"));
  REQUIRE_FALSE(multi);
  CHECK(multi.error().message.find("wharf.yaml:6") != std::string::npos);

  auto name = set_dependency(kHead, "wharf.yaml", "default", "Bad Name", constraint("*"));
  REQUIRE_FALSE(name);
  CHECK(name.error().message.find("invalid package name") != std::string::npos);
}

TEST_CASE("remove_dependency deletes only the entry's lines", "[manifest]") {
  std::string text = kHead +
                     "dependencies:   # keep me\n"
                     "  hello: \"^1.2\"   # greeter\n"
                     "  zlib:\n"
                     "    version: \">=1.3\"\n"
                     "  # fmt is next\n"
                     "  fmt: \"*\"\n"
                     "environments:\n"
                     "  dev:\n"
                     "    dependencies:\n"
                     "      gdb: \"*\"\n";
  CHECK(remove_ok(text, "default", "zlib") == kHead +
                                                  "dependencies:   # keep me\n"
                                                  "  hello: \"^1.2\"   # greeter\n"
                                                  "  # fmt is next\n"
                                                  "  fmt: \"*\"\n"
                                                  "environments:\n"
                                                  "  dev:\n"
                                                  "    dependencies:\n"
                                                  "      gdb: \"*\"\n");
  // Removing the last entry of an environment leaves an empty (null) table.
  CHECK(remove_ok(text, "dev", "gdb") == kHead +
                                             "dependencies:   # keep me\n"
                                             "  hello: \"^1.2\"   # greeter\n"
                                             "  zlib:\n"
                                             "    version: \">=1.3\"\n"
                                             "  # fmt is next\n"
                                             "  fmt: \"*\"\n"
                                             "environments:\n"
                                             "  dev:\n"
                                             "    dependencies:\n");
  CHECK(remove_ok(kHead + "dependencies: { a: \"1\", b: \"2\" }\n", "default", "a") ==
        kHead + "dependencies: { b: \"2\" }\n");
  CHECK(remove_ok(kHead + "dependencies: { a: \"1\" }\n", "default", "a") ==
        kHead + "dependencies: {}\n");
}

TEST_CASE("remove_dependency of a name that is not in the table is an input error", "[manifest]") {
  std::string text = kHead +
                     "dependencies:\n  hello: \"*\"\nenvironments:\n  dev:\n"
                     "    dependencies:\n      gdb: \"*\"\n";
  auto typo = remove_dependency(text, "wharf.yaml", "default", "helo");
  REQUIRE_FALSE(typo);
  CHECK(typo.error().exit_code() == 2);
  CHECK(typo.error().message.find("`helo` is not in the top-level `dependencies`") !=
        std::string::npos);
  CHECK(typo.error().hint == "did you mean `hello`?");
  auto top = remove_dependency(text, "wharf.yaml", "dev", "hello");
  REQUIRE_FALSE(top);
  CHECK(top.error().hint.find("without -e") != std::string::npos);
}
