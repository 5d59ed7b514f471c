// Shared state and helpers of the CLI commands (private to src/cli/).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

#include "progress.hpp"
#include "wharf/ops/ops.hpp"
#include "wharf/util/term.hpp"

namespace wharf::cli {

struct GlobalOptions {
  bool quiet = false;
  bool verbose = false;
  std::string directory;  // -C DIR
  std::string cache_dir;  // --cache-dir DIR
  bool json = false;      // --json: machine-readable output on stdout
  bool offline = false;   // --offline: use only the cache
  int jobs = 0;           // -j N: parallel transfers (0: WHARF_CONCURRENCY or 16)
};

// Prints what an operation reports, on stderr, the way uv and cargo do.
class TerminalReporter final : public ops::ExplainingReporter {
 public:
  explicit TerminalReporter(const GlobalOptions& options);
  void step(std::string_view verb, std::string_view detail) override;
  void change(ops::ChangeKind kind, std::string_view name, std::string_view old_version,
              std::string_view new_version) override;
  // With show_reasons (lock --dry-run) the reason follows in parentheses.
  void explained_change(ops::ChangeKind kind, std::string_view name, std::string_view old_version,
                        std::string_view new_version, std::string_view reason) override;
  bool show_reasons = false;
  bool wants_reasons() const override { return show_reasons; }
  void warning(std::string_view message) override;
  void detail(std::string_view message) override;
  // Progress bars on a terminal only; nothing in a pipe, with -q or --json.
  void progress(const ops::TransferProgress& event) override;

 private:
  std::string change_line(ops::ChangeKind kind, std::string_view name, std::string_view old_version,
                          std::string_view new_version) const;

  void clear_progress();
  const GlobalOptions& m_options;
  Style m_style;
  std::unique_ptr<ProgressBoard> m_board;  // null when progress is not shown
};

class JsonReporter;  // json_output.hpp

// A command body: returns the exit code, or an error for main to print.
using Action = std::function<Result<int>()>;

struct App {
  CLI::App cli{"wharf: one-command, reproducible environments for any repository", "wharf"};
  GlobalOptions global;
  Action action;  // set by the chosen subcommand's callback
  // With --json: what the command reported so far, included in an error document.
  std::shared_ptr<JsonReporter> json_reporter;
};

// Builds the context of an operation on the project around the working
// directory (or -C DIR).
Result<ops::Context> project_context(const GlobalOptions& global, ops::Reporter& reporter);
// The cache root: --cache-dir, else the store's default.
std::filesystem::path cache_root(const GlobalOptions& global);

void add_init(App& app);
void add_sync(App& app);
void add_lock(App& app);
void add_run(App& app);
void add_pack(App& app);
void add_registry(App& app);
void add_cache(App& app);
void add_verify(App& app);
void add_add(App& app);
void add_remove(App& app);
void add_shell(App& app);
void add_activate(App& app);
void add_completions(App& app);
void add_tree(App& app);
void add_why(App& app);
void add_outdated(App& app);

}  // namespace wharf::cli
