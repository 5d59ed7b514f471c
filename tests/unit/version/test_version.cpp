#include <catch2/catch.hpp>
#include <string>
#include <unordered_set>
#include <vector>

#include "wharf/version/version.hpp"

using wharf::ErrorKind;
using wharf::version::Version;
using wharf::version::VersionHash;

namespace {

Version v(const std::string& text) {
  auto parsed = Version::parse(text);
  INFO("parsing " << text);
  REQUIRE(parsed.has_value());
  return *parsed;
}

std::string parse_error(const std::string& text) {
  auto parsed = Version::parse(text);
  INFO("parsing " << text);
  REQUIRE_FALSE(parsed.has_value());
  CHECK(parsed.error().kind == ErrorKind::Input);
  CHECK_FALSE(parsed.error().hint.empty());
  return parsed.error().message;
}

}  // namespace

TEST_CASE("Version parses release, pre-release and build parts", "[version]") {
  Version a = v("1.2.3-rc.1+build.5");
  CHECK(a.release() == std::vector<std::uint64_t>{1, 2, 3});
  CHECK(a.prerelease() == std::vector<std::string>{"rc", "1"});
  CHECK(a.build() == "build.5");
  CHECK(a.is_prerelease());
  CHECK(a.to_string() == "1.2.3-rc.1+build.5");

  Version b = v("7");
  CHECK(b.release() == std::vector<std::uint64_t>{7});
  CHECK_FALSE(b.is_prerelease());
  CHECK(b.build().empty());

  Version c = v("1.2.3.4.5");
  CHECK(c.release().size() == 5);
  CHECK(c.to_string() == "1.2.3.4.5");

  CHECK(v("0.0.0").release() == std::vector<std::uint64_t>{0, 0, 0});
  CHECK(v("1.0.0-x-y-z.--").prerelease() == std::vector<std::string>{"x-y-z", "--"});
  CHECK(v("1.0.0+001").build() == "001");  // leading zeros are fine in build metadata
  CHECK(v("1.0.0-0A.is.legal").is_prerelease());
  CHECK(v("18446744073709551615").release()[0] == 18446744073709551615ULL);
}

TEST_CASE("Version keeps its text as written", "[version]") {
  CHECK(v("1.2").to_string() == "1.2");
  CHECK(v("1.2.0").to_string() == "1.2.0");
  CHECK(Version().to_string() == "0");
  CHECK(Version() == v("0.0"));
  CHECK(Version::from_release({2, 0, 1}).to_string() == "2.0.1");
  CHECK(Version::from_release({}).to_string() == "0");
}

TEST_CASE("Version without_prerelease drops pre-release and build", "[version]") {
  Version a = v("1.2.3-rc.1+b7");
  Version r = a.without_prerelease();
  CHECK(r.to_string() == "1.2.3");
  CHECK_FALSE(r.is_prerelease());
  CHECK(r.build().empty());
  CHECK(v("1.2").without_prerelease().to_string() == "1.2");
  CHECK(v("1.2+b").without_prerelease().to_string() == "1.2");
}

TEST_CASE("Version compares release components numerically", "[version]") {
  CHECK(v("1.10") > v("1.9"));
  CHECK(v("1.9") < v("1.10"));
  CHECK(v("2") > v("1.999.999"));
  CHECK(v("1.2") == v("1.2.0"));
  CHECK(v("1.2.0") == v("1.2.0.0"));
  CHECK(v("1.2") == v("1.2.0.0"));
  CHECK(v("1.2.0.1") > v("1.2"));
  CHECK(v("1.2.0.0.0.1") > v("1.2.0"));
  CHECK(v("0") < v("0.0.1"));
  CHECK((v("1.2") <=> v("1.2.0.0")) == std::strong_ordering::equal);
  CHECK(v("18446744073709551615") > v("18446744073709551614.9"));
}

TEST_CASE("Version follows SemVer 2.0 pre-release precedence", "[version]") {
  const std::vector<std::string> chain = {
      "1.0.0-alpha",  "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
      "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",       "1.0.0",
  };
  for (std::size_t i = 0; i < chain.size(); ++i) {
    for (std::size_t j = 0; j < chain.size(); ++j) {
      INFO(chain[i] << " vs " << chain[j]);
      CHECK((v(chain[i]) < v(chain[j])) == (i < j));
      CHECK((v(chain[i]) == v(chain[j])) == (i == j));
    }
  }
  CHECK(v("1.0.0-2") < v("1.0.0-10"));   // numeric identifiers as numbers
  CHECK(v("1.0.0-10") < v("1.0.0-9a"));  // numeric below alphanumeric
  CHECK(v("1.0.0-Z") < v("1.0.0-a"));    // ASCII order
  CHECK(v("1.0.0-99999999999999999999999") > v("1.0.0-99999999999999999999998"));
  CHECK(v("0.9.9") < v("1.0.0-alpha"));     // pre-release sits just below its release
  CHECK(v("1.0-rc.1") == v("1.0.0-rc.1"));  // release part compared with zeros
  CHECK(v("1.0.0-rc.1") != v("1.0.0-rc.1.0"));
}

