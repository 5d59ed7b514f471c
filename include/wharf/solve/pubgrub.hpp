// The PubGrub version solver, generic over the version scheme.
//
// This is Natalie Weizenbaum's PubGrub as described in Dart pub's
// doc/solver.md (and as implemented by pubgrub-rs and uv), written for any
// version type V and any set type S over V that behaves like a union of
// intervals. The wharf front end (solver.hpp) instantiates it with
// wharf::version::{VersionSet, Version}; benchmarks and tests instantiate it
// with IntervalSet (int_set.hpp).
//
// The algorithm in a few paragraphs:
//
// A *term* is a statement about one package: positive "foo is selected at a
// version in S", or negative "foo is not selected at a version in S" (which
// also holds when foo is not selected at all). An *incompatibility* is a set
// of terms that must not all be true. Facts enter as external
// incompatibilities: "the project must be selected" ({not root}), "foo S
// depends on bar T" ({foo S, not bar T}) and "no version of foo lies in S"
// ({foo S}). Dependency incompatibilities are created lazily, when a version
// is about to be chosen. As in pub, they cover the whole run of neighbouring
// candidates that have the same dependency, widened to the gaps around it
// (foo <1.1.0 rather than foo 1.0.0 when 1.1.0 is the next candidate and
// differs; "every version of foo" when all agree), and they are merged when
// another version of foo turns out to have the same dependency. Widening
// only ever adds versions that are not candidates, so it is sound, and it
// lets one learned fact rule out many versions at once and makes the
// explanations read like ranges a person would write.
//
// The *partial solution* is the ordered list of assignments made so far:
// decisions (foo = 1.2.0, each opening a new decision level) and derivations
// (terms forced by an incompatibility, its "cause"). For every package the
// intersection of its assignments is kept, so asking whether the partial
// solution satisfies or contradicts a term is one subset or disjointness test.
//
// The main loop alternates two steps. *Unit propagation* looks, for each
// package whose assignments changed, at the incompatibilities that mention it
// (newest first): when all terms but one are satisfied, the negation of the
// remaining term is derived. When all terms are satisfied there is a
// conflict, and *conflict resolution* walks back through the causes of the
// assignments that satisfy it, combining incompatibilities by resolution
// ({t1, q} and {t2, r} give {q, r, t1 ∪ t2}) until the most recent satisfier
// is a decision or the only relevant assignment at its level. The result is
// learned (added as a derived incompatibility that remembers its two causes)
// and the solver backjumps to the level of the previous satisfier, where the
// learned incompatibility forces a new derivation. When the learned
// incompatibility says that the root cannot be selected, solving fails and
// its derivation tree is the explanation.
//
// *Decision making* picks, among packages with a positive derivation and no
// decision, the one with the fewest candidate versions left in its allowed
// set (ties broken by name, so runs are deterministic), then picks a version
// per the source's order (highest or lowest first, a preferred version such
// as a locked one first). Its dependencies become incompatibilities; the
// decision is skipped when one of them would be violated at once, so that
// propagation rules the version out instead.
//
// Explanations follow pub's error reporting: a depth-first walk of the
// derivation graph writes one sentence per derived incompatibility,
// collapses linear chains ("foo depends on bar ^2 which depends on baz ^3"),
// and numbers the lines that are referred to again ("(1)").
//
// Costs: packages are interned to integer ids when first seen, so the hot
// loops index vectors; packages awaiting a decision wait in a heap keyed by
// their candidate count, which is recomputed only when their assignments
// change, so picking the next one is logarithmic; incompatibilities found
// contradicted are not re-examined until the solver backtracks past the level
// where that was seen. For packages with at most 64 candidates, terms and
// assignments also carry the candidates they allow as a bitmask: counting is
// an AND and a popcount, a term against a decision is a bit test, and a term
// with candidates on both sides of a derived range is known inconclusive
// without comparing the sets.
//
// Using it with another version scheme: provide a set type S over versions V
// that models VersionSetOver<S, V> (see int_set.hpp for a complete small
// example), implement Source<S, V>, then
//   pubgrub::Solver<S, V> solver(source, "root", root_version);
//   Result<pubgrub::Outcome<V>> outcome = solver.solve();   // once per Solver
// and read Solution<V> or Unsolvable from the variant; solver.stats() counts
// decisions, conflicts and incompatibilities.
#pragma once

#include <algorithm>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "wharf/solve/derivation.hpp"
#include "wharf/util/error.hpp"

namespace wharf::solve::pubgrub {

// What the solver needs from a set type S over versions V: value semantics, a
// default (empty) set, the named constructors and the set algebra below.
// wharf::version::VersionSet and IntervalSet both model it.
template <class S, class V>
concept VersionSetOver = std::copyable<S> && std::default_initializable<S> && std::copyable<V> &&
    std::totally_ordered<V> && requires(const S& s, const S& o, const V& v) {
  { S::any() } -> std::same_as<S>;
  { S::none() } -> std::same_as<S>;
  { S::exactly(v) } -> std::same_as<S>;
  { S::at_least(v) } -> std::same_as<S>;
  { S::less_than(v) } -> std::same_as<S>;
  { s.intersect(o) } -> std::same_as<S>;
  { s.unite(o) } -> std::same_as<S>;
  { s.complement() } -> std::same_as<S>;
  { s.is_empty() } -> std::convertible_to<bool>;
  { s.is_any() } -> std::convertible_to<bool>;
  { s.contains(v) } -> std::convertible_to<bool>;
  { s.is_subset_of(o) } -> std::convertible_to<bool>;
  { s.is_disjoint_from(o) } -> std::convertible_to<bool>;
  { s == o } -> std::convertible_to<bool>;
  { s.to_string() } -> std::convertible_to<std::string>;
};

using PackageId = std::uint32_t;

// The order in which a package's candidates are tried.
enum class Order { HighestFirst, LowestFirst };

template <class V>
struct PackageVersions {
  std::vector<V> versions;  // the candidates; sorted ascending and distinct
  Order order = Order::HighestFirst;
  // Index into `versions` of a version to try before all others whenever it
  // is allowed (a locked version).
  std::optional<std::size_t> preferred;
  // Scan: when a version's dependencies are read, also read its neighbours'
  // (cached, each at most once) so that "foo 1.0 .. 1.9 all depend on bar ^2"
  // becomes one incompatibility at once, as pub does; best when neighbours
  // usually share dependencies (real registries) and dependencies() is cheap.
  // Skip (the default, as pubgrub-rs): widen only to the gaps around the
  // version and merge as other versions are tried.
  enum class Neighbours { Scan, Skip } neighbours = Neighbours::Skip;
};

template <class S>
struct Dependency {
  std::string name;
  S set;
  std::string text;  // as written, for explanations; empty: set.to_string()
};

// Where the solver learns about packages. Package 0 is the root; its only
// candidate is the root version given to the solver, and dependencies() for it
// returns the project's requirements. Each method is called at most once per
// package (versions) or package version (dependencies). An error aborts
// solving and is returned as is.
template <class S, class V>
class Source {
 public:
  virtual ~Source() = default;
  virtual Result<PackageVersions<V>> versions(PackageId id, const std::string& name) = 0;
  virtual Result<std::vector<Dependency<S>>> dependencies(PackageId id, const std::string& name,
                                                          const V& version) = 0;
};

template <class V>
struct Selected {
  std::string name;
  V version;
  std::vector<std::string> dependencies;  // sorted names
};

template <class V>
struct Solution {
  std::vector<std::string> root_dependencies;  // sorted names
  std::vector<Selected<V>> packages;           // sorted by name, root excluded
};

template <class V>
using Outcome = std::variant<Solution<V>, Unsolvable>;

struct Stats {
  std::size_t decisions = 0;
  std::size_t conflicts = 0;
  std::size_t incompatibilities = 0;
  std::size_t packages = 0;
};

template <class S, class V>
requires VersionSetOver<S, V>
class Solver {
 public:
  Solver(Source<S, V>& source, std::string root_name, V root_version)
      : m_source(source), m_root_version(std::move(root_version)) {
    intern(root_name);
  }

