// Editing wharf.yaml in place, for `wharf add` and `wharf remove`.
//
// yaml-cpp cannot write a document back with its comments, so this is a
// small line-based editor for the block-style YAML that wharf.yaml is written
// in. It touches only the lines of the entry it edits: every other byte of
// the file (comments, blank lines, key order, indentation, line endings) is
// kept.
//
// How it finds the table to edit: the top-level `dependencies:` key (indent
// 0), or `environments:` -> `<env>:` -> `dependencies:`, each level found by
// indentation. Inside a block mapping an entry is its key line plus the more
// deeply indented lines under it (a nested `zlib:\n    version: ...` table).
//   - An existing entry is replaced in place, keeping a trailing comment on
//     its line (aligned where it was, if the new text fits).
//   - A new entry goes at the sorted position when the table's keys are
//     sorted, else after the last entry; with the table's own indentation.
//   - `dependencies: {}` becomes a block; a one-line flow table
//     (`{ a: "1", b: "2" }`) is edited as a flow table on its line.
//   - A missing `dependencies:` (or environment, or `environments:`) is
//     appended at the end of its parent, indented like the rest of the file.
// Anything else (a multi-line flow table, a scalar where a table belongs) is
// an Input error that asks the user to edit by hand.
//
// Every edit re-parses the result with parse_manifest() and checks that the
// entry is there (or gone); it returns the new text only then, so a caller
// that writes what it gets never writes a manifest wharf cannot read.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "wharf/util/error.hpp"

namespace wharf::manifest {

// What an added dependency says; rendered by render_dependency().
struct DependencyValue {
  std::string version;   // constraint text; may be empty for git dependencies
  std::string registry;  // a registry other than the default (registry dependencies)
  std::string git;       // git URL; then at most one of branch/tag/rev
  std::string branch, tag, rev;
};

// `"^1.2.0"` for a plain registry dependency; a flow table otherwise:
// `{ version: "^1", registry: extra }`, `{ git: "https://x/y.git", tag: v1.0 }`.
std::string render_dependency(const DependencyValue& value);

// `text` as a YAML scalar: plain when that reads back as the same string
// (letters, digits and `._/-+` not starting with a digit or indicator, and
// not a YAML keyword such as `true` or `null`), else double-quoted with
// escapes.
std::string yaml_scalar(std::string_view text);

// The result of an edit: the new text and, for a replaced entry, the text of
// the value it replaced (as written, e.g. `"^1.0"`).
struct EditedManifest {
  std::string text;
  bool replaced = false;
  std::string old_value;
};

// Sets `name` (a valid package name) in the dependencies of `environment`
// ("default" means the top-level table) to `value`. Creates the table or the
// environment when missing. `file` names the manifest in error messages and
// in the re-parse. Input error when the structure cannot be edited safely or
// the result does not parse.
Result<EditedManifest> set_dependency(std::string_view text, const std::filesystem::path& file,
                                      std::string_view environment, std::string_view name,
                                      const DependencyValue& value);

// Deletes `name` from the dependencies of `environment` (only that table: a
// top-level dependency is not removed by environment `dev`). Input error
// naming the table when `name` is not in it.
Result<EditedManifest> remove_dependency(std::string_view text, const std::filesystem::path& file,
                                         std::string_view environment, std::string_view name);

}  // namespace wharf::manifest
