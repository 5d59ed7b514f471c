// Real git repositories for the git module's tests, made with the git
// command-line tool in a temporary folder.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "wharf/util/fs.hpp"
#include "wharf/util/process.hpp"
#include "wharf/util/strings.hpp"

namespace wharf::git::testing {

namespace fs = std::filesystem;

// Runs git with a fixed identity and no user or system configuration.
inline std::string run_git(const fs::path& cwd, std::vector<std::string> args) {
  auto env = current_environment();
  env["GIT_AUTHOR_NAME"] = "Wharf Test";
  env["GIT_AUTHOR_EMAIL"] = "test@wharf.invalid";
  env["GIT_COMMITTER_NAME"] = "Wharf Test";
  env["GIT_COMMITTER_EMAIL"] = "test@wharf.invalid";
  env["GIT_CONFIG_NOSYSTEM"] = "1";
  env["GIT_CONFIG_GLOBAL"] = "/dev/null";
  std::vector<std::string> argv{"git", "-c", "protocol.file.allow=always"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto result = run_process(argv, ProcessOptions{.cwd = cwd, .env = env});
  REQUIRE(result.has_value());
  INFO("git " << join(args, " ") << "\n" << result->out << result->err);
  REQUIRE(result->exit_code == 0);
  return std::string(trim(result->out));
}

// A work-tree repository at <root>/<name>.
class WorkRepo {
 public:
  WorkRepo(const fs::path& root, const std::string& name, const std::string& branch = "main")
      : m_dir(root / name) {
    fs::create_directories(m_dir);
    git({"init", "-q", "-b", branch});
  }
  const fs::path& dir() const { return m_dir; }
  std::string url() const { return "file://" + m_dir.string(); }
  std::string git(std::vector<std::string> args) const { return run_git(m_dir, std::move(args)); }

  void write(const std::string& relative, const std::string& content,
             bool executable = false) const {
    auto path = m_dir / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
    fs::permissions(path, executable ? fs::perms(0755) : fs::perms(0644));
  }
  // Stages everything and commits; returns the new commit id.
  std::string commit(const std::string& message) const {
    git({"add", "-A"});
    git({"commit", "-q", "--allow-empty", "-m", message});
    return git({"rev-parse", "HEAD"});
  }

 private:
  fs::path m_dir;
};

inline std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// tests/unit/git/git_http_server.py (smart HTTP through `git http-backend`)
// serving the repositories under `root` on 127.0.0.1 while the object lives.
// The child exits when its stdin closes, so a crashed test leaves no server.
class GitHttpServer {
 public:
  explicit GitHttpServer(const fs::path& root, const std::string& auth = {}) {
    std::vector<std::string> args{
        python(), "-I",
        "-S",     std::string(WHARF_SOURCE_DIR) + "/tests/unit/git/git_http_server.py",
        "--root", root.string()};
    if (!auth.empty()) {
      args.push_back("--auth");
      args.push_back(auth);
    }
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    int in_pipe[2];
    int out_pipe[2];
    if (::pipe2(in_pipe, O_CLOEXEC) != 0 || ::pipe2(out_pipe, O_CLOEXEC) != 0) {
      throw std::runtime_error("GitHttpServer: pipe failed");
    }
    m_pid = ::fork();
    if (m_pid < 0) throw std::runtime_error("GitHttpServer: fork failed");
    if (m_pid == 0) {
      ::dup2(in_pipe[0], STDIN_FILENO);
      ::dup2(out_pipe[1], STDOUT_FILENO);
      ::execvp(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    m_stdin = in_pipe[1];
    std::string line;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (line.find('\n') == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now())
                      .count();
      pollfd pfd{out_pipe[0], POLLIN, 0};
      if (left <= 0 || ::poll(&pfd, 1, static_cast<int>(left)) <= 0) break;
      char buffer[128];
      auto n = ::read(out_pipe[0], buffer, sizeof buffer);
      if (n <= 0) break;
      line.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(out_pipe[0]);
    if (line.rfind("PORT ", 0) != 0) {
      stop();
      throw std::runtime_error("GitHttpServer: the server did not start (got '" + line + "')");
    }
    m_port = std::stoi(line.substr(5));
  }
  ~GitHttpServer() { stop(); }
  GitHttpServer(const GitHttpServer&) = delete;
  GitHttpServer& operator=(const GitHttpServer&) = delete;

  // "http://[userinfo@]127.0.0.1:<port>/<repo>"
  std::string url(const std::string& repo, const std::string& userinfo = {}) const {
    return "http://" + (userinfo.empty() ? "" : userinfo + "@") +
           "127.0.0.1:" + std::to_string(m_port) + "/" + repo;
  }

 private:
  static std::string python() {
    if (::access("/usr/bin/python3", X_OK) == 0) return "/usr/bin/python3";
    return "python3";
  }
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
  pid_t m_pid = -1;
  int m_stdin = -1;
  int m_port = 0;
};

}  // namespace wharf::git::testing
