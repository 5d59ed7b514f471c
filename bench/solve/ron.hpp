// A small RON (Rust Object Notation) reader for the pubgrub-rs benchmark
// universes in ../shared/bench-data/pubgrub-rs/ (their README gives the
// format), and the conversion of such a file into an integer universe.
//
// Only the subset those files use is read: maps `{k: v, ...}`, lists
// `[a, ...]`, tuples `(a, ...)`, non-negative integers, enum variants with or
// without a payload (`Some(x)`, `None`, `Included(x)`, `Unbounded`), trailing
// commas, `//` and `/* */` comments. Anything else is an Input error naming the
// label, the line and the column.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wharf/util/error.hpp"

namespace wharf::bench::ron {

struct Value {
  enum class Kind { Integer, List, Tuple, Map, Variant };
  Kind kind = Kind::Variant;
  std::uint64_t integer = 0;
  // Variant: its name ("Some", "None", "Included", "Unbounded", ...).
  std::string name;
  // List and Tuple: the items; Variant: its payload (none for `None`).
  std::vector<Value> items;
  // Map: entries in file order.
  std::vector<std::pair<Value, Value>> entries;
};

// Parses one RON value (the whole text, apart from whitespace and comments).
Result<Value> parse(std::string_view text, const std::string& label);

// A half-open interval of versions: low <= v < high, or v >= low when high is
// empty.
struct Interval {
  std::uint64_t low = 0;
  std::optional<std::uint64_t> high;
};

// package -> version -> dependency package -> the union of intervals allowed.
using IntegerUniverse =
    std::map<std::uint64_t,
             std::map<std::uint64_t, std::map<std::uint64_t, std::vector<Interval>>>>;

// Reads the pubgrub-rs shape: { pkg: { ver: { dep: [ RANGE, ...] } } } where a
// RANGE is `(low, Some(high))`, `(low, None)` or, in the "bounded" files, a
// pair of bounds `Included(x)`, `Excluded(x)` or `Unbounded`.
Result<IntegerUniverse> to_universe(const Value& value, const std::string& label);

// parse() then to_universe().
Result<IntegerUniverse> parse_universe(std::string_view text, const std::string& label);

}  // namespace wharf::bench::ron
