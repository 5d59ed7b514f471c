#include <iostream>

#include "app.hpp"

namespace wharf::cli {

namespace {
std::string bytes_text(std::uint64_t bytes) {
  char buffer[32];
  if (bytes < 1024 * 1024)
    std::snprintf(buffer, sizeof buffer, "%.1f KiB", bytes / 1024.0);
  else
    std::snprintf(buffer, sizeof buffer, "%.1f MiB", bytes / (1024.0 * 1024.0));
  return buffer;
}
}  // namespace

void add_cache(App& app) {
  auto* cache = app.cli.add_subcommand("cache", "Inspect and clean the global cache");
  cache->require_subcommand(1);
  cache->add_subcommand("dir", "Print the cache folder")->callback([&app] {
    app.action = [&app]() -> Result<int> {
      std::cout << cache_root(app.global).string() << "\n";
      return 0;
    };
  });
  cache->add_subcommand("clean", "Remove everything from the cache")->callback([&app] {
    app.action = [&app]() -> Result<int> {
      auto report = WHARF_TRY(ops::cache_clean(cache_root(app.global)));
      if (!app.global.quiet)
        std::cerr << "Removed " << report.removed_entries << " entries ("
                  << bytes_text(report.freed_bytes) << ")\n";
      return 0;
    };
  });
  auto* prune =
      cache->add_subcommand("prune", "Remove what no lockfile on this machine used recently");
  auto days = std::make_shared<int>(30);
  prune->add_option("--days", *days, "Keep what was used in the last N days (default 30)")
      ->check(CLI::NonNegativeNumber);
  prune->callback([&app, days] {
    app.action = [&app, days]() -> Result<int> {
      auto report =
          WHARF_TRY(ops::cache_prune(cache_root(app.global), std::chrono::hours(24) * *days));
      if (!app.global.quiet)
        std::cerr << "Removed " << report.removed_entries << " entries ("
                  << bytes_text(report.freed_bytes) << ")\n";
      return 0;
    };
  });
}

}  // namespace wharf::cli
