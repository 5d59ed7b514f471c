// net::Client against the real fault-injecting server of tests/support.
#include <arpa/inet.h>
#include <fmt/core.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>

#include "support/http_server.hpp"
#include "wharf/net/client.hpp"
#include "wharf/util/fs.hpp"
#include "wharf/util/hash.hpp"
#include "wharf/util/process.hpp"

using namespace wharf;
using namespace std::chrono_literals;
using wharf::test::TestHttpServer;

namespace {

// Sets an environment variable for the scope, restoring the old value.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : m_name(name) {
    if (const char* old = std::getenv(name)) m_old = old;
    if (value) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (m_old) {
      ::setenv(m_name.c_str(), m_old->c_str(), 1);
    } else {
      ::unsetenv(m_name.c_str());
    }
  }

 private:
  std::string m_name;
  std::optional<std::string> m_old;
};

// Keeps a developer's proxy settings away from the local server.
struct NoProxyForLocalhost {
  ScopedEnv no_proxy{"no_proxy", "127.0.0.1,localhost"};
  ScopedEnv http_proxy{"http_proxy", nullptr};
  ScopedEnv all_proxy{"all_proxy", nullptr};
};

std::string pseudo_random_bytes(std::size_t size, unsigned seed) {
  std::string out(size, '\0');
  unsigned state = seed * 2654435761u + 1;
  for (auto& c : out) {
    state = state * 1103515245u + 12345u;
    c = static_cast<char>(state >> 16);
  }
  return out;
}

void write(const fs::path& path, const std::string& content) {
  REQUIRE(write_file_atomic(path, content));
}

std::string slurp(const fs::path& path) {
  auto content = read_file(path);
  REQUIRE(content);
  return *content;
}

net::Options fast_options() {
  net::Options options;
  options.initial_backoff = 5ms;
  options.max_attempts = 5;
  options.low_speed_time_seconds = 2;
  options.connect_timeout_seconds = 5;
  return options;
}

int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  socklen_t length = sizeof address;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  ::close(fd);
  return ntohs(address.sin_port);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("a plain fetch streams the body to the destination and hashes it", "[net]") {
  NoProxyForLocalhost no_proxy;
  TempDir root, out;
  auto content = pseudo_random_bytes(300000, 1);
  write(root.path() / "pkg" / "hello-1.2.0.tar.gz", content);
  TestHttpServer server(root.path());

  net::Client client(fast_options());
  net::Request request;
  request.url = server.url("/pkg/hello-1.2.0.tar.gz");
  request.destination = out.path() / "download.tmp";
  request.expected_sha256 = sha256_hex(content);
  request.expected_size = content.size();
  request.label = "hello 1.2.0";
  auto response = client.fetch(request);
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(response->sha256 == sha256_hex(content));
  CHECK(response->bytes == content.size());
  CHECK(response->attempts == 1);
  CHECK_FALSE(response->etag.empty());
  CHECK_FALSE(response->last_modified.empty());
  CHECK(slurp(request.destination) == content);
  CHECK(server.request_count("/pkg/hello-1.2.0.tar.gz") == 1);
  CHECK(server.last_header("/pkg/hello-1.2.0.tar.gz", "User-Agent") == "wharf/0.1");
  CHECK(contains(server.last_header("/pkg/hello-1.2.0.tar.gz", "Accept-Encoding"), "gzip"));
}

TEST_CASE("fifty files are fetched concurrently and all arrive intact", "[net]") {
  NoProxyForLocalhost no_proxy;
  TempDir root, out;
  std::vector<std::string> contents;
  for (unsigned i = 0; i < 50; ++i) {
    contents.push_back(pseudo_random_bytes(1000 + i * 997, i + 7));
    write(root.path() / fmt::format("f{}.bin", i), contents.back());
  }
  TestHttpServer server(root.path());

  auto options = fast_options();
  options.concurrency = 8;
  std::map<std::size_t, int> done_reports;
  options.on_progress = [&](const net::Progress& p) {
    if (p.done) ++done_reports[p.index];
  };
  net::Client client(options);
  std::vector<net::Request> requests;
  for (unsigned i = 0; i < 50; ++i) {
    net::Request r;
    r.url = server.url(fmt::format("/f{}.bin", i));
    r.destination = out.path() / fmt::format("f{}.tmp", i);
    r.expected_sha256 = sha256_hex(contents[i]);
    r.label = fmt::format("file {}", i);
    requests.push_back(r);
  }
  auto results = client.fetch_all(requests);
  REQUIRE(results.size() == 50);
  for (unsigned i = 0; i < 50; ++i) {
    INFO("file " << i);
    REQUIRE(results[i]);
    CHECK(results[i]->sha256 == sha256_hex(contents[i]));
    CHECK(slurp(requests[i].destination) == contents[i]);
  }
  CHECK(done_reports.size() == 50);
  for (auto& [index, count] : done_reports) CHECK(count == 1);
}

