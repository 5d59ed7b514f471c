// Private to the version module: the representation of a Version and a
// parser that reports problems with their offset, so that Constraint::parse
// can report positions within the whole constraint text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "wharf/version/version.hpp"

namespace wharf::version {

struct Version::Rep {
  std::vector<std::uint64_t> release;
  std::vector<std::string> prerelease;
  std::string build;
  std::string text;
  std::size_t significant = 0;  // release length without trailing zeros
  std::size_t hash = 0;
};

// What is wrong with a version text and where (0-based offset into it).
struct ParseProblem {
  std::size_t offset = 0;
  std::string what;  // "leading zero in `01`"
};

struct VersionAccess {
  static std::expected<Version, ParseProblem> parse(std::string_view text);
  static Version make(std::vector<std::uint64_t> release, std::vector<std::string> prerelease,
                      std::string build);
};

}  // namespace wharf::version
