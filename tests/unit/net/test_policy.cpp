// Pure parts of the net module: redaction, retry policy, options.
#include <catch2/catch.hpp>
#include <cstdlib>

#include "wharf/net/client.hpp"
#include "wharf/net/retry.hpp"

using namespace wharf;
using namespace std::chrono_literals;

TEST_CASE("redact_credentials hides userinfo and secret query values", "[net]") {
  using net::redact_credentials;
  CHECK(redact_credentials("https://example.org/a/b.tar.gz") == "https://example.org/a/b.tar.gz");
  CHECK(redact_credentials("https://user:pw@example.org/x") == "https://***@example.org/x");
  CHECK(redact_credentials("https://token@example.org") == "https://***@example.org");
  CHECK(redact_credentials("https://example.org/x?token=abc&page=2") ==
        "https://example.org/x?token=***&page=2");
  CHECK(redact_credentials("https://example.org/x?X-Amz-Signature=abc#frag") ==
        "https://example.org/x?X-Amz-Signature=***#frag");
  // An '@' after the authority is not userinfo.
  CHECK(redact_credentials("https://example.org/pkg@1.0") == "https://example.org/pkg@1.0");
  CHECK(redact_credentials("file:///tmp/a") == "file:///tmp/a");
}

TEST_CASE("auth variables are derived from registry names", "[net]") {
  CHECK(net::auth_variable_for("main") == "WHARF_AUTH_MAIN");
  CHECK(net::auth_variable_for("my-registry.2") == "WHARF_AUTH_MY_REGISTRY_2");
}

TEST_CASE("retry policy: what is retried and how long to wait", "[net]") {
  CHECK(net::is_retryable_status(500));
  CHECK(net::is_retryable_status(503));
  CHECK(net::is_retryable_status(429));
  CHECK(net::is_retryable_status(408));
  CHECK_FALSE(net::is_retryable_status(404));
  CHECK_FALSE(net::is_retryable_status(401));
  CHECK_FALSE(net::is_retryable_status(200));

  // Exponential: 200, 400, 800 ms at full jitter, halves at none.
  CHECK(net::retry_delay(200ms, 30s, 1, std::nullopt, 1.0) == 200ms);
  CHECK(net::retry_delay(200ms, 30s, 2, std::nullopt, 1.0) == 400ms);
  CHECK(net::retry_delay(200ms, 30s, 3, std::nullopt, 0.0) == 400ms);
  // Capped.
  CHECK(net::retry_delay(200ms, 30s, 20, std::nullopt, 1.0) == 30s);
  // Retry-After wins when longer, but never beyond the cap.
  CHECK(net::retry_delay(200ms, 30s, 1, 5, 0.5) == 5s);
  CHECK(net::retry_delay(200ms, 30s, 1, 3600, 0.5) == 30s);
  CHECK(net::retry_delay(10s, 30s, 2, 1, 1.0) == 20s);
}

TEST_CASE("options_from_env reads WHARF_CONCURRENCY", "[net]") {
  ::setenv("WHARF_CONCURRENCY", "3", 1);
  auto options = net::options_from_env();
  REQUIRE(options);
  CHECK(options->concurrency == 3);

  ::setenv("WHARF_CONCURRENCY", "lots", 1);
  auto bad = net::options_from_env();
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind == ErrorKind::Input);
  CHECK(bad.error().message.find("WHARF_CONCURRENCY") != std::string::npos);
  CHECK(bad.error().message.find("lots") != std::string::npos);

  ::unsetenv("WHARF_CONCURRENCY");
  net::Options base;
  base.concurrency = 5;
  CHECK(net::options_from_env(base)->concurrency == 5);
}
