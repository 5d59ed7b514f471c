#include "app.hpp"

#include <cstdio>
#include <iostream>
#include <string_view>

#include "json_output.hpp"
#include "wharf/cli/cli.hpp"
#include "wharf/store/store.hpp"

namespace wharf::cli {

TerminalReporter::TerminalReporter(const GlobalOptions& options)
    : m_options(options), m_style(style_for(stderr)) {
  if (!options.quiet && !options.json && is_terminal(stderr))
    m_board = std::make_unique<ProgressBoard>(stderr);
}

void TerminalReporter::clear_progress() {
  if (m_board) m_board->clear();
}

void TerminalReporter::progress(const ops::TransferProgress& event) {
  if (m_board) m_board->update(event);
}

void TerminalReporter::step(std::string_view verb, std::string_view detail) {
  if (m_options.quiet) return;
  clear_progress();
  std::fprintf(stderr, "%s %.*s\n", m_style.bold(std::string(verb)).c_str(),
               static_cast<int>(detail.size()), detail.data());
}

std::string TerminalReporter::change_line(ops::ChangeKind kind, std::string_view name,
                                          std::string_view old_version,
                                          std::string_view new_version) const {
  switch (kind) {
    case ops::ChangeKind::Added:
      return m_style.green(" + ") + std::string(name) + " " + std::string(new_version);
    case ops::ChangeKind::Removed:
      return m_style.red(" - ") + std::string(name) + " " + std::string(old_version);
    case ops::ChangeKind::Changed:
      break;
  }
  return m_style.yellow(" ~ ") + std::string(name) + " " + std::string(old_version) + " → " +
         std::string(new_version);
}

void TerminalReporter::change(ops::ChangeKind kind, std::string_view name,
                              std::string_view old_version, std::string_view new_version) {
  if (m_options.quiet) return;
  clear_progress();
  std::fprintf(stderr, "%s\n", change_line(kind, name, old_version, new_version).c_str());
}

void TerminalReporter::explained_change(ops::ChangeKind kind, std::string_view name,
                                        std::string_view old_version, std::string_view new_version,
                                        std::string_view reason) {
  if (m_options.quiet) return;
  clear_progress();
  auto line = change_line(kind, name, old_version, new_version);
  if (show_reasons && !reason.empty()) line += " (" + std::string(reason) + ")";
  std::fprintf(stderr, "%s\n", line.c_str());
}

void TerminalReporter::warning(std::string_view message) {
  clear_progress();
  std::fprintf(stderr, "%s %.*s\n", m_style.yellow("warning:").c_str(),
               static_cast<int>(message.size()), message.data());
}

void TerminalReporter::detail(std::string_view message) {
  if (!m_options.verbose) return;
  clear_progress();
  std::fprintf(stderr, "%s\n", m_style.dim(message).c_str());
}

std::filesystem::path cache_root(const GlobalOptions& global) {
  if (!global.cache_dir.empty()) return std::filesystem::absolute(global.cache_dir);
  return store::default_root();
}

Result<ops::Context> project_context(const GlobalOptions& global, ops::Reporter& reporter) {
  std::filesystem::path start = global.directory.empty() ? std::filesystem::current_path()
                                                         : std::filesystem::path(global.directory);
  auto project = WHARF_TRY(ops::find_project(start));
  return ops::Context{project, cache_root(global), &reporter, global.offline, global.jobs};
}

namespace {

// Whether `--json` is among the global flags (before a `--` separator), for
// errors raised before CLI11 has set App::global.
bool json_requested(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") return false;
    if (arg == "--json") return true;
  }
  return false;
}

// The commands, in the order `wharf --help` lists them.
struct Command {
  std::string_view name;
  void (*add)(App&);
};
constexpr Command kCommands[] = {
    {"init", add_init},
    {"sync", add_sync},
    {"lock", add_lock},
    {"add", add_add},
    {"remove", add_remove},
    {"run", add_run},
    {"shell", add_shell},
    {"activate", add_activate},
    {"verify", add_verify},
    {"pack", add_pack},
    {"registry", add_registry},
    {"cache", add_cache},
    {"completions", add_completions},
    {"tree", add_tree},
    {"why", add_why},
    {"outdated", add_outdated},
};

// The command a command line names: its first word that is neither a global
// option nor the value of one (`-C DIR`, `--cache-dir DIR`, `-j N`).
std::string_view command_word(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-C" || arg == "--directory" || arg == "--cache-dir" || arg == "-j" ||
        arg == "--jobs") {
      ++i;
    } else if (arg.empty() || arg.front() != '-') {
      return arg;
    } else if (arg == "--") {
      return {};
    }
  }
  return {};
}

// Declaring a command's options costs CLI11 a few thousand allocations, and
// all of them together a quarter of `wharf --version`'s instructions. A
// command line names one command, so only that one is declared; `completions`
// (which lists them all), a line that names none (`wharf`, `wharf --help`)
// and an unknown word (CLI11 then reports it as before) declare them all.
void add_commands(App& app, int argc, char** argv) {
  std::string_view word = command_word(argc, argv);
  for (const Command& command : kCommands) {
    if (command.name == word && word != "completions") {
      command.add(app);
      return;
    }
  }
  for (const Command& command : kCommands) command.add(app);
}

void print_error(const Error& error) {
  auto style = style_for(stderr);
  std::fprintf(stderr, "%s %s\n", style.red(style.bold("error:")).c_str(), error.message.c_str());
  if (!error.hint.empty())
    std::fprintf(stderr, "  %s %s\n", style.bold("hint:").c_str(), error.hint.c_str());
}

}  // namespace

int run(int argc, char** argv) {
  App app;
  auto& cli = app.cli;
  cli.set_version_flag("-V,--version", std::string("wharf ") + WHARF_VERSION);
  cli.add_flag("-q,--quiet", app.global.quiet, "Print only errors");
  cli.add_flag("-v,--verbose", app.global.verbose, "Print more detail");
  cli.add_option("-C,--directory", app.global.directory, "Run as if started in DIR");
  cli.add_option(
      "--cache-dir", app.global.cache_dir,
      "Global cache folder (default: $WHARF_CACHE_DIR, $XDG_CACHE_HOME/wharf, ~/.cache/wharf)");
  cli.add_flag("--json", app.global.json, "Machine-readable output on stdout");
  cli.add_flag("--offline", app.global.offline, "Use only the cache; never the network");
  cli.add_option("-j,--jobs", app.global.jobs,
                 "Parallel transfers (default: $WHARF_CONCURRENCY or 16)");
  cli.require_subcommand(1);
  cli.fallthrough();

  add_commands(app, argc, argv);

  try {
    cli.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return cli.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return cli.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return cli.exit(e);
  } catch (const CLI::ParseError& e) {
    int code = cli.exit(e);
    if (code != 0 && json_requested(argc, argv)) {
      // Scripts that asked for JSON get the usage error as JSON too
      // (output-error.schema.json), beside CLI11's text on stderr.
      Json document;
      document["error"] = error_json(
          Error{ErrorKind::Input, e.what(), "run `wharf --help` for the commands and flags"});
      print_json(document);
    }
    return code == 0 ? 0 : 2;
  }
  if (!app.action) return 2;
  auto result = app.action();
  if (!result) {
    print_error(result.error());
    if (app.global.json) {
      Json document;
      document["error"] = error_json(result.error());
      if (app.json_reporter) document.update(app.json_reporter->document());
      print_json(document);
    }
    return result.error().exit_code();
  }
  return *result;
}

}  // namespace wharf::cli