  // Solves once; deterministic for a deterministic source.
  Result<Outcome<V>> solve() {
    add_incompat(
        Incompat({TermEntry{kRoot, Term{S::exactly(m_root_version), false}}}, Kind::NotRoot));
    PackageId next = kRoot;
    while (true) {
      std::optional<IncompatId> failure = WHARF_TRY(propagate(next));
      if (failure) return Outcome<V>{explain(*failure)};
      std::optional<PackageId> chosen = WHARF_TRY(pick());
      if (!chosen) return Outcome<V>{solution()};
      WHARF_TRY_VOID(decide(*chosen));
      next = *chosen;
    }
  }

  Stats stats() const {
    Stats s = m_stats;
    s.incompatibilities = m_incompats.size();
    s.packages = m_packages.size();
    return s;
  }

 private:
  using IncompatId = std::uint32_t;
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
  static constexpr std::size_t kNoIndex = std::numeric_limits<std::size_t>::max();
  static constexpr PackageId kRoot = 0;

  struct Term {
    S set;
    bool positive = true;
  };
  enum class Relation { Satisfied, Contradicted, Inconclusive };
  enum class Kind : std::uint8_t { NotRoot, NoVersions, Dependency, Derived };

  struct TermEntry {
    PackageId package;
    Term term;
    // Which of the package's candidates (bit i: versions[i]) lie in term.set,
    // computed by pick() on first use for packages with at most 64 of them.
    // Incompatibilities are used again after every backjump, so counting the
    // candidates left becomes a few ANDs instead of a membership test per
    // version (see count_by_mask).
    mutable std::uint64_t mask = 0;
    mutable bool masked = false;
  };
  struct Incompat {
    std::vector<TermEntry> terms;
    Kind kind = Kind::Derived;
    IncompatId cause1 = kNone;
    IncompatId cause2 = kNone;
    PackageId dependee = kNone;  // Dependency: the package depended on
    S dependee_set;              // Dependency: its set
    std::string dependee_text;   // Dependency: as written

    Incompat(std::vector<TermEntry> t, Kind k, IncompatId c1 = kNone, IncompatId c2 = kNone)
        : terms(std::move(t)), kind(k), cause1(c1), cause2(c2) {}
  };
  // The assigned term itself is not stored: a decision's is its accumulated
  // term, a derivation's the negation of term `term_index` of its cause (see
  // term_of), which saves a set copy per assignment.
  struct Assignment {
    PackageId package;
    Term accumulated;  // intersection of this package's assignments up to here
    std::uint32_t level;
    IncompatId cause;  // kNone for a decision
    // Derivations: the term of `cause` whose negation this is; decisions: the
    // index of the version decided.
    std::uint32_t term_index;
    // The candidates in `accumulated` as bits (see TermEntry::mask), once
    // computed (accumulated_mask).
    mutable std::uint64_t mask = 0;
    mutable bool masked = false;
  };
  struct DependencyEntry {
    PackageId dependee;
    IncompatId incompat;
  };
  struct KnownDependency {
    PackageId dependee;
    std::uint32_t entry;  // index in Package::dependencies
  };
  // Package::flags bits, per version.
  static constexpr std::uint8_t kHasKnown = 1;         // `known` is filled
  static constexpr std::uint8_t kSelfConflicting = 2;  // the version excludes itself
  struct Package {
    std::string name;
    std::vector<IncompatId> incompats;
    std::vector<std::uint32_t> assignments;  // indices into m_trail
    bool decided = false;
    std::size_t decided_index = 0;
    bool loaded = false;
    PackageVersions<V> info;
    std::uint64_t generation = 1;
    std::uint64_t counted_generation = 0;
    std::uint64_t order_key = 0;  // order_key(name)
    std::size_t count = 0;
    std::size_t best = kNoIndex;
    std::vector<DependencyEntry> dependencies;  // dependency incompatibilities as depender
    // Per version index, sized when the package is loaded:
    // The dependees, once incompatibilities exist, each with the index in
    // `dependencies` of the incompatibility that covers this version (each
    // candidate lies in the depender set of exactly one entry per dependee:
    // widening adds only non-candidates and merging only unites runs with the
    // same dependency).
    std::vector<std::vector<KnownDependency>> known;
    std::vector<std::uint8_t> flags;                                 // kHasKnown, kSelfConflicting
    std::vector<std::optional<std::vector<Dependency<S>>>> fetched;  // dependencies as read
    // The first dependency on this package with a text, per distinct set, for
    // explanations; they point into the depender's `fetched`, which never
    // moves its elements.
    std::vector<const Dependency<S>*> texts;
  };

  // ---- terms -------------------------------------------------------------

  static Term negate(const Term& t) { return Term{t.set, !t.positive}; }
  static bool is_any_term(const Term& t) { return !t.positive && t.set.is_empty(); }

  static Term intersect(const Term& a, const Term& b) { return intersect(a, b.set, b.positive); }
  // a ∩ (b_set with sign b_positive), without building the second term.
  static Term intersect(const Term& a, const S& b_set, bool b_positive) {
    if (a.positive && b_positive) return Term{a.set.intersect(b_set), true};
    if (a.positive) return Term{a.set.intersect(b_set.complement()), true};
    if (b_positive) return Term{b_set.intersect(a.set.complement()), true};
    return Term{a.set.unite(b_set), false};
  }
  // Negative terms also hold when the package is not selected at all.
  static bool subset(const Term& a, const Term& b) {
    if (a.positive) return b.positive ? a.set.is_subset_of(b.set) : a.set.is_disjoint_from(b.set);
    return !b.positive && b.set.is_subset_of(a.set);
  }
  static bool disjoint(const Term& a, const Term& b) {
    if (a.positive && b.positive) return a.set.is_disjoint_from(b.set);
    if (a.positive) return a.set.is_subset_of(b.set);
    if (b.positive) return b.set.is_subset_of(a.set);
    return false;
  }
  static Relation relation(const Term& accumulated, const Term& t) {
    if constexpr (requires { accumulated.set.relation_to(t.set); }) {
      // One sweep instead of a subset and a disjointness test.
      using R = typename S::Relation;
      if (accumulated.positive) {
        R r = accumulated.set.relation_to(t.set);
        if (r == R::Empty) return Relation::Satisfied;
        if (r == R::Overlapping) return Relation::Inconclusive;
        bool inside = r == R::Subset;  // else disjoint
        return inside == t.positive ? Relation::Satisfied : Relation::Contradicted;
      }
      // A negative accumulated term is satisfied by or contradicts nothing
      // unless t's set lies inside its set.
      R r = t.set.relation_to(accumulated.set);
      if (r != R::Subset && r != R::Empty) return Relation::Inconclusive;
      return t.positive ? Relation::Contradicted : Relation::Satisfied;
    } else {
      if (subset(accumulated, t)) return Relation::Satisfied;
      if (disjoint(accumulated, t)) return Relation::Contradicted;
      return Relation::Inconclusive;
    }
  }

  // ---- packages ------------------------------------------------------------

