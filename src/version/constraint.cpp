#include "wharf/version/constraint.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "version_internal.hpp"
#include "wharf/util/strings.hpp"

namespace wharf::version {
namespace {

// Releases equal with missing components as 0 (1.2 == 1.2.0).
bool same_release(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t x = i < a.size() ? a[i] : 0;
    std::uint64_t y = i < b.size() ? b[i] : 0;
    if (x != y) return false;
  }
  return true;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

enum class Op { None, Eq, NotEq, Greater, GreaterEq, Less, LessEq, Caret, Tilde };

class Parser {
 public:
  explicit Parser(std::string_view text) : m_text(text) {}

  Result<VersionSet> parse() {
    skip_space();
    VersionSet set = WHARF_TRY(parse_all(""));
    while (true) {
      skip_space();
      if (m_pos >= m_text.size()) return set;
      if (m_text.substr(m_pos, 2) == "||") {
        m_pos += 2;
        set = set.unite(WHARF_TRY(parse_all("||")));
        continue;
      }
      if (m_text[m_pos] == '|') return error(m_pos, "expected `||`, found a single `|`");
      return error(m_pos, fmt::format("expected `,` or `||` after a requirement, found `{}`",
                                      m_text[m_pos]));
    }
  }

  std::vector<Version> take_prerelease_releases() { return std::move(m_prerelease_releases); }

 private:
  std::unexpected<Error> error(std::size_t offset, std::string what) const {
    return fail_input(
        fmt::format("invalid constraint `{}`: {} at position {}", m_text, what, offset + 1),
        "a constraint looks like `^1.2`, `>=1.2, <2`, `1.2.*` or `1.0 || 2.0`");
  }

  void skip_space() {
    while (m_pos < m_text.size() && is_space(m_text[m_pos])) ++m_pos;
  }

  // Terms joined by `,`; `after` names the token before the first term.
  Result<VersionSet> parse_all(std::string_view after) {
    VersionSet set = WHARF_TRY(parse_term(after));
    while (true) {
      skip_space();
      if (m_pos >= m_text.size() || m_text[m_pos] != ',') return set;
      ++m_pos;
      set = set.intersect(WHARF_TRY(parse_term(",")));
    }
  }

  Result<VersionSet> parse_term(std::string_view after) {
    skip_space();
    if (m_pos >= m_text.size() || m_text[m_pos] == ',' || m_text[m_pos] == '|') {
      std::string found = m_pos >= m_text.size() ? "the end" : fmt::format("`{}`", m_text[m_pos]);
      if (after.empty()) {
        return error(m_pos, fmt::format("expected a requirement such as `>=1.2`, found {}", found));
      }
      return error(m_pos, fmt::format("expected a requirement after `{}`, found {}", after, found));
    }
    std::size_t op_start = m_pos;
    Op op = read_op();
    std::string_view op_text = m_text.substr(op_start, m_pos - op_start);
    skip_space();
    std::size_t start = m_pos;
    while (m_pos < m_text.size() && !is_space(m_text[m_pos]) && m_text[m_pos] != ',' &&
           m_text[m_pos] != '|') {
      ++m_pos;
    }
    std::string_view token = m_text.substr(start, m_pos - start);
    if (token.empty()) return error(start, fmt::format("expected a version after `{}`", op_text));
    if (token.find('*') != std::string_view::npos) return wildcard(op, op_text, token, start);

    auto parsed = VersionAccess::parse(token);
    if (!parsed) return error(start + parsed.error().offset, parsed.error().what);
    const Version& v = *parsed;
    if (v.is_prerelease()) m_prerelease_releases.push_back(v.without_prerelease());
    switch (op) {
      case Op::None:
      case Op::Eq:
        return VersionSet::exactly(v);
      case Op::NotEq:
        return VersionSet::exactly(v).complement();
      case Op::Greater:
        return VersionSet::greater_than(v);
      case Op::GreaterEq:
        return VersionSet::at_least(v);
      case Op::Less:
        return VersionSet::less_than(v);
      case Op::LessEq:
        return VersionSet::at_most(v);
      case Op::Caret:
      case Op::Tilde: {
        const auto& release = v.release();
        std::size_t bump = 0;
        if (op == Op::Tilde) {
          bump = release.size() == 1 ? 0 : 1;
        } else {
          // Cargo: the first non-zero component, or the last written one when all are zero.
          bump = release.size() - 1;
          for (std::size_t i = 0; i < release.size(); ++i) {
            if (release[i] != 0) {
              bump = i;
              break;
            }
          }
        }
        auto upper = WHARF_TRY(bumped(release, bump, start));
        return VersionSet::between(v, upper);
      }
    }
    return VersionSet::none();
  }