TEST_CASE("a server error twice then success is retried and succeeds", "[net]") {
  NoProxyForLocalhost no_proxy;
  TempDir root, out;
  write(root.path() / "a.txt", "alpha\n");
  TestHttpServer server(root.path());
  server.set_fault("/a.txt", "fail-500:2");

  net::Client client(fast_options());
  auto response = client.fetch({.url = server.url("/a.txt"), .destination = out.path() / "a"});
  REQUIRE(response);
  CHECK(response->attempts == 3);
  CHECK(server.request_count("/a.txt") == 3);
  CHECK(slurp(out.path() / "a") == "alpha\n");
}

TEST_CASE("429 with Retry-After is retried after the time the server asked for", "[net]") {
  NoProxyForLocalhost no_proxy;
  TempDir root, out;
  write(root.path() / "a.txt", "alpha\n");
  TestHttpServer server(root.path());
  server.set_fault("/a.txt", "fail-429:1");

  net::Client client(fast_options());
  auto response = client.fetch({.url = server.url("/a.txt"), .destination = out.path() / "a"});
  REQUIRE(response);
  CHECK(response->attempts == 2);
  // The scheduled wait follows Retry-After: 1, not the 5 ms backoff.
  CHECK(response->retry_wait >= 1000ms);
  CHECK(server.request_count("/a.txt") == 2);
}

TEST_CASE("a connection dropped halfway is resumed and the result verified", "[net]") {
  NoProxyForLocalhost no_proxy;
  TempDir root, out;
  auto content = pseudo_random_bytes(200000, 3);
  write(root.path() / "big.bin", content);
  TestHttpServer server(root.path());
  server.set_fault("/big.bin", "drop-halfway:1");

  net::Client client(fast_options());
  auto response = client.fetch({.url = server.url("/big.bin"),
                                .destination = out.path() / "big",
                                .expected_sha256 = sha256_hex(content)});
  REQUIRE(response);
  CHECK(response->attempts == 2);
  CHECK(response->sha256 == sha256_hex(content));
  CHECK(slurp(out.path() / "big") == content);
  CHECK(server.request_count("/big.bin") == 2);
  CHECK(server.last_header("/big.bin", "Range") == fmt::format("bytes={}-", content.size() / 2));
}

TEST_CASE("a connection that always drops fails after max attempts with a clear message", "[net]") {
  NoProxyForLocalhost no_proxy;
  TempDir root, out;
  write(root.path() / "big.bin", pseudo_random_bytes(50000, 4));
  TestHttpServer server(root.path());
  server.set_fault("/big.bin", "drop-halfway");

  auto options = fast_options();
  options.max_attempts = 3;
  net::Client client(options);
  auto response = client.fetch(
      {.url = server.url("/big.bin"), .destination = out.path() / "big", .label = "big 1.0"});
  REQUIRE_FALSE(response);
  const auto& message = response.error().message;
  CHECK(contains(message, "big 1.0"));
  CHECK(contains(message, server.url("/big.bin")));
  CHECK(contains(message, "3 attempts"));
  CHECK_FALSE(response.error().hint.empty());
  CHECK(response.error().kind == ErrorKind::Failure);
  CHECK(server.request_count("/big.bin") == 3);
  CHECK_FALSE(fs::exists(out.path() / "big"));
}

