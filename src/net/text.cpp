// Pure helpers of the net module: credential redaction, auth variable names,
// the retry policy and options from the environment.
#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "wharf/net/client.hpp"
#include "wharf/net/retry.hpp"

namespace wharf::net {

namespace {

bool names_a_secret(std::string_view key) {
  std::string lower;
  for (char c : key) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static constexpr std::string_view kWords[] = {"token", "key",  "sig",       "secret",
                                                "pass",  "auth", "credential"};
  return std::any_of(std::begin(kWords), std::end(kWords),
                     [&](std::string_view word) { return lower.find(word) != std::string::npos; });
}

std::string redact_query(std::string_view query) {
  std::string out;
  std::size_t start = 0;
  while (start <= query.size()) {
    auto end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    auto part = query.substr(start, end - start);
    auto eq = part.find('=');
    if (eq != std::string_view::npos && names_a_secret(part.substr(0, eq))) {
      out += part.substr(0, eq + 1);
      out += "***";
    } else {
      out += part;
    }
    if (end == query.size()) break;
    out += '&';
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string redact_credentials(std::string_view url) {
  std::string out;
  auto scheme_end = url.find("://");
  std::string_view rest = url;
  if (scheme_end != std::string_view::npos) {
    out += url.substr(0, scheme_end + 3);
    rest = url.substr(scheme_end + 3);
    auto authority_end = rest.find_first_of("/?#");
    auto authority = rest.substr(0, authority_end);
    auto at = authority.rfind('@');
    if (at != std::string_view::npos) {
      out += "***@";
      rest.remove_prefix(at + 1);
    }
  }
  auto query_start = rest.find('?');
  if (query_start == std::string_view::npos) {
    out += rest;
    return out;
  }
  out += rest.substr(0, query_start + 1);
  auto query = rest.substr(query_start + 1);
  auto fragment = query.find('#');
  out += redact_query(query.substr(0, fragment));
  if (fragment != std::string_view::npos) out += query.substr(fragment);
  return out;
}

std::string auth_variable_for(std::string_view name) {
  std::string out = "WHARF_AUTH_";
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    out += std::isalnum(u) ? static_cast<char>(std::toupper(u)) : '_';
  }
  return out;
}

bool is_retryable_status(long status) {
  return status == 408 || status == 429 || (status >= 500 && status <= 599);
}

std::chrono::milliseconds retry_delay(std::chrono::milliseconds initial,
                                      std::chrono::milliseconds cap, int retry,
                                      std::optional<long> retry_after_seconds, double jitter) {
  double base =
      static_cast<double>(initial.count()) * std::ldexp(1.0, std::clamp(retry, 1, 40) - 1);
  base = std::min(base, static_cast<double>(cap.count()));
  jitter = std::clamp(jitter, 0.0, 1.0);
  auto delay = std::chrono::milliseconds(static_cast<long long>(base * (0.5 + 0.5 * jitter)));
  if (retry_after_seconds && *retry_after_seconds > 0) {
    auto asked = std::chrono::milliseconds(
        std::min<long long>(*retry_after_seconds, cap.count() / 1000 + 1) * 1000);
    delay = std::max(delay, std::min(asked, cap));
  }
  return std::min(delay, cap);
}

Result<Options> options_from_env(Options base) {
  const char* value = std::getenv("WHARF_CONCURRENCY");
  if (value == nullptr || *value == '\0') return base;
  std::string_view text = value;
  int parsed = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
  if (ec != std::errc() || end != text.data() + text.size() || parsed < 1 || parsed > 1024) {
    return fail_input(
        fmt::format("WHARF_CONCURRENCY must be a whole number from 1 to 1024, got `{}`", text),
        "unset WHARF_CONCURRENCY or set it to, for example, 8");
  }
  base.concurrency = parsed;
  return base;
}

}  // namespace wharf::net
