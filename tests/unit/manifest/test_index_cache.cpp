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

TEST_CASE("index cache: a file seen before is answered by its identity, never when it changed",
          "[manifest]") {
  TempDir dir;
  IndexCache cache{dir.path() / "c"};
  fs::path file = dir.path() / "hello.yaml";
  REQUIRE(write_file_atomic(file, hand_written(">=1.2")));
  auto file_entries = [&] {
    std::vector<fs::path> found;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(cache.dir, ec))
      if (e.path().filename().string().starts_with("file-")) found.push_back(e.path());
    return found;
  };

  // Just written: read through the content cache, but not recorded by
  // identity (an edit in the same clock tick could keep it).
  auto fresh_read = load_package_index_file(file, cache);
  REQUIRE(fresh_read);
  REQUIRE(*fresh_read);
  auto fresh = **fresh_read;
  CHECK(fresh.versions[1].dependencies[1].second.text() == ">=1.2");
  CHECK(file_entries().empty());

  // Still for over a second: the next read records it.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  REQUIRE(load_package_index_file(file, cache));
  auto entries = file_entries();
  REQUIRE(entries.size() == 1);

  // The entry answers without the file being read: one that says something
  // else for the same identity is what the loader returns.
  auto entry = read_file(entries[0]);
  REQUIRE(entry);
  auto header = entry->substr(0, entry->find('\n') + 1);
  auto other = parse_package_index(hand_written("<9"), "x.yaml");
  REQUIRE(other);
  REQUIRE(write_file_atomic(entries[0], header + write_package_index(*other)));
  auto hit = load_package_index_file(file, cache).value();
  REQUIRE(hit);
  CHECK(hit->versions[1].dependencies[1].second.text() == "<9");

  // An edit changes the identity: the file is read again at once.
  REQUIRE(write_file_atomic(file, hand_written(">=1.3")));
  auto edited = load_package_index_file(file, cache).value();
  REQUIRE(edited);
  CHECK(edited->versions[1].dependencies[1].second.text() == ">=1.3");

  // A canonical file needs no entry: it is read directly.
  fs::path canonical = dir.path() / "canonical.yaml";
  REQUIRE(write_file_atomic(canonical, write_package_index(fresh)));
  auto direct = load_package_index_file(canonical, cache).value();
  REQUIRE(direct);
  CHECK(write_package_index(*direct) == write_package_index(fresh));
  CHECK(file_entries().size() == 1);

  // A missing file is no index, not an error; an unreadable one is an error.
  auto missing = load_package_index_file(dir.path() / "missing.yaml", cache);
  REQUIRE(missing);
  CHECK_FALSE(*missing);
  CHECK_FALSE(load_package_index_file(dir.path(), cache));
}
