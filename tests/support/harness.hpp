// Integration-test harness: a sandbox folder with its own cache, helpers to
// write projects and build registries with the real `wharf pack` and
// `wharf registry index`, and a runner for the real `wharf` binary.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "wharf/util/fs.hpp"

namespace wharf::test {

// Environment for a wharf process that talks to the local test server: a
// developer's proxy settings must not reach 127.0.0.1.
inline const std::map<std::string, std::string> kNoProxy = {
    {"no_proxy", "*"}, {"NO_PROXY", "*"},  {"http_proxy", ""},  {"https_proxy", ""},
    {"all_proxy", ""}, {"HTTP_PROXY", ""}, {"HTTPS_PROXY", ""}, {"ALL_PROXY", ""}};

struct CommandResult {
  int code = -1;
  std::string out;
  std::string err;
};

struct PackageSpec {
  std::string name;
  std::string version;
  std::string platform = "any";
  std::vector<std::pair<std::string, std::string>> dependencies;  // name, constraint
  std::map<std::string, std::string> files;                       // relative path -> content
  std::vector<std::string> executables;                           // relative paths made executable
};

class Sandbox {
 public:
  Sandbox();
  const std::filesystem::path& root() const { return m_dir.path(); }
  std::filesystem::path cache() const { return root() / "cache"; }
  std::filesystem::path path(const std::string& rel) const { return root() / rel; }

  void write(const std::string& rel, const std::string& content, bool executable = false) const;
  std::string read(const std::string& rel) const;
  bool exists(const std::string& rel) const;

  // Runs wharf with `args` in root()/cwd, with WHARF_CACHE_DIR=cache() and
  // NO_COLOR set, plus `env`.
  CommandResult wharf(const std::vector<std::string>& args, const std::string& cwd = "",
                      const std::map<std::string, std::string>& env = {}) const;

  // Writes the package folder under src/<name>-<version>-<platform>/ and packs
  // it into <registry>/artifacts/ with `wharf pack`.
  void add_package(const PackageSpec& spec, const std::string& registry = "registry") const;
  // Runs `wharf registry index <registry>`.
  void index(const std::string& registry = "registry") const;
  // Writes project/wharf.yaml with one registry `main` at file:../registry
  // and the given dependencies block (YAML lines, already indented by 2).
  void write_project(const std::string& dependencies_yaml, const std::string& extra = "",
                     const std::string& project = "project") const;
  // The same with the registry `main` at `registry_url` (an HTTP server's).
  void write_project_at(const std::string& registry_url, const std::string& dependencies_yaml,
                        const std::string& project = "project") const;
  // hello 1.2.0 (a tool printing `hello_says`) depending on libgreet ^2
  // (2.1.0), in <sandbox>/registry, indexed.
  void add_hello_registry(const std::string& hello_says) const;

 private:
  TempDir m_dir{"wharf-it"};
};

// Fails the current test with the command's output when it did not exit with `code`.
void require_exit(const CommandResult& result, int code);

}  // namespace wharf::test
