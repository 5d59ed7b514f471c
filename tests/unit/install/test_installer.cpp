#include <sys/stat.h>
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

struct Fixture {
  TempDir dir{"wharf-install"};
  fs::path cache = dir.path() / "cache";
  fs::path prefix = dir.path() / "project" / ".wharf" / "envs" / "default";

  std::vector<PackageTree> many(int count, int files = 3, const std::string& version = "1.0.0") {
    std::vector<PackageTree> out;
    for (int i = 0; i < count; ++i) {
      auto name = "pkg" + std::to_string(i);
      out.push_back(make_package(cache, name, version, standard_spec(name, version, files)));
    }
    return out;
  }
  Request request(std::vector<PackageTree> packages) {
    return Request{.prefix = prefix, .packages = std::move(packages)};
  }
};

ApplyReport must_apply(const Request& request) {
  auto report = apply(request);
  if (!report) FAIL(report.error().message);
  return *report;
}

void require_verified(const fs::path& prefix) {
  auto report = verify(prefix);
  REQUIRE(report);
  for (const auto& p : report->problems) INFO(to_string(p.kind) + " " + p.path);
  REQUIRE(report->ok());
}

std::map<std::string, ino_t> inodes_of(const fs::path& prefix, const std::string& under) {
  std::map<std::string, ino_t> out;
  for (auto& [rel, content] : snapshot(prefix))
    if (rel.starts_with(under) && content != "/") out[rel] = inode_of(prefix / rel);
  return out;
}

}  // namespace

TEST_CASE("a fresh install links every file and keeps exec bits and symlinks", "[install]") {
  Fixture f;
  auto packages = f.many(3);
  auto report = must_apply(f.request(packages));
  CHECK(report.plan.add == std::vector<std::string>{"pkg0", "pkg1", "pkg2"});
  CHECK(report.link_mode == "hardlink");  // same file system, no reflink on ext4/tmpfs
  CHECK(report.files_linked == 3 * 6);
  CHECK(fs::is_symlink(f.prefix));

  auto snap = snapshot(f.prefix);
  CHECK(snap.at("bin/pkg1") == "#!/bin/sh\necho pkg1 1.0.0\n");
  CHECK(snap.at("lib/libpkg2.so") == "->libpkg2.so.1.0.0");
  CHECK(read_text(f.prefix / "lib/libpkg2.so") == "ELF pkg2 1.0.0");
  struct stat st {};
  REQUIRE(::stat((f.prefix / "bin/pkg0").c_str(), &st) == 0);
  CHECK((st.st_mode & 0111) == 0111);
  REQUIRE(::stat((f.prefix / "share/pkg0/data-0.txt").c_str(), &st) == 0);
  CHECK((st.st_mode & 0111) == 0);
  // Hard links share the cache inode.
  CHECK(inode_of(f.prefix / "bin/pkg0") == inode_of(packages[0].tree / "bin/pkg0"));
  require_verified(f.prefix);

  auto up = is_up_to_date(f.request(packages));
  REQUIRE(up);
  CHECK(*up);
  auto again = must_apply(f.request(packages));
  CHECK(again.plan.is_noop());
  CHECK(again.generation == report.generation);
  CHECK(again.files_linked == 0);
}

TEST_CASE("is_up_to_date notices every change of the desired set", "[install]") {
  Fixture f;
  auto packages = f.many(3);
  auto up = is_up_to_date(f.request(packages));
  REQUIRE(up);
  CHECK_FALSE(*up);  // nothing installed yet
  must_apply(f.request(packages));
  CHECK(*is_up_to_date(f.request(packages)));

  auto changed = packages;
  changed[1].id = "other-content";
  CHECK_FALSE(*is_up_to_date(f.request(changed)));
  changed = packages;
  changed[1].subdir = "share/pkg1";
  CHECK_FALSE(*is_up_to_date(f.request(changed)));
  changed = packages;
  changed.pop_back();
  CHECK_FALSE(*is_up_to_date(f.request(changed)));
  auto request = f.request(packages);
  request.reinstall = {"pkg0"};
  CHECK_FALSE(*is_up_to_date(request));
  request = f.request(packages);
  request.repair = Request::Repair::All;
  CHECK_FALSE(*is_up_to_date(request));
  // Order of the list does not matter.
  std::reverse(packages.begin(), packages.end());
  CHECK(*is_up_to_date(f.request(packages)));
}

