// Package metadata, `wharf-package.yaml` at the root of a package archive or
// repository (FORMATS.md "Package metadata").
//
// Keys: `name` (required, a valid package name), `version` (required),
// `platform` (a concrete platform or `any`; default `any`), `dependencies`
// (name -> constraint), `private` (a list of tree-relative paths or globs whose
// files are installed as private, writable copies rather than links into the
// shared cache: files the user or a tool edits in place). Unknown keys are Input errors located
// `file_label:line:column`.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "wharf/util/error.hpp"
#include "wharf/version/constraint.hpp"
#include "wharf/version/version.hpp"

namespace wharf::manifest {

struct PackageMeta {
  std::string name;
  version::Version version;
  std::string platform = "any";
  std::vector<std::pair<std::string, version::Constraint>> dependencies;  // in file order
  // `private:` patterns, as written (fnmatch(3) globs where `*` stays within
  // one folder; a folder stands for everything under it).
  std::vector<std::string> private_files;
};

Result<PackageMeta> parse_package_meta(std::string_view text, const std::string& file_label);
// Deterministic YAML (dependencies sorted by name) that parse_package_meta reads back.
std::string write_package_meta(const PackageMeta& meta);

}  // namespace wharf::manifest
