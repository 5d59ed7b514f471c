#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "wharf/version/constraint.hpp"

using wharf::ErrorKind;
using wharf::version::Constraint;
using wharf::version::Version;
using wharf::version::VersionSet;

namespace {

Version v(const std::string& text) {
  auto parsed = Version::parse(text);
  INFO("parsing " << text);
  REQUIRE(parsed.has_value());
  return *parsed;
}

Constraint c(const std::string& text) {
  auto parsed = Constraint::parse(text);
  INFO("parsing " << text);
  if (!parsed) INFO(parsed.error().message);
  REQUIRE(parsed.has_value());
  return *parsed;
}

std::string set_of(const std::string& text) {
  return c(text).set().to_string();
}

std::string parse_error(const std::string& text) {
  auto parsed = Constraint::parse(text);
  INFO("parsing " << text);
  REQUIRE_FALSE(parsed.has_value());
  CHECK(parsed.error().kind == ErrorKind::Input);
  CHECK_FALSE(parsed.error().hint.empty());
  return parsed.error().message;
}

}  // namespace

TEST_CASE("Constraint star and default mean any release", "[version]") {
  CHECK(c("*").set().is_any());
  CHECK(Constraint::any().set().is_any());
  CHECK(Constraint().set().is_any());
  CHECK(Constraint::any().text() == "*");
  CHECK(c("*").matches(v("0.0.1")));
  CHECK(c("*").matches(v("99.0")));
  CHECK_FALSE(c("*").matches(v("1.0.0-rc.1")));  // "any release", not pre-releases
}

TEST_CASE("Constraint exact forms mean {v : v == version}", "[version]") {
  for (const char* text : {"1.2.3", "=1.2.3", "==1.2.3", "= 1.2.3", "== 1.2.3"}) {
    INFO(text);
    Constraint k = c(text);
    CHECK(k.set() == VersionSet::exactly(v("1.2.3")));
    CHECK(k.set().to_string() == "1.2.3");
    CHECK(k.matches(v("1.2.3")));
    CHECK(k.matches(v("1.2.3.0")));
    CHECK(k.matches(v("1.2.3+build.9")));
    CHECK_FALSE(k.matches(v("1.2.4")));
    CHECK_FALSE(k.matches(v("1.2.3.1")));
    CHECK_FALSE(k.matches(v("1.2.2")));
    CHECK_FALSE(k.matches(v("1.2.3-rc.1")));
  }
  CHECK(c("1.0.0-rc.1").matches(v("1.0.0-rc.1")));
  CHECK_FALSE(c("1.0.0-rc.1").matches(v("1.0.0-rc.2")));
}

TEST_CASE("Constraint != excludes one version", "[version]") {
  Constraint k = c("!=1.2.3");
  CHECK(k.set().to_string() == "<1.2.3 || >1.2.3");
  CHECK_FALSE(k.matches(v("1.2.3")));
  CHECK_FALSE(k.matches(v("1.2.3.0")));
  CHECK(k.matches(v("1.2.4")));
  CHECK(k.matches(v("0.1")));
  CHECK(k.matches(v("1.2.3.1")));
}

TEST_CASE("Constraint comparisons", "[version]") {
  CHECK(set_of(">1.2") == ">1.2");
  CHECK(set_of(">=1.2") == ">=1.2");
  CHECK(set_of("<2") == "<2");
  CHECK(set_of("<=2.1") == "<=2.1");
  CHECK(c(">1.2").matches(v("1.2.0.1")));
  CHECK_FALSE(c(">1.2").matches(v("1.2.0")));
  CHECK(c(">=1.2").matches(v("1.2.0")));
  CHECK_FALSE(c(">=1.2").matches(v("1.1.99")));
  CHECK(c("<2").matches(v("1.99")));
  CHECK_FALSE(c("<2").matches(v("2.0.0")));
  CHECK(c("<=2.1").matches(v("2.1.0")));
  CHECK_FALSE(c("<=2.1").matches(v("2.1.0.1")));
  // Whitespace between operator and version, and around the whole text.
  CHECK(c(">= 1.2").set() == c(">=1.2").set());
  CHECK(c("  >=\t1.2  ").text() == ">=\t1.2");
}

