// The line-based wharf.yaml editor (see wharf/manifest/edit.hpp).
#include "wharf/manifest/edit.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <vector>

#include "wharf/manifest/manifest.hpp"
#include "wharf/util/strings.hpp"
#include "yaml_support.hpp"

namespace wharf::manifest {

namespace {

// One physical line: its text without the terminator, the terminator as it
// was ("\n", "\r\n" or "" for a last line without one), and what it holds.
struct Line {
  std::string text;
  std::string eol;
  int indent = 0;
  bool content = false;                     // not blank and not only a comment
  bool has_key = false;                     // `key:` or `key: value`
  std::string key;                          // unquoted
  std::size_t key_end = 0;                  // offset just past the key's text (before `:`)
  std::string value;                        // after `:`, trimmed, without the comment
  std::size_t comment = std::string::npos;  // offset of a trailing `#`
};

// Finds the end of a quoted scalar starting at `pos` (which holds the quote);
// returns the offset just past the closing quote, or npos.
std::size_t skip_quoted(std::string_view s, std::size_t pos) {
  char quote = s[pos];
  for (std::size_t i = pos + 1; i < s.size(); ++i) {
    if (quote == '"' && s[i] == '\\') {
      ++i;
      continue;
    }
    if (s[i] == quote) {
      if (quote == '\'' && i + 1 < s.size() && s[i + 1] == '\'') {
        ++i;
        continue;
      }
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// Offset of a comment (`#` at the start or after whitespace, outside quotes)
// in `s` from `from`, or npos.
std::size_t find_comment(std::string_view s, std::size_t from) {
  for (std::size_t i = from; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"' || c == '\'') {
      // A quote starts a quoted scalar only at the start of a token.
      if (i == from || s[i - 1] == ' ' || s[i - 1] == '{' || s[i - 1] == '[' || s[i - 1] == ',' ||
          s[i - 1] == ':') {
        auto end = skip_quoted(s, i);
        if (end == std::string_view::npos) return std::string_view::npos;
        i = end - 1;
      }
      continue;
    }
    if (c == '#' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t')) return i;
  }
  return std::string_view::npos;
}

std::string unquote(std::string_view s) {
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) {
    std::string out;
    for (std::size_t i = 1; i + 1 < s.size(); ++i) {
      if (s.front() == '"' && s[i] == '\\' && i + 2 < s.size()) {
        out += s[++i];
      } else if (s.front() == '\'' && s[i] == '\'' && i + 2 < s.size() && s[i + 1] == '\'') {
        out += s[++i];
      } else {
        out += s[i];
      }
    }
    return out;
  }
  return std::string(s);
}

void analyse(Line& line) {
  std::string_view s = line.text;
  std::size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  line.indent = static_cast<int>(i);
  if (i == s.size() || s[i] == '#') return;
  line.content = true;
  if (s[i] == '-' && (i + 1 == s.size() || s[i + 1] == ' ')) return;  // a sequence item
  std::size_t key_begin = i, key_end;
  if (s[i] == '"' || s[i] == '\'') {
    key_end = skip_quoted(s, i);
    if (key_end == std::string_view::npos) return;
    if (key_end >= s.size() || s[key_end] != ':') return;
  } else {
    key_end = std::string_view::npos;
    for (std::size_t j = i; j < s.size(); ++j) {
      if (s[j] == ':' && (j + 1 == s.size() || s[j + 1] == ' ' || s[j + 1] == '\t')) {
        key_end = j;
        break;
      }
      if (s[j] == '#' && j > i && s[j - 1] == ' ') return;
      if (s[j] == '{' || s[j] == '[') return;
    }
    if (key_end == std::string_view::npos) return;
    while (key_end > key_begin && s[key_end - 1] == ' ') --key_end;
  }
  line.has_key = true;
  line.key_end = key_end;
  line.key = unquote(s.substr(key_begin, key_end - key_begin));
  std::size_t colon = s.find(':', key_end);
  line.comment = find_comment(s, colon + 1);
  auto value_end = line.comment == std::string_view::npos ? s.size() : line.comment;
  line.value = std::string(trim(s.substr(colon + 1, value_end - colon - 1)));
}

struct Document {
  std::vector<Line> lines;
  std::string eol = "\n";  // for new lines: the file's first terminator
  int unit = 2;            // indentation step for new levels
};

Document split_lines(std::string_view text) {
  Document doc;
  std::size_t pos = 0;
  bool eol_seen = false;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    Line line;
    if (nl == std::string_view::npos) {
      line.text = std::string(text.substr(pos));
      pos = text.size();
    } else {
      std::size_t end = nl;
      line.eol = "\n";
      if (end > pos && text[end - 1] == '\r') {
        --end;
        line.eol = "\r\n";
      }
      line.text = std::string(text.substr(pos, end - pos));
      pos = nl + 1;
      if (!eol_seen) doc.eol = line.eol, eol_seen = true;
    }
    analyse(line);
    doc.lines.push_back(std::move(line));
  }
  // The indentation step: the first indented content line under a top-level key.
  for (std::size_t i = 0; i + 1 < doc.lines.size(); ++i) {
    const auto& line = doc.lines[i];
    if (!line.has_key || line.indent != 0 || !line.value.empty()) continue;
    for (std::size_t j = i + 1; j < doc.lines.size(); ++j) {
      if (!doc.lines[j].content) continue;
      if (doc.lines[j].indent > 0) {
        doc.unit = doc.lines[j].indent;
        return doc;
      }
      break;
    }
  }
  return doc;
}

std::string join_lines(const Document& doc) {
  std::string out;
  for (const auto& line : doc.lines) out += line.text + line.eol;
  return out;
}

Line make_line(const Document& doc, std::string text) {
  Line line;
  line.text = std::move(text);
  line.eol = doc.eol;
  analyse(line);
  return line;
}

// Inserts `new_lines` before index `at`, making sure the line before them is
// terminated.
void insert_lines(Document& doc, std::size_t at, std::vector<Line> new_lines) {
  if (at > 0 && doc.lines[at - 1].eol.empty()) doc.lines[at - 1].eol = doc.eol;
  doc.lines.insert(doc.lines.begin() + static_cast<std::ptrdiff_t>(at),
                   std::make_move_iterator(new_lines.begin()),
                   std::make_move_iterator(new_lines.end()));
}

// The lines under the key line `at`: [at + 1, end) where `end` is just past
// the last content line indented deeper than it (trailing comments and blank
// lines belong to whatever follows).
std::size_t block_end(const Document& doc, std::size_t at) {
  int indent = doc.lines[at].indent;
  std::size_t end = at + 1;
  for (std::size_t j = at + 1; j < doc.lines.size(); ++j) {
    const auto& line = doc.lines[j];
    if (!line.content) continue;
    if (line.indent <= indent) break;
    end = j + 1;
  }
  return end;
}

// The indentation of the first content line in [begin, end), or -1.
int child_indent(const Document& doc, std::size_t begin, std::size_t end) {
  for (std::size_t j = begin; j < end; ++j)
    if (doc.lines[j].content) return doc.lines[j].indent;
  return -1;
}

std::optional<std::size_t> find_key(const Document& doc, std::size_t begin, std::size_t end,
                                    int indent, std::string_view key) {
  for (std::size_t j = begin; j < end; ++j) {
    const auto& line = doc.lines[j];
    if (line.content && line.has_key && line.indent == indent && line.key == key) return j;
  }
  return std::nullopt;
}

std::string where_of(const std::filesystem::path& file, std::size_t line) {
  return file.string() + ":" + std::to_string(line + 1);
}

// The mapping value of key line `at` must be a block (empty or indented
// lines) or `{}`, which is turned into an empty block here.
Result<void> require_block(Document& doc, std::size_t at, const std::filesystem::path& file,
                           std::string_view what) {
  auto& line = doc.lines[at];
  if (line.value.empty()) return {};
  if (line.value == "{}" || line.value == "{ }") {
    // Drop the `{}` and the space before it; keep the rest (a comment where it was).
    auto colon = line.text.find(':', line.key_end);
    auto pos = line.text.find(line.value, colon + 1);
    auto begin = pos > colon + 1 ? pos - 1 : pos;
    std::string text = line.text.substr(0, begin) + line.text.substr(pos + line.value.size());
    if (line.comment == std::string::npos)
      while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.pop_back();
    line.text = text;
    analyse(line);
    return {};
  }
  return fail_input(where_of(file, at) + ": cannot edit " + std::string(what) +
                        " written in flow style (`" + line.value + "`)",
                    "write it as a block (one `key: value` per indented line) and try again");
}

// Splits a one-line flow mapping `{ a: 1, b: { c: 2 } }` into its entries
// (`a: 1`, `b: { c: 2 }`); nullopt when it is not one.
std::optional<std::vector<std::string>> split_flow_map(std::string_view value) {
  if (value.size() < 2 || value.front() != '{' || value.back() != '}') return std::nullopt;
  std::string_view inner = value.substr(1, value.size() - 2);
  std::vector<std::string> items;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < inner.size(); ++i) {
    char c = inner[i];
    if (c == '"' || c == '\'') {
      auto end = skip_quoted(inner, i);
      if (end == std::string_view::npos) return std::nullopt;
      i = end - 1;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth < 0) return std::nullopt;
    } else if (c == ',' && depth == 0) {
      items.emplace_back(trim(inner.substr(start, i - start)));
      start = i + 1;
    }
  }
  if (depth != 0) return std::nullopt;
  auto last = trim(inner.substr(start));
  if (!last.empty()) items.emplace_back(last);
  for (const auto& item : items)
    if (item.empty()) return std::nullopt;
  return items;
}

std::string flow_item_key(std::string_view item) {
  if (!item.empty() && (item.front() == '"' || item.front() == '\'')) {
    auto end = skip_quoted(item, 0);
    return end == std::string_view::npos ? std::string(item) : unquote(item.substr(0, end));
  }
  auto colon = item.find(':');
  return std::string(trim(item.substr(0, colon)));
}

// Where the dependencies table of an environment is (or where it would go).
struct Table {
  std::optional<std::size_t> key_line;  // the `dependencies:` line
  // When missing: where to insert, at what indentation, and the key lines
  // that must be written first (`environments:`, `<env>:`).
  std::size_t insert_at = 0;
  int indent = 0;
  std::vector<std::string> missing_parents;
};

Result<Table> locate(Document& doc, const std::filesystem::path& file,
                     std::string_view environment) {
  Table table;
  std::size_t n = doc.lines.size();
  if (environment == "default") {
    table.key_line = find_key(doc, 0, n, 0, "dependencies");
    table.insert_at = n;
    return table;
  }
  auto envs = find_key(doc, 0, n, 0, "environments");
  if (!envs) {
    table.insert_at = n;
    table.indent = 2 * doc.unit;
    table.missing_parents = {"environments:",
                             std::string(doc.unit, ' ') + std::string(environment) + ":"};
    return table;
  }
  WHARF_TRY_VOID(require_block(doc, *envs, file, "`environments`"));
  auto envs_end = block_end(doc, *envs);
  int env_indent = child_indent(doc, *envs + 1, envs_end);
  if (env_indent < 0) env_indent = doc.unit;
  auto env = find_key(doc, *envs + 1, envs_end, env_indent, environment);
  if (!env) {
    table.insert_at = envs_end;
    table.indent = env_indent + doc.unit;
    table.missing_parents = {std::string(env_indent, ' ') + std::string(environment) + ":"};
    return table;
  }
  WHARF_TRY_VOID(require_block(doc, *env, file, "environment `" + std::string(environment) + "`"));
  auto env_end = block_end(doc, *env);
  int deps_indent = child_indent(doc, *env + 1, env_end);
  if (deps_indent < 0) deps_indent = env_indent + doc.unit;
  table.key_line = find_key(doc, *env + 1, env_end, deps_indent, "dependencies");
  if (!table.key_line) {
    table.insert_at = env_end;
    table.indent = deps_indent;
  }
  return table;
}

std::string table_name(std::string_view environment) {
  return environment == "default"
             ? std::string("the top-level `dependencies`")
             : "the `dependencies` of environment `" + std::string(environment) + "`";
}

// An entry of a block table: [begin, end) lines.
struct Entry {
  std::string key;
  std::size_t begin = 0, end = 0;
};

std::vector<Entry> block_entries(const Document& doc, std::size_t key_line, int* entry_indent_out) {
  std::vector<Entry> entries;
  auto end = block_end(doc, key_line);
  int indent = child_indent(doc, key_line + 1, end);
  *entry_indent_out = indent;
  for (std::size_t j = key_line + 1; j < end; ++j) {
    const auto& line = doc.lines[j];
    if (!line.content || line.indent != indent || !line.has_key) continue;
    Entry entry{line.key, j, block_end(doc, j)};
    entries.push_back(entry);
  }
  return entries;
}

// `name: value`, keeping the comment of `old` (at its column when it fits).
std::string entry_text(int indent, std::string_view key_text, std::string_view value,
                       const Line* old) {
  std::string text = std::string(static_cast<std::size_t>(indent), ' ') + std::string(key_text) +
                     ": " + std::string(value);
  if (old && old->comment != std::string::npos) {
    std::size_t column = old->comment;
    text += text.size() < column ? std::string(column - text.size(), ' ') : std::string(" ");
    text += old->text.substr(old->comment);
  }
  return text;
}

Result<Manifest> reparse(const std::string& text, const std::filesystem::path& file) {
  auto parsed = parse_manifest(text, file);
  if (!parsed)
    return fail_input(
        "editing " + file.string() + " would make it invalid: " + parsed.error().message,
        "wharf.yaml was not changed; edit it by hand");
  return parsed;
}

const std::vector<DependencySpec>* own_table(const Manifest& manifest,
                                             std::string_view environment) {
  if (environment == "default") return &manifest.dependencies;
  for (const auto& env : manifest.environments)
    if (env.name == environment) return &env.dependencies;
  return nullptr;
}

bool table_has(const Manifest& manifest, std::string_view environment, std::string_view name) {
  const auto* table = own_table(manifest, environment);
  if (!table) return false;
  return std::any_of(table->begin(), table->end(),
                     [&](const DependencySpec& dep) { return dep.name == name; });
}

}  // namespace