TEST_CASE("a stalled transfer is detected by the low-speed limit and retried", "[net]") {
  NoProxyForLocalhost no_proxy;
  TempDir root, out;
  auto content = pseudo_random_bytes(20000, 5);
  write(root.path() / "slow.bin", content);
  TestHttpServer server(root.path());
  auto options = fast_options();
  options.low_speed_limit_bytes = 100;
  options.low_speed_time_seconds = 2;

  SECTION("once, then served") {
    server.set_fault("/slow.bin", "stall:1");
    net::Client client(options);
    auto response = client.fetch({.url = server.url("/slow.bin"),
                                  .destination = out.path() / "slow",
                                  .expected_sha256 = sha256_hex(content)});
    REQUIRE(response);
    CHECK(response->attempts == 2);
    CHECK(slurp(out.path() / "slow") == content);
  }
  SECTION("always") {
    server.set_fault("/slow.bin", "stall");
    options.max_attempts = 1;
    net::Client client(options);
    auto response =
        client.fetch({.url = server.url("/slow.bin"), .destination = out.path() / "slow"});
    REQUIRE_FALSE(response);
    CHECK(contains(response.error().message, "curl error 28"));
    CHECK(contains(response.error().message, server.url("/slow.bin")));
    CHECK_FALSE(fs::exists(out.path() / "slow"));
  }
}

TEST_CASE("wrong bytes fail the sha256 check, are retried once and leave no file", "[net]") {
  NoProxyForLocalhost no_proxy;
  TempDir root, out;
  auto content = pseudo_random_bytes(10000, 6);
  write(root.path() / "x.tar.gz", content);
  TestHttpServer server(root.path());
  server.set_fault("/x.tar.gz", "wrong-bytes");

  net::Client client(fast_options());
  auto response = client.fetch({.url = server.url("/x.tar.gz"),
                                .destination = out.path() / "x",
                                .expected_sha256 = sha256_hex(content),
                                .label = "x 2.0.0"});
  REQUIRE_FALSE(response);
  const auto& message = response.error().message;
  CHECK(contains(message, "sha256 mismatch"));
  CHECK(contains(message, sha256_hex(content)));
  CHECK(contains(message, "x 2.0.0"));
  CHECK(contains(message, server.url("/x.tar.gz")));
  CHECK(server.request_count("/x.tar.gz") == 2);
  CHECK_FALSE(fs::exists(out.path() / "x"));
}

TEST_CASE("a body larger than the expected size is aborted and not retried", "[net]") {
  NoProxyForLocalhost no_proxy;
  TempDir root, out;
  write(root.path() / "x.bin", pseudo_random_bytes(100000, 8));
  TestHttpServer server(root.path());

  net::Client client(fast_options());
  auto response = client.fetch(
      {.url = server.url("/x.bin"), .destination = out.path() / "x", .expected_size = 1000});
  REQUIRE_FALSE(response);
  CHECK(contains(response.error().message, "more than the expected 1000 bytes"));
  CHECK(server.request_count("/x.bin") == 1);
  CHECK_FALSE(fs::exists(out.path() / "x"));
}

TEST_CASE("ETag and Last-Modified revalidation return 304 and leave the file alone", "[net]") {
  NoProxyForLocalhost no_proxy;
  TempDir root, out;
  write(root.path() / "index" / "hello.yaml", "name: hello\n");
  TestHttpServer server(root.path());
  net::Client client(fast_options());
  auto destination = out.path() / "hello.yaml";

  auto first = client.fetch({.url = server.url("/index/hello.yaml"), .destination = destination});
  REQUIRE(first);
  REQUIRE(first->status == 200);
  write(destination, "cached copy");

  auto by_etag = client.fetch({.url = server.url("/index/hello.yaml"),
                               .destination = destination,
                               .if_none_match = first->etag});
  REQUIRE(by_etag);
  CHECK(by_etag->not_modified());
  CHECK(by_etag->etag == first->etag);
  CHECK(server.last_header("/index/hello.yaml", "If-None-Match") == first->etag);
  CHECK(slurp(destination) == "cached copy");

  auto by_date = client.fetch({.url = server.url("/index/hello.yaml"),
                               .destination = destination,
                               .if_modified_since = first->last_modified});
  REQUIRE(by_date);
  CHECK(by_date->not_modified());
  CHECK(slurp(destination) == "cached copy");

  auto stale = client.fetch({.url = server.url("/index/hello.yaml"),
                             .destination = destination,
                             .if_none_match = "\"something-else\""});
  REQUIRE(stale);
  CHECK(stale->status == 200);
  CHECK(slurp(destination) == "name: hello\n");
}

