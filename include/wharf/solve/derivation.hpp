// Why version solving failed, as data and as text.
//
// When no solution exists the solver returns an Unsolvable value (never an
// error): the derivation tree of the final incompatibility ("the project
// cannot be built") rendered as numbered plain sentences, plus the same tree
// as data for `--json`.
//
// Shape of `nodes`: a DAG stored as a flat vector. Every node is one
// incompatibility, a set of terms that cannot all hold at once. External
// nodes (Root, NoVersions, Dependency) are facts the solver was given;
// Derived nodes were concluded from exactly two earlier nodes, `cause1` and
// `cause2`, which are indices into `nodes`. A node that several derivations
// share appears once and is referred to by index, and its sentence carries a
// line number in the explanation (`line`, 0 when unnumbered). Causes always
// come before the node they explain, so `root_node` is the last index.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace wharf::solve {

struct DerivationTerm {
  std::string package;
  // A positive term says "package is selected with a version in `versions`";
  // a negative one says "package is not selected with a version in `versions`".
  bool positive = true;
  std::string versions;  // constraint text as written where known, else the set ("*" for any)
};

struct DerivationNode {
  enum class Kind {
    Root,        // the project must be selected
    NoVersions,  // no candidate version of `package` lies in `versions`
    Dependency,  // `package` `versions` depends on `dependency` `constraint`
    Derived,     // concluded from nodes[cause1] and nodes[cause2]
  };
  Kind kind = Kind::Derived;
  std::vector<DerivationTerm> terms;  // the incompatibility itself
  std::string sentence;               // this node alone in words ("foo >=2 depends on bar ^3")
  std::string package;                // Root, NoVersions, Dependency: the package concerned
  std::string versions;               // NoVersions, Dependency: the versions of `package` concerned
  std::string dependency;             // Dependency: the package depended on
  std::string constraint;             // Dependency: its constraint as written
  std::size_t cause1 = 0;             // Derived only
  std::size_t cause2 = 0;             // Derived only
  std::size_t line = 0;               // its line number in the explanation, 0 if none
};

struct Unsolvable {
  std::string explanation;            // the numbered sentences, lines joined by '\n'
  std::vector<DerivationNode> nodes;  // the derivation DAG, causes before consequences
  std::size_t root_node = 0;          // the final incompatibility ("version solving failed")
};

}  // namespace wharf::solve
