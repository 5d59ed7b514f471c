#include "yaml_support.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "wharf/util/hash.hpp"

namespace wharf::manifest::yaml {

Location location_of(const Source& source, const YAML::Node& node, const Location& fallback) {
  if (!node) return fallback;
  // An empty value's mark points past it (often the next line): use the key's.
  if (node.IsNull() && fallback.line > 0) return fallback;
  YAML::Mark mark = node.Mark();
  if (mark.is_null() || mark.line < 0) return fallback.line > 0 ? fallback : Location{source.file};
  return Location{source.file, mark.line + 1, mark.column + 1};
}

std::unexpected<Error> error_at(const Source& source, const Location& where, std::string message,
                                std::string hint) {
  if (hint.empty()) hint = source.fallback_hint;
  Location located = where;
  if (located.file.empty()) located.file = source.file;
  return fail_input(located.to_string() + ": " + message, std::move(hint));
}

const char* type_name(const YAML::Node& node) {
  if (!node) return "nothing";
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "a string";
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

Result<YAML::Node> load(const Source& source, std::string_view text) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    Location where{source.file};
    if (!e.mark.is_null() && e.mark.line >= 0) {
      where.line = e.mark.line + 1;
      where.column = e.mark.column + 1;
    }
    return error_at(source, where, "invalid YAML: " + e.msg,
                    source.fallback_hint.empty() ? "fix the YAML syntax at that position"
                                                 : source.fallback_hint);
  }
}

Result<void> expect_map(const Source& source, const YAML::Node& node, std::string_view what,
                        const Location& where, std::string_view example) {
  if (!node || node.IsNull() || node.IsMap()) return {};
  std::string hint = example.empty() ? std::string() : "write it as " + std::string(example);
  return error_at(source, location_of(source, node, where),
                  std::string(what) + " must be a map, found " + type_name(node), hint);
}

Result<void> expect_list(const Source& source, const YAML::Node& node, std::string_view what,
                         const Location& where, std::string_view example) {
  if (!node || node.IsNull() || node.IsSequence()) return {};
  std::string hint = example.empty() ? std::string() : "write it as " + std::string(example);
  return error_at(source, location_of(source, node, where),
                  std::string(what) + " must be a list, found " + type_name(node), hint);
}

Result<const std::string*> expect_string(const Source& source, const YAML::Node& node,
                                         std::string_view what, const Location& where) {
  if (node && node.IsScalar()) return &node.Scalar();
  return error_at(source, location_of(source, node, where),
                  std::string(what) + " must be a string, found " + type_name(node));
}

Result<const std::string*> expect_nonempty(const Source& source, const YAML::Node& node,
                                           std::string_view what, const Location& where) {
  auto text = WHARF_TRY(expect_string(source, node, what, where));
  if (trim(*text).empty())
    return error_at(source, location_of(source, node, where),
                    std::string(what) + " must not be empty");
  return text;
}

Result<std::uint64_t> expect_unsigned(const Source& source, const YAML::Node& node,
                                      std::string_view what, const Location& where) {
  auto text = WHARF_TRY(expect_string(source, node, what, where));
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (text->empty() || ec != std::errc() || end != text->data() + text->size())
    return error_at(source, location_of(source, node, where),
                    std::string(what) + " must be a non-negative integer, found " + ticked(*text));
  return value;
}

Result<bool> expect_bool(const Source& source, const YAML::Node& node, std::string_view what,
                         const Location& where) {
  auto text = WHARF_TRY(expect_string(source, node, what, where));
  if (*text == "true") return true;
  if (*text == "false") return false;
  return error_at(source, location_of(source, node, where),
                  std::string(what) + " must be `true` or `false`, found " + ticked(*text));
}

Result<const std::string*> check_key(const Source& source, const YAML::Node& key_node,
                                     std::vector<std::string_view>& seen,
                                     std::initializer_list<std::string_view> allowed,
                                     std::string_view what) {
  Location where = location_of(source, key_node);
  if (!key_node.IsScalar())
    return error_at(
        source, where,
        "the keys of " + std::string(what) + " must be strings, found " + type_name(key_node));
  const std::string& key = key_node.Scalar();
  if (std::find(seen.begin(), seen.end(), key) != seen.end())
    return error_at(source, where, "duplicate key " + ticked(key) + " in " + std::string(what),
                    "remove one of the two entries");
  seen.push_back(key);
  if (allowed.size() == 0) return &key;
  if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) return &key;
  std::vector<std::string> candidates(allowed.begin(), allowed.end());
  std::string hint;
  if (auto close = closest_match(key, candidates))
    hint = "did you mean `" + *close + "`?";
  else
    hint = "known keys of " + std::string(what) + ": " + join(candidates, ", ");
  return error_at(source, where, "unknown key " + ticked(key) + " in " + std::string(what), hint);
}

std::string ticked(std::string_view text) {
  constexpr std::size_t kMax = 80;
  if (text.size() > kMax) return "`" + std::string(text.substr(0, kMax)) + "...`";
  return "`" + std::string(text) + "`";
}

}  // namespace wharf::manifest::yaml

