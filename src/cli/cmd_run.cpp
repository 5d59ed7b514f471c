#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "app.hpp"
#include "env_command.hpp"
#include "wharf/util/process.hpp"

namespace wharf::cli {

void add_run(App& app) {
  auto* cmd = app.cli.add_subcommand(
      "run",
      "Run a command in the environment (syncing first if needed): wharf run -- CMD ARGS...");
  auto env = std::make_shared<std::string>("default");
  auto frozen = std::make_shared<bool>(false);
  cmd->add_option("-e,--env", *env, "Environment to run in");
  cmd->add_flag("--frozen", *frozen, "Do not re-lock or install; run in the environment as it is");
  // `wharf run -- CMD ARGS...` puts CMD and ARGS in `command`; without `--`,
  // prefix_command() stops option parsing at CMD and leaves the rest.
  auto command = std::make_shared<std::vector<std::string>>();
  cmd->add_option("command", *command, "The command to run and its arguments");
  cmd->prefix_command();
  cmd->callback([&app, cmd, env, frozen, command] {
    auto args = std::make_shared<std::vector<std::string>>(*command);
    // CLI11 reports the `--` that ended option parsing as a last "remaining"
    // argument; it is not the command's.
    auto rest = cmd->remaining();
    if (!rest.empty() && rest.back() == "--" && !command->empty()) rest.pop_back();
    for (auto& extra : rest) args->push_back(extra);
    if (!args->empty() && args->front() == "--") args->erase(args->begin());
    app.action = [&app, env, frozen, args]() -> Result<int> {
      if (args->empty()) return fail_input("no command given", "usage: wharf run -- CMD ARGS...");
      TerminalReporter terminal(app.global);
      ChangesReporter reporter(terminal);
      auto context = WHARF_TRY(project_context(app.global, reporter));
      if (!*frozen) {
        ops::SyncOptions options;
        options.environments = {*env};
        WHARF_TRY(ops::sync(context, options));
      }
      auto vars = WHARF_TRY(ops::activation_environment(context, *env, current_environment()));
      auto program = find_in_path((*args)[0], vars["PATH"]);
      if (!program) {
        std::fprintf(stderr, "error: command not found: %s\n", (*args)[0].c_str());
        return 127;
      }
      std::vector<std::string> env_strings;
      for (const auto& [key, value] : vars) env_strings.push_back(key + "=" + value);
      std::vector<char*> envp;
      for (auto& s : env_strings) envp.push_back(s.data());
      envp.push_back(nullptr);
      std::vector<char*> argv;
      for (auto& a : *args) argv.push_back(a.data());
      argv.push_back(nullptr);
      std::fflush(nullptr);
      ::execve(program->c_str(), argv.data(), envp.data());
      return fail("cannot run " + program->string() + ": " + std::strerror(errno));
    };
  });
}

}  // namespace wharf::cli
