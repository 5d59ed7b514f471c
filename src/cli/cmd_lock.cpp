#include "json_output.hpp"
#include "lock_flags.hpp"

namespace wharf::cli {

void add_lock_flags(CLI::App* cmd, LockFlags& flags) {
  cmd->add_option("--resolution", flags.resolution, "Which versions to prefer")
      ->check(CLI::IsMember({"highest", "lowest", "lowest-direct"}));
  cmd->add_option("--prerelease", flags.prerelease,
                  "Pre-releases: only where a constraint names one (if-named), or allow them all")
      ->check(CLI::IsMember({"if-named", "allow"}));
  cmd->add_option(
         "--update", flags.update,
         "Move NAME to its newest allowed version (and what it must); all packages when no NAME")
      ->expected(0, -1);
  cmd->add_flag("--refresh", flags.refresh,
                "Revalidate every index file read, even those the server says are still fresh");
}

ops::LockOptions to_lock_options(const LockFlags& flags) {
  ops::LockOptions options;
  if (flags.resolution == "lowest") options.resolution = ops::Resolution::Lowest;
  if (flags.resolution == "lowest-direct") options.resolution = ops::Resolution::LowestDirect;
  if (flags.prerelease == "allow") options.prereleases = ops::Prereleases::Allow;
  // CLI11 records `--update` given without names as one empty name.
  for (const auto& name : flags.update)
    if (!name.empty()) options.update.insert(name);
  options.update_all = flags.update_given && options.update.empty();
  options.refresh = flags.refresh;
  return options;
}

void add_lock(App& app) {
  auto* cmd = app.cli.add_subcommand("lock", "Resolve wharf.yaml and write wharf.lock");
  auto flags = std::make_shared<LockFlags>();
  auto check = std::make_shared<bool>(false);
  auto dry_run = std::make_shared<bool>(false);
  add_lock_flags(cmd, *flags);
  cmd->add_flag("--check", *check, "Exit 1 when wharf.lock is stale, saying which input changed");
  cmd->add_flag("--dry-run", *dry_run, "Show what a re-lock would change; write nothing");
  cmd->callback([&app, cmd, flags, check, dry_run] {
    flags->update_given = cmd->count("--update") > 0;
    app.action = [&app, flags, check, dry_run]() -> Result<int> {
      TerminalReporter terminal(app.global);
      terminal.show_reasons = *dry_run;
      auto& reporter = command_reporter(app, terminal);
      auto context = WHARF_TRY(project_context(app.global, reporter));
      auto options = to_lock_options(*flags);
      options.check = *check;
      options.dry_run = *dry_run || *check;
      auto result = WHARF_TRY(ops::lock(context, options));
      if (app.global.json) {
        Json document;
        document["lock_changed"] = result.changed;
        document["resolved"] = result.resolved;
        document["dry_run"] = options.dry_run;
        document["package_count"] = result.package_count;
        document.update(app.json_reporter->document());
        print_json(document);
      }
      return 0;
    };
  });
}

}  // namespace wharf::cli
