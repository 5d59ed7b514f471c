// The cache on a real file system, with real concurrent processes (fork).
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <set>
#include <thread>

#include "wharf/archive/archive.hpp"
#include "wharf/store/store.hpp"
#include "wharf/util/fs.hpp"
#include "wharf/util/hash.hpp"
#include "wharf/util/process.hpp"

using namespace wharf;
using wharf::store::Store;

namespace {

void write_text(const fs::path& path, const std::string& text, unsigned perm = 0644) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
  fs::permissions(path, static_cast<fs::perms>(perm));
}

std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& entry : fs::directory_iterator(dir))
    out.insert(entry.path().filename().string());
  return out;
}

unsigned mode_of(const fs::path& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

void age(const fs::path& path, std::chrono::hours by) {
  fs::last_write_time(path, fs::file_time_type::clock::now() - by);
}

// Sets an environment variable for the scope, restoring the old value.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : m_name(name) {
    if (const char* old = std::getenv(name)) m_old = old;
    if (value != nullptr)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (m_old)
      ::setenv(m_name.c_str(), m_old->c_str(), 1);
    else
      ::unsetenv(m_name.c_str());
  }

 private:
  std::string m_name;
  std::optional<std::string> m_old;
};

// A package archive: wharf-package.yaml, an executable, a plain file, a link.
fs::path make_package(const fs::path& base, const std::string& name, std::size_t payload = 1000) {
  auto src = base / ("src-" + name);
  write_text(src / "wharf-package.yaml", "name: " + name + "\nversion: 1.0.0\n");
  write_text(src / "bin" / name, "#!/bin/sh\necho " + name + "\n", 0755);
  write_text(src / "share" / name / "data.txt", std::string(payload, 'd'));
  fs::create_symlink("data.txt", src / "share" / name / "link.txt");
  auto out = base / (name + ".tar.gz");
  REQUIRE(archive::pack(src, out, archive::Format::TarGz));
  return out;
}

}  // namespace

TEST_CASE("default_root follows WHARF_CACHE_DIR, then XDG_CACHE_HOME, then HOME", "[store]") {
  ScopedEnv home("HOME", "/home/someone");
  {
    ScopedEnv wharf_dir("WHARF_CACHE_DIR", "/srv/cache");
    ScopedEnv xdg("XDG_CACHE_HOME", "/xdg");
    CHECK(store::default_root() == fs::path("/srv/cache"));
  }
  {
    ScopedEnv wharf_dir("WHARF_CACHE_DIR", "");
    ScopedEnv xdg("XDG_CACHE_HOME", "/xdg");
    CHECK(store::default_root() == fs::path("/xdg/wharf"));
  }
  {
    ScopedEnv wharf_dir("WHARF_CACHE_DIR", nullptr);
    ScopedEnv xdg("XDG_CACHE_HOME", nullptr);
    CHECK(store::default_root() == fs::path("/home/someone/.cache/wharf"));
  }
  {
    ScopedEnv wharf_dir("WHARF_CACHE_DIR", nullptr);
    ScopedEnv xdg("XDG_CACHE_HOME", "relative/not/allowed");
    CHECK(store::default_root() == fs::path("/home/someone/.cache/wharf"));
  }
}

TEST_CASE("open creates the layout and refuses another layout version", "[store]") {
  TempDir dir;
  auto root = dir.path() / "cache";
  auto store = Store::open(root);
  REQUIRE(store);
  CHECK(store->root() == root);
  for (const char* area : {"downloads", "trees", "tmp", "locks", "uses", "index", "git"})
    CHECK(fs::is_directory(root / area));
  CHECK(store->index_dir() == root / "index");
  CHECK(store->git_dir() == root / "git");
  CHECK(read_file(root / "VERSION").value() == "wharf-cache 1\n");
  REQUIRE(Store::open(root));  // reopening is fine

  write_text(root / "VERSION", "wharf-cache 99\n");
  auto other = Store::open(root);
  REQUIRE_FALSE(other);
  CHECK(other.error().message.find("wharf-cache 99") != std::string::npos);
  CHECK_FALSE(other.error().hint.empty());
}