TEST_CASE("upgrading or downgrading or adding or removing one package touches only its files",
          "[install]") {
  Fixture f;
  auto packages = f.many(20);
  must_apply(f.request(packages));
  auto before = inodes_of(f.prefix, "");
  auto others_unchanged = [&](const std::string& except) {
    auto now = inodes_of(f.prefix, "");
    std::size_t compared = 0;
    for (auto& [rel, ino] : before) {
      if (rel.find(except) != std::string::npos) continue;
      INFO(rel);
      REQUIRE(now.contains(rel));
      CHECK(now[rel] == ino);
      ++compared;
    }
    CHECK(compared > 100);
  };

  SECTION("upgrade then downgrade") {
    auto upgraded = packages;
    upgraded[7] = make_package(f.cache, "pkg7", "2.0.0", standard_spec("pkg7", "2.0.0", 3));
    auto report = must_apply(f.request(upgraded));
    CHECK(report.plan.replace == std::vector<std::string>{"pkg7"});
    CHECK(report.plan.keep.size() == 19);
    CHECK(report.files_linked == 6);
    CHECK(report.files_kept == 19 * 6);
    CHECK(read_text(f.prefix / "bin/pkg7") == "#!/bin/sh\necho pkg7 2.0.0\n");
    CHECK(fs::is_symlink(f.prefix / "lib/libpkg7.so"));
    CHECK(fs::read_symlink(f.prefix / "lib/libpkg7.so") == "libpkg7.so.2.0.0");
    CHECK_FALSE(fs::exists(f.prefix / "lib/libpkg7.so.1.0.0"));
    others_unchanged("pkg7");
    require_verified(f.prefix);

    report = must_apply(f.request(packages));
    CHECK(report.plan.replace == std::vector<std::string>{"pkg7"});
    CHECK(read_text(f.prefix / "bin/pkg7") == "#!/bin/sh\necho pkg7 1.0.0\n");
    CHECK_FALSE(fs::exists(f.prefix / "lib/libpkg7.so.2.0.0"));
    others_unchanged("pkg7");
    require_verified(f.prefix);
  }
  SECTION("add") {
    auto more = packages;
    more.push_back(make_package(f.cache, "extra", "0.1", standard_spec("extra", "0.1", 2)));
    auto report = must_apply(f.request(more));
    CHECK(report.plan.add == std::vector<std::string>{"extra"});
    CHECK(read_text(f.prefix / "share/extra/data-1.txt") == "extra 0.1 file 1\n");
    others_unchanged("extra");
    require_verified(f.prefix);
  }
  SECTION("remove keeps shared folders and what the user added") {
    write_text(f.prefix / "share/pkg3/notes.txt", "mine");
    write_text(f.prefix / "mine/config", "user");
    auto fewer = packages;
    fewer.erase(fewer.begin() + 3);
    auto report = must_apply(f.request(fewer));
    CHECK(report.plan.remove == std::vector<std::string>{"pkg3"});
    CHECK_FALSE(fs::exists(f.prefix / "bin/pkg3"));
    CHECK_FALSE(fs::exists(f.prefix / "lib/libpkg3.so"));
    CHECK_FALSE(fs::exists(f.prefix / "share/pkg3/data-0.txt"));
    CHECK(read_text(f.prefix / "share/pkg3/notes.txt") == "mine");
    CHECK(read_text(f.prefix / "mine/config") == "user");
    CHECK(fs::is_directory(f.prefix / "bin"));
    others_unchanged("pkg3");

    fewer = {packages[0]};
    must_apply(f.request(fewer));
    fs::remove(f.prefix / "share/pkg3/notes.txt");
    must_apply(f.request({}));
    // Folders left empty by the removals are gone; user folders stay.
    auto snap = snapshot(f.prefix);
    CHECK(snap == std::map<std::string, std::string>{
                      {"mine", "/"}, {"mine/config", "user"}, {"share", "/"}, {"share/pkg3", "/"}});
  }
}

