// How long a stored HTTP response may be used without asking the server
// again: RFC 9111 freshness, for a private (single-user) cache.
//
// The freshness lifetime comes from the response's Cache-Control `max-age`
// (`s-maxage` is for shared caches and is ignored), else from `Expires` minus
// `Date`. `no-cache` and `no-store` make it zero, and so does a response with
// neither `max-age` nor `Expires`: no heuristic freshness is ever invented,
// so such a response is revalidated every time. `must-revalidate` needs no
// special case: it only matters once the response is stale, and a stale one
// is always revalidated here. The response's age when it arrived (`Age`, the
// time it spent on the way, and how old its `Date` was) is subtracted.
//
// Times are whole seconds since the Unix epoch.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace wharf::net {

struct Response;

// An HTTP-date (IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", or the obsolete
// RFC 850 and asctime forms) as seconds since the epoch; nullopt when invalid.
std::optional<std::int64_t> parse_http_date(std::string_view text);

// The freshness lifetime in seconds (0: revalidate every time) from the
// header values as received; `response_time` stands in for a missing Date.
std::int64_t freshness_lifetime(std::string_view cache_control, std::string_view expires,
                                std::string_view date, std::int64_t response_time);

// The age of a response when it arrived (RFC 9111 4.2.3, corrected initial
// age): the larger of now-minus-Date and Age plus the time the request took.
std::int64_t initial_age(std::string_view age, std::string_view date, std::int64_t request_time,
                         std::int64_t response_time);

// For how many seconds after `response_time` a response stays fresh:
// lifetime minus initial age, never negative.
std::int64_t fresh_for(const Response& response, std::int64_t request_time,
                       std::int64_t response_time);

// Seconds since the epoch, now.
std::int64_t unix_now();

}  // namespace wharf::net
