#include <malloc.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "wharf/util/error.hpp"
#include "wharf/util/file_lock.hpp"
#include "wharf/util/fs.hpp"
#include "wharf/util/hash.hpp"
#include "wharf/util/heap.hpp"
#include "wharf/util/process.hpp"
#include "wharf/util/strings.hpp"

using namespace wharf;

TEST_CASE("sha256 of known inputs", "[util]") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256 incremental;
  incremental.update("a");
  incremental.update("bc");
  CHECK(incremental.hex_digest() == sha256_hex("abc"));
  CHECK(is_sha256_hex(sha256_hex("x")));
  CHECK_FALSE(is_sha256_hex("ABC"));
}

TEST_CASE("atomic writes replace a file and leave no temporary behind", "[util]") {
  TempDir dir;
  auto target = dir.path() / "sub" / "file.txt";
  REQUIRE(write_file_atomic(target, "one"));
  REQUIRE(write_file_atomic(target, "two"));
  CHECK(read_file(target).value() == "two");
  int entries = 0;
  for ([[maybe_unused]] auto& e : fs::directory_iterator(target.parent_path())) ++entries;
  CHECK(entries == 1);
  auto missing = read_file(dir.path() / "nope");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("nope") != std::string::npos);
}

namespace {
Result<int> half(int x) {
  if (x % 2 != 0) return fail("odd: " + std::to_string(x));
  return x / 2;
}
Result<int> quarter(int x) {
  int h = WHARF_TRY(half(x));
  return WHARF_TRY(half(h));
}
}  // namespace

TEST_CASE("a mapped file reads the bytes of the file it was opened on", "[util]") {
  TempDir dir;
  fs::path file = dir.path() / "data";
  std::string content(10000, 'x');
  content[0] = 'a';
  content.back() = 'z';
  REQUIRE(write_file_atomic(file, content));
  auto mapped = MappedFile::open(file);
  REQUIRE(mapped);
  CHECK(mapped->bytes() == content);

  // A rename over it (how wharf replaces files) leaves the mapping as it was.
  REQUIRE(write_file_atomic(file, "new"));
  CHECK(mapped->bytes() == content);
  MappedFile moved = std::move(*mapped);
  CHECK(moved.bytes() == content);
  CHECK(mapped->bytes().empty());
  CHECK(MappedFile::open(file)->bytes() == "new");

  REQUIRE(write_file_atomic(dir.path() / "empty", ""));
  auto empty = MappedFile::open(dir.path() / "empty");
  REQUIRE(empty);
  CHECK(empty->bytes().empty());
  CHECK_FALSE(MappedFile::open(dir.path() / "missing"));
  CHECK_FALSE(MappedFile::open(dir.path()));
}

TEST_CASE("prepare_heap grows the heap ahead and advises it for huge pages", "[util]") {
  prepare_heap();
  CHECK(mallinfo2().keepcost >= (std::size_t{60} << 20));  // the 64 MiB step, untouched

  std::string thp = read_file("/sys/kernel/mm/transparent_hugepage/enabled").value_or("");
  if (thp.find("[never]") != std::string::npos || thp.empty()) {
    WARN("transparent huge pages are off here; only the heap step is checked");
  } else {
    // /proc/self/smaps: the [heap] mapping's range that prepare_heap advised
    // is split off as its own mapping, marked `hg` (MADV_HUGEPAGE) in VmFlags.
    std::string smaps = read_file("/proc/self/smaps").value_or("");
    bool advised = false;
    std::size_t at = 0;
    while ((at = smaps.find("VmFlags:", at)) != std::string::npos) {
      auto end = smaps.find('\n', at);
      if (smaps.substr(at, end - at).find(" hg") != std::string::npos) advised = true;
      at = end;
    }
    CHECK(advised);
  }
  // Allocation works as before, small and large.
  std::vector<std::unique_ptr<char[]>> blocks;
  for (std::size_t size : {16u, 4096u, 1u << 20, 8u << 20}) {
    blocks.emplace_back(new char[size]);
    blocks.back()[size - 1] = 'x';
  }
}

namespace {

// Counts its destructions, to tell a kept object from a destroyed one.
struct Counted {
  explicit Counted(int* destroyed) : destroyed(destroyed) {}
  Counted(Counted&& other) noexcept : destroyed(std::exchange(other.destroyed, nullptr)) {}
  ~Counted() {
    if (destroyed) ++*destroyed;
  }
  int* destroyed;
};

}  // namespace