  PackageId intern(const std::string& name) {
    auto [it, inserted] = m_ids.try_emplace(name, static_cast<PackageId>(m_packages.size()));
    if (inserted) {
      Package& pkg = m_packages.add();
      pkg.name = name;
      pkg.order_key = order_key(name);
      m_in_changed.push_back(0);
      m_in_dirty.push_back(0);
      m_last.push_back(kNone);
    }
    return it->second;
  }

  // The first 8 bytes of a name, big-endian: comparing keys orders names as
  // comparing the names does, except that equal keys need the full names.
  static std::uint64_t order_key(const std::string& name) {
    std::uint64_t key = 0;
    for (std::size_t i = 0; i < 8; ++i)
      key = key << 8 | (i < name.size() ? static_cast<unsigned char>(name[i]) : 0u);
    return key;
  }

  const Term* accumulated(PackageId p) const {
    std::uint32_t last = m_last[p];
    return last == kNone ? nullptr : &m_trail[last].accumulated;
  }

  // The candidates lo..hi widened to the gaps around them: [v_lo, v_{hi+1}),
  // unbounded at either end of the list. Only non-candidates are added.
  S widened(PackageId p, std::size_t lo, std::size_t hi) const {
    const auto& versions = m_packages[p].info.versions;
    S set = lo == 0 ? S::any() : S::at_least(versions[lo]);
    if (hi + 1 < versions.size()) set = set.intersect(S::less_than(versions[hi + 1]));
    return set;
  }

  // ---- incompatibilities -------------------------------------------------

  IncompatId add_incompat(Incompat&& incompat) {
    auto id = static_cast<IncompatId>(m_incompats.size());
    for (const auto& t : incompat.terms) push_incompat(m_packages[t.package].incompats, id);
    m_incompats.push_back(std::move(incompat));
    m_contradicted.push_back(kNone);
    return id;
  }
  void attach(IncompatId id) {
    for (const auto& t : m_incompats[id].terms) push_incompat(m_packages[t.package].incompats, id);
  }
  // A package is named by a few incompatibilities at least (its dependencies,
  // its dependers'): start its list at 8 rather than growing it from 1.
  static void push_incompat(std::vector<IncompatId>& list, IncompatId id) {
    if (list.capacity() == 0) list.reserve(8);
    list.push_back(id);
  }
  void detach(IncompatId id) {
    for (const auto& t : m_incompats[id].terms) {
      auto& list = m_packages[t.package].incompats;
      list.erase(std::remove(list.begin(), list.end(), id), list.end());
    }
  }
  static void add_term(std::vector<TermEntry>& terms, const TermEntry& entry) {
    for (auto& t : terms) {
      if (t.package == entry.package) {
        t.term = intersect(t.term, entry.term);
        t.masked = false;
        return;
      }
    }
    terms.push_back(entry);
  }

  // Satisfied / Contradicted, or Inconclusive with the index of the single
  // inconclusive term in `unsatisfied` (kNone when there are several).
  Relation relation(const Incompat& incompat, std::uint32_t& unsatisfied) const {
    unsatisfied = kNone;
    bool several = false;
    for (std::uint32_t i = 0; i < incompat.terms.size(); ++i) {
      const TermEntry& t = incompat.terms[i];
      const std::uint32_t last = m_last[t.package];
      // No assignment: anything goes, and stored terms are never empty or "any".
      Relation r = Relation::Inconclusive;
      if (last != kNone) {
        const Assignment& a = m_trail[last];
        // A decision {v} satisfies or contradicts the term as v lies in its set.
        if (a.cause == kNone && term_mask(t)) {
          bool in = (t.mask >> a.term_index & 1) != 0;
          r = in == t.term.positive ? Relation::Satisfied : Relation::Contradicted;
        } else if (a.accumulated.positive && term_mask(t) &&
                   overlaps_both(a.masked ? a.mask : accumulated_mask(m_packages[t.package]),
                                 t.mask)) {
          // Candidates on both sides of the term's set: the accumulated set
          // is neither inside it nor disjoint from it.
          r = Relation::Inconclusive;
        } else {
          r = relation(a.accumulated, t.term);
        }
      }
      if (r == Relation::Contradicted) return Relation::Contradicted;
      if (r == Relation::Inconclusive) {
        if (unsatisfied != kNone) several = true;
        unsatisfied = i;
      }
    }
    if (unsatisfied == kNone) return Relation::Satisfied;
    if (several) unsatisfied = kNone;
    return Relation::Inconclusive;
  }

  bool is_terminal(const Incompat& incompat) const {
    return incompat.terms.empty() ||
           (incompat.terms.size() == 1 && incompat.terms[0].package == kRoot &&
            incompat.terms[0].term.positive);
  }

  // ---- partial solution ----------------------------------------------------

  // Derives the negation of term `term_index` of incompatibility `cause`.
  void assign(IncompatId cause, std::uint32_t term_index) {
    const TermEntry& t = m_incompats[cause].terms[term_index];
    const Term* prev = accumulated(t.package);
    Term acc = prev ? intersect(*prev, t.term.set, !t.term.positive) : negate(t.term);
    push_assignment(t.package, std::move(acc), cause, term_index);
  }
  // `acc` is the intersection of p's earlier assignments with the new term.
  void push_assignment(PackageId p, Term&& acc, IncompatId cause, std::uint32_t term_index) {
    Package& pkg = m_packages[p];
    pkg.assignments.push_back(static_cast<std::uint32_t>(m_trail.size()));
    m_last[p] = pkg.assignments.back();
    pkg.generation = ++m_generation;
    bool positive = acc.positive;
    m_trail.emplace_back(p, std::move(acc), m_level, cause, term_index);
    if (positive) mark_dirty(p);
  }
  Term term_of(const Assignment& a) const {
    if (a.cause == kNone) return a.accumulated;
    return negate(m_incompats[a.cause].terms[a.term_index].term);
  }

  // Packages whose assignments changed since the last pick(); pick() gives
  // those that await a decision a fresh entry in the candidate queue.
  void mark_dirty(PackageId p) {
    if (m_in_dirty[p]) return;
    m_in_dirty[p] = 1;
    m_dirty.push_back(p);
  }

  void decide_version(PackageId p, std::size_t index) {
    ++m_level;
    ++m_stats.decisions;
    Package& pkg = m_packages[p];
    pkg.decided = true;
    pkg.decided_index = index;
    // The version lies in p's allowed set (pick() counted it there), so the
    // new accumulated term is the decision itself.
    push_assignment(p, Term{S::exactly(pkg.info.versions[index]), true}, kNone,
                    static_cast<std::uint32_t>(index));
  }

  void backtrack(std::uint32_t level) {
    const std::size_t before = m_trail.size();
    while (!m_trail.empty() && m_trail.back().level > level) {
      const Assignment& a = m_trail.back();
      Package& pkg = m_packages[a.package];
      pkg.assignments.pop_back();
      m_last[a.package] = pkg.assignments.empty() ? kNone : pkg.assignments.back();
      if (a.cause == kNone) pkg.decided = false;
      pkg.generation = ++m_generation;
      mark_dirty(a.package);
      m_trail.pop_back();
    }
    m_level = level;
    // After a long backjump most queue entries are stale: start the queue
    // afresh from the packages still awaiting a decision.
    if (before - m_trail.size() > 32) {
      m_queue.clear();
      for (PackageId p = 0; p < m_packages.size(); ++p) {
        const Term* acc = accumulated(p);
        if (!m_packages[p].decided && acc && acc->positive) mark_dirty(p);
      }
    }
    // The list is ordered by level (see mark_contradicted), so only its tail
    // lies above the level backjumped to.
    while (!m_contradicted_list.empty() && m_contradicted[m_contradicted_list.back()] > level) {
      m_contradicted[m_contradicted_list.back()] = kNone;
      m_contradicted_list.pop_back();
    }
  }

