#include <iostream>

#include "app.hpp"

namespace wharf::cli {

void add_pack(App& app) {
  auto* cmd = app.cli.add_subcommand(
      "pack", "Make a package archive from a folder with wharf-package.yaml");
  auto source = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>(".");
  auto options = std::make_shared<ops::PackOptions>();
  cmd->add_option("SRC", *source, "Package folder")->required();
  cmd->add_option("-o,--output", *output, "Folder for the archive (default: .)");
  cmd->add_option("--format", options->format, "tar.gz (default), tar.xz, tar.zst, tar.bz2 or zip");
  cmd->callback([&app, source, output, options] {
    app.action = [&app, source, output, options]() -> Result<int> {
      auto file = WHARF_TRY(ops::pack(*source, *output, *options));
      if (!app.global.quiet) std::cerr << "Packed " << file.string() << "\n";
      return 0;
    };
  });
}

void add_registry(App& app) {
  auto* registry = app.cli.add_subcommand("registry", "Make and maintain registries");
  registry->require_subcommand(1);
  auto* index = registry->add_subcommand(
      "index", "Write registry.yaml and index/ for the package archives under DIR");
  auto dir = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>();
  index->add_option("DIR", *dir, "Registry folder")->required();
  index->add_option("--name", *name, "Registry name (default: the folder's name)");
  index->callback([&app, dir, name] {
    app.action = [&app, dir, name]() -> Result<int> {
      auto summary = WHARF_TRY(ops::registry_index(*dir, *name));
      if (!app.global.quiet)
        std::cerr << "Indexed " << summary.packages << " package"
                  << (summary.packages == 1 ? "" : "s") << " (" << summary.versions << " version"
                  << (summary.versions == 1 ? "" : "s") << ") in " << *dir << "\n";
      return 0;
    };
  });
}

}  // namespace wharf::cli
