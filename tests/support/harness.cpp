#include "support/harness.hpp"

#include <catch2/catch.hpp>

#include "wharf/util/process.hpp"

namespace wharf::test {

namespace fs = std::filesystem;

Sandbox::Sandbox() {
  fs::create_directories(cache());
}

void Sandbox::write(const std::string& rel, const std::string& content, bool executable) const {
  auto file = path(rel);
  REQUIRE(write_file_atomic(file, content));
  if (executable)
    fs::permissions(file, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                    fs::perm_options::add);
}

std::string Sandbox::read(const std::string& rel) const {
  auto text = read_file(path(rel));
  REQUIRE(text);
  return *text;
}

bool Sandbox::exists(const std::string& rel) const {
  std::error_code ec;
  return fs::exists(fs::symlink_status(path(rel), ec));
}

CommandResult Sandbox::wharf(const std::vector<std::string>& args, const std::string& cwd,
                             const std::map<std::string, std::string>& env) const {
  std::vector<std::string> argv{WHARF_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  auto vars = current_environment();
  vars["WHARF_CACHE_DIR"] = cache().string();
  vars["NO_COLOR"] = "1";
  for (const auto& [k, v] : env) vars[k] = v;
  ProcessOptions options;
  options.cwd = cwd.empty() ? root() : path(cwd);
  options.env = vars;
  auto result = run_process(argv, options);
  REQUIRE(result);
  return {result->exit_code, result->out, result->err};
}

void Sandbox::add_package(const PackageSpec& spec, const std::string& registry) const {
  std::string dir = "src/" + spec.name + "-" + spec.version + "-" + spec.platform;
  std::string meta =
      "name: " + spec.name + "\nversion: " + spec.version + "\nplatform: " + spec.platform + "\n";
  if (!spec.dependencies.empty()) {
    meta += "dependencies:\n";
    for (const auto& [name, constraint] : spec.dependencies)
      meta += "  " + name + ": \"" + constraint + "\"\n";
  }
  write(dir + "/wharf-package.yaml", meta);
  for (const auto& [rel, content] : spec.files) {
    bool exec =
        std::find(spec.executables.begin(), spec.executables.end(), rel) != spec.executables.end();
    write(dir + "/" + rel, content, exec);
  }
  auto packed = wharf({"pack", dir, "-o", registry + "/artifacts"});
  require_exit(packed, 0);
}

void Sandbox::index(const std::string& registry) const {
  require_exit(wharf({"registry", "index", registry}), 0);
}

void Sandbox::write_project(const std::string& dependencies_yaml, const std::string& extra,
                            const std::string& project) const {
  std::string text = "name: demo\nregistries:\n  - name: main\n    url: file:../registry\n";
  if (!dependencies_yaml.empty()) text += "dependencies:\n" + dependencies_yaml;
  text += extra;
  write(project + "/wharf.yaml", text);
}

void Sandbox::write_project_at(const std::string& registry_url,
                               const std::string& dependencies_yaml,
                               const std::string& project) const {
  write(project + "/wharf.yaml", "name: demo\nregistries:\n  - name: main\n    url: " +
                                     registry_url + "\ndependencies:\n" + dependencies_yaml);
}

void Sandbox::add_hello_registry(const std::string& hello_says) const {
  PackageSpec libgreet{"libgreet", "2.1.0"};
  libgreet.files["lib/greet.txt"] = "greetings v2.1\n";
  add_package(libgreet);
  PackageSpec hello{"hello", "1.2.0"};
  hello.dependencies = {{"libgreet", "^2"}};
  hello.files["bin/hello"] = "#!/bin/sh\necho \"" + hello_says + "\"\n";
  hello.executables = {"bin/hello"};
  add_package(hello);
  index();
}

void require_exit(const CommandResult& result, int code) {
  INFO("exit code: " << result.code << "\nstdout:\n" << result.out << "\nstderr:\n" << result.err);
  REQUIRE(result.code == code);
}

}  // namespace wharf::test
