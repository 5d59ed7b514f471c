// TestHttpServer: runs tests/support/http_server.py on 127.0.0.1 for the
// lifetime of the object (header-only so any test executable can use it).
//
// The server serves the files under `root`, answers ETag / Last-Modified
// revalidation, counts requests per path, injects faults per path (see
// http_server.py for the modes) and adds response headers per path
// (set_headers: Cache-Control, Expires, Age for HTTP caching tests). The child gets a pipe as stdin
// and exits when it closes, so even a crashed test leaves no server behind; the destructor also
// sends SIGTERM and reaps it.
//
// Failures to start throw std::runtime_error: this is test code, and a test
// without its server cannot continue.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#ifndef WHARF_TEST_SUPPORT_DIR
#error "WHARF_TEST_SUPPORT_DIR must be defined (link wharf_test_support)"
#endif

namespace wharf::test {

struct TestHttpServerOptions {
  std::filesystem::path faults_file;  // optional JSON {"/path": "mode"}
  std::filesystem::path tls_cert;     // optional: serve HTTPS with this cert + key
  std::filesystem::path tls_key;
};

class TestHttpServer {
 public:
  explicit TestHttpServer(std::filesystem::path root, TestHttpServerOptions options = {})
      : m_root(std::move(root)), m_tls(!options.tls_cert.empty()) {
    int in_pipe[2];
    int out_pipe[2];
    if (::pipe2(in_pipe, O_CLOEXEC) != 0 || ::pipe2(out_pipe, O_CLOEXEC) != 0)
      throw std::runtime_error("TestHttpServer: pipe failed");
    std::vector<std::string> args = {
        python(), "-I",           "-S", std::string(WHARF_TEST_SUPPORT_DIR) + "/http_server.py",
        "--root", m_root.string()};
    if (!options.faults_file.empty()) {
      args.push_back("--faults");
      args.push_back(options.faults_file.string());
    }
    if (m_tls) {
      args.push_back("--tls-cert");
      args.push_back(options.tls_cert.string());
      args.push_back("--tls-key");
      args.push_back(options.tls_key.string());
    }
    // Built before fork: the child may only call async-signal-safe functions.
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    m_pid = ::fork();
    if (m_pid < 0) throw std::runtime_error("TestHttpServer: fork failed");
    if (m_pid == 0) {
      ::dup2(in_pipe[0], STDIN_FILENO);
      ::dup2(out_pipe[1], STDOUT_FILENO);
      ::execvp(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    m_stdin = in_pipe[1];
    int out = out_pipe[0];
    std::string line;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (line.find('\n') == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now())
                      .count();
      pollfd pfd{out, POLLIN, 0};
      if (left <= 0 || ::poll(&pfd, 1, static_cast<int>(left)) <= 0) break;
      char buffer[256];
      auto n = ::read(out, buffer, sizeof buffer);
      if (n <= 0) break;
      line.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(out);
    if (line.rfind("PORT ", 0) != 0) {
      stop();
      throw std::runtime_error("TestHttpServer: the server did not start (got '" + line + "')");
    }
    m_port = std::stoi(line.substr(5));
  }

  ~TestHttpServer() { stop(); }
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  int port() const { return m_port; }
  const std::filesystem::path& root() const { return m_root; }
  // "http://127.0.0.1:<port><path>"; `path` starts with '/'.
  std::string url(std::string_view path) const {
    return std::string(m_tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(m_port) +
           std::string(path);
  }

  // Sets the fault of `path` ("fail-500:2", "drop-halfway", "none", ...).
  void set_fault(std::string_view path, std::string_view mode) {
    auto reply = request("POST", "/__fault?path=" + encode(path) + "&mode=" + encode(mode));
    if (reply.rfind("HTTP/1.1 200", 0) != 0 && reply.rfind("HTTP/1.0 200", 0) != 0)
      throw std::runtime_error("TestHttpServer: set_fault failed: " + reply);
  }
  // Sends these headers ("Cache-Control: max-age=600", ...) with every 200 and
  // 304 for `path`, or for every path under it when `path` ends in '/'; none:
  // stop. Headers set this way survive reset().
  void set_headers(std::string_view path, const std::vector<std::string>& headers) {
    std::string target = "/__headers?path=" + encode(path);
    for (const auto& header : headers) target += "&header=" + encode(header);
    auto reply = request("POST", target);
    if (reply.rfind("HTTP/1.1 200", 0) != 0 && reply.rfind("HTTP/1.0 200", 0) != 0)
      throw std::runtime_error("TestHttpServer: set_headers failed: " + reply);
  }
  // Forgets request counts and faults.
  void reset() { request("POST", "/__reset"); }
  // {"counts": {path: n}, "last_headers": {path: {name: value}}, "last_status": {path: n}}
  nlohmann::json stats() { return nlohmann::json::parse(body_of(request("GET", "/__stats"))); }
  int request_count(const std::string& path) {
    auto s = stats();
    return s["counts"].contains(path) ? s["counts"][path].get<int>() : 0;
  }
  // The status of the last response for `path` (0 when never requested).
  int last_status(const std::string& path) {
    auto s = stats();
    if (!s.contains("last_status") || !s["last_status"].contains(path)) return 0;
    return s["last_status"][path].get<int>();
  }
  // A header of the last request for `path` ("" when absent).
  std::string last_header(const std::string& path, const std::string& name) {
    auto s = stats();
    if (!s["last_headers"].contains(path)) return {};
    auto& headers = s["last_headers"][path];
    for (auto it = headers.begin(); it != headers.end(); ++it) {
      if (equal_ignore_case(it.key(), name)) return it.value().get<std::string>();
    }
    return {};
  }

 private:
  void stop() {
    if (m_stdin >= 0) {
      ::close(m_stdin);
      m_stdin = -1;
    }
    if (m_pid > 0) {
      ::kill(m_pid, SIGTERM);
      int status = 0;
      ::waitpid(m_pid, &status, 0);
      m_pid = -1;
    }
  }

  // WHARF_TEST_PYTHON, else the system interpreter (a pyenv shim costs a
  // second per start), else python3 from PATH.
  static std::string python() {
    if (const char* chosen = std::getenv("WHARF_TEST_PYTHON"); chosen != nullptr && *chosen)
      return chosen;
    if (::access("/usr/bin/python3", X_OK) == 0) return "/usr/bin/python3";
    return "python3";
  }

  static bool equal_ignore_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(a[i])) !=
          std::tolower(static_cast<unsigned char>(b[i])))
        return false;
    }
    return true;
  }

