// VersionSet: a set of versions written as a finite union of intervals.
//
// The representation is canonical: intervals are sorted, non-empty, pairwise
// disjoint and never touching ([1,2) and [2,3) are stored as [1,3)), so two
// sets are equal exactly when their interval lists are equal. Every operation
// returns a normalized set and runs in one linear sweep over both inputs.
//
// Sets are values built for the solver's hot loop: intersect, complement,
// is_subset_of and is_disjoint_from are called millions of times, so the
// intervals live inline for small sets (no heap allocation for up to two
// intervals) and the predicates never build an intermediate set.
//
// Caveat: the version order is dense almost everywhere, but a few pre-release
// neighbours have nothing in between (nothing lies strictly between
// 1.0.0-a and 1.0.0-a.0). Such sets are still correct as sets; only their
// structural equality may distinguish two spellings of the same set.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "wharf/version/detail/small_vector.hpp"
#include "wharf/version/version.hpp"

namespace wharf::version {

class VersionSet {
 public:
  VersionSet();  // empty
  static VersionSet none();
  static VersionSet any();
  static VersionSet exactly(const Version& v);
  static VersionSet at_least(const Version& v);
  static VersionSet greater_than(const Version& v);
  static VersionSet at_most(const Version& v);
  static VersionSet less_than(const Version& v);
  // [low_inclusive, high_exclusive); empty when high <= low.
  static VersionSet between(const Version& low_inclusive, const Version& high_exclusive);

  bool is_empty() const;
  bool is_any() const;
  bool contains(const Version& v) const;

  VersionSet intersect(const VersionSet& other) const;
  VersionSet unite(const VersionSet& other) const;
  VersionSet complement() const;
  VersionSet difference(const VersionSet& other) const;  // this ∩ ¬other
  bool is_subset_of(const VersionSet& other) const;
  bool is_disjoint_from(const VersionSet& other) const;
  // Both questions in one sweep (the solver asks them together): Empty when
  // this set is empty, else Subset (this ⊆ other), Disjoint (nothing in
  // common) or Overlapping (neither).
  enum class Relation : std::uint8_t { Empty, Subset, Disjoint, Overlapping };
  Relation relation_to(const VersionSet& other) const;

  std::optional<Version> as_single() const;  // when the set is exactly one version
  // "*", "1.2.0" (single), ">=1.2.0, <2.0.0", "<1 || >=2", "<none>" (empty).
  // Every non-empty set's text parses back (Constraint::parse) to an equal set.
  std::string to_string() const;

  friend bool operator==(const VersionSet& a, const VersionSet& b);

  // The building blocks, exposed read-only for callers that need to walk a
  // set (e.g. to pick the lowest admissible version).
  enum class BoundKind : std::uint8_t { Unbounded, Inclusive, Exclusive };
  struct Interval {
    Version low;   // ignored when low_kind == Unbounded
    Version high;  // ignored when high_kind == Unbounded
    BoundKind low_kind = BoundKind::Unbounded;
    BoundKind high_kind = BoundKind::Unbounded;
    friend bool operator==(const Interval&, const Interval&) = default;
  };
  using Intervals = detail::SmallVector<Interval, 2>;
  const Intervals& intervals() const { return m_intervals; }

 private:
  Intervals m_intervals;
};

}  // namespace wharf::version
