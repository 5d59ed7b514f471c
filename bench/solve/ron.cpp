#include "ron.hpp"

#include <fmt/format.h>

#include <cctype>

namespace wharf::bench::ron {
namespace {

class Parser {
 public:
  Parser(std::string_view text, const std::string& label) : m_text(text), m_label(label) {}

  Result<Value> document() {
    Value value = WHARF_TRY(parse_value(0));
    WHARF_TRY_VOID(skip_space());
    if (m_pos != m_text.size()) return error("unexpected text after the value");
    return value;
  }

 private:
  // The files nest four or five levels; anything far deeper is not one of them.
  static constexpr int kMaxDepth = 64;

  std::unexpected<Error> error(const std::string& what) const {
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < m_pos && i < m_text.size(); ++i) {
      if (m_text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return fail_input(fmt::format("{}:{}:{}: {}", m_label, line, column, what),
                      "the benchmark reads pubgrub-rs universes: maps, lists, tuples, "
                      "integers and enum variants such as Some(x) and None");
  }

  Result<void> skip_space() {
    while (m_pos < m_text.size()) {
      char c = m_text[m_pos];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++m_pos;
      } else if (m_text.substr(m_pos, 2) == "//") {
        while (m_pos < m_text.size() && m_text[m_pos] != '\n') ++m_pos;
      } else if (m_text.substr(m_pos, 2) == "/*") {
        std::size_t end = m_text.find("*/", m_pos + 2);
        if (end == std::string_view::npos) return error("unterminated comment");
        m_pos = end + 2;
      } else {
        break;
      }
    }
    return {};
  }

  bool at(char c) const { return m_pos < m_text.size() && m_text[m_pos] == c; }

  Result<Value> parse_value(int depth) {
    if (depth > kMaxDepth) return error("values nest too deeply");
    WHARF_TRY_VOID(skip_space());
    if (m_pos >= m_text.size()) return error("expected a value, found the end of the text");
    char c = m_text[m_pos];
    if (c == '{') return parse_map(depth);
    if (c == '[') return parse_sequence(depth, ']', Value::Kind::List);
    if (c == '(') return parse_sequence(depth, ')', Value::Kind::Tuple);
    if (std::isdigit(static_cast<unsigned char>(c))) return parse_integer();
    if (std::isalpha(static_cast<unsigned char>(c))) return parse_variant(depth);
    return error(fmt::format("unexpected character `{}`", c));
  }

  Result<Value> parse_integer() {
    Value value{.kind = Value::Kind::Integer};
    std::size_t start = m_pos;
    while (m_pos < m_text.size() && std::isdigit(static_cast<unsigned char>(m_text[m_pos]))) {
      std::uint64_t digit = static_cast<std::uint64_t>(m_text[m_pos] - '0');
      if (value.integer > (UINT64_MAX - digit) / 10) {
        m_pos = start;
        return error("integer too large");
      }
      value.integer = value.integer * 10 + digit;
      ++m_pos;
    }
    return value;
  }

  Result<Value> parse_variant(int depth) {
    std::size_t start = m_pos;
    while (m_pos < m_text.size() &&
           (std::isalnum(static_cast<unsigned char>(m_text[m_pos])) || m_text[m_pos] == '_'))
      ++m_pos;
    Value value{.kind = Value::Kind::Variant};
    value.name = std::string(m_text.substr(start, m_pos - start));
    WHARF_TRY_VOID(skip_space());
    if (!at('(')) return value;
    Value payload = WHARF_TRY(parse_sequence(depth, ')', Value::Kind::Tuple));
    value.items = std::move(payload.items);
    return value;
  }

  Result<Value> parse_sequence(int depth, char close, Value::Kind kind) {
    ++m_pos;
    Value value{.kind = kind};
    while (true) {
      WHARF_TRY_VOID(skip_space());
      if (at(close)) {
        ++m_pos;
        return value;
      }
      value.items.push_back(WHARF_TRY(parse_value(depth + 1)));
      WHARF_TRY_VOID(skip_space());
      if (at(',')) {
        ++m_pos;
      } else if (!at(close)) {
        return error(fmt::format("expected `,` or `{}`", close));
      }
    }
  }

  Result<Value> parse_map(int depth) {
    ++m_pos;
    Value value{.kind = Value::Kind::Map};
    while (true) {
      WHARF_TRY_VOID(skip_space());
      if (at('}')) {
        ++m_pos;
        return value;
      }
      Value key = WHARF_TRY(parse_value(depth + 1));
      WHARF_TRY_VOID(skip_space());
      if (!at(':')) return error("expected `:` after a map key");
      ++m_pos;
      Value item = WHARF_TRY(parse_value(depth + 1));
      value.entries.emplace_back(std::move(key), std::move(item));
      WHARF_TRY_VOID(skip_space());
      if (at(',')) {
        ++m_pos;
      } else if (!at('}')) {
        return error("expected `,` or `}`");
      }
    }
  }