TEST_CASE("Version ignores build metadata in comparisons and hashing", "[version]") {
  CHECK(v("1.0.0+a") == v("1.0.0+b"));
  CHECK(v("1.0.0+a") == v("1.0.0"));
  CHECK_FALSE(v("1.0.0+zzz") < v("1.0.0+aaa"));
  CHECK_FALSE(v("1.0.0+aaa") < v("1.0.0+zzz"));
  CHECK(v("1.0.0-rc.1+x") < v("1.0.0+x"));
  CHECK(v("1.0.0+a").hash() == v("1.0.0").hash());
}

TEST_CASE("Version hash is consistent with equality", "[version]") {
  CHECK(v("1.2").hash() == v("1.2.0.0").hash());
  CHECK(Version().hash() == v("0.0.0").hash());
  std::unordered_set<Version, VersionHash> seen;
  seen.insert(v("1.2"));
  seen.insert(v("1.2.0"));
  seen.insert(v("1.2.0+meta"));
  seen.insert(v("1.2.0-rc.1"));
  seen.insert(v("1.3"));
  CHECK(seen.size() == 3);
  CHECK(seen.count(v("1.2.0.0")) == 1);
}

TEST_CASE("Version sorts a shuffled list into precedence order", "[version]") {
  std::vector<Version> list = {v("2.0.0"), v("1.0.0"), v("1.0.0-rc.1"), v("1.10.0"),
                               v("1.9.0"), v("0.1"),   v("1.0.0-alpha")};
  std::sort(list.begin(), list.end());
  std::vector<std::string> texts;
  for (const auto& x : list) texts.push_back(x.to_string());
  CHECK(texts == std::vector<std::string>{"0.1", "1.0.0-alpha", "1.0.0-rc.1", "1.0.0", "1.9.0",
                                          "1.10.0", "2.0.0"});
}

TEST_CASE("Version rejects malformed text naming it and the position", "[version]") {
  CHECK(parse_error("v1.2") ==
        "invalid version `v1.2`: expected a number, found `v` at position 1");
  CHECK(parse_error("1.2.x") ==
        "invalid version `1.2.x`: expected a number, found `x` at position 5");
  CHECK(parse_error("01.2") == "invalid version `01.2`: leading zero in `01` at position 1");
  CHECK(parse_error("1.02") == "invalid version `1.02`: leading zero in `02` at position 3");
  CHECK(parse_error("") == "invalid version ``: expected a number, found nothing at position 1");
  CHECK(parse_error("1..2") ==
        "invalid version `1..2`: expected a number, found `.` at position 3");
  CHECK(parse_error("1.") ==
        "invalid version `1.`: expected a number, found the end at position 3");
  CHECK(parse_error("1.2-") ==
        "invalid version `1.2-`: expected a pre-release identifier, found the end at position 5");
  CHECK(parse_error("1.2-rc..1") ==
        "invalid version `1.2-rc..1`: expected a pre-release identifier, found `.` at position 8");
  CHECK(parse_error("1.2-01") ==
        "invalid version `1.2-01`: leading zero in pre-release identifier `01` at position 5");
  CHECK(parse_error("1.2+") ==
        "invalid version `1.2+`: expected a build metadata identifier, found the end at position "
        "5");
  CHECK(parse_error("18446744073709551616") ==
        "invalid version `18446744073709551616`: number `18446744073709551616` is too large (the "
        "largest is 18446744073709551615) at position 1");
  CHECK(parse_error("1.99999999999999999999999") ==
        "invalid version `1.99999999999999999999999`: number `99999999999999999999999` is too "
        "large (the largest is 18446744073709551615) at position 3");
  CHECK(parse_error("1.2 ") == "invalid version `1.2 `: unexpected ` ` at position 4");
  CHECK(parse_error("1.2-rc$") == "invalid version `1.2-rc$`: unexpected `$` at position 7");
  CHECK(parse_error("-1") == "invalid version `-1`: expected a number, found `-` at position 1");
  CHECK(parse_error("1.2.3+b+c") == "invalid version `1.2.3+b+c`: unexpected `+` at position 8");
}

TEST_CASE("Version compares large and long releases correctly", "[version]") {
  // Around the limits of the packed comparison key (20 bits, three components).
  CHECK(v("1048576") > v("1048575.999999"));
  CHECK(v("1048575") < v("1048576"));
  CHECK(v("0.1048576") > v("0.1048575"));
  CHECK(v("1.2.1048576") > v("1.2.1048575"));
  CHECK(v("1.2.1048576") < v("1.3"));
  CHECK(v("1.2.3.1") > v("1.2.3"));
  CHECK(v("1.2.3.1") < v("1.2.4"));
  CHECK(v("1.2.3.1") > v("1.2.3.0.9"));
  CHECK(v("1.2.3.0") == v("1.2.3"));
  CHECK(v("1.2.3.0.0") == v("1.2.3"));
  CHECK(v("1.2.3.1-rc.1") < v("1.2.3.1"));
  CHECK(v("1.2.3.1-rc.1") > v("1.2.3"));
  CHECK(v("1.2.3.1-rc.1") > v("1.2.3.0.5"));
  CHECK(v("1048576-alpha") < v("1048576"));
  CHECK(v("1048576-alpha") > v("1048575"));
  CHECK(v("1.2.3-rc.1") == v("1.2.3.0-rc.1"));
  CHECK(v("1.2.3-rc.2") > v("1.2.3-rc.1"));
  CHECK(v("1.2.3-rc.2") < v("1.2.3"));
  CHECK(v("18446744073709551615.0") == v("18446744073709551615"));
  CHECK(v("1.2.3.4").hash() == v("1.2.3.4.0").hash());
}