TEST_CASE("a clash names both packages and the path and writes nothing", "[install]") {
  Fixture f;
  auto a = make_package(f.cache, "alpha", "1.0", {{"bin/tool*", "alpha tool"}, {"share/a", "a"}});
  auto b = make_package(f.cache, "beta", "2.0", {{"bin/tool*", "beta tool"}, {"share/b", "b"}});
  auto c = make_package(f.cache, "gamma", "1.0", {{"share/c", "c"}});

  SECTION("into an empty environment") {
    auto planned = plan(f.request({a, b}));
    REQUIRE_FALSE(planned);
    CHECK(planned.error().message.find("`alpha`") != std::string::npos);
    CHECK(planned.error().message.find("`beta`") != std::string::npos);
    CHECK(planned.error().message.find("bin/tool") != std::string::npos);
    auto applied = apply(f.request({a, b}));
    REQUIRE_FALSE(applied);
    CHECK(applied.error().message == planned.error().message);
    CHECK_FALSE(fs::exists(f.prefix));
    for (auto& entry : fs::directory_iterator(f.prefix.parent_path()))
      CHECK(entry.path().filename() == ".default.lock");
  }
  SECTION("into an existing environment") {
    must_apply(f.request({a, c}));
    auto target = fs::read_symlink(f.prefix);
    auto before = snapshot(f.prefix);
    auto applied = apply(f.request({a, b, c}));
    REQUIRE_FALSE(applied);
    CHECK(applied.error().message.find("both install `bin/tool`") != std::string::npos);
    CHECK(fs::read_symlink(f.prefix) == target);
    CHECK(snapshot(f.prefix) == before);
    require_verified(f.prefix);
  }
  SECTION("a file against a folder") {
    auto d = make_package(f.cache, "delta", "1.0", {{"bin/tool/inner", "x"}});
    auto applied = apply(f.request({a, d}));
    REQUIRE_FALSE(applied);
    CHECK(applied.error().message.find("`bin/tool`") != std::string::npos);
    CHECK(applied.error().message.find("alpha") != std::string::npos);
    CHECK(applied.error().message.find("delta") != std::string::npos);
  }
  SECTION("clash_winners lets one package win") {
    auto request = f.request({a, b, c});
    request.clash_winners["bin/tool"] = "beta";
    auto planned = plan(request);
    REQUIRE(planned);
    CHECK(planned->clashes_won.at("bin/tool") == "beta");
    must_apply(request);
    CHECK(read_text(f.prefix / "bin/tool") == "beta tool");
    CHECK(read_text(f.prefix / "share/a") == "a");
    require_verified(f.prefix);

    request.clash_winners["bin/tool"] = "alpha";
    must_apply(request);
    CHECK(read_text(f.prefix / "bin/tool") == "alpha tool");
    require_verified(f.prefix);

    request.clash_winners["bin/tool"] = "gamma";  // not a claimant
    auto bad = apply(request);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().hint.find("gamma") != std::string::npos);
  }
}