TEST_CASE("Constraint caret follows Cargo", "[version]") {
  CHECK(set_of("^1.2.3") == ">=1.2.3, <2.0.0");
  CHECK(set_of("^1.2") == ">=1.2, <2.0");
  CHECK(set_of("^1") == ">=1, <2");
  CHECK(set_of("^0.2.3") == ">=0.2.3, <0.3.0");
  CHECK(set_of("^0.2") == ">=0.2, <0.3");
  CHECK(set_of("^0.0.3") == ">=0.0.3, <0.0.4");
  CHECK(set_of("^0.0") == ">=0.0, <0.1");
  CHECK(set_of("^0") == ">=0, <1");
  CHECK(set_of("^0.0.0") == ">=0.0.0, <0.0.1");
  CHECK(set_of("^1.2.3.4") == ">=1.2.3.4, <2.0.0.0");
  CHECK(set_of("^ 1.2") == ">=1.2, <2.0");
  CHECK(set_of("^1.2.3-rc.1") == ">=1.2.3-rc.1, <2.0.0");

  CHECK(c("^1.2.3").matches(v("1.9.9")));
  CHECK_FALSE(c("^1.2.3").matches(v("2.0.0")));
  CHECK_FALSE(c("^1.2.3").matches(v("1.2.2")));
  CHECK(c("^0.2.3").matches(v("0.2.9")));
  CHECK_FALSE(c("^0.2.3").matches(v("0.3.0")));
  CHECK(c("^0.0.3").matches(v("0.0.3")));
  CHECK_FALSE(c("^0.0.3").matches(v("0.0.4")));
}

TEST_CASE("Constraint tilde bumps the minor component", "[version]") {
  CHECK(set_of("~1.2.3") == ">=1.2.3, <1.3.0");
  CHECK(set_of("~1.2") == ">=1.2, <1.3");
  CHECK(set_of("~1") == ">=1, <2");
  CHECK(set_of("~0.0.3") == ">=0.0.3, <0.1.0");
  CHECK(c("~1.2.3").matches(v("1.2.99")));
  CHECK_FALSE(c("~1.2.3").matches(v("1.3.0")));
}

TEST_CASE("Constraint wildcards", "[version]") {
  CHECK(set_of("1.2.*") == ">=1.2.0, <1.3.0");
  CHECK(set_of("1.*") == ">=1.0, <2.0");
  CHECK(set_of("=1.*") == ">=1.0, <2.0");
  CHECK(set_of("!=1.*") == "<1.0 || >=2.0");
  CHECK(c("1.2.*").matches(v("1.2.0")));
  CHECK(c("1.2.*").matches(v("1.2.17")));
  CHECK_FALSE(c("1.2.*").matches(v("1.3.0")));
  CHECK_FALSE(c("1.2.*").matches(v("1.1.9")));
}

TEST_CASE("Constraint comma is AND, || is OR and binds looser", "[version]") {
  CHECK(set_of(">=1.2, <2") == ">=1.2, <2");
  CHECK(set_of(">=1.2 , <2 ,!=1.5") == ">=1.2, <1.5 || >1.5, <2");
  CHECK(set_of("<1 || >=2") == "<1 || >=2");
  CHECK(set_of("1.0 || 2.0") == "1.0 || 2.0");
  // a, b || c, d == (a AND b) OR (c AND d)
  Constraint k = c(">=1, <2 || >=3, <4");
  CHECK(k.set().to_string() == ">=1, <2 || >=3, <4");
  CHECK(k.matches(v("1.5")));
  CHECK(k.matches(v("3.5")));
  CHECK_FALSE(k.matches(v("2.5")));
  CHECK_FALSE(k.matches(v("4")));
  // Contradictions and overlaps normalize.
  CHECK(c(">=2, <1").set().is_empty());
  CHECK(set_of("^1 || ^1.5") == ">=1, <2");
  CHECK(set_of("<2 || >=2") == "*");
  CHECK(set_of(">=1, <2 || >=2, <3") == ">=1, <3");
}

