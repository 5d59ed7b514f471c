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

// zsh and fish are part of the suite's dependencies (scripts/deps.sh).
void require_shell(const std::string& shell) {
  if (!wharf::find_in_path(shell, wharf::current_environment()["PATH"]))
    FAIL(shell + " is not installed; run scripts/deps.sh (it installs zsh and fish)");
}

// The variables a shell test runs with: HOME and the XDG folders in the
// sandbox, so compinit and fish write nothing into the real home.
std::map<std::string, std::string> shell_home(const Sandbox& box,
                                              std::map<std::string, std::string> extra = {}) {
  extra["HOME"] = box.root().string();
  extra["XDG_CONFIG_HOME"] = box.path("config").string();
  extra["XDG_DATA_HOME"] = box.path("data").string();
  extra["XDG_CACHE_HOME"] = box.path("xdg-cache").string();
  return extra;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The subcommands, as `wharf --help` lists them.
std::vector<std::string> help_commands(const Sandbox& box) {
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
  return commands;
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

// What activate changes in this project, as each shell test sees it, with
// GREETING and CMAKE_PREFIX_PATH set before and WHARF_PREFIX not.
const std::map<std::string, std::string> kBefore = {{"GREETING", "old 'one' $x \\"},
                                                    {"CMAKE_PREFIX_PATH", "/opt/x::/opt/y"}};

std::vector<std::string> expected_activation(const Sandbox& box) {
  return {"prefix=" + prefix_of(box),
          "path=" + prefix_of(box) + "/bin",
          "greeting=it's \"quoted\" $HOME \\n default",
          "hello from the environment",
          "prefix-unset",
          "greeting=old 'one' $x \\",
          "path-restored",
          "no-deactivate",
          "env-restored"};
}

TEST_CASE("eval \"$(wharf activate --shell zsh)\" works in a real zsh", "[integration]") {
  require_shell("zsh");
  Sandbox box;
  make_project(box);
  auto out = run_shell(box, "zsh",
                       "setopt err_exit\n"
                       "env | grep -v '^_=' | LC_ALL=C sort > ../before.env\n"
                       "before=\"$PATH\"\n"
                       "eval \"$(\"$WHARF\" activate --shell zsh)\"\n"
                       "print -r -- \"prefix=$WHARF_PREFIX\"\n"
                       "print -r -- \"path=${PATH%%:*}\"\n"
                       "print -r -- \"greeting=$GREETING\"\n"
                       "hello\n"
                       "deactivate\n"
                       "if (( $+WHARF_PREFIX )); then print prefix-set; else print prefix-unset; "
                       "fi\n"
                       "print -r -- \"greeting=$GREETING\"\n"
                       "if [[ \"$PATH\" == \"$before\" ]]; then print path-restored; fi\n"
                       "if (( ! $+functions[deactivate] )); then print no-deactivate; fi\n"
                       "env | grep -v '^_=' | LC_ALL=C sort > ../after.env\n"
                       "if cmp ../before.env ../after.env >&2; then print env-restored; fi\n",
                       shell_home(box, kBefore));
  INFO(out.out << out.err);
  REQUIRE(out.exit_code == 0);
  CHECK(lines_of(out.out) == expected_activation(box));
  CHECK(out.err.find("zsh:") == std::string::npos);
}

TEST_CASE("wharf activate --shell fish | source works in a real fish", "[integration]") {
  require_shell("fish");
  Sandbox box;
  make_project(box);
  auto out = run_shell(box, "fish",
                       "env | string match -v -r '^_=' | env LC_ALL=C sort > ../before.env\n"
                       "set before \"$PATH\"\n"  // a path variable: `:`-joined in quotes
                       "\"$WHARF\" activate --shell fish | source\n"
                       "or exit 1\n"
                       "printf '%s\\n' \"prefix=$WHARF_PREFIX\" \"path=$PATH[1]\" "
                       "\"greeting=$GREETING\"\n"
                       "hello\n"
                       "deactivate\n"
                       "set -q WHARF_PREFIX; and echo prefix-set; or echo prefix-unset\n"
                       "printf '%s\\n' \"greeting=$GREETING\"\n"
                       "test \"$PATH\" = \"$before\"; and echo path-restored\n"
                       "functions -q deactivate; or echo no-deactivate\n"
                       "env | string match -v -r '^_=' | env LC_ALL=C sort > ../after.env\n"
                       "diff ../before.env ../after.env >&2; and echo env-restored\n",
                       shell_home(box, kBefore));
  INFO(out.out << out.err);
  REQUIRE(out.exit_code == 0);
  CHECK(lines_of(out.out) == expected_activation(box));
  CHECK(out.err.find("fish:") == std::string::npos);
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
  auto commands = help_commands(box);
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

  require_exit(box.wharf({"completions", "tcsh"}), 2);
}

namespace {

// Types each line into an interactive zsh (on a pty, through zsh/zpty) and
// completes it with the completion system; DIR/hits gets what compadd was
// given for each, then "== " and the line as completed. $1: DIR, $2: the
// commands that load the completion, $3...: the lines.
const char* kZshDriver = R"zsh(zmodload zsh/zpty || exit 3
dir=$1 load=$2
shift 2
zpty z zsh -f -i
zpty -w z "exec 2>${(q)dir}/errors; PS1='> '; unsetopt auto_list auto_menu; $load"
zpty -w z 'compadd() { local -a hits; builtin compadd -O hits "$@"; print -rl -- $hits >> '${(q)dir}'/hits; builtin compadd "$@"; }'
zpty -w z 'complete-and-mark() { zle complete-word; print -r -- "== $BUFFER" >> '${(q)dir}'/hits; zle -M "COMPLETED''$((++done))"; }'
zpty -w z 'zle -N complete-and-mark; bindkey "^T" complete-and-mark; done=0'
zpty -w z "print -r -- READY''0"
zpty -r z out '*READY0*' || exit 4
n=0
for line in "$@"; do
  zpty -w -n z "$line"$'\C-t'
  zpty -r z out "*COMPLETED$((++n))*" || exit 4
  zpty -w -n z $'\C-u'
done
zpty -w z "print -r -- registered=\${_comps[wharf]} >> ${(q)dir}/hits; print -r -- END''OF"
zpty -r z out '*ENDOF*' || exit 4
zpty -d z
)zsh";

// The words offered for each line, from the driver's hits file.
std::vector<std::set<std::string>> offered(const std::string& hits) {
  std::vector<std::set<std::string>> out;
  std::set<std::string> current;
  for (const auto& line : lines_of(hits)) {
    if (line.starts_with("== ")) {
      out.push_back(current);
      current.clear();
    } else if (!line.starts_with("registered=")) {
      current.insert(line);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("zsh completions load in a real zsh, sourced or from $fpath", "[integration]") {
  require_shell("zsh");
  Sandbox box;
  box.write("project/wharf.yaml", "name: demo\n");
  box.write("driver.zsh", kZshDriver);
  auto commands = help_commands(box);
  std::set<std::string> all(commands.begin(), commands.end());
  auto script = box.wharf({"completions", "zsh"});
  require_exit(script, 0);
  box.write("functions/_wharf", script.out);
  const std::vector<std::pair<std::string, std::string>> loads = {
      {"source", "autoload -U compinit; compinit -u; source <(\"$WHARF\" completions zsh)"},
      {"fpath",
       "fpath=(" + box.path("functions").string() + " $fpath); autoload -U compinit; compinit -u"},
  };
  for (const auto& [how, load] : loads) {
    SECTION(how) {
      auto dir = box.path(how);
      fs::create_directories(dir);
      auto out = wharf::run_process(
          {"timeout", "120", "zsh", "-f", box.path("driver.zsh").string(), dir.string(), load,
           "wharf ", "wharf sync --fr", "wharf activate --shell ", "wharf -C /tmp s",
           "wharf registry ", "wharf run -- ech"},
          [&] {
            wharf::ProcessOptions options;
            options.cwd = box.path("project");
            auto vars = wharf::current_environment();
            vars["WHARF"] = WHARF_BINARY;
            vars["WHARF_CACHE_DIR"] = box.cache().string();
            for (auto& [k, v] : shell_home(box)) vars[k] = v;
            options.env = vars;
            return options;
          }());
      REQUIRE(out);
      auto hits = box.read(how + "/hits");
      INFO(out->out << out->err << hits);
      REQUIRE(out->exit_code == 0);
      CHECK(box.read(how + "/errors").empty());  // nothing on stderr while loading or completing
      CHECK(lines_of(hits).back() == "registered=_wharf");
      auto words = offered(hits);
      REQUIRE(words.size() == 6);
      CHECK(words[0] == all);
      CHECK(words[1] == std::set<std::string>{"--frozen"});
      CHECK(words[2] == std::set<std::string>{"bash", "zsh", "fish"});
      CHECK(words[3] == std::set<std::string>{"sync", "shell"});  // -C's value is not a command
      CHECK(words[4].count("index") == 1);
      CHECK(words[5].count("echo") == 1);  // after `--` come commands
    }
  }
}

TEST_CASE("fish completions load in a real fish and offer every command", "[integration]") {
  require_shell("fish");
  Sandbox box;
  box.write("project/wharf.yaml", "name: demo\n");
  auto commands = help_commands(box);
  std::set<std::string> all(commands.begin(), commands.end());
  auto out = run_shell(box, "fish",
                       "\"$WHARF\" completions fish | source; or exit 1\n"
                       "for line in 'wharf ' 'wharf -C /tmp ' 'wharf sync --fr' "
                       "'wharf activate --shell ' 'wharf registry ' 'wharf remove add --b' "
                       "'wharf run -- ech' 'wharf -'\n"
                       "    complete -C $line | string replace -r '\\t.*' ''\n"
                       "    echo '=='\n"
                       "end\n",
                       shell_home(box));
  INFO(out.out << out.err);
  REQUIRE(out.exit_code == 0);
  CHECK(out.err.empty());
  std::vector<std::set<std::string>> words(1);
  for (const auto& line : lines_of(out.out)) {
    if (line == "==")
      words.emplace_back();
    else
      words.back().insert(line);
  }
  REQUIRE(words.size() == 9);
  CHECK(words[0] == all);
  CHECK(words[1] == all);  // the value of -C is not taken for a command
  CHECK(words[2] == std::set<std::string>{"--frozen"});
  CHECK(words[3] == std::set<std::string>{"bash", "zsh", "fish"});
  CHECK(words[4] == std::set<std::string>{"index"});
  CHECK(words[5].empty());  // `add` is remove's argument here, not the command: no --branch
  CHECK(words[6].count("echo") == 1);
  CHECK(words[7].count("--quiet") == 1);
  CHECK(words[7].count("--version") == 1);

  // Saved where fish autoloads completions from, it loads on first use.
  auto script = box.wharf({"completions", "fish"});
  require_exit(script, 0);
  box.write("config/fish/completions/wharf.fish", script.out);
  auto path =
      fs::path(WHARF_BINARY).parent_path().string() + ":" + wharf::current_environment()["PATH"];
  auto saved =
      run_shell(box, "fish", "complete -C 'wharf -C /tmp re' | string replace -r '\\t.*' ''",
                shell_home(box, {{"PATH", path}}));
  INFO(saved.err);
  REQUIRE(saved.exit_code == 0);
  CHECK(saved.out == "registry\nremove\n");
}
