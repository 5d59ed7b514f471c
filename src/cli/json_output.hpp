// `--json` output (private to src/cli/): a reporter that collects what an
// operation reports, and the documents printed on stdout. The shapes are
// documented in README.md ("JSON output") and schemas/output-*.schema.json.
#pragma once

#include <nlohmann/json.hpp>

#include "app.hpp"

namespace wharf::cli {

// Keys keep the order they are written in, so documents read top-down.
using Json = nlohmann::ordered_json;

// Collects steps, changes (with reasons) and warnings; prints nothing.
class JsonReporter final : public ops::ExplainingReporter {
 public:
  void step(std::string_view verb, std::string_view detail) override;
  void change(ops::ChangeKind kind, std::string_view name, std::string_view old_version,
              std::string_view new_version) override;
  void explained_change(ops::ChangeKind kind, std::string_view name, std::string_view old_version,
                        std::string_view new_version, std::string_view reason) override;
  void warning(std::string_view message) override;

  // {"changes": [...], "steps": [...], "warnings": [...]}
  Json document() const;
  const Json& warnings() const { return m_warnings; }

 private:
  Json m_steps = Json::array();
  Json m_changes = Json::array();
  Json m_warnings = Json::array();
};

// The text, or null when it is empty.
Json or_null(std::string_view text);

// {"message": ..., "hint": ..., "details": <parsed JSON, or the text, or null>}
Json error_json(const Error& error);

// Pretty-printed (2 spaces), one trailing newline, on stdout.
void print_json(const Json& document);

// The reporter a command uses: the terminal one, or with --json one that
// collects into a JSON document (registered with `app` so that an error
// document carries what was reported before the failure).
ops::Reporter& command_reporter(App& app, TerminalReporter& terminal);

}  // namespace wharf::cli
