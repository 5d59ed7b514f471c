// net::Client on libcurl's multi interface.
//
// One loop on the calling thread drives every transfer: start what the
// concurrency limit and the retry schedule allow, let curl_multi_perform()
// move bytes, collect finished transfers, decide success / retry / failure,
// report progress, and sleep in curl_multi_poll() until curl or the next
// scheduled retry needs us. Each transfer keeps one easy handle for all its
// attempts, so options are set once and connections are reused.
//
// A body is written to its destination only once a 2xx status is known (so a
// 304 or a 404 leaves the destination alone), hashed as it is written, and
// on failure the destination is removed. An attempt that broke off after a
// 200 with a validator (ETag or Last-Modified) resumes with Range + If-Range;
// a server that answers 200 instead of 206 simply starts the body over.
#include "wharf/net/client.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <random>

#include "curl.hpp"
#include "wharf/net/retry.hpp"
#include "wharf/util/hash.hpp"

namespace wharf::net {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr auto kProgressInterval = milliseconds(100);

struct SlistDeleter {
  void operator()(curl_slist* list) const { WHARF_CURL(curl_slist_free_all)(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

enum class Sink { File, Memory };
enum class Abort { None, TooLarge, WriteFailed, BadRange };
enum class Outcome { Done, Retry, Failed };

bool equal_ignore_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim_view(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  return text;
}

bool is_file_url(std::string_view url) {
  return url.size() >= 5 && equal_ignore_case(url.substr(0, 5), "file:");
}

bool is_retryable_curl_code(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_PARTIAL_FILE:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_HTTP3:
    case CURLE_QUIC_CONNECT_ERROR:
      return true;
    default:
      return false;
  }
}

std::string hint_for_curl_code(CURLcode code) {
  switch (code) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
      return "the server's TLS certificate could not be verified; if it uses a private "
             "certificate authority, point SSL_CERT_FILE or SSL_CERT_DIR at it";
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return "check the URL: wharf fetches http://, https:// and file:// URLs";
    case CURLE_FILE_COULDNT_READ_FILE:
      return "check that the file exists and is readable";
    case CURLE_TOO_MANY_REDIRECTS:
      return "the server redirects in a loop; check the URL";
    case CURLE_LOGIN_DENIED:
      return "check the credentials (WHARF_AUTH_<NAME> or ~/.netrc)";
    default:
      return "check the network connection and the proxy settings (https_proxy, no_proxy), "
             "then run the command again";
  }
}

std::string hint_for_status(long status, const std::string& auth_name) {
  if (status == 401 || status == 403) {
    return auth_name.empty()
               ? "the server wants credentials: add the host to ~/.netrc"
               : fmt::format(
                     "the server refused the credentials; set {} to \"user:password\" "
                     "or \"Bearer TOKEN\", or add the host to ~/.netrc",
                     auth_variable_for(auth_name));
  }
  if (status == 404 || status == 410) return "check that the URL is right and the file exists";
  if (is_retryable_status(status)) return "the server is failing or busy; try again later";
  return "check the URL and the server";
}

// Everything about one request across its attempts.
struct Transfer {
  std::size_t index = 0;
  const Request* request = nullptr;
  Sink sink = Sink::File;
  std::uint64_t memory_limit = 0;
  std::string memory;
  bool is_file = false;

  CURL* easy = nullptr;
  Slist headers;
  std::string display;               // label + redacted URL, for messages
  std::string progress_label;        // label or redacted URL
  std::vector<std::string> secrets;  // scrubbed from every message
  std::string bearer, userpwd;       // kept alive for curl
  char error_buffer[CURL_ERROR_SIZE] = {};

  int attempts = 0;
  int integrity_failures = 0;
  milliseconds waited{0};
  Clock::time_point not_before{};

  // This attempt.
  long status = 0;
  std::string reason;
  std::string etag, last_modified, content_encoding;
  std::string cache_control, expires, date, age;  // Response's caching headers
  std::optional<std::uint64_t> content_range_start;
  std::optional<long> retry_after;
  bool body_started = false;
  Abort abort = Abort::None;
  int write_errno = 0;