TEST_CASE("verify reports modified and missing and extra files and repair fixes them",
          "[install]") {
  Fixture f;
  auto packages = f.many(3);
  must_apply(f.request(packages));
  require_verified(f.prefix);

  // Editing a hard-linked file is not supported: replace it as an editor does.
  fs::remove(f.prefix / "share/pkg1/data-0.txt");
  write_text(f.prefix / "share/pkg1/data-0.txt", "edited");
  fs::remove(f.prefix / "bin/pkg2");
  write_text(f.prefix / "share/pkg0/added.txt", "mine");
  fs::remove(f.prefix / "lib/libpkg0.so");
  fs::create_directory(f.prefix / "lib/libpkg0.so");

  auto report = verify(f.prefix);
  REQUIRE(report);
  REQUIRE(report->problems.size() == 4);
  using K = FileProblem::Kind;
  CHECK(report->problems[0].path == "bin/pkg2");
  CHECK(report->problems[0].kind == K::Missing);
  CHECK(report->problems[0].package == "pkg2");
  CHECK(report->problems[1].path == "lib/libpkg0.so");
  CHECK(report->problems[1].kind == K::TypeChanged);
  CHECK(report->problems[2].path == "share/pkg0/added.txt");
  CHECK(report->problems[2].kind == K::Extra);
  CHECK(report->problems[3].path == "share/pkg1/data-0.txt");
  CHECK(report->problems[3].kind == K::Modified);
  CHECK(report->problems[3].package == "pkg1");

  // A plain apply leaves edits alone (nothing changed in the request).
  CHECK(must_apply(f.request(packages)).plan.is_noop());

  auto request = f.request(packages);
  request.repair = Request::Repair::All;
  auto repaired = must_apply(request);
  CHECK(repaired.files_linked == 3);
  CHECK(read_text(f.prefix / "share/pkg1/data-0.txt") == "pkg1 1.0.0 file 0\n");
  CHECK(fs::exists(f.prefix / "bin/pkg2"));
  CHECK(fs::is_symlink(f.prefix / "lib/libpkg0.so"));
  CHECK(read_text(f.prefix / "share/pkg0/added.txt") == "mine");  // user files are kept
  report = verify(f.prefix);
  REQUIRE(report);
  REQUIRE(report->problems.size() == 1);
  CHECK(report->problems[0].kind == K::Extra);
  fs::remove(f.prefix / "share/pkg0/added.txt");
  require_verified(f.prefix);
}

TEST_CASE("a changed mode or a modified copy is reported", "[install]") {
  Fixture f;
  ::setenv("WHARF_TEST_LINK_MODE", "copy", 1);
  auto packages = f.many(1);
  auto report = apply(f.request(packages));
  ::unsetenv("WHARF_TEST_LINK_MODE");
  REQUIRE(report);
  CHECK(report->link_mode == "copy");
  CHECK(inode_of(f.prefix / "bin/pkg0") != inode_of(packages[0].tree / "bin/pkg0"));
  require_verified(f.prefix);
  ::chmod((f.prefix / "share/pkg0/data-1.txt").c_str(), 0644);
  write_text(f.prefix / "share/pkg0/data-1.txt", "pkg0 1.0.0 file X\n");  // same size
  ::chmod((f.prefix / "bin/pkg0").c_str(), 0444);
  auto verified = verify(f.prefix);
  REQUIRE(verified);
  REQUIRE(verified->problems.size() == 2);
  CHECK(verified->problems[0].path == "bin/pkg0");
  CHECK(verified->problems[1].path == "share/pkg0/data-1.txt");
  CHECK(verified->problems[1].kind == FileProblem::Kind::Modified);
}

TEST_CASE("reinstall relinks one package from its tree", "[install]") {
  Fixture f;
  ::setenv("WHARF_TEST_LINK_MODE", "copy", 1);
  auto packages = f.many(3);
  must_apply(f.request(packages));
  auto before0 = inode_of(f.prefix / "bin/pkg0");
  auto before1 = inode_of(f.prefix / "bin/pkg1");
  auto request = f.request(packages);
  request.reinstall = {"pkg1"};
  auto report = apply(request);
  ::unsetenv("WHARF_TEST_LINK_MODE");
  REQUIRE(report);
  CHECK(report->plan.replace == std::vector<std::string>{"pkg1"});
  CHECK(inode_of(f.prefix / "bin/pkg0") == before0);
  CHECK(inode_of(f.prefix / "bin/pkg1") != before1);
  request.reinstall = {"pkg9"};
  auto bad = apply(request);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind == ErrorKind::Input);
}

