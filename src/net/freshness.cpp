// RFC 9111 freshness for a private cache (see freshness.hpp).
#include "wharf/net/freshness.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <limits>
#include <string>
#include <vector>

#include "wharf/net/client.hpp"

namespace wharf::net {

namespace {

// RFC 9111 1.2.2: a delta-seconds too large to represent is 2^31.
constexpr std::int64_t kMaxDelta = 2147483648LL;

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim_ows(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// 1*DIGIT, capped at 2^31; nullopt when not all digits.
std::optional<std::int64_t> delta_seconds(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = std::min(kMaxDelta, value * 10 + (c - '0'));
  }
  return value;
}

struct Directive {
  std::string name;   // lower-case
  std::string value;  // unquoted; empty when absent
};

// "max-age=600, no-cache=\"a, b\", private" -> directives. Commas inside a
// quoted string do not split.
std::vector<Directive> parse_cache_control(std::string_view text) {
  std::vector<Directive> out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t start = i;
    while (i < text.size() && text[i] != ',' && text[i] != '=') ++i;
    Directive d;
    for (char c : trim_ows(text.substr(start, i - start)))
      d.name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (i < text.size() && text[i] == '=') {
      ++i;
      while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
      if (i < text.size() && text[i] == '"') {
        ++i;
        while (i < text.size() && text[i] != '"') {
          if (text[i] == '\\' && i + 1 < text.size()) ++i;
          d.value += text[i++];
        }
        if (i < text.size()) ++i;  // the closing quote
        while (i < text.size() && text[i] != ',') ++i;
      } else {
        std::size_t value_start = i;
        while (i < text.size() && text[i] != ',') ++i;
        d.value = std::string(trim_ows(text.substr(value_start, i - value_start)));
      }
    }
    if (i < text.size()) ++i;  // the comma
    if (!d.name.empty()) out.push_back(std::move(d));
  }
  return out;
}

int month_number(std::string_view name) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (std::size_t m = 0; m < kMonths.size(); ++m)
    if (iequal(name, kMonths[m])) return static_cast<int>(m) + 1;
  return 0;
}

std::optional<int> number(std::string_view text, std::size_t min_digits, std::size_t max_digits) {
  if (text.size() < min_digits || text.size() > max_digits) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

// "08:49:37" -> seconds into the day.
std::optional<int> time_of_day(std::string_view text) {
  if (text.size() != 8 || text[2] != ':' || text[5] != ':') return std::nullopt;
  auto h = number(text.substr(0, 2), 2, 2);
  auto m = number(text.substr(3, 2), 2, 2);
  auto s = number(text.substr(6, 2), 2, 2);
  if (!h || !m || !s || *h > 23 || *m > 59 || *s > 60) return std::nullopt;
  return *h * 3600 + *m * 60 + std::min(*s, 59);
}

std::optional<std::int64_t> to_epoch(int year, int month, int day, int seconds) {
  using namespace std::chrono;
  year_month_day date{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                      std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) return std::nullopt;
  return static_cast<std::int64_t>(sys_days(date).time_since_epoch().count()) * 86400 + seconds;
}

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    std::size_t start = i;
    while (i < text.size() && text[i] != ' ') ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

}  // namespace

std::optional<std::int64_t> parse_http_date(std::string_view text) {
  auto w = words(trim_ows(text));
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
  if (w.size() == 6 && w[0].size() == 4 && w[0].back() == ',' && w[5] == "GMT") {
    auto day = number(w[1], 2, 2);
    auto year = number(w[3], 4, 4);
    auto seconds = time_of_day(w[4]);
    int month = month_number(w[2]);
    if (!day || !year || !seconds || month == 0) return std::nullopt;
    return to_epoch(*year, month, *day, *seconds);
  }
  // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" (two-digit years: 70-99 are 19xx)
  if (w.size() == 4 && w[0].back() == ',' && w[3] == "GMT" && w[1].size() == 9 && w[1][2] == '-' &&
      w[1][6] == '-') {
    auto day = number(w[1].substr(0, 2), 2, 2);
    int month = month_number(w[1].substr(3, 3));
    auto year = number(w[1].substr(7, 2), 2, 2);
    auto seconds = time_of_day(w[2]);
    if (!day || !year || !seconds || month == 0) return std::nullopt;
    return to_epoch(*year < 70 ? 2000 + *year : 1900 + *year, month, *day, *seconds);
  }
  // asctime: "Sun Nov  6 08:49:37 1994"
  if (w.size() == 5 && w[0].size() == 3) {
    int month = month_number(w[1]);
    auto day = number(w[2], 1, 2);
    auto seconds = time_of_day(w[3]);
    auto year = number(w[4], 4, 4);
    if (!day || !year || !seconds || month == 0) return std::nullopt;
    return to_epoch(*year, month, *day, *seconds);
  }
  return std::nullopt;
}

std::int64_t freshness_lifetime(std::string_view cache_control, std::string_view expires,
                                std::string_view date, std::int64_t response_time) {
  std::optional<std::int64_t> max_age;
  for (const auto& d : parse_cache_control(cache_control)) {
    if (d.name == "no-cache" || d.name == "no-store") return 0;
    if (d.name == "max-age" && !max_age) {
      auto value = delta_seconds(d.value);
      if (!value) return 0;  // an invalid max-age: treat the response as stale
      max_age = value;
    }
  }
  if (max_age) return *max_age;
  if (trim_ows(expires).empty()) return 0;
  auto expires_at = parse_http_date(expires);
  if (!expires_at) return 0;  // "0" and other invalid dates mean "already expired"
  std::int64_t date_value = parse_http_date(date).value_or(response_time);
  return std::max<std::int64_t>(0, *expires_at - date_value);
}

std::int64_t initial_age(std::string_view age, std::string_view date, std::int64_t request_time,
                         std::int64_t response_time) {
  std::int64_t apparent = 0;
  if (auto date_value = parse_http_date(date))
    apparent = std::max<std::int64_t>(0, response_time - *date_value);
  std::int64_t age_value = delta_seconds(trim_ows(age)).value_or(0);  // an invalid Age is ignored
  std::int64_t delay = std::max<std::int64_t>(0, response_time - request_time);
  return std::max(apparent, age_value + delay);
}

std::int64_t fresh_for(const Response& response, std::int64_t request_time,
                       std::int64_t response_time) {
  auto lifetime =
      freshness_lifetime(response.cache_control, response.expires, response.date, response_time);
  if (lifetime == 0) return 0;
  auto age = initial_age(response.age, response.date, request_time, response_time);
  return std::max<std::int64_t>(0, lifetime - age);
}

std::int64_t unix_now() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace wharf::net