TEST_CASE("retire and ExitScoped destroy at once unless the process keeps them", "[util]") {
  int destroyed = 0;
  std::size_t kept = kept_until_exit();
  REQUIRE_FALSE(keeping_until_exit());  // tests never set it but here
  {
    ExitScoped<Counted> scoped(&destroyed);
    Counted plain(&destroyed);
    retire(plain);  // not keeping: `plain` is left alone and destroyed with its scope
    CHECK(plain.destroyed == &destroyed);
  }
  CHECK(destroyed == 2);
  CHECK(kept_until_exit() == kept);

  keep_until_exit(true);
  {
    ExitScoped<Counted> scoped(&destroyed);
    Counted plain(&destroyed);
    retire(plain);  // moved into a kept object: what is left destroys nothing
    CHECK(plain.destroyed == nullptr);
    std::vector<std::string> big(1000, std::string(100, 'x'));
    retire(big);
    CHECK(big.empty());
  }
  keep_until_exit(false);
  CHECK(destroyed == 2);
  CHECK(kept_until_exit() == kept + 3);
}

TEST_CASE("Directory stats files by name as file_identity does by path", "[util]") {
  TempDir dir;
  REQUIRE(write_file_atomic(dir.path() / "a.yaml", "one", Durability::CacheOnly));
  Directory folder(dir.path());
  FileIdentity by_name = folder.identity("a.yaml");
  CHECK(by_name.exists);
  CHECK(by_name == file_identity(dir.path() / "a.yaml"));
  CHECK(by_name.size == 3);
  CHECK_FALSE(folder.identity("missing.yaml").exists);
  // A rewrite is seen through the open folder.
  REQUIRE(write_file_atomic(dir.path() / "a.yaml", "three", Durability::CacheOnly));
  CHECK(folder.identity("a.yaml").size == 5);
  CHECK(folder.identity("a.yaml") != by_name);

  // A folder that cannot be opened falls back to the full path.
  Directory missing(dir.path() / "nowhere");
  CHECK_FALSE(missing.identity("a.yaml").exists);

  char text[kIdentityTextMax];
  CHECK(std::string_view(text, format_identity(by_name, text)) == identity_text(by_name));
  CHECK(identity_text(FileIdentity{}) == "none");
  FileIdentity widest{true, UINT64_MAX, UINT64_MAX, UINT64_MAX, INT64_MIN, INT64_MIN};
  std::string wide = identity_text(widest);
  CHECK(wide ==
        "18446744073709551615:18446744073709551615:18446744073709551615:"
        "-9223372036854775808:-9223372036854775808");
  CHECK(wide.size() <= kIdentityTextMax);
}

TEST_CASE("WHARF_TRY propagates the first error", "[util]") {
  CHECK(quarter(8).value() == 2);
  auto r = quarter(6);
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "odd: 3");
  CHECK(r.error().exit_code() == 1);
}

TEST_CASE("closest_match suggests near misses only", "[util]") {
  std::vector<std::string> keys{"dependencies", "registries", "platforms", "name"};
  CHECK(closest_match("dependencis", keys) == "dependencies");
  CHECK(closest_match("registry", keys) == "registries");
  CHECK(closest_match("xyz", keys) == std::nullopt);
  CHECK(closest_match("environments", keys) == std::nullopt);
}

TEST_CASE("file locks exclude a second holder until released", "[util]") {
  TempDir dir;
  auto path = dir.path() / "lock";
  auto first = FileLock::acquire(path);
  REQUIRE(first);
  // flock locks belong to open file descriptions, so a second open in this
  // process conflicts just as another process would.
  auto second = FileLock::try_acquire(path);
  REQUIRE(second);
  CHECK_FALSE(second->has_value());
  { auto moved = std::move(*first); }
  auto third = FileLock::try_acquire(path);
  REQUIRE(third);
  CHECK(third->has_value());
}

TEST_CASE("run_process captures output and exit codes", "[util]") {
  auto r = run_process({"sh", "-c", "echo out; echo err >&2; exit 3"});
  REQUIRE(r);
  CHECK(r->out == "out\n");
  CHECK(r->err == "err\n");
  CHECK(r->exit_code == 3);
  auto cat = run_process({"cat"}, ProcessOptions{.stdin_data = "hello"});
  REQUIRE(cat);
  CHECK(cat->out == "hello");
  CHECK_FALSE(run_process({"definitely-not-a-program-wharf"}));
}
