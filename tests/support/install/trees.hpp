// Test helpers for the installer: package trees on disk and snapshots of a
// prefix, so tests compare what a user would see.
#pragma once

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "wharf/install/installer.hpp"

namespace wharf::install::testing {

namespace fs = std::filesystem;

// One entry of a package tree: content of a regular file, or "->target" for
// a symlink. Paths ending in "*" are made executable (the "*" is dropped).
using TreeSpec = std::map<std::string, std::string>;

inline void write_text(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

inline std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Creates <root>/<name>-<version>/ from `spec` and returns the PackageTree.
inline PackageTree make_package(const fs::path& root, const std::string& name,
                                const std::string& version, const TreeSpec& spec) {
  fs::path tree = root / (name + "-" + version);
  fs::create_directories(tree);
  for (const auto& [spec_path, content] : spec) {
    std::string rel = spec_path;
    bool exec = !rel.empty() && rel.back() == '*';
    if (exec) rel.pop_back();
    fs::path path = tree / rel;
    fs::create_directories(path.parent_path());
    if (content.starts_with("->")) {
      fs::create_symlink(content.substr(2), path);
      continue;
    }
    write_text(path, content);
    ::chmod(path.c_str(), exec ? 0555 : 0444);  // cache trees are read-only
  }
  return PackageTree{.name = name, .version = version, .id = name + "@" + version, .tree = tree};
}

// A typical package: bin/<name>* , lib/lib<name>.so, share/<name>/data-<i>.txt.
inline TreeSpec standard_spec(const std::string& name, const std::string& version, int files) {
  TreeSpec spec;
  spec["bin/" + name + "*"] = "#!/bin/sh\necho " + name + " " + version + "\n";
  spec["lib/lib" + name + ".so." + version] = "ELF " + name + " " + version;
  spec["lib/lib" + name + ".so"] = "->lib" + name + ".so." + version;
  for (int i = 0; i < files; ++i)
    spec["share/" + name + "/data-" + std::to_string(i) + ".txt"] =
        name + " " + version + " file " + std::to_string(i) + "\n";
  return spec;
}

// prefix-relative path -> content ("->target" for symlinks, "/" for folders),
// without wharf's .wharf metadata.
inline std::map<std::string, std::string> snapshot(const fs::path& prefix) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(prefix, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    auto rel = it->path().lexically_relative(prefix).generic_string();
    if (rel == ".wharf") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_symlink())
      out[rel] = "->" + fs::read_symlink(it->path()).string();
    else if (it->is_directory())
      out[rel] = "/";
    else
      out[rel] = read_text(it->path());
  }
  return out;
}

inline ino_t inode_of(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return 0;
  return st.st_ino;
}

}  // namespace wharf::install::testing