  // The body so far (possibly across attempts, when resuming).
  std::FILE* file = nullptr;
  bool destination_touched = false;
  Sha256 hasher;
  std::uint64_t bytes = 0;
  std::uint64_t resume_from = 0;  // Range start requested by this attempt
  std::string resume_validator;   // If-Range value

  std::uint64_t reported_bytes = 0;
  Clock::time_point reported_at{};

  ~Transfer() {
    if (file != nullptr) std::fclose(file);
    if (easy != nullptr) WHARF_CURL(curl_easy_cleanup)(easy);
  }

  std::string scrub(std::string text) const {
    for (const auto& secret : secrets) {
      if (secret.size() < 4) continue;
      for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at))
        text.replace(at, secret.size(), "***");
    }
    return text;
  }

  Error scrub_error(Error error) const {
    error.message = scrub(std::move(error.message));
    error.hint = scrub(std::move(error.hint));
    return error;
  }

  void clear_caching_headers() {
    cache_control.clear();
    expires.clear();
    date.clear();
    age.clear();
  }

  // Hands the caching headers of this attempt to `response`.
  void copy_caching_headers(Response& response) const {
    response.cache_control = cache_control;
    response.expires = expires;
    response.date = date;
    response.age = age;
  }

  void reset_body() {
    hasher = Sha256();
    bytes = 0;
    resume_from = 0;
    resume_validator.clear();
  }

  void begin_attempt() {
    status = 0;
    reason.clear();
    etag.clear();
    last_modified.clear();
    content_encoding.clear();
    clear_caching_headers();
    content_range_start.reset();
    retry_after.reset();
    body_started = false;
    abort = Abort::None;
    write_errno = 0;
    error_buffer[0] = '\0';
    memory.clear();
    reported_bytes = bytes;
  }
};

