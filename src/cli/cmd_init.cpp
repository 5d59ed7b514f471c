#include <iostream>

#include "app.hpp"

namespace wharf::cli {

void add_init(App& app) {
  auto* cmd = app.cli.add_subcommand("init", "Create a starter wharf.yaml in the current folder");
  auto name = std::make_shared<std::string>();
  cmd->add_option("--name", *name, "Project name (default: the folder's name)");
  cmd->callback([&app, name] {
    app.action = [&app, name]() -> Result<int> {
      std::filesystem::path dir = app.global.directory.empty()
                                      ? std::filesystem::current_path()
                                      : std::filesystem::path(app.global.directory);
      std::string project = *name;
      if (project.empty())
        project = std::filesystem::absolute(dir).lexically_normal().filename().string();
      auto file = WHARF_TRY(ops::init(dir, project));
      if (!app.global.quiet) std::cerr << "Created " << file.string() << "\n";
      return 0;
    };
  });
}

}  // namespace wharf::cli
