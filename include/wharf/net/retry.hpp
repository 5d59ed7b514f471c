// The retry policy of net::Client as pure functions, so the arithmetic can be
// tested without a network.
#pragma once

#include <chrono>
#include <optional>

namespace wharf::net {

// HTTP statuses worth another attempt: 408, 429 and every 5xx.
bool is_retryable_status(long status);

// The wait before retry number `retry` (1 for the first retry):
// `initial * 2^(retry-1)`, capped at `cap`, scaled by jitter into
// [half, full] of itself (`jitter` in [0, 1)). A server's Retry-After (in
// seconds) is honoured when longer, but never beyond `cap`.
std::chrono::milliseconds retry_delay(std::chrono::milliseconds initial,
                                      std::chrono::milliseconds cap, int retry,
                                      std::optional<long> retry_after_seconds, double jitter);

}  // namespace wharf::net
