// Real concurrent wharf processes: one project synced four times at once, and
// four projects sharing one cache.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

#include "support/harness.hpp"

using namespace wharf::test;

namespace {

void make_registry(const Sandbox& box) {
  for (int i = 0; i < 6; ++i) {
    std::string name = "pkg" + std::to_string(i);
    std::map<std::string, std::string> files;
    for (int f = 0; f < 20; ++f)
      files["share/" + name + "/file" + std::to_string(f) + ".txt"] =
          name + " " + std::to_string(f) + "\n";
    files["bin/" + name] = "#!/bin/sh\necho " + name + "\n";
    box.add_package({name, "1.0.0", "any", {}, files, {"bin/" + name}});
  }
  box.index();
}

const char* kDeps =
    "  pkg0: \"*\"\n  pkg1: \"*\"\n  pkg2: \"*\"\n  pkg3: \"*\"\n  pkg4: \"*\"\n  pkg5: \"*\"\n";

}  // namespace

TEST_CASE("four concurrent syncs of one project all succeed and verify", "[integration]") {
  Sandbox box;
  make_registry(box);
  box.write_project(kDeps);
  std::vector<std::future<CommandResult>> runs;
  for (int i = 0; i < 4; ++i)
    runs.push_back(
        std::async(std::launch::async, [&box] { return box.wharf({"sync"}, "project"); }));
  for (auto& run : runs) require_exit(run.get(), 0);
  require_exit(box.wharf({"verify"}, "project"), 0);
  require_exit(box.wharf({"sync", "--locked"}, "project"), 0);
  auto tool = box.wharf({"run", "--", "pkg3"}, "project");
  CHECK(tool.out == "pkg3\n");
}

TEST_CASE("four projects sharing one cache sync at once", "[integration]") {
  Sandbox box;
  make_registry(box);
  for (int i = 0; i < 4; ++i) box.write_project(kDeps, "", "project" + std::to_string(i));
  std::vector<std::future<CommandResult>> runs;
  for (int i = 0; i < 4; ++i) {
    std::string project = "project" + std::to_string(i);
    runs.push_back(
        std::async(std::launch::async, [&box, project] { return box.wharf({"sync"}, project); }));
  }
  for (auto& run : runs) require_exit(run.get(), 0);
  for (int i = 0; i < 4; ++i) require_exit(box.wharf({"verify"}, "project" + std::to_string(i)), 0);
  // One unpacked tree per artifact, however many processes asked for it.
  int trees = 0;
  for (auto& entry : std::filesystem::directory_iterator(box.cache() / "trees"))
    if (entry.is_directory()) ++trees;
  CHECK(trees == 6);
}

TEST_CASE("concurrent locks share the cache of a registry's index folder", "[integration]") {
  Sandbox box;
  make_registry(box);
  for (int i = 0; i < 4; ++i) box.write_project(kDeps, "", "project" + std::to_string(i));
  // Index files are recorded once they are more than a second old.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  std::vector<std::future<CommandResult>> runs;
  for (int i = 0; i < 4; ++i) {
    std::string project = "project" + std::to_string(i);
    runs.push_back(std::async(std::launch::async, [&box, project] {
      return box.wharf({"-v", "lock"}, project);
    }));
  }
  for (auto& run : runs) require_exit(run.get(), 0);
  std::string lock = box.read("project0/wharf.lock");
  for (int i = 1; i < 4; ++i)
    CHECK(box.read("project" + std::to_string(i) + "/wharf.lock") == lock);

  // Whichever process wrote the folder's entry last, it answers every file.
  auto warm = box.wharf({"-v", "lock", "--update"}, "project0");
  require_exit(warm, 0);
  CHECK(warm.err.find("Index files of registry `main`: 6 from the cache, 0 parsed") !=
        std::string::npos);

  // An edited index file is parsed again; the others are still answered.
  std::string pkg2 = box.read("registry/index/pkg2.yaml");
  box.write("registry/index/pkg2.yaml", "# edited\n" + pkg2);
  auto edited = box.wharf({"-v", "lock", "--update"}, "project0");
  require_exit(edited, 0);
  CHECK(edited.err.find("5 from the cache, 1 parsed") != std::string::npos);
  CHECK(box.read("project0/wharf.lock") == lock);

  // A damaged entry is only a miss: every file is parsed, the lock is the same.
  for (const auto& entry : std::filesystem::directory_iterator(box.cache() / "index-cache"))
    if (entry.path().filename().string().starts_with("folder-"))
      std::filesystem::resize_file(entry.path(), std::filesystem::file_size(entry.path()) / 2);
  auto damaged = box.wharf({"-v", "lock", "--update"}, "project0");
  require_exit(damaged, 0);
  CHECK(damaged.err.find("from the cache, ") != std::string::npos);
  CHECK(damaged.err.find(", 0 parsed") == std::string::npos);
  CHECK(box.read("project0/wharf.lock") == lock);
}
