#include "json_output.hpp"
#include "lock_flags.hpp"

namespace wharf::cli {

void add_sync(App& app) {
  auto* cmd = app.cli.add_subcommand("sync", "Lock if needed, then install the environment");
  auto flags = std::make_shared<LockFlags>();
  auto options = std::make_shared<ops::SyncOptions>();
  auto locked = std::make_shared<bool>(false);
  auto frozen = std::make_shared<bool>(false);
  auto reinstall = std::make_shared<std::vector<std::string>>();
  add_lock_flags(cmd, *flags);
  auto* locked_flag =
      cmd->add_flag("--locked", *locked, "Fail if wharf.lock is missing or would change (for CI)");
  cmd->add_flag("--frozen", *frozen, "Install exactly what wharf.lock says; do not read wharf.yaml")
      ->excludes(locked_flag);
  cmd->add_option("-e,--env", options->environments, "Environment(s) to sync (default: default)");
  cmd->add_flag("--all-envs", options->all_environments, "Sync every environment");
  cmd->add_flag("--repair", options->repair, "Reinstall files that were modified or deleted");
  cmd->add_option("--reinstall", *reinstall, "Reinstall these packages");
  cmd->callback([&app, cmd, flags, options, locked, frozen, reinstall] {
    flags->update_given = cmd->count("--update") > 0;
    app.action = [&app, flags, options, locked, frozen, reinstall]() -> Result<int> {
      TerminalReporter terminal(app.global);
      auto& reporter = command_reporter(app, terminal);
      auto context = WHARF_TRY(project_context(app.global, reporter));
      options->lock = to_lock_options(*flags);
      options->mode = *frozen   ? ops::LockMode::Frozen
                      : *locked ? ops::LockMode::Locked
                                : ops::LockMode::Auto;
      options->reinstall = {reinstall->begin(), reinstall->end()};
      auto result = WHARF_TRY(ops::sync(context, *options));
      if (app.global.json) {
        Json document;
        document["lock_changed"] = result.lock_changed;
        document["environment_changed"] = result.environment_changed;
        document.update(app.json_reporter->document());
        print_json(document);
      }
      return 0;
    };
  });
}

}  // namespace wharf::cli
