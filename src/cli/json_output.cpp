#include "json_output.hpp"

#include <cstdio>

namespace wharf::cli {

namespace {

const char* kind_name(ops::ChangeKind kind) {
  switch (kind) {
    case ops::ChangeKind::Added:
      return "added";
    case ops::ChangeKind::Removed:
      return "removed";
    case ops::ChangeKind::Changed:
      break;
  }
  return "changed";
}

}  // namespace

Json or_null(std::string_view text) {
  return text.empty() ? Json(nullptr) : Json(std::string(text));
}

void JsonReporter::step(std::string_view verb, std::string_view detail) {
  m_steps.push_back({{"verb", std::string(verb)}, {"detail", std::string(detail)}});
}

void JsonReporter::change(ops::ChangeKind kind, std::string_view name, std::string_view old_version,
                          std::string_view new_version) {
  explained_change(kind, name, old_version, new_version, "");
}

void JsonReporter::explained_change(ops::ChangeKind kind, std::string_view name,
                                    std::string_view old_version, std::string_view new_version,
                                    std::string_view reason) {
  m_changes.push_back({{"kind", kind_name(kind)},
                       {"name", std::string(name)},
                       {"old", or_null(old_version)},
                       {"new", or_null(new_version)},
                       {"reason", or_null(reason)}});
}

void JsonReporter::warning(std::string_view message) {
  m_warnings.push_back(std::string(message));
}

Json JsonReporter::document() const {
  return {{"changes", m_changes}, {"steps", m_steps}, {"warnings", m_warnings}};
}

Json error_json(const Error& error) {
  Json details = nullptr;
  if (!error.details.empty()) {
    details = Json::parse(error.details, nullptr, false);
    if (details.is_discarded()) details = error.details;
  }
  return {{"message", error.message}, {"hint", or_null(error.hint)}, {"details", details}};
}

void print_json(const Json& document) {
  auto text = document.dump(2, ' ', false, Json::error_handler_t::replace);
  std::fprintf(stdout, "%s\n", text.c_str());
  std::fflush(stdout);
}

ops::Reporter& command_reporter(App& app, TerminalReporter& terminal) {
  if (!app.global.json) return terminal;
  app.json_reporter = std::make_shared<JsonReporter>();
  return *app.json_reporter;
}

}  // namespace wharf::cli
