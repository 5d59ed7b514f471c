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
}

ops::LockOptions to_lock_options(const LockFlags& flags) {
  ops::LockOptions options;
  if (flags.resolution == "lowest") options.resolution = ops::Resolution::Lowest;
  if (flags.resolution == "lowest-direct") options.resolution = ops::Resolution::LowestDirect;
  if (flags.prerelease == "allow") options.prereleases = ops::Prereleases::Allow;
  // A bare `--update` reaches CLI11 as one empty value (its default), not as
  // no values.
  for (const auto& name : flags.update)
    if (!name.empty()) options.update.insert(name);
  options.update_all = flags.update_given && options.update.empty();
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
      TerminalReporter reporter(app.global);
      auto context = WHARF_TRY(project_context(app.global, reporter));
      auto options = to_lock_options(*flags);
      options.check = *check;
      options.dry_run = *dry_run || *check;
      WHARF_TRY(ops::lock(context, options));
      return 0;
    };
  });
}

}  // namespace wharf::cli