std::string yaml_scalar(std::string_view text) {
  static const std::vector<std::string_view> keywords = {"true", "false", "yes", "no", "on",
                                                         "off",  "null",  "y",   "n",  "~"};
  bool plain = !text.empty();
  if (plain) {
    char first = text.front();
    if (!std::isalpha(static_cast<unsigned char>(first)) && first != '_' && first != '/' &&
        first != '.')
      plain = false;
  }
  for (char c : text)
    if (!std::isalnum(static_cast<unsigned char>(c)) &&
        std::string_view("._/-+").find(c) == std::string_view::npos)
      plain = false;
  if (plain) {
    std::string lower;
    for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (std::find(keywords.begin(), keywords.end(), lower) != keywords.end() || lower == ".inf" ||
        lower == ".nan")
      plain = false;
  }
  return plain ? std::string(text) : yaml::double_quoted(text);
}

std::string render_dependency(const DependencyValue& value) {
  if (value.git.empty() && value.registry.empty()) return yaml_scalar(value.version);
  std::vector<std::string> fields;
  if (!value.git.empty()) {
    fields.push_back("git: " + yaml_scalar(value.git));
    if (!value.branch.empty()) fields.push_back("branch: " + yaml_scalar(value.branch));
    if (!value.tag.empty()) fields.push_back("tag: " + yaml_scalar(value.tag));
    if (!value.rev.empty()) fields.push_back("rev: " + yaml_scalar(value.rev));
    if (!value.version.empty()) fields.push_back("version: " + yaml_scalar(value.version));
  } else {
    fields.push_back("version: " + yaml_scalar(value.version.empty() ? "*" : value.version));
    fields.push_back("registry: " + yaml_scalar(value.registry));
  }
  return "{ " + join(fields, ", ") + " }";
}