  // An incompatibility contradicted at some level stays contradicted at every
  // later one (accumulated terms only narrow), so the first level is kept and
  // m_contradicted_list stays sorted by level.
  void mark_contradicted(IncompatId id) {
    if (m_contradicted[id] != kNone) return;
    m_contradicted[id] = m_level;
    m_contradicted_list.push_back(id);
  }

  // ---- unit propagation -------------------------------------------------

  // Returns the terminal incompatibility when solving has failed.
  Result<std::optional<IncompatId>> propagate(PackageId start) {
    std::vector<PackageId>& changed = m_changed;
    changed.assign(1, start);
    m_in_changed[start] = 1;
    while (!changed.empty()) {
      PackageId p = changed.back();
      changed.pop_back();
      m_in_changed[p] = 0;
      // Nothing below adds to p's list except conflict resolution, which is
      // followed by a break.
      const IncompatId* list = m_packages[p].incompats.data();
      const std::uint32_t* contradicted = m_contradicted.data();
      for (std::size_t i = m_packages[p].incompats.size(); i-- > 0;) {
        IncompatId id = list[i];
        if (contradicted[id] != kNone) continue;
        std::uint32_t unsatisfied = 0;
        Relation r = relation(m_incompats[id], unsatisfied);
        if (r == Relation::Contradicted) {
          mark_contradicted(id);
        } else if (r == Relation::Inconclusive && unsatisfied != kNone) {
          PackageId q = m_incompats[id].terms[unsatisfied].package;
          assign(id, unsatisfied);
          mark_contradicted(id);
          if (!m_in_changed[q]) {
            m_in_changed[q] = 1;
            changed.push_back(q);
          }
        } else if (r == Relation::Satisfied) {
          auto [learned, terminal] = resolve_conflict(id);
          if (terminal) {
            for (PackageId c : changed) m_in_changed[c] = 0;
            return std::optional<IncompatId>(learned);
          }
          std::uint32_t term_index = 0;
          if (relation(m_incompats[learned], term_index) != Relation::Inconclusive ||
              term_index == kNone) {
            return fail(
                "internal error in the version solver: a learned incompatibility is not "
                "almost satisfied after backjumping",
                "please report this with the project's manifest");
          }
          PackageId q = m_incompats[learned].terms[term_index].package;
          assign(learned, term_index);
          mark_contradicted(learned);
          for (PackageId c : changed) m_in_changed[c] = 0;
          changed.assign(1, q);
          m_in_changed[q] = 1;
          break;
        }
      }
    }
    return std::optional<IncompatId>();
  }

  // ---- conflict resolution ---------------------------------------------------

  // Position in the package's assignment list of the earliest assignment whose
  // accumulated term satisfies `t` (accumulated terms only ever narrow).
  std::size_t first_satisfying(const TermEntry& t) const {
    const auto& list = m_packages[t.package].assignments;
    std::size_t lo = 0, hi = list.size();
    while (lo < hi) {
      std::size_t mid = (lo + hi) / 2;
      if (subset(m_trail[list[mid]].accumulated, t.term))
        hi = mid;
      else
        lo = mid + 1;
    }
    return lo;
  }

  struct Resolved {
    IncompatId incompat;
    bool terminal;
  };

  Resolved resolve_conflict(IncompatId conflict) {
    ++m_stats.conflicts;
    IncompatId current = conflict;
    bool learned = false;
    while (true) {
      if (is_terminal(m_incompats[current])) return {current, true};
      const std::vector<TermEntry>& terms = m_incompats[current].terms;
      // The satisfier is the latest among each term's earliest satisfying assignment.
      std::size_t satisfier_term = 0;
      std::size_t satisfier_position = 0;
      std::int64_t satisfier_index = -1;
      std::int64_t previous_index = -1;
      for (std::size_t i = 0; i < terms.size(); ++i) {
        std::size_t position = first_satisfying(terms[i]);
        std::int64_t index = trail_index(terms[i].package, position);
        if (index > satisfier_index) {
          previous_index = std::max(previous_index, satisfier_index);
          satisfier_index = index;
          satisfier_term = i;
          satisfier_position = position;
        } else {
          previous_index = std::max(previous_index, index);
        }
      }
      const TermEntry& term = terms[satisfier_term];
      const Assignment& satisfier = m_trail[static_cast<std::size_t>(satisfier_index)];
      const Term satisfier_assigned = term_of(satisfier);
      // The satisfier's own package may need an earlier assignment too.
      {
        const auto& list = m_packages[term.package].assignments;
        std::size_t lo = 0, hi = satisfier_position;
        while (lo < hi) {
          std::size_t mid = (lo + hi) / 2;
          if (subset(intersect(m_trail[list[mid]].accumulated, satisfier_assigned), term.term))
            hi = mid;
          else
            lo = mid + 1;
        }
        if (lo < satisfier_position)
          previous_index = std::max(previous_index, static_cast<std::int64_t>(list[lo]));
      }
      std::uint32_t previous_level =
          previous_index < 0
              ? 1
              : std::max<std::uint32_t>(1, m_trail[static_cast<std::size_t>(previous_index)].level);

      if (satisfier.cause == kNone || previous_level < satisfier.level) {
        if (learned) attach(current);
        backtrack(previous_level);
        return {current, false};
      }

      // Resolution with the satisfier's cause.
      const Incompat& cause = m_incompats[satisfier.cause];
      std::vector<TermEntry> prior;
      prior.reserve(terms.size() + cause.terms.size());
      for (const auto& t : terms)
        if (t.package != term.package) add_term(prior, t);
      for (const auto& t : cause.terms)
        if (t.package != term.package) add_term(prior, t);
      if (!subset(satisfier_assigned, term.term))
        add_term(prior,
                 TermEntry{term.package, negate(intersect(satisfier_assigned, negate(term.term)))});
      std::erase_if(prior, [](const TermEntry& t) { return is_any_term(t.term); });
      Incompat derived(std::move(prior), Kind::Derived, current, satisfier.cause);
      auto id = static_cast<IncompatId>(m_incompats.size());
      m_incompats.push_back(std::move(derived));
      m_contradicted.push_back(kNone);
      current = id;
      learned = true;
    }
  }

  std::int64_t trail_index(PackageId p, std::size_t position) const {
    return static_cast<std::int64_t>(m_packages[p].assignments[position]);
  }

  // ---- decision making -------------------------------------------------------

  Result<void> load(PackageId p) {
    if (m_packages[p].loaded) return {};
    PackageVersions<V> info = WHARF_TRY(m_source.versions(p, m_packages[p].name));
    if (!std::is_sorted(info.versions.begin(), info.versions.end()) ||
        std::adjacent_find(info.versions.begin(), info.versions.end()) != info.versions.end()) {
      std::optional<V> preferred;
      if (info.preferred && *info.preferred < info.versions.size())
        preferred = info.versions[*info.preferred];
      std::sort(info.versions.begin(), info.versions.end());
      info.versions.erase(std::unique(info.versions.begin(), info.versions.end()),
                          info.versions.end());
      info.preferred.reset();
      if (preferred) {
        auto it = std::lower_bound(info.versions.begin(), info.versions.end(), *preferred);
        info.preferred = static_cast<std::size_t>(it - info.versions.begin());
      }
    }
    if (info.preferred && *info.preferred >= info.versions.size()) info.preferred.reset();
    Package& pkg = m_packages[p];
    pkg.info = std::move(info);
    pkg.loaded = true;
    const std::size_t n = pkg.info.versions.size();
    pkg.known.resize(n);
    pkg.flags.assign(n, 0);
    pkg.fetched.resize(n);
    return {};
  }

