#include "wharf/util/term.hpp"

#include <unistd.h>

#include <cstdlib>

namespace wharf {

namespace {
std::string wrap(bool on, const char* code, std::string_view text) {
  if (!on) return std::string(text);
  return std::string("\x1b[") + code + "m" + std::string(text) + "\x1b[0m";
}
}  // namespace

std::string Style::bold(std::string_view text) const {
  return wrap(color, "1", text);
}
std::string Style::red(std::string_view text) const {
  return wrap(color, "31", text);
}
std::string Style::green(std::string_view text) const {
  return wrap(color, "32", text);
}
std::string Style::yellow(std::string_view text) const {
  return wrap(color, "33", text);
}
std::string Style::dim(std::string_view text) const {
  return wrap(color, "2", text);
}

bool is_terminal(std::FILE* stream) {
  return ::isatty(::fileno(stream)) == 1;
}

Style style_for(std::FILE* stream) {
  const char* no_color = std::getenv("NO_COLOR");
  bool disabled = no_color != nullptr && no_color[0] != '\0';
  return Style{is_terminal(stream) && !disabled};
}

}  // namespace wharf