TEST_CASE("open removes tmp garbage older than an hour and keeps fresh files", "[store]") {
  TempDir dir;
  auto store = Store::open(dir.path()).value();
  write_text(store.temp_dir() / "killed-download", "partial");
  write_text(store.temp_dir() / "killed-tree/sub/file", "partial", 0444);
  fs::permissions(store.temp_dir() / "killed-tree/sub", fs::perms(0555));
  write_text(store.temp_dir() / "in-progress", "partial");
  age(store.temp_dir() / "killed-download", std::chrono::hours(2));
  age(store.temp_dir() / "killed-tree", std::chrono::hours(2));
  REQUIRE(Store::open(dir.path()));
  CHECK(names_in(store.temp_dir()) == std::set<std::string>{"in-progress"});
}

TEST_CASE("commit_download stores verified files and leaves nothing on a mismatch", "[store]") {
  TempDir dir;
  auto store = Store::open(dir.path() / "cache").value();
  const std::string content = "artifact bytes";
  const std::string sha = sha256_hex(content);

  auto temp = store.temp_path("dl");
  write_text(temp, content);
  auto stored = store.commit_download(temp, sha, "hello 1.0.0");
  REQUIRE(stored);
  CHECK(*stored == store.download_path(sha));
  CHECK(store.download_path(sha) == dir.path() / "cache" / "downloads" / sha.substr(0, 2) / sha);
  CHECK(store.has_download(sha));
  CHECK(read_file(*stored).value() == content);
  CHECK_FALSE(fs::exists(temp));

  // Committing the same content again is harmless.
  write_text(temp, content);
  REQUIRE(store.commit_download(temp, sha, "hello 1.0.0"));
  CHECK(read_file(*stored).value() == content);

  const std::string wrong = sha256_hex("something else");
  write_text(temp, "tampered");
  auto mismatch = store.commit_download(temp, wrong, "hello 1.0.0 (linux-x86_64)");
  REQUIRE_FALSE(mismatch);
  CHECK(mismatch.error().message == "sha256 mismatch for hello 1.0.0 (linux-x86_64): expected " +
                                        wrong + ", got " + sha256_hex("tampered"));
  CHECK(mismatch.error().exit_code() == 1);
  CHECK_FALSE(mismatch.error().hint.empty());
  CHECK_FALSE(fs::exists(temp));
  CHECK_FALSE(store.has_download(wrong));
  CHECK_FALSE(fs::exists(store.download_path(wrong).parent_path()));
  CHECK(fs::is_empty(store.temp_dir()));

  write_text(temp, content);
  auto bad = store.commit_download(temp, "ABC", "x");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().exit_code() == 2);
  CHECK_FALSE(fs::exists(temp));
}

TEST_CASE("adopt_verified_download moves a checked file in without reading it", "[store]") {
  TempDir dir;
  auto store = Store::open(dir.path() / "cache").value();
  const std::string content = "streamed and hashed by net";
  const std::string sha = sha256_hex(content);
  auto temp = store.temp_path("dl");
  write_text(temp, content);
  auto stored = store.adopt_verified_download(temp, sha, "hello 1.0.0");
  REQUIRE(stored);
  CHECK(*stored == store.download_path(sha));
  CHECK(read_file(*stored).value() == content);
  CHECK_FALSE(fs::exists(temp));
  CHECK((fs::status(*stored).permissions() & fs::perms::owner_write) == fs::perms::none);

  // The caller vouches for the hash: the bytes are not read (a file whose
  // content does not match is stored under the name it is given).
  const std::string claimed = sha256_hex("claimed");
  write_text(temp, "other bytes");
  REQUIRE(store.adopt_verified_download(temp, claimed, "x"));
  CHECK(store.has_download(claimed));

  write_text(temp, content);
  auto bad = store.adopt_verified_download(temp, "not-a-sha", "x");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().exit_code() == 2);
  CHECK_FALSE(fs::exists(temp));
}

TEST_CASE("import_file copies a local file in after verifying it", "[store]") {
  TempDir dir;
  auto store = Store::open(dir.path() / "cache").value();
  auto source = dir.path() / "registry" / "pkg.tar.gz";
  write_text(source, "local artifact");
  const std::string sha = sha256_hex("local artifact");

  auto wrong = store.import_file(source, sha256_hex("other"), "pkg 1.0");
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().message.find("sha256 mismatch for pkg 1.0") != std::string::npos);
  CHECK(fs::exists(source));
  CHECK(fs::is_empty(store.temp_dir()));
  CHECK_FALSE(store.has_download(sha256_hex("other")));

  auto stored = store.import_file(source, sha, "pkg 1.0");
  REQUIRE(stored);
  CHECK(read_file(*stored).value() == "local artifact");
  CHECK(read_file(source).value() == "local artifact");
  CHECK(fs::is_empty(store.temp_dir()));

  auto missing = store.import_file(dir.path() / "nope.tar.gz", sha256_hex("nope"), "nope 1");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("nope.tar.gz") != std::string::npos);
}

