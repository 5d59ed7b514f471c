#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "env_command.hpp"
#include "wharf/ops/activate.hpp"
#include "wharf/util/process.hpp"

namespace wharf::cli {

void add_shell(App& app) {
  auto* cmd = app.cli.add_subcommand(
      "shell", "Start your shell ($SHELL, else /bin/sh) in the environment, syncing first");
  auto env = std::make_shared<std::string>("default");
  auto frozen = std::make_shared<bool>(false);
  cmd->add_option("-e,--env", *env, "Environment to enter");
  cmd->add_flag("--frozen", *frozen, "Do not re-lock or install; use the environment as it is");
  cmd->callback([&app, env, frozen] {
    app.action = [&app, env, frozen]() -> Result<int> {
      auto current = current_environment();
      auto vars = WHARF_TRY(
          synced_environment(app.global, *env, *frozen ? SyncFirst::No : SyncFirst::Yes, current));
      std::string shell = ops::user_shell(current);
      if (!app.global.quiet)
        std::fprintf(stderr, "Entering environment `%s` with %s (exit the shell to leave)\n",
                     env->c_str(), shell.c_str());
      std::vector<std::string> env_strings;
      for (const auto& [key, value] : vars) env_strings.push_back(key + "=" + value);
      std::vector<char*> envp;
      for (auto& s : env_strings) envp.push_back(s.data());
      envp.push_back(nullptr);
      std::vector<char*> argv{shell.data(), nullptr};
      std::fflush(nullptr);
      ::execve(shell.c_str(), argv.data(), envp.data());
      return fail("cannot start the shell " + shell + ": " + std::strerror(errno),
                  "set SHELL to the path of your shell");
    };
  });
}

}  // namespace wharf::cli