std::string percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      auto hex = std::string(text.substr(i + 1, 2));
      char* end = nullptr;
      long value = std::strtol(hex.c_str(), &end, 16);
      if (end == hex.c_str() + 2) {
        out += static_cast<char>(value);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

// A URL's userinfo and password, raw and decoded, to scrub from messages.
std::vector<std::string> url_secrets(std::string_view url) {
  std::vector<std::string> out;
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return out;
  auto rest = url.substr(scheme_end + 3);
  auto authority = rest.substr(0, rest.find_first_of("/?#"));
  auto at = authority.rfind('@');
  if (at == std::string_view::npos) return out;
  auto userinfo = authority.substr(0, at);
  out.emplace_back(userinfo);  // may be a bare token ("https://TOKEN@host/")
  out.push_back(percent_decode(userinfo));
  if (auto colon = userinfo.find(':'); colon != std::string_view::npos) {
    auto password = userinfo.substr(colon + 1);
    out.emplace_back(password);
    out.push_back(percent_decode(password));
  }
  return out;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  if (line.size() >= 5 && line.substr(0, 5) == "HTTP/") {
    // A new response (after a redirect or a 100 Continue): forget the old one.
    t.etag.clear();
    t.last_modified.clear();
    t.content_encoding.clear();
    t.clear_caching_headers();
    t.content_range_start.reset();
    t.retry_after.reset();
    auto first_space = line.find(' ');
    if (first_space != std::string_view::npos) {
      auto rest = line.substr(first_space + 1);
      auto second_space = rest.find(' ');
      t.status = std::strtol(std::string(rest.substr(0, second_space)).c_str(), nullptr, 10);
      t.reason = second_space == std::string_view::npos
                     ? std::string()
                     : std::string(trim_view(rest.substr(second_space + 1)));
    }
    return line.size();
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return line.size();
  auto name = trim_view(line.substr(0, colon));
  auto value = trim_view(line.substr(colon + 1));
  if (equal_ignore_case(name, "ETag")) {
    t.etag = value;
  } else if (equal_ignore_case(name, "Last-Modified")) {
    t.last_modified = value;
  } else if (equal_ignore_case(name, "Cache-Control")) {
    if (!t.cache_control.empty() && !value.empty()) t.cache_control += ", ";
    t.cache_control += value;
  } else if (equal_ignore_case(name, "Expires")) {
    t.expires = value;
  } else if (equal_ignore_case(name, "Date")) {
    t.date = value;
  } else if (equal_ignore_case(name, "Age")) {
    t.age = value;
  } else if (equal_ignore_case(name, "Content-Encoding")) {
    if (!equal_ignore_case(value, "identity")) t.content_encoding = value;
  } else if (equal_ignore_case(name, "Retry-After")) {
    char* end = nullptr;
    std::string text(value);
    long seconds = std::strtol(text.c_str(), &end, 10);
    if (!text.empty() && end == text.c_str() + text.size() && seconds >= 0) t.retry_after = seconds;
  } else if (equal_ignore_case(name, "Content-Range")) {
    // "bytes START-END/TOTAL"
    auto text = std::string(value);
    if (text.rfind("bytes ", 0) == 0) {
      t.content_range_start = std::strtoull(text.c_str() + 6, nullptr, 10);
    }
  }
  return line.size();
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  std::size_t n = size * count;
  bool success = t.is_file || (t.status >= 200 && t.status < 300);
  if (!success) return n;  // an error page: not the body we want

  if (!t.body_started) {
    t.body_started = true;
    bool resumed = t.status == 206 && t.resume_from > 0;
    if (t.status == 206 && (!resumed || t.content_range_start != t.resume_from)) {
      t.abort = Abort::BadRange;
      return CURL_WRITEFUNC_ERROR;
    }
    if (!resumed) t.reset_body();
    if (t.sink == Sink::File) {
      if (auto parent = t.request->destination.parent_path(); !parent.empty()) {
        std::error_code ignored;  // fopen reports the problem, if any
        std::filesystem::create_directories(parent, ignored);
      }
      t.file = std::fopen(t.request->destination.c_str(), resumed ? "ab" : "wb");
      t.destination_touched = true;
      if (t.file == nullptr) {
        t.abort = Abort::WriteFailed;
        t.write_errno = errno;
        return CURL_WRITEFUNC_ERROR;
      }
    }
  }

  std::uint64_t limit = t.sink == Sink::Memory ? t.memory_limit : 0;
  if (t.request->expected_size) limit = *t.request->expected_size;
  if (limit != 0 || t.request->expected_size) {
    if (t.bytes + n > limit) {
      t.abort = Abort::TooLarge;
      return CURL_WRITEFUNC_ERROR;
    }
  }
  if (t.sink == Sink::File) {
    if (std::fwrite(data, 1, n, t.file) != n) {
      t.abort = Abort::WriteFailed;
      t.write_errno = errno;
      return CURL_WRITEFUNC_ERROR;
    }
  } else {
    t.memory.append(data, n);
  }
  t.hasher.update(data, n);
  t.bytes += n;
  return n;
}

}  // namespace

struct Client::Impl {
  Options options;
  CURLM* multi = nullptr;
  CURLSH* share = nullptr;
  std::mutex mutex;
  std::mt19937_64 random{std::random_device{}()};
  std::string ca_file, ca_path;

  std::vector<Result<Response>> run(std::vector<std::unique_ptr<Transfer>>& transfers);
  Result<void> setup(Transfer& t);
  void start_attempt(Transfer& t);
  Outcome finish_attempt(Transfer& t, CURLcode code, Result<Response>& result);
  void schedule_retry(Transfer& t, bool keep_partial_body);
  Result<void> open_handles();
  Error make_error(const Transfer& t, const std::string& cause, const std::string& hint) const;
  void report(Transfer& t, bool done);
};

Client::Client(Options options) : m_impl(std::make_unique<Impl>()) {
  if (options.concurrency < 1) options.concurrency = 1;
  if (options.max_attempts < 1) options.max_attempts = 1;
  m_impl->options = std::move(options);
  if (const char* v = std::getenv("SSL_CERT_FILE"); v != nullptr && *v != '\0') m_impl->ca_file = v;
  if (const char* v = std::getenv("SSL_CERT_DIR"); v != nullptr && *v != '\0') m_impl->ca_path = v;
}

Client::~Client() {
  if (m_impl->multi != nullptr) WHARF_CURL(curl_multi_cleanup)(m_impl->multi);
  if (m_impl->share != nullptr) WHARF_CURL(curl_share_cleanup)(m_impl->share);
}

// libcurl is touched only here, on the first transfer, so a Client that is
// made but never used needs no libcurl at all.
Result<void> Client::Impl::open_handles() {
  if (multi != nullptr && share != nullptr) return {};
  WHARF_TRY_VOID(detail::ensure_curl());
  // A retry after a half-failed start keeps the handle it already has.
  if (multi == nullptr) multi = WHARF_CURL(curl_multi_init)();
  if (share == nullptr) share = WHARF_CURL(curl_share_init)();
  if (multi == nullptr || share == nullptr)
    return fail("libcurl could not start a transfer (out of memory?)");
  WHARF_CURL(curl_multi_setopt)(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  WHARF_CURL(curl_share_setopt)(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  WHARF_CURL(curl_share_setopt)(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  return {};
}

const Options& Client::options() const {
  return m_impl->options;
}

Error Client::Impl::make_error(const Transfer& t, const std::string& cause,
                               const std::string& hint) const {
  auto message = fmt::format("could not download {} after {} attempt{}: {}", t.display, t.attempts,
                             t.attempts == 1 ? "" : "s", cause);
  return Error{ErrorKind::Failure, t.scrub(std::move(message)), t.scrub(hint)};
}

Result<void> Client::Impl::setup(Transfer& t) {
  const Request& r = *t.request;
  auto redacted = redact_credentials(r.url);
  t.display = r.label.empty() ? redacted : fmt::format("{} from {}", r.label, redacted);
  t.progress_label = r.label.empty() ? redacted : r.label;
  t.secrets = url_secrets(r.url);
  t.is_file = is_file_url(r.url);
  if (r.url.empty()) {
    return fail_input(
        fmt::format("cannot download {}: the URL is empty", r.label.empty() ? "a file" : r.label));
  }
  if (t.sink == Sink::File && r.destination.empty()) {
    return fail_input(fmt::format("cannot download {}: no destination file given", t.display));
  }
  if (r.expected_sha256 && !is_sha256_hex(*r.expected_sha256)) {
    return fail_input(
        fmt::format("cannot download {}: `{}` is not a sha256 (64 lower-case hex "
                    "characters)",
                    t.display, *r.expected_sha256));
  }
  if (!r.auth_name.empty()) {
    auto variable = auth_variable_for(r.auth_name);
    if (const char* value = std::getenv(variable.c_str()); value != nullptr && *value != '\0') {
      std::string_view credential = value;
      t.secrets.emplace_back(credential);
      if (credential.size() > 7 && equal_ignore_case(credential.substr(0, 7), "Bearer ")) {
        t.bearer = std::string(trim_view(credential.substr(7)));
        t.secrets.push_back(t.bearer);
      } else if (credential.find(':') != std::string_view::npos) {
        t.userpwd = std::string(credential);
        t.secrets.push_back(t.userpwd.substr(t.userpwd.find(':') + 1));
      } else {
        return fail_input(
            fmt::format("{} must hold \"user:password\" or \"Bearer TOKEN\"", variable),
            fmt::format("set {} again in one of those forms", variable));
      }
    }
  }

  t.easy = WHARF_CURL(curl_easy_init)();
  if (t.easy == nullptr) return fail("could not start a download: libcurl is out of memory");
  CURL* e = t.easy;
  WHARF_CURL(curl_easy_setopt)(e, CURLOPT_URL, r.url.c_str());
  WHARF_CURL(curl_easy_setopt)(e, CURLOPT_PRIVATE, static_cast<void*>(&t));
  WHARF_CURL(curl_easy_setopt)(e, CURLOPT_WRITEFUNCTION, on_body);
  WHARF_CURL(curl_easy_setopt)(e, CURLOPT_WRITEDATA, static_cast<void*>(&t));
  WHARF_CURL(curl_easy_setopt)(e, CURLOPT_HEADERFUNCTION, on_header);
  WHARF_CURL(curl_easy_setopt)(e, CURLOPT_HEADERDATA, static_cast<void*>(&t));
  WHARF_CURL(curl_easy_setopt)(e, CURLOPT_ERRORBUFFER, t.error_buffer);
  WHARF_CURL(curl_easy_setopt)(e, CURLOPT_NOSIGNAL, 1L);
  WHARF_CURL(curl_easy_setopt)(e, CURLOPT_PROTOCOLS_STR, "http,https,file");
  WHARF_CURL(curl_easy_setopt)(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  WHARF_CURL(curl_easy_setopt)(e, CURLOPT_FOLLOWLOCATION, 1L);
  WHARF_CURL(curl_easy_setopt)(e, CURLOPT_MAXREDIRS, 10L);
  WHARF_CURL(curl_easy_setopt)(e, CURLOPT_USERAGENT, "wharf/0.1");
  if (r.encoding == Encoding::Gzip)
    WHARF_CURL(curl_easy_setopt)(e, CURLOPT_ACCEPT_ENCODING, "gzip");
  WHARF_CURL(curl_easy_setopt)(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  // Waiting for a connection that may multiplex only pays where HTTP/2 can
  // be negotiated (ALPN, so https). Over plain http every connection is
  // HTTP/1.1, and waiting would queue the whole batch behind its first,
  // possibly slow, answer.
  if (r.url.starts_with("https://")) WHARF_CURL(curl_easy_setopt)(e, CURLOPT_PIPEWAIT, 1L);
  WHARF_CURL(curl_easy_setopt)(e, CURLOPT_SHARE, share);
  WHARF_CURL(curl_easy_setopt)(e, CURLOPT_CONNECTTIMEOUT, options.connect_timeout_seconds);
  WHARF_CURL(curl_easy_setopt)(e, CURLOPT_LOW_SPEED_LIMIT, options.low_speed_limit_bytes);
  WHARF_CURL(curl_easy_setopt)(e, CURLOPT_LOW_SPEED_TIME, options.low_speed_time_seconds);
  WHARF_CURL(curl_easy_setopt)(e, CURLOPT_NETRC, static_cast<long>(CURL_NETRC_OPTIONAL));
  // Verification stays on (libcurl's default); only the trust store may change.
  WHARF_CURL(curl_easy_setopt)(e, CURLOPT_SSL_VERIFYPEER, 1L);
  WHARF_CURL(curl_easy_setopt)(e, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!ca_file.empty()) WHARF_CURL(curl_easy_setopt)(e, CURLOPT_CAINFO, ca_file.c_str());
  if (!ca_path.empty()) WHARF_CURL(curl_easy_setopt)(e, CURLOPT_CAPATH, ca_path.c_str());
  if (!t.bearer.empty()) {
    WHARF_CURL(curl_easy_setopt)(e, CURLOPT_HTTPAUTH, CURLAUTH_BEARER);
    WHARF_CURL(curl_easy_setopt)(e, CURLOPT_XOAUTH2_BEARER, t.bearer.c_str());
  } else if (!t.userpwd.empty()) {
    WHARF_CURL(curl_easy_setopt)(e, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    WHARF_CURL(curl_easy_setopt)(e, CURLOPT_USERPWD, t.userpwd.c_str());
  }
  return {};
}

void Client::Impl::start_attempt(Transfer& t) {
  ++t.attempts;
  t.begin_attempt();
  const Request& r = *t.request;
  curl_slist* list = nullptr;
  if (!r.if_none_match.empty())
    list = WHARF_CURL(curl_slist_append)(list, ("If-None-Match: " + r.if_none_match).c_str());
  if (!r.if_modified_since.empty())
    list =
        WHARF_CURL(curl_slist_append)(list, ("If-Modified-Since: " + r.if_modified_since).c_str());
  if (t.resume_from > 0) {
    list = WHARF_CURL(curl_slist_append)(list, ("If-Range: " + t.resume_validator).c_str());
    WHARF_CURL(curl_easy_setopt)(t.easy, CURLOPT_RANGE, fmt::format("{}-", t.resume_from).c_str());
  } else {
    WHARF_CURL(curl_easy_setopt)(t.easy, CURLOPT_RANGE, nullptr);
  }
  WHARF_CURL(curl_easy_setopt)(t.easy, CURLOPT_HTTPHEADER, list);
  t.headers.reset(list);
  t.reported_at = Clock::now();
}

void Client::Impl::schedule_retry(Transfer& t, bool keep_partial_body) {
  bool broke_off_in_body = t.sink == Sink::File && t.body_started && t.bytes > 0 &&
                           t.content_encoding.empty() && (t.status == 200 || t.status == 206) &&
                           (!t.etag.empty() || !t.last_modified.empty());
  if (keep_partial_body && broke_off_in_body) {
    t.resume_from = t.bytes;
    t.resume_validator = !t.etag.empty() ? t.etag : t.last_modified;
  } else if (!(keep_partial_body && !t.body_started && t.resume_from > 0)) {
    // Start over, unless an attempt to resume failed before any byte arrived.
    t.reset_body();
  }
  double jitter = std::uniform_real_distribution<double>(0.0, 1.0)(random);
  auto delay =
      retry_delay(options.initial_backoff, options.max_backoff, t.attempts, t.retry_after, jitter);
  t.waited += delay;
  t.not_before = Clock::now() + delay;
}

Outcome Client::Impl::finish_attempt(Transfer& t, CURLcode code, Result<Response>& result) {
  const Request& r = *t.request;
  bool write_failed = false;
  if (t.file != nullptr) {
    if (std::fclose(t.file) != 0 && code == CURLE_OK) {
      write_failed = true;
      t.write_errno = errno;
    }
    t.file = nullptr;
  }
  bool attempts_left = t.attempts < options.max_attempts;
  auto fail_with = [&](const std::string& cause, const std::string& hint) {
    result = std::unexpected(make_error(t, cause, hint));
    return Outcome::Failed;
  };

  if (t.abort == Abort::WriteFailed || write_failed) {
    return fail_with(
        fmt::format("cannot write {}: {}", r.destination.string(), std::strerror(t.write_errno)),
        "check the free space and permissions of the cache folder");
  }
  if (t.abort == Abort::TooLarge) {
    auto limit = r.expected_size ? *r.expected_size : t.memory_limit;
    return fail_with(fmt::format("the server sent more than the expected {} bytes", limit),
                     r.expected_size ? "the file on the server changed; if that is expected, "
                                       "update the recorded size and checksum"
                                     : "this file is too large to be an index file");
  }
  if (t.abort == Abort::BadRange) {
    if (attempts_left) {
      schedule_retry(t, false);
      return Outcome::Retry;
    }
    return fail_with("the server answered a resumed download with the wrong range",
                     "run the command again");
  }

  if (code != CURLE_OK) {
    std::string detail =
        t.error_buffer[0] != '\0' ? t.error_buffer : WHARF_CURL(curl_easy_strerror)(code);
    std::string cause = fmt::format("{} (curl error {})", detail, static_cast<int>(code));
    if (is_retryable_curl_code(code) && attempts_left) {
      schedule_retry(t, true);
      return Outcome::Retry;
    }
    return fail_with(cause, hint_for_curl_code(code));
  }

  long status = t.status;
  if (!t.is_file) WHARF_CURL(curl_easy_getinfo)(t.easy, CURLINFO_RESPONSE_CODE, &status);
  bool conditional = !r.if_none_match.empty() || !r.if_modified_since.empty();
  if (status == 304 && conditional && !t.is_file) {
    Response response;
    response.status = 304;
    response.etag = t.etag.empty() ? r.if_none_match : t.etag;
    response.last_modified = t.last_modified.empty() ? r.if_modified_since : t.last_modified;
    t.copy_caching_headers(response);
    response.attempts = t.attempts;
    response.retry_wait = t.waited;
    result = response;
    return Outcome::Done;
  }
  if (!t.is_file && !(status >= 200 && status < 300)) {
    auto cause = fmt::format("the server answered HTTP {}{}{}", status, t.reason.empty() ? "" : " ",
                             t.reason);
    if ((status == 404 || status == 410) && r.not_found_ok) {
      Response response;
      response.status = status;
      response.attempts = t.attempts;
      response.retry_wait = t.waited;
      result = response;
      return Outcome::Done;
    }
    if (status == 416 && t.resume_from > 0 && attempts_left) {
      schedule_retry(t, false);
      return Outcome::Retry;
    }
    if (is_retryable_status(status) && attempts_left) {
      schedule_retry(t, false);
      return Outcome::Retry;
    }
    return fail_with(cause, hint_for_status(status, r.auth_name));
  }
  if (!t.body_started && t.sink == Sink::File) {
    // An empty body: still create (truncate) the destination.
    t.reset_body();
    std::FILE* f = std::fopen(r.destination.c_str(), "wb");
    t.destination_touched = true;
    if (f == nullptr || std::fclose(f) != 0) {
      return fail_with(
          fmt::format("cannot write {}: {}", r.destination.string(), std::strerror(errno)),
          "check the free space and permissions of the cache folder");
    }
  } else if (!t.body_started) {
    t.reset_body();
  }

  auto digest = t.hasher.hex_digest();
  std::string integrity;
  if (r.expected_size && t.bytes != *r.expected_size) {
    integrity = fmt::format("size mismatch: expected {} bytes, got {}", *r.expected_size, t.bytes);
  } else if (r.expected_sha256 && digest != *r.expected_sha256) {
    integrity = fmt::format("sha256 mismatch: expected {}, got {}", *r.expected_sha256, digest);
  }
  if (!integrity.empty()) {
    ++t.integrity_failures;
    if (t.sink == Sink::File) {
      std::error_code ec;
      std::filesystem::remove(r.destination, ec);
    }
    if (t.integrity_failures < 2 && attempts_left) {
      schedule_retry(t, false);
      return Outcome::Retry;
    }
    return fail_with(integrity,
                     "the file on the server differs from the one recorded (it changed, or is "
                     "corrupted); if the change is expected, update the checksum (re-lock)");
  }

  Response response;
  response.status = t.is_file ? 200 : (status == 206 ? 200 : status);
  response.sha256 = std::move(digest);
  response.bytes = t.bytes;
  response.etag = t.etag;
  response.last_modified = t.last_modified;
  t.copy_caching_headers(response);
  response.attempts = t.attempts;
  response.retry_wait = t.waited;
  result = std::move(response);
  return Outcome::Done;
}

void Client::Impl::report(Transfer& t, bool done) {
  if (!options.on_progress) return;
  auto now = Clock::now();
  if (!done && (t.bytes == t.reported_bytes || now - t.reported_at < kProgressInterval)) return;
  t.reported_bytes = t.bytes;
  t.reported_at = now;
  Progress progress;
  progress.index = t.index;
  progress.label = t.progress_label;
  progress.bytes = t.bytes;
  if (t.request->expected_size) {
    progress.total = *t.request->expected_size;
  } else if (t.easy != nullptr) {
    curl_off_t length = -1;
    WHARF_CURL(curl_easy_getinfo)(t.easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
    if (length >= 0) progress.total = static_cast<std::uint64_t>(length) + t.resume_from;
  }
  progress.done = done;
  options.on_progress(progress);
}

std::vector<Result<Response>> Client::Impl::run(std::vector<std::unique_ptr<Transfer>>& transfers) {
  std::vector<std::optional<Result<Response>>> results(transfers.size());
  std::size_t finished = 0;
  std::deque<Transfer*> waiting;  // in request order; retries go to the back
  if (transfers.empty()) return {};
  auto handles = open_handles();
  for (auto& t : transfers) {
    auto ready = handles ? setup(*t) : Result<void>(std::unexpected(handles.error()));
    if (!ready) {
      results[t->index] = std::unexpected(t->scrub_error(ready.error()));
      ++finished;
      report(*t, true);
      if (options.on_finished && t->sink == Sink::File)
        options.on_finished(t->index, *results[t->index]);
    } else {
      waiting.push_back(t.get());
    }
  }

  int active = 0;
  while (finished < transfers.size()) {
    auto now = Clock::now();
    for (auto it = waiting.begin(); it != waiting.end() && active < options.concurrency;) {
      Transfer* t = *it;
      if (t->not_before > now) {
        ++it;
        continue;
      }
      start_attempt(*t);
      if (auto mc = WHARF_CURL(curl_multi_add_handle)(multi, t->easy); mc != CURLM_OK) {
        results[t->index] = std::unexpected(make_error(
            *t,
            fmt::format("libcurl refused the transfer: {}", WHARF_CURL(curl_multi_strerror)(mc)),
            "this is a bug in wharf; please report it"));
        ++finished;
        report(*t, true);
        if (options.on_finished && t->sink == Sink::File)
          options.on_finished(t->index, *results[t->index]);
      } else {
        ++active;
      }
      it = waiting.erase(it);
    }

    int running = 0;
    WHARF_CURL(curl_multi_perform)(multi, &running);
    int queued = 0;
    while (CURLMsg* message = WHARF_CURL(curl_multi_info_read)(multi, &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      CURL* easy = message->easy_handle;
      CURLcode code = message->data.result;
      void* pointer = nullptr;
      WHARF_CURL(curl_easy_getinfo)(easy, CURLINFO_PRIVATE, &pointer);
      auto* t = static_cast<Transfer*>(pointer);
      WHARF_CURL(curl_multi_remove_handle)(multi, easy);
      --active;
      Result<Response> result = fail("unfinished");
      switch (finish_attempt(*t, code, result)) {
        case Outcome::Retry:
          waiting.push_back(t);
          break;
        case Outcome::Failed:
          if (t->destination_touched && t->sink == Sink::File) {
            std::error_code ec;
            std::filesystem::remove(t->request->destination, ec);
          }
          [[fallthrough]];
        case Outcome::Done:
          results[t->index] = std::move(result);
          ++finished;
          report(*t, true);
          if (options.on_finished && t->sink == Sink::File)
            options.on_finished(t->index, *results[t->index]);
          break;
      }
    }
    for (auto& t : transfers) {
      if (!results[t->index]) report(*t, false);
    }
    if (finished == transfers.size()) break;

    // Sleep until curl has work, progress is due, or a retry becomes ready.
    auto wait = kProgressInterval;
    now = Clock::now();
    if (active < options.concurrency) {
      for (Transfer* t : waiting) {
        auto until = std::chrono::duration_cast<milliseconds>(t->not_before - now);
        wait = std::min(wait, std::max(until, milliseconds(0)));
      }
    }
    if (wait.count() > 0 || active > 0) {
      WHARF_CURL(curl_multi_poll)(multi, nullptr, 0, static_cast<int>(wait.count()), nullptr);
    }
  }

  std::vector<Result<Response>> out;
  out.reserve(results.size());
  for (auto& r : results) out.push_back(std::move(*r));
  return out;
}

std::vector<Result<Response>> Client::fetch_all(const std::vector<Request>& requests) {
  std::lock_guard lock(m_impl->mutex);
  std::vector<std::unique_ptr<Transfer>> transfers;
  transfers.reserve(requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) {
    auto t = std::make_unique<Transfer>();
    t->index = i;
    t->request = &requests[i];
    transfers.push_back(std::move(t));
  }
  return m_impl->run(transfers);
}

Result<Response> Client::fetch(const Request& request) {
  return std::move(fetch_all({request}).front());
}

Result<std::string> Client::get_text(const std::string& url, const std::string& auth_name) {
  std::lock_guard lock(m_impl->mutex);
  Request request;
  request.url = url;
  request.auth_name = auth_name;
  std::vector<std::unique_ptr<Transfer>> transfers;
  auto t = std::make_unique<Transfer>();
  t->request = &request;
  t->sink = Sink::Memory;
  t->memory_limit = m_impl->options.max_text_bytes;
  Transfer* raw = t.get();
  transfers.push_back(std::move(t));
  auto results = m_impl->run(transfers);
  if (!results.front()) return std::unexpected(std::move(results.front()).error());
  return std::move(raw->memory);
}

}  // namespace wharf::net
