// Versions: MAJOR[.MINOR[.PATCH[.MORE...]]][-PRERELEASE][+BUILD] (FORMATS.md "Versions").
//
// A Version is an immutable value. Its parts live in one shared, immutable
// block, so copying a Version never allocates (the solver copies them a lot);
// the default Version ("0") holds no block at all.
//
// Ordering: release components are compared numerically with missing ones
// counting as 0 (1.2 == 1.2.0 == 1.2.0.0, 1.10 > 1.9); then pre-release
// precedence exactly as in SemVer 2.0 (a pre-release sorts before its release;
// identifiers compare numerically when both are numeric, numeric before
// alphanumeric, ASCII otherwise; a shorter list sorts first when it is a
// prefix). Build metadata is kept for to_string() but ignored by ==, <=> and
// hash().
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "wharf/util/error.hpp"

namespace wharf::version {

class Version {
 public:
  Version();  // "0"

  // Parses the whole text (no surrounding whitespace allowed). Fails with
  // ErrorKind::Input naming the text and the 1-based position of the problem:
  // "invalid version `01.2`: leading zero in `01` at position 1".
  static Result<Version> parse(std::string_view text);

  // A release version from its components (at least one; an empty list means
  // "0"). Used to build bounds such as the upper end of a caret range.
  static Version from_release(std::vector<std::uint64_t> release);

  const std::vector<std::uint64_t>& release() const;  // components as written
  // Pre-release identifiers as written ("rc", "1" for 1.0.0-rc.1); empty for a release.
  const std::vector<std::string>& prerelease() const;
  const std::string& build() const;  // build metadata without the `+`; may be empty
  bool is_prerelease() const;
  Version without_prerelease() const;  // release part only (no pre, no build)
  std::string to_string() const;       // as written: "1.2" stays "1.2"
  std::size_t hash() const;            // consistent with ==

  // 1.2 == 1.2.0; build ignored. Inline fast path on the packed key, which
  // decides most comparisons without touching the shared block.
  friend bool operator==(const Version& a, const Version& b) {
    if (a.m_key != 0 && b.m_key != 0 && (a.m_key != b.m_key || (a.m_key & kTagMask) == kTagRelease))
      return a.m_key == b.m_key;
    return compare_slow(a, b) == 0;
  }
  friend std::strong_ordering operator<=>(const Version& a, const Version& b) {
    if (a.m_key != 0 && b.m_key != 0 && (a.m_key != b.m_key || (a.m_key & kTagMask) == kTagRelease))
      return a.m_key <=> b.m_key;
    int c = compare_slow(a, b);
    return c < 0 ? std::strong_ordering::less
                 : (c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal);
  }

  struct Rep;  // implementation detail (src/version/version.cpp)

 private:
  friend struct VersionAccess;  // the parser in src/version/
  explicit Version(std::shared_ptr<const Rep> rep);
  const Rep& rep() const;
  static int compare_slow(const Version& a, const Version& b);

  // Packed order key: MAJOR, MINOR, PATCH in 20 bits each, then a 4-bit tag
  // (kTagPrerelease sorts below kTagRelease). 0 when the release does not fit
  // (a component >= 2^20 or a non-zero fourth component): compare the slow way.
  static constexpr std::uint64_t kTagMask = 0xF;
  static constexpr std::uint64_t kTagPrerelease = 1;
  static constexpr std::uint64_t kTagRelease = 2;

  std::shared_ptr<const Rep> m_rep;   // null means "0"
  std::uint64_t m_key = kTagRelease;  // the key of "0"
};

struct VersionHash {
  std::size_t operator()(const Version& v) const { return v.hash(); }
};

}  // namespace wharf::version
