#include <catch2/catch.hpp>

#include "wharf/ops/activate.hpp"
#include "wharf/ops/edit.hpp"

using namespace wharf;
using namespace wharf::ops;

TEST_CASE("posix_quote and fish_quote survive every special character", "[ops]") {
  CHECK(posix_quote("plain") == "'plain'");
  CHECK(posix_quote("it's") == "'it'\\''s'");
  CHECK(posix_quote("$HOME \"x\" \\ `y`") == "'$HOME \"x\" \\ `y`'");
  CHECK(fish_quote("it's") == "'it\\'s'");
  CHECK(fish_quote("a\\b $x") == "'a\\\\b $x'");
}

TEST_CASE("activation_script sets what changed and deactivate restores it", "[ops]") {
  std::map<std::string, std::string> before{{"PATH", "/usr/bin:/bin"}, {"HOME", "/home/me"}};
  auto after = before;
  after["PATH"] = "/p/bin:/usr/bin:/bin";
  after["WHARF_PREFIX"] = "/p";
  auto bash = activation_script(ShellKind::Bash, before, after);
  CHECK(bash ==
        "deactivate() {\n"
        "    export PATH='/usr/bin:/bin'\n"
        "    unset WHARF_PREFIX\n"
        "    unset -f deactivate\n"
        "    hash -r 2>/dev/null\n"
        "}\n"
        "export PATH='/p/bin:/usr/bin:/bin'\n"
        "export WHARF_PREFIX='/p'\n"
        "hash -r 2>/dev/null\n");
  CHECK(bash.find("HOME") == std::string::npos);
  auto fish = activation_script(ShellKind::Fish, before, after);
  CHECK(fish ==
        "function deactivate --description 'Leave the wharf environment'\n"
        "    set -gx PATH '/usr/bin' '/bin'\n"
        "    set -e WHARF_PREFIX\n"
        "    functions -e deactivate\n"
        "end\n"
        "set -gx PATH '/p/bin' '/usr/bin' '/bin'\n"
        "set -gx WHARF_PREFIX '/p'\n");
}

TEST_CASE("shell names and the user's shell", "[ops]") {
  CHECK(parse_shell_kind("zsh").value() == ShellKind::Zsh);
  auto bad = parse_shell_kind("tcsh");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().exit_code() == 2);
  CHECK(user_shell({{"SHELL", "/usr/bin/fish"}}) == "/usr/bin/fish");
  CHECK(user_shell({{"SHELL", ""}}) == "/bin/sh");
  CHECK(user_shell({}) == "/bin/sh");
}

TEST_CASE("parse_add_spec splits NAME@CONSTRAINT", "[ops]") {
  auto plain = parse_add_spec("hello");
  REQUIRE(plain);
  CHECK(plain->name == "hello");
  CHECK(plain->constraint.empty());
  auto constrained = parse_add_spec("hello@>=1.2, <2");
  REQUIRE(constrained);
  CHECK(constrained->name == "hello");
  CHECK(constrained->constraint == ">=1.2, <2");
  CHECK_FALSE(parse_add_spec("hello@"));
  CHECK_FALSE(parse_add_spec("@1.0"));
}