namespace wharf::manifest::yaml {

Result<std::vector<std::pair<std::string, version::Constraint>>> constraint_pairs(
    const Source& source, const YAML::Node& node, const Location& where, std::string_view what) {
  WHARF_TRY_VOID(
      expect_map(source, node, what, where, "indented `name: constraint` lines under it"));
  std::vector<std::pair<std::string, version::Constraint>> out;
  if (node && node.IsMap()) out.reserve(node.size());
  WHARF_TRY_VOID(for_each_entry(
      source, node, {}, what,
      [&](const std::string& key, const Location& key_where,
          const YAML::Node& value) -> Result<void> {
        if (!is_valid_package_name(key))
          return error_at(source, key_where, "invalid package name " + ticked(key),
                          "package names use lower-case letters, digits, `.`, `_` and `-`, "
                          "starting with a letter or digit");
        auto text = WHARF_TRY(expect_string(source, value, "`" + key + "`", key_where));
        auto constraint = version::Constraint::parse(*text);
        if (!constraint)
          return error_at(source, location_of(source, value, key_where),
                          std::string(what) + ", `" + key + "`: " + constraint.error().message,
                          "write a constraint like `^1.2`, `>=1.0, <2` or `*`");
        out.emplace_back(key, *std::move(constraint));
        return {};
      }));
  return out;
}

namespace {

bool is_reserved_word(std::string_view text) {
  static constexpr std::string_view kWords[] = {"true", "false", "yes",  "no", "on",   "off",
                                                "y",    "n",     "null", "~",  ".nan", ".inf"};
  if (text.size() > 5) return false;  // the longest word; URLs and hashes are longer
  auto lower = [](char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); };
  for (auto word : kWords)
    if (word.size() == text.size() && std::equal(word.begin(), word.end(), text.begin(),
                                                 [&](char w, char t) { return w == lower(t); }))
      return true;
  return false;
}

bool is_plain_char(char c) {
  static constexpr auto kPlain = [] {
    std::array<bool, 256> table{};
    for (char c = 'a'; c <= 'z'; ++c) table[static_cast<unsigned char>(c)] = true;
    for (char c = 'A'; c <= 'Z'; ++c) table[static_cast<unsigned char>(c)] = true;
    for (char c = '0'; c <= '9'; ++c) table[static_cast<unsigned char>(c)] = true;
    for (char c : std::string_view("_./-+@=%~^")) table[static_cast<unsigned char>(c)] = true;
    return table;
  }();
  return kPlain[static_cast<unsigned char>(c)];
}

}  // namespace

bool is_plain_scalar(std::string_view text) {
  if (text.empty() || is_reserved_word(text)) return false;
  char head = text.front();
  // Digits and signs could read as numbers, `~`/`%`/`@`/`^` are indicators.
  if (!((head >= 'a' && head <= 'z') || (head >= 'A' && head <= 'Z') || head == '_' ||
        head == '/' || (head == '.' && text.size() > 1 && (text[1] == '.' || text[1] == '/'))))
    return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ':') {
      // `scheme:rest` is fine; `: ` or a trailing `:` starts a mapping.
      if (i + 1 == text.size() || text[i + 1] == ' ') return false;
    } else if (!is_plain_char(c)) {
      return false;
    }
  }
  return true;
}

std::string scalar(std::string_view text) {
  std::string out;
  append_scalar(out, text);
  return out;
}

void append_scalar(std::string& out, std::string_view text) {
  if (is_plain_scalar(text))
    out += text;
  else
    append_double_quoted(out, text);
}

std::optional<std::string_view> canonical_scalar(std::string_view text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    auto inner = text.substr(1, text.size() - 2);
    for (char c : inner)
      if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return std::nullopt;
    return inner;
  }
  if (!is_plain_scalar(text)) return std::nullopt;
  return text;
}

std::optional<std::uint64_t> canonical_unsigned(std::string_view line, std::string_view prefix) {
  if (!line.starts_with(prefix)) return std::nullopt;
  line.remove_prefix(prefix.size());
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), value);
  if (line.empty() || ec != std::errc() || end != line.data() + line.size()) return std::nullopt;
  return value;
}

std::optional<CanonicalArtifact> canonical_artifact(LineReader& lines) {
  CanonicalArtifact out;
  auto url = canonical_field(lines.peek(), "        url: ");
  if (!url) return std::nullopt;
  out.url = *url;
  lines.skip();
  auto sha = canonical_field(lines.peek(), "        sha256: ");
  if (!sha || !is_sha256_hex(*sha)) return std::nullopt;
  out.sha256 = *sha;
  lines.skip();
  auto size = canonical_unsigned(lines.peek(), "        size: ");
  if (!size) return std::nullopt;
  out.size = *size;
  lines.skip();
  return out;
}

std::optional<std::string_view> canonical_field(std::string_view line, std::string_view prefix) {
  if (!line.starts_with(prefix)) return std::nullopt;
  return canonical_scalar(line.substr(prefix.size()));
}

std::string double_quoted(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  append_double_quoted(out, text);
  return out;
}

void append_double_quoted(std::string& out, std::string_view text) {
  out += '"';
  if (std::none_of(text.begin(), text.end(), [](char c) {
        return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
      })) {
    out += text;
    out += '"';
    return;
  }
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\x";
          out += kHex[(c >> 4) & 0xf];
          out += kHex[c & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

}  // namespace wharf::manifest::yaml