  void count(Package& pkg, const S& allowed) {
    const auto& versions = pkg.info.versions;
    std::size_t n = 0;
    std::size_t best = kNoIndex;
    if (allowed.is_any()) {
      n = versions.size();
      if (n) best = pkg.info.order == Order::HighestFirst ? n - 1 : 0;
    } else if (pkg.info.order == Order::HighestFirst) {
      for (std::size_t i = versions.size(); i-- > 0;) {
        if (allowed.contains(versions[i])) {
          if (best == kNoIndex) best = i;
          ++n;
        }
      }
    } else {
      for (std::size_t i = 0; i < versions.size(); ++i) {
        if (allowed.contains(versions[i])) {
          if (best == kNoIndex) best = i;
          ++n;
        }
      }
    }
    if (pkg.info.preferred && allowed.contains(versions[*pkg.info.preferred]))
      best = *pkg.info.preferred;
    pkg.count = n;
    pkg.best = best;
    pkg.counted_generation = pkg.generation;
  }

  static bool overlaps_both(std::uint64_t candidates, std::uint64_t in_set) {
    return (candidates & in_set) != 0 && (candidates & ~in_set) != 0;
  }

  // Fills t.mask unless done; false when t's package has more than 64
  // candidates (or none loaded), which have no masks.
  bool term_mask(const TermEntry& t) const {
    if (t.masked) return true;
    const Package& pkg = m_packages[t.package];
    if (!pkg.loaded || pkg.info.versions.size() > 64) return false;
    const auto& versions = pkg.info.versions;
    std::uint64_t m = 0;
    for (std::size_t i = 0; i < versions.size(); ++i)
      if (t.term.set.contains(versions[i])) m |= std::uint64_t{1} << i;
    t.mask = m;
    t.masked = true;
    return true;
  }

  // count() for a package with at most 64 candidates: the candidates left are
  // the AND of its assignments' term masks, folded from its latest assignment
  // that already has one. Exact: a candidate lies in the accumulated set iff
  // it lies in every positive term's set and in no negative term's.
  void count_by_mask(Package& pkg) {
    std::uint64_t mask = accumulated_mask(pkg);
    std::size_t best = kNoIndex;
    if (mask) {
      best = pkg.info.order == Order::HighestFirst
                 ? static_cast<std::size_t>(63 - std::countl_zero(mask))
                 : static_cast<std::size_t>(std::countr_zero(mask));
    }
    if (pkg.info.preferred && (mask >> *pkg.info.preferred & 1)) best = *pkg.info.preferred;
    pkg.count = static_cast<std::size_t>(std::popcount(mask));
    pkg.best = best;
    pkg.counted_generation = pkg.generation;
  }

  // The candidates in the package's accumulated term (all when it has no
  // assignment); the package must be loaded and have at most 64 candidates.
  std::uint64_t accumulated_mask(const Package& pkg) const {
    const std::size_t n = pkg.info.versions.size();
    const std::uint64_t all = n == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
    const auto& list = pkg.assignments;
    std::size_t k = list.size();
    while (k > 0 && !m_trail[list[k - 1]].masked) --k;
    std::uint64_t mask = k ? m_trail[list[k - 1]].mask : all;
    for (; k < list.size(); ++k) {
      const Assignment& a = m_trail[list[k]];
      if (a.cause == kNone) {
        mask &= std::uint64_t{1} << a.term_index;
      } else {
        const TermEntry& t = m_incompats[a.cause].terms[a.term_index];
        term_mask(t);
        // The assignment is the negation of the incompatibility's term.
        mask &= t.term.positive ? ~t.mask & all : t.mask;
      }
      a.mask = mask;
      a.masked = true;
    }
    return mask;
  }

  // The undecided package with a positive derivation and the fewest candidates
  // left, ties broken by name. Candidates wait in a binary heap keyed by
  // (count, name); an entry is stale once its package changes (its generation
  // moves on) and is dropped when it reaches the top, so a decision costs
  // O(log n) rather than a scan of every pending package.
  Result<std::optional<PackageId>> pick() {
    for (PackageId p : m_dirty) {
      m_in_dirty[p] = 0;
      const Term* acc = accumulated(p);
      if (m_packages[p].decided || !acc || !acc->positive) continue;
      if (!m_packages[p].loaded) WHARF_TRY_VOID(load(p));
      Package& pkg = m_packages[p];
      if (pkg.counted_generation != pkg.generation) {
        if (pkg.info.versions.size() <= 64)
          count_by_mask(pkg);
        else
          count(pkg, acc->set);
      }
      m_queue.push_back(QueueEntry{pkg.count, pkg.order_key, p, pkg.generation});
      std::push_heap(m_queue.begin(), m_queue.end(), queue_after());
    }
    m_dirty.clear();
    // Backjumps leave many stale entries behind; drop them all once they
    // outnumber the packages, so the heap stays O(packages).
    if (m_queue.size() > 2 * m_packages.size() + 64) {
      std::erase_if(m_queue, [&](const QueueEntry& e) { return !is_live(e); });
      std::make_heap(m_queue.begin(), m_queue.end(), queue_after());
    }
    while (!m_queue.empty()) {
      const QueueEntry& top = m_queue.front();
      if (is_live(top)) return std::optional<PackageId>(top.package);
      std::pop_heap(m_queue.begin(), m_queue.end(), queue_after());
      m_queue.pop_back();
    }
    return std::optional<PackageId>();
  }

  struct QueueEntry {
    std::size_t count;
    std::uint64_t key;  // the package's order_key
    PackageId package;
    std::uint64_t generation;
  };
  bool is_live(const QueueEntry& e) const {
    const Package& pkg = m_packages[e.package];
    const Term* acc = accumulated(e.package);
    return !pkg.decided && acc && acc->positive && e.generation == pkg.generation;
  }
  // The heap's "less": true when `a` should be picked after `b`.
  auto queue_after() const {
    return [this](const QueueEntry& a, const QueueEntry& b) {
      if (a.count != b.count) return a.count > b.count;
      if (a.key != b.key) return a.key > b.key;
      // Most ties are entries of one package (a stale one beside a fresh one).
      if (a.package == b.package) return false;
      return m_packages[a.package].name > m_packages[b.package].name;
    };
  }

  Result<void> decide(PackageId p) {
    if (m_packages[p].best == kNoIndex) {
      add_incompat(Incompat({TermEntry{p, *accumulated(p)}}, Kind::NoVersions));
      return {};
    }
    std::size_t index = m_packages[p].best;
    if (!(m_packages[p].flags[index] & kHasKnown)) WHARF_TRY_VOID(add_dependencies(p, index));
    const Package& pkg = m_packages[p];
    bool conflict = (pkg.flags[index] & kSelfConflicting) != 0;
    for (const KnownDependency& k : pkg.known[index]) {
      if (conflict) break;
      const Incompat& incompat = m_incompats[pkg.dependencies[k.entry].incompat];
      if (incompat.terms.size() == 1) {
        conflict = true;
      } else {
        const Term* acc = accumulated(incompat.terms[1].package);
        if (acc && subset(*acc, incompat.terms[1].term)) conflict = true;
      }
    }
    if (!conflict) decide_version(p, index);
    return {};
  }