  Op read_op() {
    std::string_view rest = m_text.substr(m_pos);
    struct Spelling {
      std::string_view text;
      Op op;
    };
    static constexpr Spelling spellings[] = {
        {">=", Op::GreaterEq}, {"<=", Op::LessEq}, {"==", Op::Eq},
        {"!=", Op::NotEq},     {">", Op::Greater}, {"<", Op::Less},
        {"=", Op::Eq},         {"^", Op::Caret},   {"~", Op::Tilde},
    };
    for (const auto& s : spellings) {
      if (rest.starts_with(s.text)) {
        m_pos += s.text.size();
        return s.op;
      }
    }
    return Op::None;
  }

  // `release` with component `index` incremented and the later ones zeroed,
  // keeping the number of components (^1.2.3 -> 2.0.0).
  Result<Version> bumped(std::vector<std::uint64_t> release, std::size_t index,
                         std::size_t token_start) const {
    if (release[index] == std::numeric_limits<std::uint64_t>::max()) {
      return error(token_start, fmt::format("component {} is too large to compute an upper bound",
                                            release[index]));
    }
    ++release[index];
    std::fill(release.begin() + static_cast<std::ptrdiff_t>(index) + 1, release.end(), 0);
    return Version::from_release(std::move(release));
  }

  Result<VersionSet> wildcard(Op op, std::string_view op_text, std::string_view token,
                              std::size_t start) {
    std::size_t star = token.find('*');
    if (token == "*") {
      if (op != Op::None) return error(start, fmt::format("`*` cannot follow `{}`", op_text));
      return VersionSet::any();
    }
    if (star != token.size() - 1 || star < 2 || token[star - 1] != '.') {
      return error(start + star, "`*` may only stand for a whole last component, as in `1.2.*`");
    }
    std::string_view prefix = token.substr(0, star - 1);
    auto parsed = VersionAccess::parse(prefix);
    if (!parsed) return error(start + parsed.error().offset, parsed.error().what);
    if (parsed->is_prerelease() || !parsed->build().empty()) {
      return error(start, "a wildcard cannot carry a pre-release or build metadata");
    }
    if (op != Op::None && op != Op::Eq && op != Op::NotEq) {
      return error(op_start_of(start), fmt::format("`{}` cannot be used with a wildcard", op_text));
    }
    std::vector<std::uint64_t> low = parsed->release();
    auto high = WHARF_TRY(bumped(low, low.size() - 1, start));
    low.push_back(0);
    std::vector<std::uint64_t> high_release = high.release();
    high_release.push_back(0);
    VersionSet set = VersionSet::between(Version::from_release(std::move(low)),
                                         Version::from_release(std::move(high_release)));
    return op == Op::NotEq ? set.complement() : set;
  }

  // Offset of the operator before the token at `token_start`.
  std::size_t op_start_of(std::size_t token_start) const {
    std::size_t p = token_start;
    while (p > 0 && is_space(m_text[p - 1])) --p;
    while (p > 0 && std::string_view("<>=!^~").find(m_text[p - 1]) != std::string_view::npos) --p;
    return p;
  }

  std::string_view m_text;
  std::size_t m_pos = 0;
  std::vector<Version> m_prerelease_releases;
};

}  // namespace

Constraint::Constraint()
    : m_rep([] {
        static const auto any = std::make_shared<const Rep>(Rep{VersionSet::any(), "*", {}});
        return any;
      }()) {}

Result<Constraint> Constraint::parse(std::string_view text) {
  std::string_view trimmed = trim(text);
  Parser parser(trimmed);
  VersionSet set = WHARF_TRY(parser.parse());
  return Constraint(std::make_shared<const Rep>(
      Rep{std::move(set), std::string(trimmed), parser.take_prerelease_releases()}));
}

Constraint Constraint::any() {
  return Constraint();
}

bool Constraint::names_prerelease_of(const Version& prerelease) const {
  return std::ranges::any_of(m_rep->prerelease_releases, [&](const Version& release) {
    return same_release(release.release(), prerelease.release());
  });
}

bool Constraint::matches(const Version& v) const {
  return m_rep->set.contains(v) && (!v.is_prerelease() || names_prerelease_of(v));
}

bool operator==(const Constraint& a, const Constraint& b) {
  return a.m_rep == b.m_rep || (a.m_rep->text == b.m_rep->text && a.m_rep->set == b.m_rep->set);
}

}  // namespace wharf::version