TEST_CASE("unpack extracts once into a read-only tree", "[store]") {
  TempDir dir;
  auto store = Store::open(dir.path() / "cache").value();
  auto archive_file = make_package(dir.path(), "hello");
  auto sha = sha256_file(archive_file).value();
  auto tree = store.unpack(sha, archive_file);
  REQUIRE(tree);
  CHECK(*tree == store.tree_path(sha));
  CHECK(read_file(*tree / "wharf-package.yaml").value().find("name: hello") == 0);
  CHECK(mode_of(*tree / "bin/hello") == 0555);
  CHECK(mode_of(*tree / "share/hello/data.txt") == 0444);
  CHECK(mode_of(*tree / "share/hello") == 0555);
  CHECK(mode_of(*tree) == 0555);
  CHECK(fs::read_symlink(*tree / "share/hello/link.txt") == "data.txt");
  CHECK(fs::is_empty(store.temp_dir()));

  // The tree is complete once it exists: the archive is not read again.
  fs::remove(archive_file);
  auto again = store.unpack(sha, archive_file);
  REQUIRE(again);
  CHECK(*again == *tree);

  auto bad = store.unpack("not-a-sha", archive_file);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().exit_code() == 2);
}

TEST_CASE("unpack of a hostile archive stores nothing", "[store]") {
  TempDir dir;
  auto store = Store::open(dir.path() / "cache").value();
  auto src = dir.path() / "src";
  write_text(src / "ok.txt", "fine");
  fs::create_symlink("/etc/passwd", src / "escape");
  auto archive_file = dir.path() / "evil.tar.gz";
  // archive::pack refuses such links, so the system tar makes this one.
  auto tar = run_process({"tar", "-czf", archive_file.string(), "-C", src.string(), "."});
  REQUIRE(tar);
  REQUIRE(tar->exit_code == 0);
  auto sha = sha256_file(archive_file).value();
  auto result = store.unpack(sha, archive_file);
  REQUIRE_FALSE(result);
  CHECK(result.error().message.find("`./escape`") != std::string::npos);
  CHECK_FALSE(fs::exists(store.tree_path(sha)));
  CHECK(fs::is_empty(store.temp_dir()));
  CHECK(fs::is_empty(dir.path() / "cache" / "trees"));
}

TEST_CASE("concurrent processes unpacking the same archive share one tree", "[store]") {
  TempDir dir;
  auto root = dir.path() / "cache";
  REQUIRE(Store::open(root));
  auto archive_file = make_package(dir.path(), "big", 8 << 20);
  auto sha = sha256_file(archive_file).value();

  constexpr int kProcesses = 4;
  int gate[2];
  REQUIRE(::pipe(gate) == 0);
  std::vector<pid_t> children;
  for (int i = 0; i < kProcesses; ++i) {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(gate[1]);
      char byte;
      (void)!::read(gate[0], &byte, 1);  // returns 0 once the parent closes: all start at once
      auto store = Store::open(root);
      if (!store) ::_exit(10);
      auto tree = store->unpack(sha, archive_file);
      if (!tree) ::_exit(11);
      if (*tree != store->tree_path(sha)) ::_exit(12);
      auto data = read_file(*tree / "share/big/data.txt");
      if (!data || data->size() != (8u << 20)) ::_exit(13);
      ::_exit(0);
    }
    children.push_back(pid);
  }
  ::close(gate[0]);
  ::close(gate[1]);
  for (pid_t pid : children) {
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  CHECK(names_in(root / "trees") == std::set<std::string>{sha});
  CHECK(fs::is_empty(root / "tmp"));
}

