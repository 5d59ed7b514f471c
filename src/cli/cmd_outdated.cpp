#include <algorithm>
#include <cstdio>

#include "json_output.hpp"

namespace wharf::cli {

namespace {

// Columns padded to their widest cell, two spaces apart; no trailing blanks.
std::string table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], row[i].size());
    }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace

void add_outdated(App& app) {
  auto* cmd = app.cli.add_subcommand(
      "outdated", "Compare locked versions with the newest allowed and the newest published");
  auto options = std::make_shared<ops::InspectOptions>();
  cmd->add_option("--platform", options->platform, "A locked platform (default: this one)");
  cmd->callback([&app, options] {
    app.action = [&app, options]() -> Result<int> {
      TerminalReporter terminal(app.global);
      auto& reporter = command_reporter(app, terminal);
      auto context = WHARF_TRY(project_context(app.global, reporter));
      auto report = WHARF_TRY(ops::outdated(context, *options));
      std::size_t outdated = 0;
      for (const auto& p : report.packages) outdated += p.outdated() ? 1 : 0;
      if (app.global.json) {
        Json packages = Json::array();
        for (const auto& p : report.packages)
          packages.push_back({{"name", p.name},
                              {"locked", p.locked},
                              {"allowed", or_null(p.allowed)},
                              {"latest", p.latest},
                              {"direct", p.direct},
                              {"outdated", p.outdated()}});
        print_json({{"project", report.project},
                    {"platform", report.platform},
                    {"packages", packages},
                    {"up_to_date", outdated == 0},
                    {"warnings", app.json_reporter->warnings()}});
        return 0;
      }
      if (outdated == 0) {
        std::printf("All %zu locked package%s up to date\n", report.packages.size(),
                    report.packages.size() == 1 ? " is" : "s are");
        return 0;
      }
      std::vector<std::vector<std::string>> rows{
          {"package", "locked", "allowed", "latest", "kind"}};
      for (const auto& p : report.packages)
        if (p.outdated())
          rows.push_back({p.name, p.locked, p.allowed.empty() ? "-" : p.allowed, p.latest,
                          p.direct ? "direct" : "transitive"});
      std::fputs(table(rows).c_str(), stdout);
      return 0;
    };
  });
}

}  // namespace wharf::cli
