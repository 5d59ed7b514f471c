// Small text helpers shared by parsers and error messages.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wharf {

std::string_view trim(std::string_view text);
std::vector<std::string_view> split(std::string_view text, char separator);
bool starts_with(std::string_view text, std::string_view prefix);
// Levenshtein distance.
std::size_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to `word` when it is close enough to be a likely typo
// (distance <= max(2, ceil(len/3))); used for "did you mean ...?" hints.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);
// Joins with `separator`.
std::string join(const std::vector<std::string>& parts, std::string_view separator);
// A byte count for people: "512 B", "17.8 MiB" (binary units, one decimal).
std::string format_bytes(double bytes);

}  // namespace wharf