Result<EditedManifest> set_dependency(std::string_view text, const std::filesystem::path& file,
                                      std::string_view environment, std::string_view name,
                                      const DependencyValue& value) {
  if (!is_valid_package_name(name))
    return fail_input("invalid package name `" + std::string(name) + "`",
                      "package names are lower-case letters, digits and `._-`");
  Document doc = split_lines(text);
  auto table = WHARF_TRY(locate(doc, file, environment));
  std::string rendered = render_dependency(value);
  EditedManifest result;

  if (!table.key_line) {
    std::vector<Line> lines;
    for (const auto& parent : table.missing_parents) lines.push_back(make_line(doc, parent));
    int deps_indent = table.indent;
    if (environment == "default") deps_indent = 0;
    lines.push_back(
        make_line(doc, std::string(static_cast<std::size_t>(deps_indent), ' ') + "dependencies:"));
    lines.push_back(make_line(doc, entry_text(deps_indent + doc.unit, name, rendered, nullptr)));
    insert_lines(doc, table.insert_at, std::move(lines));
  } else {
    std::size_t key_line = *table.key_line;
    auto& deps = doc.lines[key_line];
    if (!deps.value.empty() && deps.value != "{}" && deps.value != "{ }") {
      // A one-line flow table: edit it on its line.
      auto items = split_flow_map(deps.value);
      if (!items)
        return fail_input(where_of(file, key_line) + ": cannot edit " + table_name(environment) +
                              " (`" + deps.value + "`)",
                          "write it as a block (one `name: constraint` per indented line)");
      bool found = false;
      for (auto& item : *items) {
        if (flow_item_key(item) != name) continue;
        auto colon = item.find(':');
        result.replaced = true;
        result.old_value = std::string(trim(std::string_view(item).substr(colon + 1)));
        item = std::string(name) + ": " + rendered;
        found = true;
      }
      if (!found) items->push_back(std::string(name) + ": " + rendered);
      std::string head = deps.text.substr(0, deps.text.find(':', deps.key_end) + 1);
      std::string line = head + " { " + join(*items, ", ") + " }";
      if (deps.comment != std::string::npos) line += " " + deps.text.substr(deps.comment);
      deps.text = line;
      analyse(deps);
    } else {
      WHARF_TRY_VOID(require_block(doc, key_line, file, table_name(environment)));
      int entry_indent = 0;
      auto entries = block_entries(doc, key_line, &entry_indent);
      if (entry_indent < 0) entry_indent = doc.lines[key_line].indent + doc.unit;
      auto same = std::find_if(entries.begin(), entries.end(),
                               [&](const Entry& e) { return e.key == name; });
      if (same != entries.end()) {
        const Line& old = doc.lines[same->begin];
        result.replaced = true;
        auto colon = old.text.find(':', old.key_end);
        std::string key_text = old.text.substr(static_cast<std::size_t>(old.indent),
                                               old.key_end - static_cast<std::size_t>(old.indent));
        if (same->end == same->begin + 1) {
          result.old_value = old.value;
        } else {
          result.old_value = std::string(trim(std::string_view(old.text).substr(colon + 1)));
        }
        Line replacement = make_line(doc, entry_text(old.indent, key_text, rendered, &old));
        replacement.eol = doc.lines[same->end - 1].eol;
        doc.lines.erase(doc.lines.begin() + static_cast<std::ptrdiff_t>(same->begin),
                        doc.lines.begin() + static_cast<std::ptrdiff_t>(same->end));
        doc.lines.insert(doc.lines.begin() + static_cast<std::ptrdiff_t>(same->begin),
                         std::move(replacement));
      } else {
        std::size_t at = entries.empty() ? key_line + 1 : entries.back().end;
        bool sorted = std::is_sorted(entries.begin(), entries.end(),
                                     [](const Entry& a, const Entry& b) { return a.key < b.key; });
        if (sorted && !entries.empty()) {
          for (const auto& entry : entries) {
            if (entry.key > name) {
              // Before the entry and the comment lines right above it.
              at = entry.begin;
              while (at > key_line + 1 && !doc.lines[at - 1].content &&
                     !trim(doc.lines[at - 1].text).empty() &&
                     doc.lines[at - 1].indent == entry_indent)
                --at;
              break;
            }
          }
        }
        insert_lines(doc, at, {make_line(doc, entry_text(entry_indent, name, rendered, nullptr))});
      }
    }
  }

  result.text = join_lines(doc);
  auto parsed = WHARF_TRY(reparse(result.text, file));
  if (!table_has(parsed, environment, name))
    return fail_input("internal: editing " + file.string() + " did not add `" + std::string(name) +
                          "` to " + table_name(environment),
                      "wharf.yaml was not changed; add the line by hand");
  return result;
}

