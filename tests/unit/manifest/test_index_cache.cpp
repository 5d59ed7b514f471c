#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "wharf/manifest/index_cache.hpp"
#include "wharf/util/fs.hpp"
#include "wharf/util/hash.hpp"

using namespace wharf;
using namespace wharf::manifest;

namespace {

// Not the canonical layout (plain versions, a comment, dependencies out of
// name order), so it goes through yaml-cpp and the cache.
std::string hand_written(const std::string& zlib_constraint) {
  return "# edited by hand\n"
         "name: hello\n"
         "versions:\n"
         "  - version: 1.2.0\n"
         "    dependencies:\n"
         "      zlib: \"" +
         zlib_constraint +
         "\"\n"
         "      libgreet: \"^2\"\n"
         "    artifacts:\n"
         "      - platform: any\n"
         "        url: ../artifacts/hello-1.2.0.tar.gz\n"
         "        sha256: \"" +
         std::string(64, 'a') +
         "\"\n"
         "  - version: 1.0.0\n"
         "    yanked: true\n";
}

std::size_t entries_in(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return 0;
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.is_regular_file() ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("index cache: a miss writes an entry, a hit gives the same index", "[manifest]") {
  TempDir dir;
  IndexCache cache{dir.path() / "index-cache"};
  std::string text = hand_written(">=1.2");
  auto first = load_package_index(text, "hello.yaml", cache);
  REQUIRE(first);
  CHECK(entries_in(cache.dir) == 1);
  auto second = load_package_index(text, "hello.yaml", cache);
  REQUIRE(second);
  CHECK(write_package_index(*first) == write_package_index(*second));
  // The value is the parser's, in canonical order.
  auto plain = parse_package_index(text, "hello.yaml");
  REQUIRE(plain);
  CHECK(write_package_index(*plain) == write_package_index(*second));
  REQUIRE(second->versions.size() == 2);
  CHECK(second->versions[0].version.to_string() == "1.0.0");
  CHECK(second->versions[0].yanked);
  REQUIRE(second->versions[1].dependencies.size() == 2);
  CHECK(second->versions[1].dependencies[0].first == "libgreet");
  CHECK(second->versions[1].dependencies[1].second.text() == ">=1.2");
  // Uncached reads agree too.
  auto uncached = load_package_index(text, "hello.yaml", IndexCache{});
  REQUIRE(uncached);
  CHECK(write_package_index(*uncached) == write_package_index(*second));
}

TEST_CASE("index cache: a hit is answered from the entry, keyed by the file's bytes",
          "[manifest]") {
  TempDir dir;
  IndexCache cache{dir.path() / "c"};
  std::string text = hand_written(">=1.2");
  REQUIRE(load_package_index(text, "hello.yaml", cache));
  std::string sha = sha256_hex(text);
  // Replace the entry by one for the same bytes that says something else: a
  // loader that re-parsed the file would not see it.
  auto other = parse_package_index(hand_written("<9"), "x.yaml");
  REQUIRE(other);
  REQUIRE(write_file_atomic(cache.dir / sha, write_index_cache_entry(*other, sha)));
  auto hit = load_package_index(text, "hello.yaml", cache);
  REQUIRE(hit);
  CHECK(hit->versions[1].dependencies[1].second.text() == "<9");

  // Edited bytes are a different key: never the stale entry.
  auto edited = load_package_index(hand_written(">=1.3"), "hello.yaml", cache);
  REQUIRE(edited);
  CHECK(edited->versions[1].dependencies[1].second.text() == ">=1.3");
  CHECK(entries_in(cache.dir) == 2);
}

TEST_CASE("index cache: damaged entries and unwritable folders fall back to parsing",
          "[manifest]") {
  TempDir dir;
  IndexCache cache{dir.path() / "c"};
  std::string text = hand_written(">=1.2");
  std::string sha = sha256_hex(text);
  REQUIRE(write_file_atomic(cache.dir / sha, "# wharf index cache 1 " + sha + "\nname: [\n"));
  auto loaded = load_package_index(text, "hello.yaml", cache);
  REQUIRE(loaded);
  CHECK(loaded->versions.size() == 2);
  // An entry for another hash, or another format, is not used.
  CHECK_FALSE(read_index_cache_entry(write_index_cache_entry(*loaded, sha), std::string(64, 'f')));
  CHECK(read_index_cache_entry(write_index_cache_entry(*loaded, sha), sha));

  if (::geteuid() != 0) {  // root writes anywhere
    fs::path locked = dir.path() / "locked";
    fs::create_directories(locked);
    fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
    auto unwritable = load_package_index(text, "hello.yaml", IndexCache{locked / "c"});
    REQUIRE(unwritable);
    CHECK(unwritable->versions.size() == 2);
    fs::permissions(locked, fs::perms::owner_all);
  }
  // A file that is not a cacheable file at all: through a regular file in the way.
  REQUIRE(write_file_atomic(dir.path() / "file", "x"));
  auto blocked = load_package_index(text, "hello.yaml", IndexCache{dir.path() / "file"});
  REQUIRE(blocked);
  CHECK(blocked->versions.size() == 2);
}

TEST_CASE("index cache: invalid files fail as the parser does and are not cached", "[manifest]") {
  TempDir dir;
  IndexCache cache{dir.path() / "c"};
  std::string bad = "name: hello\nversions:\n  - version: 1.0.0\n    yanked: maybe\n";
  auto parsed = load_package_index(bad, "index/hello.yaml", cache);
  REQUIRE_FALSE(parsed);
  auto direct = parse_package_index(bad, "index/hello.yaml");
  REQUIRE_FALSE(direct);
  CHECK(parsed.error().message == direct.error().message);
  CHECK(parsed.error().message.find("index/hello.yaml:4") != std::string::npos);
  CHECK(entries_in(cache.dir) == 0);
}

namespace {

std::vector<fs::path> folder_entries(const fs::path& dir) {
  std::vector<fs::path> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().filename().string().starts_with("folder-")) found.push_back(e.path());
  return found;
}

// A cache folder and an index folder, in a temporary folder.
struct IndexFolderFixture {
  TempDir dir;
  IndexCache cache{dir.path() / "c"};
  fs::path folder = dir.path() / "index";
  IndexFolderFixture() { fs::create_directories(folder); }
};

// Files are recorded only once unchanged for a second; a ctime cannot be set
// back, so the tests wait.
void wait_until_settled() {
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
}

}  // namespace

TEST_CASE("index folder: a file seen before is answered by its identity, never when it changed",
          "[manifest]") {
  IndexFolderFixture fixture;
  const IndexCache& cache = fixture.cache;
  const fs::path& folder = fixture.folder;
  REQUIRE(write_file_atomic(folder / "hello.yaml", hand_written(">=1.2")));

  // Just written: parsed, but not recorded (an edit in the same clock tick
  // could keep the identity).
  {
    IndexFolder index(folder, cache);
    auto fresh = index.load("hello.yaml");
    REQUIRE(fresh);
    REQUIRE(*fresh);
    CHECK((*fresh)->versions[1].dependencies[1].second.text() == ">=1.2");
    CHECK(index.parsed() == 1);
  }
  CHECK(folder_entries(cache.dir).empty());

  // Still for over a second: the next reader records it, and the one after
  // that is answered by the entry without parsing the file.
  wait_until_settled();
  std::string recorded;
  {
    IndexFolder index(folder, cache);
    auto loaded = index.load("hello.yaml").value();
    REQUIRE(loaded);
    recorded = write_package_index(*loaded);
    CHECK(index.parsed() == 1);
  }
  REQUIRE(folder_entries(cache.dir).size() == 1);
  {
    IndexFolder index(folder, cache);
    auto hit = index.load("hello.yaml").value();
    REQUIRE(hit);
    CHECK(index.answered() == 1);
    CHECK(index.parsed() == 0);
    CHECK(write_package_index(*hit) == recorded);
  }

  // An edit changes the identity: the file is parsed again at once.
  REQUIRE(write_file_atomic(folder / "hello.yaml", hand_written(">=1.3")));
  {
    IndexFolder index(folder, cache);
    auto edited = index.load("hello.yaml").value();
    REQUIRE(edited);
    CHECK(edited->versions[1].dependencies[1].second.text() == ">=1.3");
    CHECK(index.answered() == 0);
  }

  // A missing file is no index, not an error; a folder in its place is an error.
  IndexFolder index(folder, cache);
  auto missing = index.load("missing.yaml");
  REQUIRE(missing);
  CHECK_FALSE(*missing);
  fs::create_directories(folder / "dir.yaml");
  CHECK_FALSE(index.load("dir.yaml"));
}

TEST_CASE("index folder: every valid file is recorded, finished, and never shared across purposes",
          "[manifest]") {
  IndexFolderFixture fixture;
  const IndexCache& cache = fixture.cache;
  const fs::path& folder = fixture.folder;
  // A URL with a quote and a space cannot be written in the canonical
  // layout; the binary form holds it.
  std::string odd =
      "name: odd\nversions:\n  - version: 2.0.0-rc.1\n    artifacts:\n"
      "      - platform: linux-x86_64\n        url: \"../a/it's here.tar.gz\"\n"
      "        sha256: \"" +
      std::string(64, 'b') + "\"\n        size: 77\n";
  REQUIRE(write_file_atomic(folder / "odd.yaml", odd));
  REQUIRE(write_file_atomic(folder / "hello.yaml", hand_written("^1")));
  wait_until_settled();

  int finished = 0;
  IndexFolder::Finish finish = [&](PackageIndex parsed) -> Result<PackageIndex> {
    ++finished;
    if (parsed.name == "broken") return fail("finish refused it");
    for (auto& v : parsed.versions)
      for (auto& a : v.artifacts) a.url = "finished/" + a.url;
    return parsed;
  };
  {
    IndexFolder index(folder, cache, "test finish");
    REQUIRE(index.load("odd.yaml", finish).value());
    REQUIRE(index.load("hello.yaml", finish).value());
    CHECK(finished == 2);
  }
  {
    IndexFolder index(folder, cache, "test finish");
    auto hit = index.load("odd.yaml", finish).value();
    REQUIRE(hit);
    CHECK(finished == 2);  // answered finished, not finished twice
    CHECK(index.answered() == 1);
    REQUIRE(hit->versions.size() == 1);
    CHECK(hit->versions[0].version.to_string() == "2.0.0-rc.1");
    REQUIRE(hit->versions[0].artifacts.size() == 1);
    CHECK(hit->versions[0].artifacts[0].url == "finished/../a/it's here.tar.gz");
    CHECK(hit->versions[0].artifacts[0].platform == "linux-x86_64");
    CHECK(hit->versions[0].artifacts[0].sha256 == std::string(64, 'b'));
    CHECK(hit->versions[0].artifacts[0].size == 77);
  }
  {
    // Another purpose has its own entry: nothing finished leaks into it.
    IndexFolder index(folder, cache);
    auto plain = index.load("odd.yaml").value();
    REQUIRE(plain);
    CHECK(index.parsed() == 1);
    CHECK(plain->versions[0].artifacts[0].url == "../a/it's here.tar.gz");
  }
  CHECK(folder_entries(cache.dir).size() == 2);

  // A failing finish is the load's error and is not recorded.
  REQUIRE(write_file_atomic(folder / "broken.yaml", "name: broken\nversions: []\n"));
  wait_until_settled();
  for (int round = 0; round < 2; ++round) {
    IndexFolder index(folder, cache, "test finish");
    auto refused = index.load("broken.yaml", finish);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find("finish refused it") != std::string::npos);
  }
}

