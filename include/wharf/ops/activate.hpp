// `wharf activate --shell SHELL`: the lines a shell evaluates to enter an
// environment, and `wharf shell`'s choice of shell.
//
// The script sets exactly the variables activation_environment() changes
// (PATH, LD_LIBRARY_PATH, CMAKE_PREFIX_PATH, PKG_CONFIG_PATH, WHARF_*, the
// manifest's `env:`), each value quoted for that shell, and defines a
// `deactivate` function that puts back the values they had when the script
// was made (unsetting those that were unset) and then removes itself.
// Activating twice without deactivating stacks the prefixes; deactivate first.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "wharf/util/error.hpp"

namespace wharf::ops {

enum class ShellKind { Bash, Zsh, Fish };

// "bash", "zsh", "fish"; Input error naming the supported ones otherwise.
Result<ShellKind> parse_shell_kind(std::string_view name);

// `before`: the caller's environment; `after`: activation_environment() of it.
std::string activation_script(ShellKind shell, const std::map<std::string, std::string>& before,
                              const std::map<std::string, std::string>& after);

// `text` in single quotes for a POSIX shell (bash, zsh, sh): `'it'\''s'`.
std::string posix_quote(std::string_view text);
// `text` in single quotes for fish: `'it\'s'`.
std::string fish_quote(std::string_view text);

// The shell `wharf shell` starts: $SHELL when it is set and not empty, else /bin/sh.
std::string user_shell(const std::map<std::string, std::string>& environment);

}  // namespace wharf::ops