TEST_CASE("Constraint pre-release rule", "[version]") {
  // FORMATS.md examples.
  CHECK(c(">=1.0.0-rc.1").matches(v("1.0.0-rc.2")));
  CHECK_FALSE(c(">=0.9").matches(v("1.0.0-rc.2")));
  // In the set but filtered out: pre-releases of 2.0.0 lie below 2.0.0.
  Constraint caret = c("^1.2");
  CHECK(caret.set().contains(v("2.0.0-alpha")));
  CHECK_FALSE(caret.matches(v("2.0.0-alpha")));
  // Only pre-releases of the same release are admitted.
  Constraint pre = c(">=1.0.0-rc.1, <3");
  CHECK(pre.names_prerelease_of(v("1.0.0-beta")));
  CHECK(pre.names_prerelease_of(v("1.0-rc.9")));  // same release with zeros
  CHECK_FALSE(pre.names_prerelease_of(v("2.0.0-rc.1")));
  CHECK(pre.matches(v("1.0.0-rc.5")));
  CHECK_FALSE(pre.matches(v("1.0.0-beta")));  // named, but below the bound
  CHECK_FALSE(pre.matches(v("2.0.0-rc.1")));
  CHECK(pre.matches(v("2.5")));
  CHECK(c("^1.2.3-alpha.1").matches(v("1.2.3-alpha.2")));
  CHECK_FALSE(c("^1.2.3-alpha.1").matches(v("1.2.4-alpha")));
  CHECK(c("1.0.0-rc.1 || 2.0.0-beta").matches(v("2.0.0-beta")));
}

TEST_CASE("Constraint keeps its trimmed text and compares by text and set", "[version]") {
  CHECK(c("  ^1.2 ").text() == "^1.2");
  CHECK(c("^1.2") == c("^1.2"));
  CHECK_FALSE(c("^1.2") == c(">=1.2, <2.0"));
  CHECK(c("^1.2").set() == c(">=1.2, <2.0").set());
}

TEST_CASE("Constraint rejects bad syntax naming the text and position", "[version]") {
  CHECK(parse_error("1..2") ==
        "invalid constraint `1..2`: expected a number, found `.` at position 3");
  CHECK(parse_error(">=") ==
        "invalid constraint `>=`: expected a version after `>=` at position 3");
  CHECK(parse_error("^x") == "invalid constraint `^x`: expected a number, found `x` at position 2");
  CHECK(
      parse_error(">=1.2,") ==
      "invalid constraint `>=1.2,`: expected a requirement after `,`, found the end at position 7");
  CHECK(parse_error("||") ==
        "invalid constraint `||`: expected a requirement such as `>=1.2`, found `|` at position 1");
  CHECK(
      parse_error("1 ||") ==
      "invalid constraint `1 ||`: expected a requirement after `||`, found the end at position 5");
  CHECK(parse_error("~") == "invalid constraint `~`: expected a version after `~` at position 2");
  CHECK(parse_error("1.2.*.3") ==
        "invalid constraint `1.2.*.3`: `*` may only stand for a whole last component, as in "
        "`1.2.*` at position 5");
  CHECK(parse_error("*.1") ==
        "invalid constraint `*.1`: `*` may only stand for a whole last component, as in `1.2.*` "
        "at position 1");
  CHECK(parse_error("") ==
        "invalid constraint ``: expected a requirement such as `>=1.2`, found the end at position "
        "1");
  CHECK(parse_error(">= 01.2") ==
        "invalid constraint `>= 01.2`: leading zero in `01` at position 4");
  CHECK(parse_error(">=1.2 <2") ==
        "invalid constraint `>=1.2 <2`: expected `,` or `||` after a requirement, found `<` at "
        "position 7");
  CHECK(parse_error("1 | 2") ==
        "invalid constraint `1 | 2`: expected `||`, found a single `|` at position 3");
  CHECK(parse_error(">=1.*") ==
        "invalid constraint `>=1.*`: `>=` cannot be used with a wildcard at position 1");
  CHECK(parse_error("^*") == "invalid constraint `^*`: `*` cannot follow `^` at position 2");
  CHECK(parse_error("1.2-rc.*") ==
        "invalid constraint `1.2-rc.*`: a wildcard cannot carry a pre-release or build metadata "
        "at position 1");
  CHECK(parse_error("^18446744073709551615") ==
        "invalid constraint `^18446744073709551615`: component 18446744073709551615 is too large "
        "to compute an upper bound at position 2");
  CHECK(parse_error("v1.2") ==
        "invalid constraint `v1.2`: expected a number, found `v` at position 1");
  CHECK(parse_error(">=1.2,,<2") ==
        "invalid constraint `>=1.2,,<2`: expected a requirement after `,`, found `,` at position "
        "7");
}
