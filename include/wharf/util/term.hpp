// Terminal output policy (STYLE.md habit 9): colour only on a terminal and
// never with NO_COLOR; progress only on a terminal and not with -q.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace wharf {

enum class Verbosity { Quiet, Normal, Verbose };

struct Style {
  bool color = false;
  std::string bold(std::string_view text) const;
  std::string red(std::string_view text) const;
  std::string green(std::string_view text) const;
  std::string yellow(std::string_view text) const;
  std::string dim(std::string_view text) const;
};

bool is_terminal(std::FILE* stream);
// Colour when `stream` is a terminal and NO_COLOR is unset (or empty).
Style style_for(std::FILE* stream);

}  // namespace wharf
