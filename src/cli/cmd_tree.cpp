#include <cstdio>

#include "json_output.hpp"

namespace wharf::cli {

namespace {

std::string label(const ops::TreeNode& node) {
  std::string text = node.name;
  if (!node.version.empty()) text += " " + node.version;
  if (node.repeated) text += " (*)";
  return text;
}

// cargo-tree style: "├── " / "└── " before a node, "│   " / "    " below it.
void render(const ops::TreeNode& node, const std::string& indent, std::string& out) {
  for (std::size_t i = 0; i < node.children.size(); ++i) {
    bool last = i + 1 == node.children.size();
    out += indent + (last ? "└── " : "├── ") + label(node.children[i]) + "\n";
    render(node.children[i], indent + (last ? "    " : "│   "), out);
  }
}

Json to_json(const ops::TreeNode& node) {
  Json children = Json::array();
  for (const auto& child : node.children) children.push_back(to_json(child));
  return {{"name", node.name},           {"version", or_null(node.version)},
          {"project", node.is_project},  {"repeated", node.repeated},
          {"truncated", node.truncated}, {"dependencies", children}};
}

}  // namespace

void add_tree(App& app) {
  auto* cmd = app.cli.add_subcommand("tree", "Show the locked dependency tree of an environment");
  auto options = std::make_shared<ops::TreeOptions>();
  cmd->add_option("-e,--env", options->inspect.environment, "Environment (default: default)");
  cmd->add_option("--platform", options->inspect.platform, "A locked platform (default: this one)");
  cmd->add_option("--depth", options->depth, "Show at most N levels below the top")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--invert", options->invert, "Show what depends on NAME, up to the project");
  cmd->callback([&app, options] {
    app.action = [&app, options]() -> Result<int> {
      TerminalReporter terminal(app.global);
      auto& reporter = command_reporter(app, terminal);
      auto context = WHARF_TRY(project_context(app.global, reporter));
      auto tree = WHARF_TRY(ops::tree(context, *options));
      if (app.global.json) {
        print_json({{"project", tree.project},
                    {"environment", tree.environment},
                    {"platform", tree.platform},
                    {"invert", options->invert.empty() ? Json(nullptr) : Json(options->invert)},
                    {"depth", options->depth < 0 ? Json(nullptr) : Json(options->depth)},
                    {"tree", to_json(tree.root)},
                    {"warnings", app.json_reporter->warnings()}});
        return 0;
      }
      std::string out = label(tree.root) + "\n";
      render(tree.root, "", out);
      std::fputs(out.c_str(), stdout);
      return 0;
    };
  });
}

}  // namespace wharf::cli
