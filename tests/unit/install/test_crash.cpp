// Crash safety and concurrency of apply(): real processes, real SIGKILLs.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>

#include "support/install/trees.hpp"
#include "wharf/install/installer.hpp"
#include "wharf/util/fs.hpp"

using namespace wharf;
using namespace wharf::install;
using namespace wharf::install::testing;

namespace {

enum class Outcome { Finished, Killed, Failed };

// Runs apply() in a forked child, killed by SIGKILL at its `crash_after`-th
// step when crash_after > 0.
Outcome apply_in_child(const Request& request, long crash_after) {
  pid_t pid = ::fork();
  if (pid == 0) {
    if (crash_after > 0) ::setenv("WHARF_TEST_CRASH_AFTER", std::to_string(crash_after).c_str(), 1);
    auto result = apply(request);
    ::_exit(result ? 0 : 3);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) return Outcome::Killed;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Outcome::Finished;
  return Outcome::Failed;
}

std::vector<std::string> envs_listing(const fs::path& envs) {
  std::vector<std::string> names;
  for (auto& entry : fs::directory_iterator(envs)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

struct Sets {
  std::vector<PackageTree> old_set, new_set;
};

Sets make_sets(const fs::path& cache) {
  Sets sets;
  for (int i = 0; i < 5; ++i) {
    auto name = "p" + std::to_string(i);
    sets.old_set.push_back(make_package(cache, name, "1", standard_spec(name, "1", 2)));
  }
  sets.new_set = sets.old_set;
  sets.new_set[1] = make_package(cache, "p1", "2", standard_spec("p1", "2", 3));      // upgrade
  sets.new_set[3] = make_package(cache, "p3", "0.9", standard_spec("p3", "0.9", 1));  // downgrade
  sets.new_set.erase(sets.new_set.begin() + 4);                                       // remove
  sets.new_set.push_back(make_package(cache, "q", "1", standard_spec("q", "1", 2)));  // add
  return sets;
}

void require_only_user_file(const fs::path& prefix, const std::string& user_file) {
  auto report = verify(prefix);
  REQUIRE(report);
  for (const auto& p : report->problems) INFO(to_string(p.kind) + " " + p.path);
  if (user_file.empty()) {
    REQUIRE(report->ok());
    return;
  }
  REQUIRE(report->problems.size() == 1);
  CHECK(report->problems[0].kind == FileProblem::Kind::Extra);
  CHECK(report->problems[0].path == user_file);
}

}  // namespace

TEST_CASE("SIGKILL at any step of apply leaves the old or the new environment", "[install]") {
  TempDir dir("wharf-crash");
  auto sets = make_sets(dir.path() / "cache");
  const bool from_nothing = GENERATE(false, true);
  const std::string user_file = from_nothing ? "" : "etc/user.conf";

  // The expected snapshots, from uninterrupted runs.
  std::map<std::string, std::string> expected_old, expected_new;
  {
    fs::path ref = dir.path() / "ref" / "envs" / "default";
    if (!from_nothing) {
      REQUIRE(apply({.prefix = ref, .packages = sets.old_set}));
      write_text(ref / user_file, "user");
      expected_old = snapshot(ref);
    }
    REQUIRE(apply({.prefix = ref, .packages = sets.new_set}));
    expected_new = snapshot(ref);
  }
  REQUIRE(expected_old != expected_new);

  int killed = 0, saw_old = 0, saw_new = 0;
  for (long step = 1; step < 500; ++step) {
    INFO("killed at step " << step << (from_nothing ? " of a first install" : " of an upgrade"));
    fs::path prefix = dir.path() / ("run" + std::to_string(step)) / "envs" / "default";
    if (!from_nothing) {
      REQUIRE(apply({.prefix = prefix, .packages = sets.old_set}));
      write_text(prefix / user_file, "user");
    }
    Request request{.prefix = prefix, .packages = sets.new_set};
    auto outcome = apply_in_child(request, step);
    REQUIRE(outcome != Outcome::Failed);
    if (outcome == Outcome::Finished) {
      CHECK(snapshot(prefix) == expected_new);
      require_only_user_file(prefix, user_file);
      break;
    }
    ++killed;
    // Without recovery, a reader already sees one of the two states.
    auto seen = fs::exists(prefix) ? snapshot(prefix) : std::map<std::string, std::string>{};
    REQUIRE((seen == expected_old || seen == expected_new));

    REQUIRE(recover(prefix));
    seen = fs::exists(prefix) ? snapshot(prefix) : std::map<std::string, std::string>{};
    REQUIRE((seen == expected_old || seen == expected_new));
    (seen == expected_new ? saw_new : saw_old)++;
    if (fs::exists(prefix)) {
      require_only_user_file(prefix, user_file);
      // Only the visible generation survives recovery.
      auto names = envs_listing(prefix.parent_path());
      REQUIRE(names.size() == 3);
      CHECK(names[1] == ".default.lock");
      CHECK(names[2] == "default");
    }

    // The next apply completes the change.
    REQUIRE(apply(request));
    CHECK(snapshot(prefix) == expected_new);
    require_only_user_file(prefix, user_file);
    fs::remove_all(prefix.parent_path().parent_path());
  }
  CHECK(killed > 20);
  CHECK(saw_old > 10);
  CHECK(saw_new > 0);
}

TEST_CASE("concurrent applies of one environment queue and all succeed", "[install]") {
  TempDir dir("wharf-concurrent");
  auto sets = make_sets(dir.path() / "cache");
  fs::path prefix = dir.path() / "envs" / "default";
  std::vector<pid_t> children;
  for (int i = 0; i < 4; ++i) {
    pid_t pid = ::fork();
    if (pid == 0) {
      bool ok = true;
      for (int round = 0; round < 3; ++round) {
        const auto& set = (i + round) % 2 == 0 ? sets.old_set : sets.new_set;
        ok = ok && apply({.prefix = prefix, .packages = set}).has_value();
        ok = ok && verify(prefix).has_value();
      }
      ::_exit(ok ? 0 : 3);
    }
    children.push_back(pid);
  }
  for (auto pid : children) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  auto report = verify(prefix);
  REQUIRE(report);
  CHECK(report->ok());
  fs::path ref_old = dir.path() / "ref-old" / "default";
  fs::path ref_new = dir.path() / "ref-new" / "default";
  REQUIRE(apply({.prefix = ref_old, .packages = sets.old_set}));
  REQUIRE(apply({.prefix = ref_new, .packages = sets.new_set}));
  auto seen = snapshot(prefix);
  CHECK((seen == snapshot(ref_old) || seen == snapshot(ref_new)));
  CHECK(envs_listing(prefix.parent_path()).size() == 3);
}
