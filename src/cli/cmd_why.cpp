#include <cstdio>

#include "json_output.hpp"

namespace wharf::cli {

namespace {

// "demo → hello ^1.2 → libgreet ^2 (2.1.0)"
std::string render(const std::vector<ops::PathStep>& path) {
  std::string line;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (i > 0) line += " → ";
    line += path[i].name;
    if (!path[i].constraint.empty()) line += " " + path[i].constraint;
  }
  if (path.size() > 1) line += " (" + path.back().version + ")";
  return line;
}

Json to_json(const std::vector<ops::PathStep>& path) {
  Json steps = Json::array();
  for (const auto& step : path)
    steps.push_back({{"name", step.name},
                     {"version", or_null(step.version)},
                     {"constraint", or_null(step.constraint)}});
  return steps;
}

}  // namespace

void add_why(App& app) {
  auto* cmd = app.cli.add_subcommand("why", "Show every path from the project to a locked package");
  auto name = std::make_shared<std::string>();
  auto options = std::make_shared<ops::InspectOptions>();
  cmd->add_option("name", *name, "The package")->required();
  cmd->add_option("-e,--env", options->environment, "Environment (default: default)");
  cmd->add_option("--platform", options->platform, "A locked platform (default: this one)");
  cmd->callback([&app, name, options] {
    app.action = [&app, name, options]() -> Result<int> {
      TerminalReporter terminal(app.global);
      auto& reporter = command_reporter(app, terminal);
      auto context = WHARF_TRY(project_context(app.global, reporter));
      auto report = WHARF_TRY(ops::why(context, *name, *options));
      if (app.global.json) {
        Json paths = Json::array();
        for (const auto& path : report.paths) paths.push_back(to_json(path));
        print_json({{"project", report.project},
                    {"environment", report.environment},
                    {"platform", report.platform},
                    {"package", report.package},
                    {"version", report.version},
                    {"paths", paths},
                    {"truncated", report.truncated},
                    {"warnings", app.json_reporter->warnings()}});
        return 0;
      }
      std::string out;
      for (const auto& path : report.paths) out += render(path) + "\n";
      if (report.truncated)
        out += "(more paths not shown: the first " + std::to_string(ops::kMaxWhyPaths) +
               " are above)\n";
      std::fputs(out.c_str(), stdout);
      return 0;
    };
  });
}

}  // namespace wharf::cli