  static std::string encode(std::string_view text) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
        out += static_cast<char>(c);
      } else {
        out += '%';
        out += hex[c >> 4];
        out += hex[c & 15];
      }
    }
    return out;
  }

  static std::string body_of(const std::string& reply) {
    auto at = reply.find("\r\n\r\n");
    return at == std::string::npos ? std::string() : reply.substr(at + 4);
  }

  // One plain-HTTP/1.0 request to a control endpoint; the reply as received.
  std::string request(const std::string& method, const std::string& target) {
    if (m_tls) throw std::runtime_error("TestHttpServer: control requests need plain HTTP");
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("TestHttpServer: socket failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(m_port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      ::close(fd);
      throw std::runtime_error("TestHttpServer: connect failed");
    }
    std::string out = method + " " + target +
                      " HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
                      "Connection: close\r\n\r\n";
    std::size_t sent = 0;
    while (sent < out.size()) {
      auto n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    std::string reply;
    char buffer[4096];
    for (;;) {
      pollfd pfd{fd, POLLIN, 0};
      if (::poll(&pfd, 1, 10000) <= 0) break;
      auto n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      reply.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return reply;
  }

  std::filesystem::path m_root;
  bool m_tls = false;
  pid_t m_pid = -1;
  int m_stdin = -1;
  int m_port = 0;
};

}  // namespace wharf::test