TEST_CASE("skip and subdir place a leaf package under share/<name>", "[install]") {
  Fixture f;
  auto leaf = make_package(f.cache, "leaf", "0.0.1",
                           {{"wharf-package.yaml", "name: leaf"},
                            {"README", "read me"},
                            {"docs/guide.md", "guide"},
                            {"run.sh*", "#!/bin/sh\n"},
                            {"current", "->docs"}});
  leaf.skip = {"wharf-package.yaml"};
  leaf.subdir = "share/leaf";
  auto root = make_package(f.cache, "rooted", "1",
                           {{"wharf-package.yaml", "name: rooted"}, {"bin/r", "r"}});
  root.skip = {"wharf-package.yaml"};
  must_apply(f.request({leaf, root}));
  auto snap = snapshot(f.prefix);
  CHECK(snap == std::map<std::string, std::string>{{"bin", "/"},
                                                   {"bin/r", "r"},
                                                   {"share", "/"},
                                                   {"share/leaf", "/"},
                                                   {"share/leaf/README", "read me"},
                                                   {"share/leaf/current", "->docs"},
                                                   {"share/leaf/docs", "/"},
                                                   {"share/leaf/docs/guide.md", "guide"},
                                                   {"share/leaf/run.sh", "#!/bin/sh\n"}});
  CHECK(read_text(f.prefix / "share/leaf/current/guide.md") == "guide");
  CHECK(::access((f.prefix / "share/leaf/run.sh").c_str(), X_OK) == 0);
  require_verified(f.prefix);
}

