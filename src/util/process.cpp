#include "wharf/util/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace wharf {

namespace {
struct Pipe {
  int fds[2] = {-1, -1};
  ~Pipe() {
    for (int fd : fds)
      if (fd >= 0) ::close(fd);
  }
  void close_end(int i) {
    if (fds[i] >= 0) ::close(fds[i]);
    fds[i] = -1;
  }
};
}  // namespace

std::map<std::string, std::string> current_environment() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry(*e);
    auto eq = entry.find('=');
    if (eq == std::string::npos) continue;
    out.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return out;
}

std::optional<std::filesystem::path> find_in_path(const std::string& program,
                                                  const std::string& path_value) {
  if (program.find('/') != std::string::npos) return std::filesystem::path(program);
  std::size_t start = 0;
  while (start <= path_value.size()) {
    auto end = path_value.find(':', start);
    if (end == std::string::npos) end = path_value.size();
    std::string dir = path_value.substr(start, end - start);
    if (dir.empty()) dir = ".";
    auto candidate = std::filesystem::path(dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0 && !std::filesystem::is_directory(candidate))
      return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

Result<ProcessResult> run_process(const std::vector<std::string>& argv,
                                  const ProcessOptions& options) {
  if (argv.empty()) return fail("run_process: empty command");
  Pipe in, out, err;
  if (::pipe2(in.fds, O_CLOEXEC) != 0 || ::pipe2(out.fds, O_CLOEXEC) != 0 ||
      ::pipe2(err.fds, O_CLOEXEC) != 0)
    return fail(std::string("cannot create pipes: ") + std::strerror(errno));

  std::vector<std::string> env_strings;
  std::vector<char*> envp;
  std::string path_value;
  if (options.env) {
    for (const auto& [key, value] : *options.env) {
      env_strings.push_back(key + "=" + value);
      if (key == "PATH") path_value = value;
    }
  } else {
    const char* p = std::getenv("PATH");
    path_value = p ? p : "";
  }
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  auto program = find_in_path(argv[0], path_value);
  if (!program) return fail("cannot find program `" + argv[0] + "` in PATH");

  std::vector<char*> args;
  std::vector<std::string> argv_copy = argv;
  for (auto& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);

  pid_t pid = ::fork();
  if (pid < 0) return fail(std::string("cannot fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::dup2(in.fds[0], 0);
    ::dup2(out.fds[1], 1);
    ::dup2(err.fds[1], 2);
    if (options.cwd && ::chdir(options.cwd->c_str()) != 0) _exit(127);
    if (options.env)
      ::execve(program->c_str(), args.data(), envp.data());
    else
      ::execv(program->c_str(), args.data());
    _exit(127);
  }
  in.close_end(0);
  out.close_end(1);
  err.close_end(1);

  ProcessResult result;
  std::size_t written = 0;
  if (options.stdin_data.empty()) in.close_end(1);
  char buffer[65536];
  while (out.fds[0] >= 0 || err.fds[0] >= 0) {
    pollfd fds[3];
    int n = 0;
    if (out.fds[0] >= 0) fds[n++] = {out.fds[0], POLLIN, 0};
    if (err.fds[0] >= 0) fds[n++] = {err.fds[0], POLLIN, 0};
    if (in.fds[1] >= 0) fds[n++] = {in.fds[1], POLLOUT, 0};
    if (::poll(fds, n, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == in.fds[1]) {
        ssize_t w = ::write(in.fds[1], options.stdin_data.data() + written,
                            options.stdin_data.size() - written);
        if (w > 0) written += static_cast<std::size_t>(w);
        if (w < 0 || written == options.stdin_data.size()) in.close_end(1);
        continue;
      }
      ssize_t r = ::read(fds[i].fd, buffer, sizeof buffer);
      bool is_out = fds[i].fd == out.fds[0];
      if (r <= 0) {
        if (r < 0 && errno == EINTR) continue;
        (is_out ? out : err).close_end(0);
      } else {
        (is_out ? result.out : result.err).append(buffer, static_cast<std::size_t>(r));
      }
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status))
    result.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    result.exit_code = 128 + WTERMSIG(status);
  return result;
}

}  // namespace wharf