TEST_CASE("404 is not retried and the message names the URL", "[net]") {
  NoProxyForLocalhost no_proxy;
  TempDir root, out;
  TestHttpServer server(root.path());
  net::Client client(fast_options());
  write(out.path() / "keep", "old");
  auto response =
      client.fetch({.url = server.url("/nope.tar.gz"), .destination = out.path() / "keep"});
  REQUIRE_FALSE(response);
  CHECK(contains(response.error().message, server.url("/nope.tar.gz")));
  CHECK(contains(response.error().message, "404"));
  CHECK(contains(response.error().message, "after 1 attempt:"));
  CHECK(server.request_count("/nope.tar.gz") == 1);
  // The error page never reached the destination.
  CHECK(slurp(out.path() / "keep") == "old");
}

TEST_CASE("credentials in a URL never appear in error messages", "[net]") {
  NoProxyForLocalhost no_proxy;
  TempDir root, out;
  TestHttpServer server(root.path());
  net::Client client(fast_options());
  auto secret_url = fmt::format(
      "http://alice:s3cr3t-pw@127.0.0.1:{}/private/x.tar.gz?token=tok-99999", server.port());
  auto response = client.fetch({.url = secret_url, .destination = out.path() / "x"});
  REQUIRE_FALSE(response);
  auto text = response.error().message + "\n" + response.error().hint;
  CHECK_FALSE(contains(text, "s3cr3t-pw"));
  CHECK_FALSE(contains(text, "tok-99999"));
  CHECK_FALSE(contains(text, "alice"));
  CHECK(contains(text, "***@127.0.0.1"));
  // The credentials were still used for the request.
  CHECK(server.last_header("/private/x.tar.gz", "Authorization").rfind("Basic ", 0) == 0);

  auto options = fast_options();
  options.max_attempts = 2;
  net::Client refused(options);
  auto unreachable =
      refused.fetch({.url = fmt::format("http://bob:hunter2-pw@127.0.0.1:{}/x", closed_port()),
                     .destination = out.path() / "y"});
  REQUIRE_FALSE(unreachable);
  CHECK_FALSE(contains(unreachable.error().message, "hunter2-pw"));
  CHECK_FALSE(contains(unreachable.error().message, "bob"));
}

TEST_CASE("a refused connection is retried, then fails with a clear message", "[net]") {
  NoProxyForLocalhost no_proxy;
  TempDir out;
  auto options = fast_options();
  options.max_attempts = 3;
  net::Client client(options);
  auto url = fmt::format("http://127.0.0.1:{}/registry/index/hello.yaml", closed_port());
  auto response = client.fetch({.url = url, .destination = out.path() / "x"});
  REQUIRE_FALSE(response);
  CHECK(contains(response.error().message, url));
  CHECK(contains(response.error().message, "3 attempts"));
  CHECK(contains(response.error().message, "curl error 7"));
  CHECK(contains(response.error().hint, "network"));
  CHECK_FALSE(fs::exists(out.path() / "x"));
}

TEST_CASE("get_text reads small files over HTTP and file://", "[net]") {
  NoProxyForLocalhost no_proxy;
  TempDir root;
  write(root.path() / "registry.yaml", "format: 1\nname: main\n");
  TestHttpServer server(root.path());
  server.set_fault("/registry.yaml", "fail-500:1");
  net::Client client(fast_options());

  auto text = client.get_text(server.url("/registry.yaml"));
  REQUIRE(text);
  CHECK(*text == "format: 1\nname: main\n");
  CHECK(server.request_count("/registry.yaml") == 2);

  auto local = client.get_text("file://" + (root.path() / "registry.yaml").string());
  REQUIRE(local);
  CHECK(*local == "format: 1\nname: main\n");

  auto missing = client.get_text("file://" + (root.path() / "missing.yaml").string());
  REQUIRE_FALSE(missing);
  CHECK(contains(missing.error().message, "missing.yaml"));
  CHECK(contains(missing.error().message, "after 1 attempt:"));
}

