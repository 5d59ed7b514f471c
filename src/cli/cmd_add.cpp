#include "app.hpp"
#include "wharf/ops/edit.hpp"

namespace wharf::cli {

void add_add(App& app) {
  auto* cmd = app.cli.add_subcommand(
      "add", "Add dependencies to wharf.yaml (keeping its comments), then lock and sync");
  auto specs = std::make_shared<std::vector<std::string>>();
  auto options = std::make_shared<ops::AddOptions>();
  auto no_sync = std::make_shared<bool>(false);
  cmd->add_option("packages", *specs,
                  "NAME or NAME@CONSTRAINT (default constraint: ^ of the newest release)");
  cmd->add_option("-e,--env", options->environment,
                  "Add to this environment's dependencies (created when missing)");
  cmd->add_option("--registry", options->registry, "Take the packages from this registry");
  auto* git = cmd->add_option("--git", options->git, "Add a git dependency from URL");
  cmd->add_option("--branch", options->branch, "With --git: follow this branch")->needs(git);
  cmd->add_option("--tag", options->tag, "With --git: this tag")->needs(git);
  cmd->add_option("--rev", options->rev, "With --git: this commit")->needs(git);
  cmd->add_flag("--no-sync", *no_sync, "Only edit wharf.yaml; do not lock or install");
  cmd->callback([&app, specs, options, no_sync] {
    app.action = [&app, specs, options, no_sync]() -> Result<int> {
      TerminalReporter reporter(app.global);
      auto context = WHARF_TRY(project_context(app.global, reporter));
      options->packages.clear();
      for (const auto& spec : *specs)
        options->packages.push_back(WHARF_TRY(ops::parse_add_spec(spec)));
      options->after = *no_sync ? ops::AfterEdit::NoSync : ops::AfterEdit::Sync;
      WHARF_TRY(ops::add(context, *options));
      return 0;
    };
  });
}

}  // namespace wharf::cli