  std::string_view m_text;
  const std::string& m_label;
  std::size_t m_pos = 0;
};

std::unexpected<Error> shape_error(const std::string& label, const std::string& what) {
  return fail_input(fmt::format("{}: {}", label, what),
                    "expected { package: { version: { dependency: [ (low, Some(high)), "
                    "(low, None), (Included(low), Excluded(high)), ... ] } } } with integer "
                    "packages and versions");
}

Result<std::uint64_t> integer_key(const Value& key, const std::string& label, const char* what) {
  if (key.kind != Value::Kind::Integer)
    return shape_error(label, fmt::format("a {} must be an integer", what));
  return key.integer;
}

bool is_variant(const Value& v, std::string_view name, std::size_t payload) {
  return v.kind == Value::Kind::Variant && v.name == name && v.items.size() == payload &&
         (payload == 0 || v.items[0].kind == Value::Kind::Integer);
}

// (low, Some(high)), (low, None), or (Included|Excluded(low) | Unbounded,
// Included|Excluded(high) | Unbounded); nullopt for anything else.
std::optional<Interval> to_interval(const Value& range) {
  if (range.kind != Value::Kind::Tuple || range.items.size() != 2) return std::nullopt;
  const Value& low = range.items[0];
  const Value& high = range.items[1];
  Interval out;
  if (low.kind == Value::Kind::Integer)
    out.low = low.integer;
  else if (is_variant(low, "Included", 1))
    out.low = low.items[0].integer;
  else if (is_variant(low, "Excluded", 1))
    out.low = low.items[0].integer + 1;
  else if (!is_variant(low, "Unbounded", 0))
    return std::nullopt;
  if (is_variant(high, "Some", 1) || is_variant(high, "Excluded", 1))
    out.high = high.items[0].integer;
  else if (is_variant(high, "Included", 1))
    out.high = high.items[0].integer + 1;
  else if (!is_variant(high, "None", 0) && !is_variant(high, "Unbounded", 0))
    return std::nullopt;
  return out;
}

}  // namespace

Result<Value> parse(std::string_view text, const std::string& label) {
  Parser parser(text, label);
  return parser.document();
}

Result<IntegerUniverse> to_universe(const Value& value, const std::string& label) {
  if (value.kind != Value::Kind::Map) return shape_error(label, "the top level must be a map");
  IntegerUniverse universe;
  for (const auto& [pkg_key, versions] : value.entries) {
    std::uint64_t pkg = WHARF_TRY(integer_key(pkg_key, label, "package"));
    if (versions.kind != Value::Kind::Map)
      return shape_error(label, fmt::format("package {}: its versions must be a map", pkg));
    auto& by_version = universe[pkg];
    for (const auto& [ver_key, deps] : versions.entries) {
      std::uint64_t ver = WHARF_TRY(integer_key(ver_key, label, "version"));
      if (deps.kind != Value::Kind::Map)
        return shape_error(
            label, fmt::format("package {} version {}: dependencies must be a map", pkg, ver));
      if (by_version.contains(ver))
        return shape_error(label, fmt::format("package {} lists version {} twice", pkg, ver));
      auto& by_dep = by_version[ver];
      for (const auto& [dep_key, ranges] : deps.entries) {
        std::uint64_t dep = WHARF_TRY(integer_key(dep_key, label, "dependency"));
        if (ranges.kind != Value::Kind::List)
          return shape_error(label,
                             fmt::format("{}@{} -> {}: the ranges must be a list", pkg, ver, dep));
        std::vector<Interval>& intervals = by_dep[dep];
        for (const Value& range : ranges.items) {
          auto interval = to_interval(range);
          if (!interval)
            return shape_error(label, fmt::format("{}@{} -> {}: a range must be (low, Some(high)), "
                                                  "(low, None) or a pair of bounds",
                                                  pkg, ver, dep));
          if (!interval->high || *interval->high > interval->low) intervals.push_back(*interval);
        }
      }
    }
  }
  return universe;
}

Result<IntegerUniverse> parse_universe(std::string_view text, const std::string& label) {
  Value value = WHARF_TRY(parse(text, label));
  return to_universe(value, label);
}

}  // namespace wharf::bench::ron