TEST_CASE("a cache on another device falls back to copies", "[install]") {
  Fixture f;
  if (!fs::is_directory("/dev/shm")) {
    WARN("no /dev/shm: the cross-device case is covered by WHARF_TEST_LINK_MODE only");
    return;
  }
  std::string pattern = "/dev/shm/wharf-install-XXXXXX";
  REQUIRE(::mkdtemp(pattern.data()) != nullptr);
  fs::path shm = pattern;
  struct stat a {};
  struct stat b {};
  ::stat(shm.c_str(), &a);
  ::stat(f.dir.path().c_str(), &b);
  if (a.st_dev == b.st_dev) {
    fs::remove_all(shm);
    WARN("/dev/shm is on the same device as the temp folder");
    return;
  }
  std::vector<PackageTree> packages;
  for (int i = 0; i < 3; ++i) {
    auto name = "p" + std::to_string(i);
    packages.push_back(make_package(shm, name, "1.0", standard_spec(name, "1.0", 2)));
  }
  auto report = apply(f.request(packages));
  std::error_code ec;
  auto cleanup = [&] {
    for (auto it = fs::recursive_directory_iterator(shm, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
      fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(shm, ec);
  };
  if (!report) {
    cleanup();
    FAIL(report.error().message);
  }
  CHECK(report->link_mode == "copy");
  CHECK(read_text(f.prefix / "share/p1/data-1.txt") == "p1 1.0 file 1\n");
  CHECK(::access((f.prefix / "bin/p2").c_str(), X_OK) == 0);
  CHECK(fs::read_symlink(f.prefix / "lib/libp0.so") == "libp0.so.1.0");
  require_verified(f.prefix);
  // Kept packages are carried over as the same (copied) inodes.
  auto ino = inode_of(f.prefix / "share/p0/data-0.txt");
  packages.pop_back();
  must_apply(f.request(packages));
  CHECK(inode_of(f.prefix / "share/p0/data-0.txt") == ino);
  cleanup();
}

TEST_CASE("an unmanaged folder at the prefix becomes an environment keeping its files",
          "[install]") {
  Fixture f;
  write_text(f.prefix / "bin/own-script", "mine");
  auto packages = f.many(2);
  must_apply(f.request(packages));
  CHECK(fs::is_symlink(f.prefix));
  CHECK(read_text(f.prefix / "bin/own-script") == "mine");
  CHECK(read_text(f.prefix / "bin/pkg1") == "#!/bin/sh\necho pkg1 1.0.0\n");
}

TEST_CASE("verify of a prefix never installed fails with a hint", "[install]") {
  Fixture f;
  auto report = verify(f.prefix);
  REQUIRE_FALSE(report);
  CHECK(report.error().message.find("no environment is installed") != std::string::npos);
  CHECK_FALSE(report.error().hint.empty());
}

TEST_CASE("a package shipping a .wharf folder or a missing tree is refused", "[install]") {
  Fixture f;
  auto bad = make_package(f.cache, "bad", "1", {{".wharf/record.json", "{}"}});
  auto result = plan(f.request({bad}));
  REQUIRE_FALSE(result);
  CHECK(result.error().message.find(".wharf") != std::string::npos);
  auto gone = make_package(f.cache, "gone", "1", {{"a", "a"}});
  gone.tree = f.cache / "nowhere";
  result = plan(f.request({gone}));
  REQUIRE_FALSE(result);
  CHECK(result.error().message.find("nowhere") != std::string::npos);
  auto dup = f.many(1);
  dup.push_back(dup[0]);
  result = plan(f.request(dup));
  REQUIRE_FALSE(result);
  CHECK(result.error().kind == ErrorKind::Input);
}

TEST_CASE("a package installing over a user file reports that it replaced it", "[install]") {
  Fixture f;
  auto packages = f.many(1);
  must_apply(f.request(packages));
  write_text(f.prefix / "bin/newtool", "user version");
  write_text(f.prefix / "bin/kept", "user kept");
  packages.push_back(make_package(f.cache, "newtool", "1", {{"bin/newtool*", "package version"}}));
  auto report = must_apply(f.request(packages));
  CHECK(report.user_files_replaced == std::vector<std::string>{"bin/newtool"});
  CHECK(read_text(f.prefix / "bin/newtool") == "package version");
  CHECK(read_text(f.prefix / "bin/kept") == "user kept");
}

TEST_CASE("private files are writable copies; the rest stay links into the cache", "[install]") {
  Fixture f;
  auto pkg = make_package(f.cache, "app", "1.0.0",
                          {{"bin/app*", "#!/bin/sh\n"},
                           {"etc/app.conf", "color = blue\n"},
                           {"etc/app.d/extra.ini", "x = 1\n"},
                           {"etc/other.txt", "shared\n"},
                           {"share/app/state/a.db", "db"}});
  pkg.private_files = {"etc/*.conf", "./share/app/state/", "etc/app.d"};
  auto report = must_apply(f.request({pkg}));
  CHECK(report.link_mode == "hardlink");
  for (const char* rel : {"etc/app.conf", "etc/app.d/extra.ini", "share/app/state/a.db"}) {
    INFO(rel);
    CHECK(inode_of(f.prefix / rel) != inode_of(pkg.tree / rel));
    struct stat st {};
    REQUIRE(::stat((f.prefix / rel).c_str(), &st) == 0);
    CHECK((st.st_mode & 0200) != 0);
  }
  // `*` stays within one folder, and unmatched files are hard links.
  CHECK(inode_of(f.prefix / "etc/other.txt") == inode_of(pkg.tree / "etc/other.txt"));
  CHECK(inode_of(f.prefix / "bin/app") == inode_of(pkg.tree / "bin/app"));
  require_verified(f.prefix);

  // Editing a private file leaves the cache alone; verify still reports it.
  write_text(f.prefix / "etc/app.conf", "color = red\n");
  CHECK(read_text(pkg.tree / "etc/app.conf") == "color = blue\n");
  auto checked = verify(f.prefix);
  REQUIRE(checked);
  REQUIRE(checked->problems.size() == 1);
  CHECK(checked->problems[0].path == "etc/app.conf");
  CHECK(checked->problems[0].kind == FileProblem::Kind::Modified);

  // The same tree without private files is a different request.
  auto plain = pkg;
  plain.private_files.clear();
  auto up = is_up_to_date(f.request({plain}));
  REQUIRE(up);
  CHECK_FALSE(*up);
}
