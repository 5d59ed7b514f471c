#include <iostream>

#include "env_command.hpp"
#include "wharf/ops/activate.hpp"
#include "wharf/util/process.hpp"

namespace wharf::cli {

void add_activate(App& app) {
  auto* cmd = app.cli.add_subcommand(
      "activate", "Print shell lines that enter the environment: eval \"$(wharf activate)\"");
  auto env = std::make_shared<std::string>("default");
  auto shell = std::make_shared<std::string>();
  auto frozen = std::make_shared<bool>(false);
  cmd->add_option("--shell", *shell, "bash, zsh or fish (default: that of $SHELL, else bash)")
      ->check(CLI::IsMember({"bash", "zsh", "fish"}));
  cmd->add_option("-e,--env", *env, "Environment to enter");
  cmd->add_flag("--frozen", *frozen, "Do not re-lock or install; use the environment as it is");
  cmd->callback([&app, env, shell, frozen] {
    app.action = [&app, env, shell, frozen]() -> Result<int> {
      auto current = current_environment();
      std::string name = *shell;
      if (name.empty()) {
        name = std::filesystem::path(ops::user_shell(current)).filename().string();
        if (!ops::parse_shell_kind(name)) name = "bash";
      }
      auto kind = WHARF_TRY(ops::parse_shell_kind(name));
      auto vars = WHARF_TRY(
          synced_environment(app.global, *env, *frozen ? SyncFirst::No : SyncFirst::Yes, current));
      std::cout << ops::activation_script(kind, current, vars);
      return 0;
    };
  });
}

}  // namespace wharf::cli
