// Private helpers over yaml-cpp shared by the manifest and lockfile parsers:
// 1-based locations, "found a list" type names, strict key checking with
// "did you mean" hints, and one Input error per problem.
//
// yaml-cpp's marks are 0-based; everything here reports 1-based positions.
// Nodes are only read through const references, so lookups never insert.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "wharf/manifest/manifest.hpp"
#include "wharf/util/error.hpp"
#include "wharf/util/strings.hpp"

namespace wharf::manifest::yaml {

// The file being parsed: its label for messages and the hint given with
// errors that have no more specific one.
struct Source {
  std::string file;
  std::string fallback_hint;
};

// The 1-based location of `node`, or `fallback` when yaml-cpp has no mark
// for it (empty values).
Location location_of(const Source& source, const YAML::Node& node, const Location& fallback = {});

std::unexpected<Error> error_at(const Source& source, const Location& where, std::string message,
                                std::string hint = {});

// "a map", "a list", "a string", "nothing".
const char* type_name(const YAML::Node& node);

// Parses YAML text; syntax errors become located Input errors.
Result<YAML::Node> load(const Source& source, std::string_view text);

// `what` must be a map (null counts as an empty map when allowed).
Result<void> expect_map(const Source& source, const YAML::Node& node, std::string_view what,
                        const Location& where, std::string_view example = {});
Result<void> expect_list(const Source& source, const YAML::Node& node, std::string_view what,
                         const Location& where, std::string_view example = {});
// A scalar; `what` names it in the message ("`name`").
Result<const std::string*> expect_string(const Source& source, const YAML::Node& node,
                                         std::string_view what, const Location& where);
// A non-empty scalar.
Result<const std::string*> expect_nonempty(const Source& source, const YAML::Node& node,
                                           std::string_view what, const Location& where);
Result<std::uint64_t> expect_unsigned(const Source& source, const YAML::Node& node,
                                      std::string_view what, const Location& where);
Result<bool> expect_bool(const Source& source, const YAML::Node& node, std::string_view what,
                         const Location& where);

// Checks a map's key `key_node`: a scalar, not seen before in `seen`, and
// (when `allowed` is non-empty) one of `allowed`. `what` names the map for
// messages ("the manifest", "dependency `hello`").
Result<const std::string*> check_key(const Source& source, const YAML::Node& key_node,
                                     std::vector<std::string_view>& seen,
                                     std::initializer_list<std::string_view> allowed,
                                     std::string_view what);

// Calls f(key, key_location, value) for every entry of a map (null = no
// entries), after check_key(). f returns Result<void>.
template <class F>
Result<void> for_each_entry(const Source& source, const YAML::Node& map,
                            std::initializer_list<std::string_view> allowed, std::string_view what,
                            F&& f) {
  if (!map || map.IsNull()) return {};
  std::vector<std::string_view> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const auto entry = *it;  // `it->` yields a temporary proxy
    const YAML::Node& key = entry.first;
    const YAML::Node& value = entry.second;
    auto name = WHARF_TRY(check_key(source, key, seen, allowed, what));
    Location where = location_of(source, key);
    WHARF_TRY_VOID(f(*name, where, value));
  }
  return {};
}

// The backtick-quoted text, shortened for messages.
std::string ticked(std::string_view text);

// A `name: constraint` map, in file order; names must be valid package names
// and appear once. `what` names the map ("`dependencies`").
Result<std::vector<std::pair<std::string, version::Constraint>>> constraint_pairs(
    const Source& source, const YAML::Node& node, const Location& where, std::string_view what);

// Writing YAML by hand keeps bytes deterministic and readable. scalar()
// returns `text` plain when every YAML reader reads it back as that string,
// else double-quoted with escapes; double_quoted() always quotes.
std::string scalar(std::string_view text);
std::string double_quoted(std::string_view text);
// The same, appended to `out` (no temporary string per field).
void append_scalar(std::string& out, std::string_view text);
void append_double_quoted(std::string& out, std::string_view text);
// Whether scalar() leaves `text` plain.
bool is_plain_scalar(std::string_view text);
// The inverse of scalar() for the texts the line-based fast readers accept:
// a plain scalar, or a double-quoted one without escapes or control
// characters; nullopt for anything else (the caller falls back to yaml-cpp).
std::optional<std::string_view> canonical_scalar(std::string_view text);
// canonical_scalar() of what follows `prefix` in `line` (nullopt without it).
std::optional<std::string_view> canonical_field(std::string_view line, std::string_view prefix);

// Line by line over text, for the fast readers of canonical layouts.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : m_rest(text) {}
  bool at_end() const { return m_rest.empty(); }
  std::string_view rest() const { return m_rest; }  // from the current line on
  std::string_view peek() const { return m_rest.substr(0, m_rest.find('\n')); }
  void skip() {
    auto end = m_rest.find('\n');
    m_rest = end == std::string_view::npos ? std::string_view() : m_rest.substr(end + 1);
  }

 private:
  std::string_view m_rest;
};

// The decimal number after `prefix` in `line`, all of the rest of it.
std::optional<std::uint64_t> canonical_unsigned(std::string_view line, std::string_view prefix);

// An artifact's three lines as both the lockfile and the index writers emit
// them, eight spaces in: `url:`, `sha256:` (64 lower-case hex) and `size:`.
// Consumes them; nullopt when they are not exactly that.
struct CanonicalArtifact {
  std::string_view url, sha256;
  std::uint64_t size = 0;
};
std::optional<CanonicalArtifact> canonical_artifact(LineReader& lines);

}  // namespace wharf::manifest::yaml