TEST_CASE("add_tree stores a filled folder once, and nothing when fill fails", "[store]") {
  TempDir dir;
  auto store = Store::open(dir.path() / "cache").value();
  int calls = 0;
  auto fill = [&](const fs::path& staging) -> Result<void> {
    ++calls;
    CHECK(fs::is_empty(staging));
    write_text(staging / "README", "checkout");
    write_text(staging / "tool.sh", "#!/bin/sh\n", 0700);
    return {};
  };
  auto tree = store.add_tree("git-0123abcd", fill);
  REQUIRE(tree);
  CHECK(*tree == store.tree_path("git-0123abcd"));
  CHECK(read_file(*tree / "README").value() == "checkout");
  CHECK(mode_of(*tree / "tool.sh") == 0555);
  CHECK(mode_of(*tree / "README") == 0444);
  REQUIRE(store.add_tree("git-0123abcd", fill));
  CHECK(calls == 1);

  auto failed = store.add_tree("path-broken", [](const fs::path& staging) -> Result<void> {
    write_text(staging / "half", "written");
    return fail("copy failed halfway");
  });
  REQUIRE_FALSE(failed);
  CHECK(failed.error().message == "copy failed halfway");
  CHECK_FALSE(fs::exists(store.tree_path("path-broken")));
  CHECK(fs::is_empty(store.temp_dir()));

  for (std::string id : {"../escape", "a/b", ".hidden", ""}) {
    auto bad = store.add_tree(id, fill);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().exit_code() == 2);
  }
  CHECK(calls == 1);
}

TEST_CASE("lock serializes holders of the same key", "[store]") {
  TempDir dir;
  auto store = Store::open(dir.path()).value();
  auto held = store.lock("tree-abc");
  REQUIRE(held);
  CHECK(fs::exists(dir.path() / "locks" / "tree-abc.lock"));
  auto other = FileLock::try_acquire(dir.path() / "locks" / "tree-abc.lock");
  REQUIRE(other);
  CHECK_FALSE(other->has_value());
  CHECK_FALSE(store.lock("../x"));
}

TEST_CASE("try_lock claims a free key and reports a held one", "[store]") {
  TempDir dir;
  auto store = Store::open(dir.path()).value();
  auto first = store.try_lock("download-abc");
  REQUIRE(first);
  REQUIRE(first->has_value());
  auto second = store.try_lock("download-abc");
  REQUIRE(second);
  CHECK_FALSE(second->has_value());
  first->reset();
  auto third = store.try_lock("download-abc");
  REQUIRE(third);
  CHECK(third->has_value());
  CHECK_FALSE(store.try_lock("../x"));
}

TEST_CASE("prune removes what no recent use record names", "[store]") {
  TempDir dir;
  auto store = Store::open(dir.path() / "cache").value();
  auto put = [&](const std::string& content) {
    auto temp = store.temp_path("dl");
    write_text(temp, content);
    return store.commit_download(temp, sha256_hex(content), content).value();
  };
  auto used = put("used download");
  auto unused = put("unused download, 33 bytes long..");
  auto fresh = put("fresh but unrecorded");
  auto used_tree = store
                       .add_tree("used-tree",
                                 [](const fs::path& s) -> Result<void> {
                                   write_text(s / "f", "12345");
                                   return {};
                                 })
                       .value();
  auto unused_tree = store
                         .add_tree("unused-tree",
                                   [](const fs::path& s) -> Result<void> {
                                     write_text(s / "sub/f", "1234567");
                                     return {};
                                   })
                         .value();
  for (const auto& path : {used, unused, used_tree, unused_tree}) age(path, std::chrono::hours(48));

  auto lockfile = dir.path() / "project" / "wharf.lock";
  write_text(lockfile, "lock");
  REQUIRE(store.record_use(lockfile, {sha256_hex("used download"), "used-tree"}));

  auto report = store.prune(std::chrono::hours(24));
  REQUIRE(report);
  CHECK(report->removed_entries == 2);
  CHECK(report->freed_bytes == 32 + 7);
  CHECK(fs::exists(used));
  CHECK(fs::exists(used_tree / "f"));
  CHECK(fs::exists(fresh));  // added recently: a running sync may not have recorded it yet
  CHECK_FALSE(fs::exists(unused));
  CHECK_FALSE(fs::exists(unused_tree));
  CHECK(fs::is_empty(store.temp_dir()));

  // An old record no longer protects anything.
  REQUIRE(store.record_use(lockfile, {sha256_hex("used download"), "used-tree"},
                           std::chrono::system_clock::now() - std::chrono::hours(72)));
  report = store.prune(std::chrono::hours(24));
  REQUIRE(report);
  CHECK(report->removed_entries == 2);
  CHECK_FALSE(fs::exists(used));
  CHECK_FALSE(fs::exists(used_tree));
  CHECK(fs::exists(fresh));
  CHECK(names_in(dir.path() / "cache" / "uses").size() == 1);

  // A record whose lockfile is gone is dropped.
  fs::remove(lockfile);
  REQUIRE(store.prune(std::chrono::hours(24)));
  CHECK(fs::is_empty(dir.path() / "cache" / "uses"));

  // max_age 0: everything unrecorded goes.
  report = store.prune(std::chrono::seconds(0));
  REQUIRE(report);
  CHECK(report->removed_entries == 1);
  CHECK_FALSE(fs::exists(fresh));
}

