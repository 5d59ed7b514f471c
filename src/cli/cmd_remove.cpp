#include "app.hpp"
#include "wharf/ops/edit.hpp"

namespace wharf::cli {

void add_remove(App& app) {
  auto* cmd = app.cli.add_subcommand(
      "remove", "Remove dependencies from wharf.yaml (keeping its comments), then lock and sync");
  auto options = std::make_shared<ops::RemoveOptions>();
  auto no_sync = std::make_shared<bool>(false);
  cmd->add_option("packages", options->names, "Names of the dependencies to remove")->required();
  cmd->add_option("-e,--env", options->environment,
                  "Remove from this environment's dependencies (not the top-level ones)");
  cmd->add_flag("--no-sync", *no_sync, "Only edit wharf.yaml; do not lock or install");
  cmd->callback([&app, options, no_sync] {
    app.action = [&app, options, no_sync]() -> Result<int> {
      TerminalReporter reporter(app.global);
      auto context = WHARF_TRY(project_context(app.global, reporter));
      options->after = *no_sync ? ops::AfterEdit::NoSync : ops::AfterEdit::Sync;
      WHARF_TRY(ops::remove(context, *options));
      return 0;
    };
  });
}

}  // namespace wharf::cli