TEST_CASE("fetch copies file:// URLs and verifies them", "[net]") {
  TempDir root, out;
  write(root.path() / "a.bin", "file body");
  net::Client client(fast_options());
  auto response = client.fetch({.url = "file://" + (root.path() / "a.bin").string(),
                                .destination = out.path() / "a",
                                .expected_sha256 = sha256_hex("file body")});
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(slurp(out.path() / "a") == "file body");
}

TEST_CASE("gzip-encoded responses are decoded before hashing", "[net]") {
  NoProxyForLocalhost no_proxy;
  TempDir root, out;
  std::string content;
  for (int i = 0; i < 2000; ++i) content += "name: hello, version: 1.2.0\n";
  write(root.path() / "index.yaml", content);
  TestHttpServer server(root.path());
  server.set_fault("/index.yaml", "gzip");
  net::Client client(fast_options());
  auto response = client.fetch({.url = server.url("/index.yaml"),
                                .destination = out.path() / "i",
                                .expected_sha256 = sha256_hex(content)});
  REQUIRE(response);
  CHECK(slurp(out.path() / "i") == content);
}

TEST_CASE("WHARF_AUTH_<NAME> supplies bearer tokens and basic credentials", "[net]") {
  NoProxyForLocalhost no_proxy;
  TempDir root, out;
  write(root.path() / "private.bin", "private");
  TestHttpServer server(root.path());
  net::Client client(fast_options());
  net::Request request{.url = server.url("/private.bin"),
                       .destination = out.path() / "p",
                       .auth_name = "my-registry"};

  server.set_fault("/private.bin", "require-auth:Bearer tok-abcdef");
  {
    ScopedEnv unset("WHARF_AUTH_MY_REGISTRY", nullptr);
    auto denied = client.fetch(request);
    REQUIRE_FALSE(denied);
    CHECK(contains(denied.error().message, "401"));
    CHECK(contains(denied.error().hint, "WHARF_AUTH_MY_REGISTRY"));
    CHECK(server.request_count("/private.bin") == 1);
  }
  {
    ScopedEnv token("WHARF_AUTH_MY_REGISTRY", "Bearer tok-abcdef");
    auto allowed = client.fetch(request);
    REQUIRE(allowed);
    CHECK(slurp(out.path() / "p") == "private");
  }
  {
    ScopedEnv wrong("WHARF_AUTH_MY_REGISTRY", "Bearer tok-wrong-one");
    auto denied = client.fetch(request);
    REQUIRE_FALSE(denied);
    CHECK_FALSE(contains(denied.error().message + denied.error().hint, "tok-wrong-one"));
  }
  // "user:password" becomes HTTP basic auth: base64("user:pa55word").
  server.set_fault("/private.bin", "require-auth:Basic dXNlcjpwYTU1d29yZA==");
  {
    ScopedEnv basic("WHARF_AUTH_MY_REGISTRY", "user:pa55word");
    auto allowed = client.fetch(request);
    REQUIRE(allowed);
  }
  {
    ScopedEnv malformed("WHARF_AUTH_MY_REGISTRY", "justatoken");
    auto bad = client.fetch(request);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().kind == ErrorKind::Input);
    CHECK(contains(bad.error().message, "WHARF_AUTH_MY_REGISTRY"));
    CHECK_FALSE(contains(bad.error().message, "justatoken"));
  }
}

TEST_CASE("credentials from ~/.netrc are used", "[net]") {
  NoProxyForLocalhost no_proxy;
  TempDir root, out, home;
  write(root.path() / "n.bin", "netrc body");
  write(home.path() / ".netrc", "machine 127.0.0.1 login carol password n3trc-pw\n");
  fs::permissions(home.path() / ".netrc", fs::perms::owner_read | fs::perms::owner_write);
  TestHttpServer server(root.path());
  // base64("carol:n3trc-pw")
  server.set_fault("/n.bin", "require-auth:Basic Y2Fyb2w6bjN0cmMtcHc=");
  ScopedEnv home_env("HOME", home.path().c_str());
  net::Client client(fast_options());
  auto response = client.fetch({.url = server.url("/n.bin"), .destination = out.path() / "n"});
  REQUIRE(response);
  CHECK(slurp(out.path() / "n") == "netrc body");
}

