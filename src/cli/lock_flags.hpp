// Flags shared by `wharf lock` and `wharf sync` (private to src/cli/).
#pragma once

#include "app.hpp"

namespace wharf::cli {

struct LockFlags {
  std::string resolution = "highest";
  std::string prerelease = "if-named";
  std::vector<std::string> update;
  bool update_given = false;
  bool refresh = false;
};

void add_lock_flags(CLI::App* cmd, LockFlags& flags);
ops::LockOptions to_lock_options(const LockFlags& flags);

}  // namespace wharf::cli
