// `wharf activate`, `wharf shell` and `wharf completions`, checked in real
// shells.
#include <catch2/catch.hpp>
#include <set>
#include <sstream>

#include "support/harness.hpp"
#include "wharf/util/process.hpp"

using namespace wharf::test;
namespace fs = std::filesystem;

namespace {

void make_project(const Sandbox& box) {
  box.add_package({"hello",
                   "1.2.0",
                   "any",
                   {},
                   {{"bin/hello", "#!/bin/sh\necho hello from the environment\n"}},
                   {"bin/hello"}});
  box.index();
  // A value that needs quoting in every shell: quotes, `$`, backslash, spaces.
  box.write_project("  hello: \"*\"\n",
                    "env:\n"
                    "  GREETING: 'it''s \"quoted\" $HOME \\n ${WHARF_ENV}'\n");
}

// Runs `bash -c script` in the project with the sandbox's cache and $WHARF.
wharf::ProcessResult run_shell(const Sandbox& box, const std::string& shell,
                               const std::string& script,
                               std::map<std::string, std::string> extra = {}) {
  auto vars = wharf::current_environment();
  vars["WHARF_CACHE_DIR"] = box.cache().string();
  vars["NO_COLOR"] = "1";
  vars["WHARF"] = WHARF_BINARY;
  vars.erase("WHARF_PREFIX");
  for (auto& [k, v] : extra) vars[k] = v;
  wharf::ProcessOptions options;
  options.cwd = box.path("project");
  options.env = vars;
  auto result = wharf::run_process({shell, "-c", script}, options);
  REQUIRE(result);
  return *result;
}

std::string prefix_of(const Sandbox& box, const std::string& env = "default") {
  return fs::canonical(box.path("project")).string() + "/.wharf/envs/" + env;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("eval \"$(wharf activate --shell bash)\" enters the environment and deactivate leaves",
          "[integration]") {
  Sandbox box;
  make_project(box);
  auto out = run_shell(box, "bash",
                       "set -e\n"
                       "before=\"$PATH\"\n"
                       "eval \"$(\"$WHARF\" activate --shell bash)\"\n"
                       "echo \"prefix=$WHARF_PREFIX\"\n"
                       "echo \"path=${PATH%%:*}\"\n"
                       "printf 'greeting=%s\\n' \"$GREETING\"\n"
                       "hello\n"
                       "deactivate\n"
                       "echo \"after=${WHARF_PREFIX-unset} ${GREETING-unset}\"\n"
                       "[ \"$PATH\" = \"$before\" ] && echo path-restored\n"
                       "declare -F deactivate >/dev/null || echo no-deactivate\n");
  INFO(out.out << out.err);
  REQUIRE(out.exit_code == 0);
  auto prefix = prefix_of(box);
  CHECK(lines_of(out.out) == std::vector<std::string>{
                                 "prefix=" + prefix,
                                 "path=" + prefix + "/bin",
                                 "greeting=it's \"quoted\" $HOME \\n default",
                                 "hello from the environment",
                                 "after=unset unset",
                                 "path-restored",
                                 "no-deactivate",
                             });
  // It synced first: the lock and the environment exist.
  CHECK(box.exists("project/wharf.lock"));
  CHECK(box.exists("project/.wharf/envs/default/bin/hello"));
}

TEST_CASE("activate restores variables that were set before", "[integration]") {
  Sandbox box;
  make_project(box);
  auto out = run_shell(
      box, "bash",
      "eval \"$(\"$WHARF\" activate)\" && echo \"$GREETING\" | cut -c1-4 && "
      "deactivate && echo \"$GREETING|$CMAKE_PREFIX_PATH\"",
      {{"GREETING", "old 'one'"}, {"CMAKE_PREFIX_PATH", "/opt/x"}, {"SHELL", "/bin/bash"}});
  INFO(out.err);
  REQUIRE(out.exit_code == 0);
  CHECK(out.out == "it's\nold 'one'|/opt/x\n");
  auto bad = box.wharf({"activate", "--shell", "tcsh"}, "project");
  require_exit(bad, 2);
  CHECK(bad.err.find("tcsh") != std::string::npos);
}

TEST_CASE("activate --shell fish works in a real fish", "[integration]") {
  if (!wharf::find_in_path("fish", wharf::current_environment()["PATH"])) {
    WARN("fish is not installed; skipped");
    SUCCEED("skipped");  // the suite runs with --warn NoAssertions
    return;
  }
  Sandbox box;
  make_project(box);
  auto out = run_shell(box, "fish",
                       "\"$WHARF\" activate --shell fish | source; echo $WHARF_PREFIX; "
                       "printf '%s\\n' \"$GREETING\"; hello; deactivate; set -q WHARF_PREFIX; "
                       "or echo gone");
  INFO(out.err);
  REQUIRE(out.exit_code == 0);
  CHECK(lines_of(out.out) == std::vector<std::string>{prefix_of(box),
                                                      "it's \"quoted\" $HOME \\n default",
                                                      "hello from the environment", "gone"});
}

TEST_CASE("activate prints fish and zsh syntax", "[integration]") {
  Sandbox box;
  make_project(box);
  auto fish = box.wharf({"activate", "--shell", "fish"}, "project");
  require_exit(fish, 0);
  CHECK(fish.out.find("set -gx WHARF_PREFIX '" + prefix_of(box) + "'\n") != std::string::npos);
  CHECK(fish.out.find("set -gx GREETING 'it\\'s \"quoted\" $HOME \\\\n default'\n") !=
        std::string::npos);
  CHECK(fish.out.find("set -gx PATH '" + prefix_of(box) + "/bin' ") != std::string::npos);
  auto zsh = box.wharf({"activate", "--shell", "zsh"}, "project");
  require_exit(zsh, 0);
  CHECK(zsh.out.find("export WHARF_PREFIX='" + prefix_of(box) + "'\n") != std::string::npos);
  CHECK(zsh.out.find("deactivate() {\n") != std::string::npos);
}

TEST_CASE("run passes exactly the arguments after `--`", "[integration]") {
  Sandbox box;
  make_project(box);
  auto run = box.wharf({"run", "--", "sh", "-c", "printf '[%s]' \"$@\"", "sh", "a", "--", "-b"},
                       "project");
  require_exit(run, 0);
  CHECK(run.out == "[a][--][-b]");
  auto bare = box.wharf({"run", "--", "sh", "-c", "echo $#"}, "project");
  require_exit(bare, 0);
  CHECK(bare.out == "0\n");
}

TEST_CASE("wharf shell runs $SHELL in the environment and exits with its code", "[integration]") {
  Sandbox box;
  make_project(box);
  box.write("fake-shell.sh",
            "#!/bin/sh\n"
            "echo \"prefix=$WHARF_PREFIX\"\n"
            "echo \"path=${PATH%%:*}\"\n"
            "hello\n"
            "exit 7\n",
            true);
  auto shell = box.wharf({"shell"}, "project", {{"SHELL", box.path("fake-shell.sh").string()}});
  INFO(shell.err);
  CHECK(shell.code == 7);
  CHECK(shell.out == "prefix=" + prefix_of(box) + "\npath=" + prefix_of(box) +
                         "/bin\nhello from the environment\n");
  CHECK(shell.err.find("Entering environment `default`") != std::string::npos);

  auto missing = box.wharf({"shell"}, "project", {{"SHELL", box.path("no-such-shell").string()}});
  require_exit(missing, 1);
  CHECK(missing.err.find("no-such-shell") != std::string::npos);
  require_exit(box.wharf({"shell", "-e", "nope"}, "project"), 2);
}

TEST_CASE("bash completions load in real bash and cover every command", "[integration]") {
  Sandbox box;
  // The subcommands, as `wharf --help` lists them.
  auto help = box.wharf({"--help"});
  require_exit(help, 0);
  std::vector<std::string> commands;
  bool in_list = false;
  for (const auto& line : lines_of(help.out)) {
    if (line.starts_with("SUBCOMMANDS:") || line.starts_with("Subcommands:")) {
      in_list = true;
      continue;
    }
    if (in_list && line.size() > 2 && line[0] == ' ') {
      std::istringstream words(line);
      std::string name;
      words >> name;
      commands.push_back(name);
    }
  }
  REQUIRE(commands.size() >= 12);
  for (const char* expected : {"add", "remove", "shell", "activate", "completions", "sync"})
    CHECK(std::find(commands.begin(), commands.end(), expected) != commands.end());

  box.write("project/wharf.yaml", "name: demo\n");
  auto out = run_shell(box, "bash",
                       "set -e\n"
                       "source <(\"$WHARF\" completions bash)\n"
                       "complete -p wharf\n"
                       "complete_words() { COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); _wharf; "
                       "echo \"${COMPREPLY[*]}\"; }\n"
                       "complete_words wharf ''\n"
                       "complete_words wharf sy\n"
                       "complete_words wharf add --no\n"
                       "complete_words wharf registry ''\n"
                       "complete_words wharf activate --shell ''\n"
                       "complete_words wharf completions ''\n"
                       "complete_words wharf sync --locked --fr\n");
  INFO(out.err);
  REQUIRE(out.exit_code == 0);
  auto lines = lines_of(out.out);
  REQUIRE(lines.size() == 8);
  CHECK(lines[0] == "complete -o default -F _wharf wharf");
  std::set<std::string> top;
  std::istringstream words(lines[1]);
  for (std::string w; words >> w;) top.insert(w);
  for (const auto& command : commands) CHECK(top.count(command) == 1);
  CHECK(top.count("--quiet") == 1);
  CHECK(lines[2] == "sync");
  CHECK(lines[3] == "--no-sync");
  CHECK(lines[4].starts_with("index"));
  CHECK(lines[5] == "bash zsh fish");
  CHECK(lines[6].starts_with("bash zsh fish"));
  CHECK(lines[7] == "--frozen");  // a flag takes no value: the next word is a flag again

  // zsh and fish scripts name every command too (run only where the shell is installed).
  for (const char* shell : {"zsh", "fish"}) {
    auto script = box.wharf({"completions", shell});
    require_exit(script, 0);
    for (const auto& command : commands) CHECK(script.out.find(command) != std::string::npos);
    if (wharf::find_in_path(shell, wharf::current_environment()["PATH"])) {
      auto loaded = run_shell(box, shell,
                              std::string(shell) == "zsh"
                                  ? "autoload -Uz compinit && compinit -u && source <(\"$WHARF\" "
                                    "completions zsh)"
                                  : "\"$WHARF\" completions fish | source; complete -c wharf | "
                                    "grep -q activate");
      CHECK(loaded.exit_code == 0);
    }
  }
  require_exit(box.wharf({"completions", "tcsh"}), 2);
}