TEST_CASE("proxy settings from the environment are honoured", "[net]") {
  TempDir root, out;
  write(root.path() / "via-proxy.txt", "proxied");
  TestHttpServer server(root.path());
  ScopedEnv proxy("http_proxy", server.url("").c_str());
  ScopedEnv no_proxy("no_proxy", nullptr);
  ScopedEnv no_proxy_upper("NO_PROXY", nullptr);
  net::Client client(fast_options());
  // The host does not exist: only the proxy (our server) can answer.
  auto response = client.fetch(
      {.url = "http://wharf-proxy-test.invalid/via-proxy.txt", .destination = out.path() / "v"});
  REQUIRE(response);
  CHECK(slurp(out.path() / "v") == "proxied");
  CHECK(server.last_header("/via-proxy.txt", "Host") == "wharf-proxy-test.invalid");
}

TEST_CASE("TLS certificates are verified against SSL_CERT_FILE", "[net]") {
  NoProxyForLocalhost no_proxy;
  TempDir root, out, certs;
  write(root.path() / "s.txt", "secure");
  auto cert = certs.path() / "cert.pem";
  auto key = certs.path() / "key.pem";
  auto made = run_process({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                           "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                           "-keyout", key.string(), "-out", cert.string()});
  REQUIRE(made);
  REQUIRE(made->exit_code == 0);
  TestHttpServer server(root.path(), {.tls_cert = cert, .tls_key = key});
  REQUIRE(server.url("/s.txt").rfind("https://", 0) == 0);

  {
    // The self-signed certificate is not trusted by the system store.
    ScopedEnv cert_file("SSL_CERT_FILE", nullptr);
    net::Client client(fast_options());
    auto response = client.fetch({.url = server.url("/s.txt"), .destination = out.path() / "s"});
    REQUIRE_FALSE(response);
    CHECK(contains(response.error().message, "after 1 attempt:"));
    CHECK(contains(response.error().hint, "SSL_CERT_FILE"));
    CHECK_FALSE(fs::exists(out.path() / "s"));
  }
  {
    ScopedEnv cert_file("SSL_CERT_FILE", cert.c_str());
    net::Client client(fast_options());
    auto response = client.fetch({.url = server.url("/s.txt"), .destination = out.path() / "s"});
    REQUIRE(response);
    CHECK(slurp(out.path() / "s") == "secure");
  }
}

TEST_CASE("a connection reset without a response is retried", "[net]") {
  NoProxyForLocalhost no_proxy;
  TempDir root, out;
  write(root.path() / "r.bin", "after the reset");
  TestHttpServer server(root.path());
  server.set_fault("/r.bin", "reset:2");
  net::Client client(fast_options());
  // The destination's folder does not exist yet: it is created.
  auto destination = out.path() / "deep" / "er" / "r";
  auto response = client.fetch({.url = server.url("/r.bin"), .destination = destination});
  REQUIRE(response);
  CHECK(response->attempts == 3);
  CHECK(server.request_count("/r.bin") == 3);
  CHECK(slurp(destination) == "after the reset");
}

TEST_CASE("redirects are followed without carrying credentials to another server", "[net]") {
  NoProxyForLocalhost no_proxy;
  TempDir root_a, root_b, out;
  write(root_b.path() / "real.bin", "the real thing");
  TestHttpServer a(root_a.path());
  TestHttpServer b(root_b.path());
  a.set_fault("/moved.bin", "redirect:" + b.url("/real.bin"));
  ScopedEnv token("WHARF_AUTH_MAIN", "Bearer tok-redirected");
  net::Client client(fast_options());
  auto response = client.fetch({.url = a.url("/moved.bin"),
                                .destination = out.path() / "m",
                                .expected_sha256 = sha256_hex("the real thing"),
                                .auth_name = "main"});
  REQUIRE(response);
  CHECK(slurp(out.path() / "m") == "the real thing");
  CHECK(a.last_header("/moved.bin", "Authorization") == "Bearer tok-redirected");
  CHECK(b.request_count("/real.bin") == 1);
  CHECK(b.last_header("/real.bin", "Authorization").empty());
}

TEST_CASE("transfers overlap, but never beyond the concurrency limit", "[net]") {
  NoProxyForLocalhost no_proxy;
  TempDir root, out;
  auto options = fast_options();
  options.concurrency = 4;
  std::vector<net::Request> requests;
  for (int i = 0; i < 12; ++i) write(root.path() / fmt::format("d{}.bin", i), "body");
  TestHttpServer server(root.path());
  for (int i = 0; i < 12; ++i) {
    server.set_fault(fmt::format("/d{}.bin", i), "delay:300");
    requests.push_back({.url = server.url(fmt::format("/d{}.bin", i)),
                        .destination = out.path() / fmt::format("d{}", i)});
  }
  net::Client client(options);
  for (auto& result : client.fetch_all(requests)) REQUIRE(result);
  auto max_in_flight = server.stats()["max_in_flight"].get<int>();
  CHECK(max_in_flight <= 4);
  CHECK(max_in_flight >= 2);
}

TEST_CASE("on_finished hands over each result while the batch goes on", "[net]") {
  NoProxyForLocalhost no_proxy;
  TempDir root, out;
  write(root.path() / "fast.bin", "fast");
  write(root.path() / "slow.bin", "slow");
  TestHttpServer server(root.path());
  server.set_fault("/slow.bin", "delay:2000");
  auto options = fast_options();
  // The 2 s delay stays well inside the stall timeout: the others must
  // finish first because they run beside the slow one, not because the slow
  // one stalled out and was retried.
  options.low_speed_time_seconds = 10;
  std::vector<std::pair<std::size_t, bool>> finished;
  std::vector<net::Request> requests = {
      {.url = server.url("/slow.bin"), .destination = out.path() / "slow"},
      {.url = server.url("/fast.bin"), .destination = out.path() / "fast"},
      {.url = server.url("/missing.bin"), .destination = out.path() / "missing"}};
  options.on_finished = [&](std::size_t index, const Result<net::Response>& result) {
    finished.emplace_back(index, result.has_value());
    // A finished file is complete when it is handed over.
    if (index == 1) CHECK(slurp(out.path() / "fast") == "fast");
  };
  net::Client client(options);
  auto results = client.fetch_all(requests);
  REQUIRE(finished.size() == 3);
  // The slow one is reported last, after the others were already handed over.
  CHECK(finished.back() == std::pair<std::size_t, bool>{0, true});
  CHECK(std::count(finished.begin(), finished.end(), std::pair<std::size_t, bool>{2, false}) == 1);
  REQUIRE(results[0]);
  REQUIRE_FALSE(results[2]);
  CHECK(contains(results[2].error().message, "404"));
}

TEST_CASE("not_found_ok turns a 404 into an answer that writes nothing", "[net]") {
  NoProxyForLocalhost no_proxy;
  TempDir root, out;
  TestHttpServer server(root.path());
  net::Client client(fast_options());
  auto response = client.fetch({.url = server.url("/index/nope.yaml"),
                                .destination = out.path() / "nope",
                                .not_found_ok = true});
  REQUIRE(response);
  CHECK(response->status == 404);
  CHECK(response->attempts == 1);
  CHECK_FALSE(fs::exists(out.path() / "nope"));
  CHECK(server.request_count("/index/nope.yaml") == 1);
}

TEST_CASE("caching headers reach the response, for a 200 and a 304", "[net][freshness]") {
  NoProxyForLocalhost no_proxy;
  TempDir root, out;
  write(root.path() / "index" / "a.yaml", "name: a\n");
  TestHttpServer server(root.path());
  server.set_headers("/index/", {"Cache-Control: public, max-age=600", "Age: 7",
                                 "Expires: Thu, 01 Jan 2099 00:00:00 GMT"});
  net::Client client(fast_options());
  net::Request request;
  request.url = server.url("/index/a.yaml");
  request.destination = out.path() / "a.yaml";
  auto first = client.fetch(request);
  REQUIRE(first);
  CHECK(first->status == 200);
  CHECK(first->cache_control == "public, max-age=600");
  CHECK(first->age == "7");
  CHECK(first->expires == "Thu, 01 Jan 2099 00:00:00 GMT");
  CHECK(first->date.ends_with(" GMT"));  // the server's Date

  server.set_headers("/index/", {"Cache-Control: max-age=60"});
  request.if_none_match = first->etag;
  auto second = client.fetch(request);
  REQUIRE(second);
  CHECK(second->status == 304);
  CHECK(second->cache_control == "max-age=60");
  CHECK(second->age.empty());
  CHECK(second->expires.empty());
  CHECK_FALSE(second->date.empty());
}