  // The dependencies of one version, duplicates merged (both requirements hold).
  Result<std::vector<Dependency<S>>*> fetch(PackageId p, std::size_t index) {
    if (m_packages[p].fetched[index]) return &*m_packages[p].fetched[index];
    const V& version = m_packages[p].info.versions[index];
    std::vector<Dependency<S>> deps =
        WHARF_TRY(m_source.dependencies(p, m_packages[p].name, version));
    bool duplicates = false;
    for (std::size_t i = 1; i < deps.size() && !duplicates; ++i)
      for (std::size_t j = 0; j < i && !duplicates; ++j) duplicates = deps[i].name == deps[j].name;
    if (!duplicates) {
      m_packages[p].fetched[index] = std::move(deps);
      return &*m_packages[p].fetched[index];
    }
    std::vector<Dependency<S>> merged;
    merged.reserve(deps.size());
    for (auto& d : deps) {
      auto it = std::find_if(merged.begin(), merged.end(),
                             [&](const Dependency<S>& m) { return m.name == d.name; });
      if (it == merged.end()) {
        merged.push_back(std::move(d));
      } else {
        std::string a = it->text.empty() ? it->set.to_string() : it->text;
        std::string b = d.text.empty() ? d.set.to_string() : d.text;
        it->set = it->set.intersect(d.set);
        it->text = a + ", " + b;
      }
    }
    m_packages[p].fetched[index] = std::move(merged);
    return &*m_packages[p].fetched[index];
  }

  Result<bool> has_same(PackageId p, std::size_t index, const Dependency<S>& d) {
    const std::vector<Dependency<S>>& deps = *WHARF_TRY(fetch(p, index));
    return std::any_of(deps.begin(), deps.end(), [&](const Dependency<S>& other) {
      return other.name == d.name && other.set == d.set;
    });
  }

  Result<void> add_dependencies(PackageId p, std::size_t index) {
    // Stable: each package has its own allocation and `fetched` is sized once, when loaded.
    const std::vector<Dependency<S>>& deps = *WHARF_TRY(fetch(p, index));
    const V& version = m_packages[p].info.versions[index];
    const std::size_t n = m_packages[p].info.versions.size();
    const bool scan = m_packages[p].info.neighbours == PackageVersions<V>::Neighbours::Scan;
    std::vector<KnownDependency> known;
    known.reserve(deps.size());
    for (const Dependency<S>& d : deps) {
      PackageId q = intern(d.name);
      if (q == p) {
        // A package that depends on itself: harmless when it allows itself.
        if (!d.set.contains(version)) {
          m_packages[p].flags[index] |= kSelfConflicting;
          Incompat incompat({TermEntry{p, Term{S::exactly(version), true}}}, Kind::Dependency);
          incompat.dependee = p;
          incompat.dependee_set = d.set;
          incompat.dependee_text = d.text;
          add_incompat(std::move(incompat));
        }
        continue;
      }
      if (!d.text.empty()) {
        auto& texts = m_packages[q].texts;
        bool seen = std::any_of(texts.begin(), texts.end(),
                                [&](const Dependency<S>* t) { return t->set == d.set; });
        if (!seen) texts.push_back(&d);
      }
      // Another version with the same dependency already has an incompatibility.
      const auto& entries = m_packages[p].dependencies;
      std::size_t existing = entries.size();
      for (std::size_t i = 0; i < entries.size(); ++i) {
        if (entries[i].dependee == q && m_incompats[entries[i].incompat].dependee_set == d.set) {
          existing = i;
          break;
        }
      }
      if (existing < entries.size() &&
          m_incompats[entries[existing].incompat].terms[0].term.set.contains(version)) {
        known.push_back(KnownDependency{q, static_cast<std::uint32_t>(existing)});
        continue;
      }
      std::size_t lo = index, hi = index;
      if (scan) {
        while (lo > 0 && WHARF_TRY(has_same(p, lo - 1, d))) --lo;
        while (hi + 1 < n && WHARF_TRY(has_same(p, hi + 1, d))) ++hi;
      }
      S depender = widened(p, lo, hi);
      if (existing < m_packages[p].dependencies.size()) {
        IncompatId old_id = m_packages[p].dependencies[existing].incompat;
        depender = depender.unite(m_incompats[old_id].terms[0].term.set);
        detach(old_id);
      }
      std::vector<TermEntry> terms;
      terms.reserve(2);
      terms.push_back(TermEntry{p, Term{std::move(depender), true}});
      // A dependency on the empty set makes the depender impossible on its own.
      if (!d.set.is_empty()) terms.push_back(TermEntry{q, Term{d.set, false}});
      Incompat incompat(std::move(terms), Kind::Dependency);
      incompat.dependee = q;
      incompat.dependee_set = d.set;
      incompat.dependee_text = d.text;
      IncompatId id = add_incompat(std::move(incompat));
      auto& list = m_packages[p].dependencies;
      if (existing < list.size()) {
        list[existing].incompat = id;
      } else {
        existing = list.size();
        list.push_back(DependencyEntry{q, id});
      }
      known.push_back(KnownDependency{q, static_cast<std::uint32_t>(existing)});
    }
    m_packages[p].known[index] = std::move(known);
    m_packages[p].flags[index] |= kHasKnown;
    return {};
  }

  // ---- solution ----------------------------------------------------------------

  // Orders package ids as their names: one id per name, so sorting ids sorts
  // names without moving strings.
  bool name_before(PackageId a, PackageId b) const {
    const Package& x = m_packages[a];
    const Package& y = m_packages[b];
    if (x.order_key != y.order_key) return x.order_key < y.order_key;
    return x.name < y.name;
  }
  void sort_by_name(std::vector<PackageId>& ids) const {
    std::sort(ids.begin(), ids.end(),
              [this](PackageId a, PackageId b) { return name_before(a, b); });
  }

  std::vector<std::string> dependency_names(const Package& pkg) const {
    std::vector<PackageId> ids;
    if (pkg.decided_index < pkg.known.size())
      for (const KnownDependency& k : pkg.known[pkg.decided_index]) ids.push_back(k.dependee);
    sort_by_name(ids);
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    std::vector<std::string> names;
    names.reserve(ids.size());
    for (PackageId id : ids) names.push_back(m_packages[id].name);
    return names;
  }

  Solution<V> solution() const {
    Solution<V> out;
    out.root_dependencies = dependency_names(m_packages[kRoot]);
    std::vector<PackageId> chosen;
    for (PackageId p = 1; p < m_packages.size(); ++p)
      if (m_packages[p].decided) chosen.push_back(p);
    sort_by_name(chosen);
    out.packages.reserve(chosen.size());
    for (PackageId p : chosen) {
      const Package& pkg = m_packages[p];
      out.packages.push_back(
          Selected<V>{pkg.name, pkg.info.versions[pkg.decided_index], dependency_names(pkg)});
    }
    return out;
  }

  // ---- explanation ---------------------------------------------------------------

  bool is_derived(IncompatId id) const { return m_incompats[id].kind == Kind::Derived; }

  std::string set_text(PackageId p, const S& set) const {
    for (const Dependency<S>* d : m_packages[p].texts)
      if (d->set == set) return d->text;
    return set.to_string();
  }

  // "foo ^1.2", "foo" (any version), the root by name alone.
  std::string terse(const TermEntry& t, bool allow_every) const {
    const std::string& name = m_packages[t.package].name;
    if (t.package == kRoot) return name;
    if (t.term.set.is_any()) return allow_every ? "every version of " + name : name;
    return name + " " + set_text(t.package, t.term.set);
  }

