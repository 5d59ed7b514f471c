// Spawning child processes: run-and-capture for tests and tools, and
// exec-in-place for `wharf run`.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "wharf/util/error.hpp"

namespace wharf {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal number when killed by a signal
  std::string out;
  std::string err;
};

struct ProcessOptions {
  std::optional<std::filesystem::path> cwd;
  // When set, replaces the whole environment.
  std::optional<std::map<std::string, std::string>> env;
  std::string stdin_data;
};

// Runs argv[0] (looked up in PATH) and waits; captures stdout and stderr.
// Fails only when the process cannot be started.
Result<ProcessResult> run_process(const std::vector<std::string>& argv,
                                  const ProcessOptions& options = {});

// Looks `program` up in the PATH given (colon-separated); empty when absent.
std::optional<std::filesystem::path> find_in_path(const std::string& program,
                                                  const std::string& path_value);

// The current environment as a map.
std::map<std::string, std::string> current_environment();

}  // namespace wharf
