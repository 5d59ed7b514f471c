// Constraints on versions (FORMATS.md "Constraints").
//
// Grammar (whitespace allowed between tokens; `||` binds looser than `,`):
//   constraint := all ( "||" all )*
//   all        := term ( "," term )*
//   term       := "*" | [op] version | ["=" | "==" | "!="] wildcard
//   op         := "=" | "==" | "!=" | ">" | ">=" | "<" | "<=" | "^" | "~"
//   wildcard   := N ( "." N )* ".*"          (1.2.* is >=1.2.0, <1.3.0)
// Caret follows Cargo (^1.2.3 is >=1.2.3, <2.0.0; ^0.2.3 is >=0.2.3, <0.3.0;
// ^0.0.3 is >=0.0.3, <0.0.4; ^0 is >=0, <1; ^0.0 is >=0.0, <0.1); tilde
// bumps the minor component (~1.2.3 is >=1.2.3, <1.3.0; ~1 is >=1, <2).
// A bare or `=` version means {v : v == that version}, so 1.2.3.0 and
// 1.2.3+build match `1.2.3`.
//
// set() is the plain set of versions. matches() adds the pre-release rule: a
// pre-release version matches only when the constraint itself names a
// pre-release of the same release (`>=1.0.0-rc.1` matches 1.0.0-rc.2, `<2.0.0`
// does not match 2.0.0-alpha although it is below 2.0.0 and so in the set).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "wharf/util/error.hpp"
#include "wharf/version/version.hpp"
#include "wharf/version/version_set.hpp"

namespace wharf::version {

class Constraint {
 public:
  Constraint();  // "*", the same as any()

  // Fails with ErrorKind::Input naming the text and the 1-based position:
  // "invalid constraint `>=`: expected a version after `>=` at position 3".
  static Result<Constraint> parse(std::string_view text);
  static Constraint any();  // "*"

  const VersionSet& set() const { return m_rep->set; }
  const std::string& text() const { return m_rep->text; }  // as written (trimmed)

  // True when some version written in this constraint is a pre-release whose
  // release part equals prerelease.without_prerelease().
  bool names_prerelease_of(const Version& prerelease) const;
  // set().contains(v) && (!v.is_prerelease() || names_prerelease_of(v))
  bool matches(const Version& v) const;

  // Same text and same set.
  friend bool operator==(const Constraint& a, const Constraint& b);

 private:
  struct Rep {
    VersionSet set;
    std::string text;
    // Release parts of the pre-release versions the text names, for the rule above.
    std::vector<Version> prerelease_releases;
  };
  explicit Constraint(std::shared_ptr<const Rep> rep) : m_rep(std::move(rep)) {}
  // Immutable and shared: a constraint is copied far more often than parsed
  // (each registry index's dependencies, each solver requirement), and a copy
  // is then one reference count instead of a set and a string. Never null.
  std::shared_ptr<const Rep> m_rep;
};

}  // namespace wharf::version