  std::string dependee_phrase(const Incompat& incompat) const {
    const std::string& name = m_packages[incompat.dependee].name;
    std::string text =
        incompat.dependee_text.empty() ? incompat.dependee_set.to_string() : incompat.dependee_text;
    if (incompat.dependee_set.is_any() || text == "*") return name;
    return name + " " + text;
  }

  // How a negative term of `incompat` is named: by the constraint as written
  // when it is the dependee of a dependency.
  std::string negative_phrase(const Incompat& incompat, const TermEntry& t) const {
    if (incompat.kind == Kind::Dependency && t.package == incompat.dependee)
      return dependee_phrase(incompat);
    return terse(t, false);
  }

  static std::string join(const std::vector<std::string>& parts, const std::string& separator) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? separator : "") + parts[i];
    return out;
  }

  std::vector<const TermEntry*> with_sign(const Incompat& incompat, bool positive) const {
    std::vector<const TermEntry*> out;
    for (const auto& t : incompat.terms)
      if (t.term.positive == positive) out.push_back(&t);
    return out;
  }

  std::vector<std::string> negative_phrases(const Incompat& incompat) const {
    std::vector<std::string> out;
    for (const TermEntry* t : with_sign(incompat, false))
      out.push_back(negative_phrase(incompat, *t));
    return out;
  }

  std::string describe(IncompatId id) const {
    const Incompat& incompat = m_incompats[id];
    switch (incompat.kind) {
      case Kind::NotRoot:
        return m_packages[kRoot].name + " is the project being solved";
      case Kind::NoVersions: {
        const TermEntry& t = incompat.terms[0];
        const std::string& name = m_packages[t.package].name;
        if (t.term.set.is_any()) return "there are no versions of " + name;
        return "no versions of " + name + " match " + set_text(t.package, t.term.set);
      }
      case Kind::Dependency:
        return terse(incompat.terms[0], true) + " depends on " + dependee_phrase(incompat);
      case Kind::Derived:
        break;
    }
    auto positives = with_sign(incompat, true);
    auto negatives = with_sign(incompat, false);
    std::vector<std::string> pos_text, neg_text;
    for (const TermEntry* t : positives) pos_text.push_back(terse(*t, false));
    for (const TermEntry* t : negatives) neg_text.push_back(terse(*t, false));
    if (incompat.terms.empty()) return "version solving failed";
    if (incompat.terms.size() == 1) {
      const TermEntry& t = incompat.terms[0];
      if (t.term.positive)
        return t.package == kRoot ? "version solving failed" : terse(t, false) + " is forbidden";
      return terse(t, false) + " is required";
    }
    if (positives.size() == 1 && !negatives.empty())
      return terse(*positives[0], true) + " requires " + join(neg_text, " or ");
    if (negatives.empty()) {
      if (positives.size() == 2) return pos_text[0] + " is incompatible with " + pos_text[1];
      return "one of " + join(pos_text, " or ") + " must be false";
    }
    if (positives.empty()) return "either " + join(neg_text, " or ") + " is required";
    return "if " + join(pos_text, " and ") + " then " + join(neg_text, " or ");
  }

  static std::string line_ref(std::size_t line) {
    return line ? " (" + std::to_string(line) + ")" : std::string();
  }
  const char* verb(const Incompat& incompat) const {
    return incompat.kind == Kind::Dependency ? "depends on" : "requires";
  }

  // "foo depends on both a ^1 and b ^2".
  std::optional<std::string> requires_both(IncompatId a, std::size_t la, IncompatId b,
                                           std::size_t lb) const {
    const Incompat& x = m_incompats[a];
    const Incompat& y = m_incompats[b];
    if (x.terms.size() == 1 || y.terms.size() == 1) return std::nullopt;
    auto px = with_sign(x, true), py = with_sign(y, true);
    if (px.size() != 1 || py.size() != 1 || px[0]->package != py[0]->package) return std::nullopt;
    auto nx = negative_phrases(x), ny = negative_phrases(y);
    if (nx.empty() || ny.empty()) return std::nullopt;
    std::string v =
        x.kind == Kind::Dependency && y.kind == Kind::Dependency ? "depends on" : "requires";
    return terse(*px[0], true) + " " + v + " both " + join(nx, " or ") + line_ref(la) + " and " +
           join(ny, " or ") + line_ref(lb);
  }

  // "foo depends on bar ^2 which depends on baz ^3".
  std::optional<std::string> requires_through(IncompatId prior_id, std::size_t lp,
                                              IncompatId latter_id, std::size_t ll) const {
    const Incompat& prior = m_incompats[prior_id];
    const Incompat& latter = m_incompats[latter_id];
    auto pp = with_sign(prior, true), pn = with_sign(prior, false);
    if (pp.size() != 1 || pn.size() != 1) return std::nullopt;
    auto lpos = with_sign(latter, true);
    if (lpos.size() != 1 || lpos[0]->package != pn[0]->package) return std::nullopt;
    if (!pn[0]->term.set.is_subset_of(lpos[0]->term.set)) return std::nullopt;
    std::string out = terse(*pp[0], true) + " " + verb(prior) + " " +
                      negative_phrase(prior, *pn[0]) + line_ref(lp);
    auto ln = negative_phrases(latter);
    if (!ln.empty())
      out += std::string(" which ") + verb(latter) + " " + join(ln, " or ");
    else if (latter.kind == Kind::Dependency)
      out += " which depends on " + dependee_phrase(latter);
    else if (latter.kind == Kind::NoVersions)
      out += " which doesn't match any versions";
    else
      out += " which is forbidden";
    return out + line_ref(ll);
  }

  std::string and_describe(IncompatId a, std::size_t la, IncompatId b, std::size_t lb) const {
    if (auto s = requires_both(a, la, b, lb)) return *s;
    if (auto s = requires_through(a, la, b, lb)) return *s;
    if (auto s = requires_through(b, lb, a, la)) return *s;
    return describe(a) + line_ref(la) + " and " + describe(b) + line_ref(lb);
  }

  struct Report {
    std::vector<std::pair<std::string, std::size_t>> lines;  // text, line number (0: none)
    std::unordered_map<IncompatId, std::size_t> numbers;
    std::unordered_map<IncompatId, std::size_t> outgoing;
    IncompatId root = kNone;
    std::size_t next_number = 1;
  };

  std::size_t number_of(const Report& r, IncompatId id) const {
    auto it = r.numbers.find(id);
    return it == r.numbers.end() ? 0 : it->second;
  }

  void write(Report& r, IncompatId id, std::string text, bool numbered) const {
    std::size_t number = 0;
    if (numbered) {
      number = r.next_number++;
      r.numbers[id] = number;
    }
    r.lines.emplace_back(std::move(text), number);
  }

  bool collapsible(const Report& r, IncompatId id) const {
    if (r.outgoing.at(id) > 1) return false;
    const Incompat& incompat = m_incompats[id];
    bool d1 = is_derived(incompat.cause1), d2 = is_derived(incompat.cause2);
    if (d1 == d2) return false;
    return number_of(r, d1 ? incompat.cause1 : incompat.cause2) == 0;
  }

  void visit(Report& r, IncompatId id, bool conclusion) const {
    bool numbered = conclusion || r.outgoing.at(id) > 1;
    std::string conjunction = numbered || id == r.root ? "So," : "And";
    std::string that = describe(id);
    const Incompat& incompat = m_incompats[id];
    IncompatId c1 = incompat.cause1, c2 = incompat.cause2;
    bool d1 = is_derived(c1), d2 = is_derived(c2);
    if (d1 && d2) {
      std::size_t l1 = number_of(r, c1), l2 = number_of(r, c2);
      if (l1 && l2) {
        write(r, id, "Because " + and_describe(c1, l1, c2, l2) + ", " + that + ".", numbered);
      } else if (l1 || l2) {
        IncompatId with = l1 ? c1 : c2, without = l1 ? c2 : c1;
        visit(r, without, false);
        write(r, id,
              conjunction + " because " + describe(with) + line_ref(number_of(r, with)) + ", " +
                  that + ".",
              numbered);
      } else {
        auto simple = [&](IncompatId c) {
          return !is_derived(m_incompats[c].cause1) && !is_derived(m_incompats[c].cause2);
        };
        if (simple(c1) || simple(c2)) {
          IncompatId s = simple(c1) ? c1 : c2, complex = simple(c1) ? c2 : c1;
          visit(r, complex, false);
          visit(r, s, false);
          write(r, id, std::string(numbered || id == r.root ? "So, " : "Thus, ") + that + ".",
                numbered);
        } else {
          visit(r, c1, true);
          r.lines.emplace_back("", 0);
          visit(r, c2, false);
          write(r, id,
                conjunction + " because " + describe(c1) + line_ref(number_of(r, c1)) + ", " +
                    that + ".",
                numbered);
        }
      }
    } else if (d1 || d2) {
      IncompatId derived = d1 ? c1 : c2, external = d1 ? c2 : c1;
      if (std::size_t line = number_of(r, derived)) {
        write(r, id, "Because " + and_describe(external, 0, derived, line) + ", " + that + ".",
              numbered);
      } else if (collapsible(r, derived)) {
        const Incompat& d = m_incompats[derived];
        IncompatId prior_derived = is_derived(d.cause1) ? d.cause1 : d.cause2;
        IncompatId prior_external = is_derived(d.cause1) ? d.cause2 : d.cause1;
        visit(r, prior_derived, false);
        write(r, id,
              conjunction + " because " + and_describe(prior_external, 0, external, 0) + ", " +
                  that + ".",
              numbered);
      } else {
        visit(r, derived, false);
        write(r, id, conjunction + " because " + describe(external) + ", " + that + ".", numbered);
      }
    } else {
      write(r, id, "Because " + and_describe(c1, 0, c2, 0) + ", " + that + ".", numbered);
    }
  }

  void count_outgoing(Report& r, IncompatId id) const {
    if (!is_derived(id)) return;
    if (r.outgoing.contains(id)) return;  // each derived node's edges once
    r.outgoing[id] = 0;
    for (IncompatId c : {m_incompats[id].cause1, m_incompats[id].cause2}) {
      if (!is_derived(c)) continue;
      count_outgoing(r, c);
      ++r.outgoing[c];
    }
  }

  std::size_t export_node(Unsolvable& out, std::unordered_map<IncompatId, std::size_t>& index,
                          const Report& r, IncompatId id) const {
    if (auto it = index.find(id); it != index.end()) return it->second;
    DerivationNode node;
    const Incompat& incompat = m_incompats[id];
    if (incompat.kind == Kind::Derived) {
      node.cause1 = export_node(out, index, r, incompat.cause1);
      node.cause2 = export_node(out, index, r, incompat.cause2);
    }
    switch (incompat.kind) {
      case Kind::NotRoot:
        node.kind = DerivationNode::Kind::Root;
        node.package = m_packages[kRoot].name;
        break;
      case Kind::NoVersions:
        node.kind = DerivationNode::Kind::NoVersions;
        node.package = m_packages[incompat.terms[0].package].name;
        node.versions = set_text(incompat.terms[0].package, incompat.terms[0].term.set);
        break;
      case Kind::Dependency:
        node.kind = DerivationNode::Kind::Dependency;
        node.package = m_packages[incompat.terms[0].package].name;
        node.versions = incompat.terms[0].package == kRoot ? std::string("*")
                                                           : incompat.terms[0].term.set.to_string();
        node.dependency = m_packages[incompat.dependee].name;
        node.constraint = incompat.dependee_text.empty() ? incompat.dependee_set.to_string()
                                                         : incompat.dependee_text;
        break;
      case Kind::Derived:
        node.kind = DerivationNode::Kind::Derived;
        break;
    }
    for (const auto& t : incompat.terms) {
      node.terms.push_back(
          DerivationTerm{m_packages[t.package].name, t.term.positive,
                         t.term.set.is_any() ? std::string("*") : set_text(t.package, t.term.set)});
    }
    node.sentence = describe(id);
    node.line = number_of(r, id);
    out.nodes.push_back(std::move(node));
    index[id] = out.nodes.size() - 1;
    return out.nodes.size() - 1;
  }

  Unsolvable explain(IncompatId root) const {
    Report r;
    r.root = root;
    count_outgoing(r, root);
    if (is_derived(root))
      visit(r, root, false);
    else
      r.lines.emplace_back("Because " + describe(root) + ", version solving failed.", 0);
    std::size_t width = 0;
    if (r.next_number > 1) width = ("(" + std::to_string(r.next_number - 1) + ") ").size();
    std::string text;
    for (std::size_t i = 0; i < r.lines.size(); ++i) {
      const auto& [line, number] = r.lines[i];
      if (i) text += '\n';
      if (line.empty()) continue;
      std::string prefix;
      if (number) prefix = "(" + std::to_string(number) + ") ";
      prefix.resize(width, ' ');
      text += prefix + line;
    }
    Unsolvable out;
    out.explanation = std::move(text);
    std::unordered_map<IncompatId, std::size_t> index;
    out.root_node = export_node(out, index, r, root);
    return out;
  }

  Source<S, V>& m_source;
  V m_root_version;
  std::unordered_map<std::string, PackageId> m_ids;
  // Packages by id. Each lives in its own allocation, so interning never moves
  // one (add_dependencies holds references into a package while interning).
  class PackageTable {
   public:
    Package& operator[](std::size_t i) { return *m_items[i]; }
    const Package& operator[](std::size_t i) const { return *m_items[i]; }
    std::size_t size() const { return m_items.size(); }
    Package& add() { return *m_items.emplace_back(std::make_unique<Package>()); }

   private:
    std::vector<std::unique_ptr<Package>> m_items;
  };
  PackageTable m_packages;
  std::vector<Incompat> m_incompats;
  std::vector<Assignment> m_trail;
  std::vector<char> m_in_changed;
  std::vector<PackageId> m_changed;  // propagate()'s work list, kept for its capacity
  // Per package: its latest assignment in m_trail (kNone: none), kept beside
  // the packages because propagation reads it for every term it looks at.
  std::vector<std::uint32_t> m_last;
  std::vector<PackageId> m_dirty;  // packages changed since the last pick()
  std::vector<char> m_in_dirty;
  std::vector<QueueEntry> m_queue;  // a heap: candidates for the next decision, some stale
  std::vector<std::uint32_t> m_contradicted;  // per incompatibility: level seen contradicted
  std::vector<IncompatId> m_contradicted_list;
  std::uint32_t m_level = 0;
  std::uint64_t m_generation = 1;
  Stats m_stats;
};

// Convenience: one solve with a fresh solver.
template <class S, class V>
requires VersionSetOver<S, V> Result<Outcome<V>> solve(Source<S, V>& source, std::string root_name,
                                                       V root_version) {
  Solver<S, V> solver(source, std::move(root_name), std::move(root_version));
  return solver.solve();
}

}  // namespace wharf::solve::pubgrub
