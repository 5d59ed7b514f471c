// The command line: CLI11 definitions of every command, output formatting and
// exit codes. Each command lives in its own src/cli/cmd_<name>.cpp, binds its
// flags and calls one function in `ops`; no logic of its own.
#pragma once

namespace wharf::cli {

// Parses argv, runs the command and returns the process exit code
// (FORMATS.md: 0 success, 1 failure the user can fix, 2 bad usage or input).
int run(int argc, char** argv);

}  // namespace wharf::cli
