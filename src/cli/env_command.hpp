// What `wharf run`, `wharf shell` and `wharf activate` share (private to src/cli/): sync
// the environment unless --frozen, reporting only what changed, then compute
// its variables.
#pragma once

#include <map>
#include <string>

#include "app.hpp"

namespace wharf::cli {

// Passes on what an operation changes (a re-lock, an install) but not the
// no-op "Checked ... is up to date" lines.
class ChangesReporter final : public ops::Reporter {
 public:
  explicit ChangesReporter(TerminalReporter& inner) : m_inner(inner) {}
  void step(std::string_view verb, std::string_view detail) override {
    if (verb != "Checked") m_inner.step(verb, detail);
  }
  void change(ops::ChangeKind kind, std::string_view name, std::string_view old_version,
              std::string_view new_version) override {
    m_inner.change(kind, name, old_version, new_version);
  }
  void warning(std::string_view message) override { m_inner.warning(message); }
  void detail(std::string_view message) override { m_inner.detail(message); }
  void progress(const ops::TransferProgress& event) override { m_inner.progress(event); }

 private:
  TerminalReporter& m_inner;
};

enum class SyncFirst { Yes, No };

// Syncs `env` (unless told not to) and returns its activation variables over
// `current`.
inline Result<std::map<std::string, std::string>> synced_environment(
    const GlobalOptions& global, const std::string& env, SyncFirst sync_first,
    const std::map<std::string, std::string>& current) {
  TerminalReporter terminal(global);
  ChangesReporter reporter(terminal);
  auto context = WHARF_TRY(project_context(global, reporter));
  if (sync_first == SyncFirst::Yes) {
    ops::SyncOptions options;
    options.environments = {env};
    WHARF_TRY(ops::sync(context, options));
  }
  return ops::activation_environment(context, env, current);
}

}  // namespace wharf::cli
