// Activation scripts for `wharf activate` (see wharf/ops/activate.hpp).
#include "wharf/ops/activate.hpp"

#include <vector>

#include "wharf/util/strings.hpp"

namespace wharf::ops {

namespace {

// Fish keeps variables whose names end in PATH as lists and joins them with
// `:` when it exports them; give it every part, empty ones too, so the value
// it exports is the value given ("/a::/b" keeps its empty entry).
bool is_path_list(std::string_view name) {
  return name.ends_with("PATH");
}

std::string fish_value(const std::string& name, const std::string& value) {
  if (!is_path_list(name)) return fish_quote(value);
  std::vector<std::string> parts;
  for (auto part : split(value, ':')) parts.push_back(fish_quote(part));
  return parts.empty() ? "''" : join(parts, " ");
}

}  // namespace

Result<ShellKind> parse_shell_kind(std::string_view name) {
  if (name == "bash") return ShellKind::Bash;
  if (name == "zsh") return ShellKind::Zsh;
  if (name == "fish") return ShellKind::Fish;
  return fail_input("unsupported shell `" + std::string(name) + "`", "use bash, zsh or fish");
}

std::string posix_quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

std::string fish_quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string activation_script(ShellKind shell, const std::map<std::string, std::string>& before,
                              const std::map<std::string, std::string>& after) {
  // The variables that change, in name order.
  std::vector<std::string> names;
  for (const auto& [name, value] : after) {
    auto old = before.find(name);
    if (old == before.end() || old->second != value) names.push_back(name);
  }
  std::string out;
  if (shell == ShellKind::Fish) {
    out += "function deactivate --description 'Leave the wharf environment'\n";
    for (const auto& name : names) {
      auto old = before.find(name);
      if (old == before.end())
        out += "    set -e " + name + "\n";
      else
        out += "    set -gx " + name + " " + fish_value(name, old->second) + "\n";
    }
    out += "    functions -e deactivate\nend\n";
    for (const auto& name : names)
      out += "set -gx " + name + " " + fish_value(name, after.at(name)) + "\n";
    return out;
  }
  out += "deactivate() {\n";
  for (const auto& name : names) {
    auto old = before.find(name);
    if (old == before.end())
      out += "    unset " + name + "\n";
    else
      out += "    export " + name + "=" + posix_quote(old->second) + "\n";
  }
  out += "    unset -f deactivate\n";
  // bash and zsh remember where commands were found; forget it with PATH.
  out += "    hash -r 2>/dev/null\n}\n";
  for (const auto& name : names) out += "export " + name + "=" + posix_quote(after.at(name)) + "\n";
  out += "hash -r 2>/dev/null\n";
  return out;
}

std::string user_shell(const std::map<std::string, std::string>& environment) {
  auto it = environment.find("SHELL");
  if (it != environment.end() && !it->second.empty()) return it->second;
  return "/bin/sh";
}

}  // namespace wharf::ops
