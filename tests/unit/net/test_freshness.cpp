// RFC 9111 freshness arithmetic (net/freshness.hpp).
#include <catch2/catch.hpp>

#include "wharf/net/client.hpp"
#include "wharf/net/freshness.hpp"

using namespace wharf::net;

namespace {
// Sun, 06 Nov 1994 08:49:37 GMT, the RFC's example.
constexpr std::int64_t kExample = 784111777;
}  // namespace

TEST_CASE("HTTP dates in all three forms", "[net][freshness]") {
  CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == kExample);
  CHECK(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT") == kExample);
  CHECK(parse_http_date("Sun Nov  6 08:49:37 1994") == kExample);
  CHECK(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT") == 0);
  CHECK(parse_http_date("Tue, 29 Feb 2028 23:59:59 GMT") == 1835481599);
  CHECK_FALSE(parse_http_date("0"));
  CHECK_FALSE(parse_http_date(""));
  CHECK_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:37 CET"));
  CHECK_FALSE(parse_http_date("Sun, 31 Feb 1994 08:49:37 GMT"));
  CHECK_FALSE(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"));
  CHECK_FALSE(parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT"));
}

TEST_CASE("the freshness lifetime of a response", "[net][freshness]") {
  const std::int64_t now = kExample;
  const std::string date = "Sun, 06 Nov 1994 08:49:37 GMT";
  CHECK(freshness_lifetime("max-age=600", "", date, now) == 600);
  CHECK(freshness_lifetime("public, MAX-AGE=600", "", date, now) == 600);
  CHECK(freshness_lifetime("max-age=\"600\"", "", date, now) == 600);
  CHECK(freshness_lifetime("max-age=99999999999", "", date, now) == 2147483648LL);
  // The first max-age counts; a bad one makes the response stale.
  CHECK(freshness_lifetime("max-age=60, max-age=600", "", date, now) == 60);
  CHECK(freshness_lifetime("max-age=ten", "", date, now) == 0);
  CHECK(freshness_lifetime("max-age=-1", "", date, now) == 0);
  // Always revalidate.
  CHECK(freshness_lifetime("no-cache", "", date, now) == 0);
  CHECK(freshness_lifetime("max-age=600, no-cache", "", date, now) == 0);
  CHECK(freshness_lifetime("no-cache=\"Set-Cookie, X\", max-age=600", "", date, now) == 0);
  CHECK(freshness_lifetime("no-store, max-age=600", "", date, now) == 0);
  CHECK(freshness_lifetime("max-age=0, must-revalidate", "", date, now) == 0);
  // A private cache ignores s-maxage, and never invents a lifetime.
  CHECK(freshness_lifetime("s-maxage=600", "", date, now) == 0);
  CHECK(freshness_lifetime("", "", date, now) == 0);
  CHECK(freshness_lifetime("public", "", date, now) == 0);
  // max-age beats Expires; Expires counts from Date (or the time received).
  CHECK(freshness_lifetime("max-age=10", "Sun, 06 Nov 1994 09:49:37 GMT", date, now) == 10);
  CHECK(freshness_lifetime("", "Sun, 06 Nov 1994 09:49:37 GMT", date, now) == 3600);
  CHECK(freshness_lifetime("", "Sun, 06 Nov 1994 09:49:37 GMT", "", now + 600) == 3000);
  CHECK(freshness_lifetime("", "Sun, 06 Nov 1994 08:00:00 GMT", date, now) == 0);
  CHECK(freshness_lifetime("", "0", date, now) == 0);
  CHECK(freshness_lifetime("", "-1", date, now) == 0);
}

TEST_CASE("the age of a response when it arrived", "[net][freshness]") {
  const std::string date = "Sun, 06 Nov 1994 08:49:37 GMT";
  CHECK(initial_age("", date, kExample, kExample) == 0);
  CHECK(initial_age("100", date, kExample, kExample) == 100);
  // The time the request took is added to Age.
  CHECK(initial_age("100", date, kExample, kExample + 2) == 102);
  // A Date older than Age says: the larger one.
  CHECK(initial_age("5", date, kExample + 60, kExample + 60) == 60);
  // A Date in the future (clock skew) is no negative age; a bad Age is ignored.
  CHECK(initial_age("", date, kExample - 30, kExample - 30) == 0);
  CHECK(initial_age("soon", date, kExample, kExample) == 0);

  Response response;
  response.cache_control = "max-age=600";
  response.date = date;
  response.age = "100";
  CHECK(fresh_for(response, kExample, kExample + 1) == 499);
  response.age = "700";
  CHECK(fresh_for(response, kExample, kExample) == 0);
  response.age.clear();
  response.cache_control = "no-cache";
  CHECK(fresh_for(response, kExample, kExample) == 0);
}