Result<EditedManifest> remove_dependency(std::string_view text, const std::filesystem::path& file,
                                         std::string_view environment, std::string_view name) {
  Document doc = split_lines(text);
  auto original = WHARF_TRY(parse_manifest(text, file));
  if (!table_has(original, environment, name)) {
    std::vector<std::string> names;
    if (const auto* table = own_table(original, environment))
      for (const auto& dep : *table) names.push_back(dep.name);
    std::string hint;
    if (environment != "default" && table_has(original, "default", name))
      hint = "`" + std::string(name) + "` is a top-level dependency; run `wharf remove " +
             std::string(name) + "` without -e";
    else if (auto close = closest_match(name, names))
      hint = "did you mean `" + *close + "`?";
    else if (!names.empty())
      hint = "it has: " + join(names, ", ");
    else if (environment == "default" && !original.environments.empty())
      hint = "to remove it from an environment, pass -e ENV";
    return fail_input(
        "`" + std::string(name) + "` is not in " + table_name(environment) + " of " + file.string(),
        hint);
  }
  auto table = WHARF_TRY(locate(doc, file, environment));
  if (!table.key_line)
    return fail_input("internal: cannot find " + table_name(environment) + " in " + file.string(),
                      "remove the line by hand");
  std::size_t key_line = *table.key_line;
  auto& deps = doc.lines[key_line];
  EditedManifest result;
  result.replaced = true;
  if (!deps.value.empty()) {
    auto items = split_flow_map(deps.value);
    if (!items)
      return fail_input(where_of(file, key_line) + ": cannot edit " + table_name(environment) +
                            " (`" + deps.value + "`)",
                        "write it as a block (one `name: constraint` per indented line)");
    std::vector<std::string> kept;
    for (auto& item : *items) {
      if (flow_item_key(item) == name) {
        result.old_value = std::string(trim(std::string_view(item).substr(item.find(':') + 1)));
      } else {
        kept.push_back(item);
      }
    }
    std::string head = deps.text.substr(0, deps.text.find(':', deps.key_end) + 1);
    std::string line = head + (kept.empty() ? " {}" : " { " + join(kept, ", ") + " }");
    if (deps.comment != std::string::npos) line += " " + deps.text.substr(deps.comment);
    deps.text = line;
    analyse(deps);
  } else {
    int entry_indent = 0;
    auto entries = block_entries(doc, key_line, &entry_indent);
    auto same =
        std::find_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.key == name; });
    if (same == entries.end())
      return fail_input("internal: cannot find `" + std::string(name) + "` in " +
                            table_name(environment) + " of " + file.string(),
                        "remove the line by hand");
    const Line& old = doc.lines[same->begin];
    result.old_value =
        same->end == same->begin + 1
            ? old.value
            : std::string(
                  trim(std::string_view(old.text).substr(old.text.find(':', old.key_end) + 1)));
    // The last line of a file may lack a terminator: keep it that way.
    bool last_unterminated = same->end == doc.lines.size() && doc.lines.back().eol.empty();
    doc.lines.erase(doc.lines.begin() + static_cast<std::ptrdiff_t>(same->begin),
                    doc.lines.begin() + static_cast<std::ptrdiff_t>(same->end));
    if (last_unterminated && !doc.lines.empty() && same->begin == doc.lines.size())
      doc.lines.back().eol.clear();
  }
  result.text = join_lines(doc);
  auto parsed = WHARF_TRY(reparse(result.text, file));
  if (table_has(parsed, environment, name))
    return fail_input(
        "internal: editing " + file.string() + " did not remove `" + std::string(name) + "`",
        "wharf.yaml was not changed; remove the line by hand");
  return result;
}

}  // namespace wharf::manifest