TEST_CASE("index folder: a damaged entry falls back to parsing the files", "[manifest]") {
  IndexFolderFixture fixture;
  const IndexCache& cache = fixture.cache;
  const fs::path& folder = fixture.folder;
  REQUIRE(write_file_atomic(folder / "hello.yaml", hand_written(">=1.2")));
  wait_until_settled();
  std::string expected;
  {
    IndexFolder index(folder, cache);
    expected = write_package_index(*index.load("hello.yaml").value());
  }
  auto entries = folder_entries(cache.dir);
  REQUIRE(entries.size() == 1);
  std::string entry = read_file(entries[0]).value();

  auto check_parsed = [&](const std::string& damaged) {
    REQUIRE(write_file_atomic(entries[0], damaged));
    IndexFolder index(folder, cache);
    auto loaded = index.load("hello.yaml");
    REQUIRE(loaded);
    REQUIRE(*loaded);
    CHECK(write_package_index(**loaded) == expected);
    CHECK(index.answered() == 0);
    CHECK(index.parsed() == 1);
  };
  // A flipped byte in the body, every truncation of the entry, and garbage.
  std::string flipped = entry;
  flipped[flipped.size() - 5] ^= 0x20;
  check_parsed(flipped);
  for (std::size_t cut : {std::size_t{0}, std::size_t{10}, entry.find('\n') + 1,
                          entry.find('\n') + 8, entry.size() - 1})
    check_parsed(entry.substr(0, cut));
  check_parsed(std::string(300, '\xff'));
  // The entry written back by the last reader answers again.
  IndexFolder index(folder, cache);
  REQUIRE(index.load("hello.yaml"));
  CHECK(index.answered() == 1);
}
