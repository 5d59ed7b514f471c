#include <iostream>

#include "app.hpp"

namespace wharf::cli {

void add_verify(App& app) {
  auto* cmd = app.cli.add_subcommand(
      "verify", "Check that an environment is exactly what wharf.lock says, file by file");
  auto env = std::make_shared<std::string>("default");
  cmd->add_option("-e,--env", *env, "Environment to verify");
  cmd->callback([&app, env] {
    app.action = [&app, env]() -> Result<int> {
      TerminalReporter reporter(app.global);
      auto context = WHARF_TRY(project_context(app.global, reporter));
      auto issues = WHARF_TRY(ops::verify(context, *env));
      for (const auto& issue : issues) {
        if (issue.kind == "stale")
          std::cout << "stale     the installed packages differ from wharf.lock\n";
        else
          std::cout << issue.kind
                    << std::string(issue.kind.size() < 9 ? 10 - issue.kind.size() : 1, ' ')
                    << issue.path << (issue.package.empty() ? "" : "  (" + issue.package + ")")
                    << "\n";
      }
      if (!issues.empty())
        return fail(std::to_string(issues.size()) + " problem" + (issues.size() == 1 ? "" : "s") +
                        " in environment `" + *env + "`",
                    "run `wharf sync --repair` to restore it");
      if (!app.global.quiet) std::cerr << "Verified environment `" << *env << "`: no problems\n";
      return 0;
    };
  });
}

}  // namespace wharf::cli