TEST_CASE("clean empties the cache but keeps its layout", "[store]") {
  TempDir dir;
  auto root = dir.path() / "cache";
  auto store = Store::open(root).value();
  auto archive_file = make_package(dir.path(), "hello", 100);
  auto sha = sha256_file(archive_file).value();
  auto download = store.import_file(archive_file, sha, "hello").value();
  REQUIRE(store.unpack(sha, download));
  write_text(store.index_dir() / "main" / "hello.yaml", "name: hello\n");
  write_text(root / "index-cache" / std::string(64, 'a'), "parsed\n");
  REQUIRE(store.record_use(dir.path() / "wharf.lock", {sha}));
  auto archive_size = fs::file_size(archive_file);

  auto report = store.clean();
  REQUIRE(report);
  CHECK(report->removed_entries == 2);
  CHECK(report->freed_bytes > archive_size + 100);
  for (const char* area : {"downloads", "trees", "tmp", "uses", "index", "index-cache", "git"}) {
    INFO(area);
    CHECK(fs::is_directory(root / area));
    CHECK(fs::is_empty(root / area));
  }
  CHECK(fs::exists(root / "VERSION"));
  CHECK_FALSE(store.has_download(sha));
  REQUIRE(Store::open(root));
}

TEST_CASE("commit_download copies a file from another file system", "[store]") {
  TempDir dir;
  auto store = Store::open(dir.path() / "cache").value();
  struct stat shm {
  }, cache{};
  if (::stat("/dev/shm", &shm) != 0 || ::stat(dir.path().c_str(), &cache) != 0 ||
      shm.st_dev == cache.st_dev) {
    WARN("/dev/shm is not a separate file system here; the copy path is not exercised");
    return;
  }
  auto outside = fs::path("/dev/shm") / ("wharf-store-test-" + std::to_string(::getpid()));
  write_text(outside, "from tmpfs");
  auto stored = store.commit_download(outside, sha256_hex("from tmpfs"), "tmpfs file");
  REQUIRE(stored);
  CHECK(read_file(*stored).value() == "from tmpfs");
  CHECK_FALSE(fs::exists(outside));
  CHECK(fs::is_empty(store.temp_dir()));
}

TEST_CASE("concurrent add_tree calls in threads fill once", "[store]") {
  TempDir dir;
  auto store = Store::open(dir.path() / "cache").value();
  std::atomic<int> calls{0};
  std::vector<std::thread> threads;
  std::vector<int> ok(6, 0);
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      // Each thread opens its own Store: its own lock file descriptions.
      auto mine = Store::open(dir.path() / "cache");
      if (!mine) return;
      auto tree = mine->add_tree("shared", [&](const fs::path& staging) -> Result<void> {
        ++calls;
        for (int f = 0; f < 200; ++f) write_text(staging / ("f" + std::to_string(f)), "x");
        return {};
      });
      ok[i] = tree && fs::exists(*tree / "f199") ? 1 : 0;
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(calls == 1);
  CHECK(std::count(ok.begin(), ok.end(), 1) == 6);
  CHECK(names_in(dir.path() / "cache" / "trees") == std::set<std::string>{"shared"});
  CHECK(fs::is_empty(store.temp_dir()));
}

