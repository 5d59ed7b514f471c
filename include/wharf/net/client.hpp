// HTTP(S) downloads for wharf: many transfers at once, verified while they
// stream, retried when retrying can help.
//
// A Client owns one libcurl multi handle (connection reuse, HTTP/2
// multiplexing when the server offers it) and one share handle (DNS cache and
// TLS sessions). fetch_all() runs a batch of Requests on the calling thread:
// at most `Options::concurrency` transfers are in flight; each body streams
// into its destination file while a SHA-256 is computed, so a finished
// transfer is already verified. What is retried, with exponential backoff
// and jitter (and the server's Retry-After, capped at 30 s):
//   - connection failures, resets, timeouts and stalls (low-speed limit),
//   - HTTP 408, 429 and 5xx,
//   - an integrity failure (sha256 or size mismatch), once only.
// Everything else (404, 401, TLS verification, a bad URL, a full disk) fails
// at once. Every error names the request (label and URL, with credentials
// redacted), the cause and the attempts made, plus a hint on what to do.
//
// Security: TLS verification is always on; SSL_CERT_FILE / SSL_CERT_DIR
// choose the trusted authorities when set. Proxies come from the usual
// variables (http_proxy, https_proxy, no_proxy, all_proxy), as libcurl reads
// them. Credentials come from the URL, from ~/.netrc, or from
// WHARF_AUTH_<NAME> for a request whose `auth_name` is NAME; they are never
// sent to another host on redirect and never appear in messages.
//
// file:// URLs work too (no retries are needed there, no conditional requests).
// A Client is not meant to be shared between threads; calls are serialized.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wharf/util/error.hpp"

namespace wharf::net {

// What the server may compress on the wire. The hash and size always apply to
// the decoded bytes. Use Identity for files some servers mislabel with
// `Content-Encoding: gzip` (a .tar.gz served by a misconfigured host).
enum class Encoding { Gzip, Identity };

struct Request {
  std::string url;                    // http://, https:// or file://
  std::filesystem::path destination;  // created (with its folder) or truncated when a body arrives;
                                      // removed on failure
  std::optional<std::string> expected_sha256;  // lower-case hex; mismatch = Failure, retried once
  std::optional<std::uint64_t> expected_size;  // more bytes abort the transfer; fewer fail it
  std::string if_none_match;                   // ETag from an earlier response
  std::string if_modified_since;               // Last-Modified from an earlier response
  std::string label;                           // "hello 1.2.0", for messages and progress
  // Registry name whose credentials to send: WHARF_AUTH_<NAME> (upper-cased,
  // other characters as '_') holding "user:password" or "Bearer TOKEN".
  std::string auth_name;
  Encoding encoding = Encoding::Gzip;
  // A 404 or 410 is an answer (Response::status says which, nothing is
  // written), not an error: "this registry has no such index file".
  bool not_found_ok = false;
};

struct Response {
  long status = 0;          // 200 (also for file://, 206 after a resume), 304 when not modified, or
                            // 404 / 410 with Request::not_found_ok
  std::string sha256;       // of the bytes written (empty for 304)
  std::uint64_t bytes = 0;  // written to the destination
  std::string etag, last_modified;
  // For HTTP caching (freshness.hpp), as received with a 200 or 304: Cache-Control (several
  // header lines joined with ", "), Expires, Date and Age; empty when absent.
  std::string cache_control, expires, date, age;
  int attempts = 0;                         // how many attempts it took
  std::chrono::milliseconds retry_wait{0};  // backoff scheduled between them (not measured)
  bool not_modified() const { return status == 304; }
};

struct Progress {
  std::size_t index = 0;    // of the request in the batch
  std::string label;        // Request::label, else the redacted URL
  std::uint64_t bytes = 0;  // received so far in this attempt
  std::uint64_t total = 0;  // expected bytes, 0 when unknown
  bool done = false;        // the last report for this request (success or failure)
};

struct Options {
  int concurrency =
      16;  // transfers in flight at once; WHARF_CONCURRENCY overrides (options_from_env)
  int max_attempts = 5;                            // per request, the first attempt included
  std::chrono::milliseconds initial_backoff{200};  // doubled per retry, with jitter
  std::chrono::milliseconds max_backoff{30000};    // cap for backoff and Retry-After
  long connect_timeout_seconds = 15;
  // A transfer slower than low_speed_limit_bytes per second for
  // low_speed_time_seconds is a stall: aborted and retried.
  long low_speed_limit_bytes = 1;
  long low_speed_time_seconds = 30;
  std::uint64_t max_text_bytes = 64ull << 20;  // get_text() refuses bigger bodies
  // Called on the thread that called fetch_all(), at most every ~100 ms per
  // transfer plus once with done = true.
  std::function<void(const Progress&)> on_progress;
  // Called on the same thread as soon as request `index` of fetch_all() has its final result
  // (before fetch_all() returns), so a caller can start using a finished file
  // while other transfers are still running.
  std::function<void(std::size_t index, const Result<Response>&)> on_finished;
};

// `base` with WHARF_CONCURRENCY applied when set; an invalid value is an
// Input error naming the variable.
Result<Options> options_from_env(Options base = {});

class Client {
 public:
  explicit Client(Options options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // One result per request, in order. Never throws.
  std::vector<Result<Response>> fetch_all(const std::vector<Request>& requests);
  Result<Response> fetch(const Request& request);
  // A small file (an index file) into memory, with the same retries.
  Result<std::string> get_text(const std::string& url, const std::string& auth_name = {});

  const Options& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// "https://user:secret@host/x?token=abc" -> "https://***@host/x?token=***".
// Userinfo goes, and so do the values of query parameters whose name suggests
// a secret (token, key, sig, secret, password, auth, credential).
std::string redact_credentials(std::string_view url);

// The environment variable holding credentials for a registry name:
// "my-registry" -> "WHARF_AUTH_MY_REGISTRY".
std::string auth_variable_for(std::string_view name);

}  // namespace wharf::net