TEST_CASE("unpack records the digest of every file, which no archive can forge", "[store]") {
  TempDir dir;
  auto store = Store::open(dir.path() / "cache").value();
  auto archive_file = make_package(dir.path(), "hello");
  auto sha = sha256_file(archive_file).value();
  auto tree = store.unpack(sha, archive_file).value();
  auto digests = store.tree_digests(sha);
  CHECK(digests.size() == 3);  // wharf-package.yaml, bin/hello, share/hello/data.txt
  for (const auto& [path, digest] : digests) CHECK(sha256_file(tree / path).value() == digest);
  CHECK(store.tree_digests("0000000000000000000000000000000000000000000000000000000000000000")
            .empty());

  // An archive that ships its own .wharf/files.sha256 (lying), or a .wharf
  // symlink pointing into the payload, gets the store's own record instead.
  for (bool as_link : {false, true}) {
    auto src = dir.path() / (as_link ? "src-link" : "src-lie");
    write_text(src / "share" / "x.txt", "payload");
    if (as_link) {
      fs::create_symlink("share", src / ".wharf");
    } else {
      write_text(src / ".wharf" / "files.sha256",
                 std::string(64, 'a') + " share/x.txt\n" + std::string(64, 'b') + " ghost\n");
    }
    auto out = dir.path() / (as_link ? "link.tar.gz" : "lie.tar.gz");
    auto tar = run_process({"tar", "-czf", out.string(), "-C", src.string(), "."});
    REQUIRE(tar);
    REQUIRE(tar->exit_code == 0);
    auto id = sha256_file(out).value();
    auto unpacked = store.unpack(id, out).value();
    auto got = store.tree_digests(id);
    CHECK(got == archive::FileDigests{{"share/x.txt", sha256_hex("payload")}});
    CHECK_FALSE(fs::is_symlink(unpacked / ".wharf"));
    CHECK_FALSE(fs::exists(unpacked / "share" / "files.sha256"));
  }
}

TEST_CASE("prune drops git mirrors, checkouts and index files unused for the age", "[store]") {
  TempDir dir;
  auto root = dir.path() / "cache";
  auto store = Store::open(root).value();
  auto old = std::chrono::hours(24 * 40);
  auto make = [&](const fs::path& entry, const fs::path& marker, bool stale) {
    write_text(entry / "content", std::string(100, 'x'));
    mark_used(marker);
    if (stale) {
      age(entry / "content", old);
      age(entry, old);
      age(marker, old);
    }
  };
  make(root / "git" / "aaaa.git", root / "git" / "aaaa.git.used", true);
  make(root / "git" / "bbbb.git", root / "git" / "bbbb.git.used", false);
  make(root / "git" / "cccc.git", root / "git" / "cccc.git.used", true);  // locked below
  make(root / "git" / "checkouts" / "1111", root / "git" / "checkouts" / "1111.used", true);
  make(root / "git" / "checkouts" / "2222", root / "git" / "checkouts" / "2222.used", false);
  make(root / "index" / "oldregistry", root / "index" / "oldregistry" / "used", true);
  make(root / "index" / "newregistry", root / "index" / "newregistry" / "used", false);
  write_text(root / "index-cache" / "stale", "parsed");
  age(root / "index-cache" / "stale", old);
  write_text(root / "index-cache" / "fresh", "parsed");

  auto held = FileLock::acquire(root / "git" / "cccc.git.lock");
  REQUIRE(held);
  auto report = store.prune(std::chrono::hours(24 * 30));
  REQUIRE(report);
  CHECK_FALSE(fs::exists(root / "git" / "aaaa.git"));
  CHECK_FALSE(fs::exists(root / "git" / "aaaa.git.used"));
  CHECK(fs::exists(root / "git" / "bbbb.git" / "content"));
  CHECK(fs::exists(root / "git" / "cccc.git" / "content"));  // in use by another process
  CHECK_FALSE(fs::exists(root / "git" / "checkouts" / "1111"));
  CHECK(fs::exists(root / "git" / "checkouts" / "2222" / "content"));
  CHECK_FALSE(fs::exists(root / "index" / "oldregistry"));
  CHECK(fs::exists(root / "index" / "newregistry" / "content"));
  CHECK_FALSE(fs::exists(root / "index-cache" / "stale"));
  CHECK(fs::exists(root / "index-cache" / "fresh"));
  CHECK(report->removed_entries == 4);
  CHECK(report->freed_bytes >= 300);
  CHECK(fs::is_empty(store.temp_dir()));
}
