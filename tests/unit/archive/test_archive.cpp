// Archives made by the test with libarchive's writer, hostile ones included,
// extracted for real into temporary folders.
#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <thread>

#include "wharf/archive/archive.hpp"
#include "wharf/util/fs.hpp"
#include "wharf/util/hash.hpp"

using namespace wharf;
using wharf::archive::ExtractLimits;
using wharf::archive::Format;

namespace {

enum class Kind { File, Dir, Symlink, Hardlink, CharDevice, Fifo };

struct Item {
  std::string name;
  Kind kind = Kind::File;
  std::string data;  // file content, or link target
  unsigned perm = 0644;
};

// Writes `items` as given (no sanitizing) into an archive of `format`.
void write_archive(const fs::path& out, const std::vector<Item>& items,
                   Format format = Format::TarGz) {
  ::archive* a = archive_write_new();
  if (format == Format::Zip) {
    REQUIRE(archive_write_set_format_zip(a) == ARCHIVE_OK);
  } else {
    REQUIRE(archive_write_set_format_pax_restricted(a) == ARCHIVE_OK);
    switch (format) {
      case Format::TarGz:
        REQUIRE(archive_write_add_filter_gzip(a) == ARCHIVE_OK);
        break;
      case Format::TarXz:
        REQUIRE(archive_write_add_filter_xz(a) == ARCHIVE_OK);
        break;
      case Format::TarZst:
        REQUIRE(archive_write_add_filter_zstd(a) == ARCHIVE_OK);
        break;
      case Format::TarBz2:
        REQUIRE(archive_write_add_filter_bzip2(a) == ARCHIVE_OK);
        break;
      case Format::Zip:
        break;
    }
  }
  REQUIRE(archive_write_open_filename(a, out.c_str()) == ARCHIVE_OK);
  for (const auto& item : items) {
    ::archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, item.name.c_str());
    archive_entry_set_perm(e, item.perm);
    archive_entry_set_mtime(e, 1, 0);
    switch (item.kind) {
      case Kind::File:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_size(e, static_cast<la_int64_t>(item.data.size()));
        break;
      case Kind::Dir:
        archive_entry_set_filetype(e, AE_IFDIR);
        break;
      case Kind::Symlink:
        archive_entry_set_filetype(e, AE_IFLNK);
        archive_entry_set_symlink(e, item.data.c_str());
        break;
      case Kind::Hardlink:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_hardlink(e, item.data.c_str());
        archive_entry_set_size(e, 0);
        break;
      case Kind::CharDevice:
        archive_entry_set_filetype(e, AE_IFCHR);
        archive_entry_set_rdevmajor(e, 1);
        archive_entry_set_rdevminor(e, 3);
        break;
      case Kind::Fifo:
        archive_entry_set_filetype(e, AE_IFIFO);
        break;
    }
    REQUIRE(archive_write_header(a, e) >= ARCHIVE_WARN);
    if (item.kind == Kind::File && !item.data.empty())
      REQUIRE(archive_write_data(a, item.data.data(), item.data.size()) ==
              static_cast<la_ssize_t>(item.data.size()));
    archive_entry_free(e);
  }
  REQUIRE(archive_write_close(a) == ARCHIVE_OK);
  archive_write_free(a);
}

std::set<std::string> listing(const fs::path& root) {
  std::set<std::string> out;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it)
    out.insert(it->path().lexically_relative(root).generic_string());
  return out;
}

void write_text(const fs::path& path, const std::string& text, unsigned perm = 0644) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
  fs::permissions(path, static_cast<fs::perms>(perm));
}

std::string slurp(const fs::path& path) {
  return read_file(path).value();
}

unsigned mode_of(const fs::path& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// Extracts a hostile archive into <base>/out/dest and checks that it is
// refused naming `entry`, that `dest` is gone and nothing else appeared.
void expect_refused(const std::vector<Item>& items, const std::string& entry,
                    const std::string& reason_fragment, const ExtractLimits& limits = {},
                    Format format = Format::TarGz) {
  TempDir base;
  auto file = base.path() / (std::string("hostile") + std::string(archive::extension(format)));
  write_archive(file, items, format);
  fs::create_directories(base.path() / "out");
  auto before = listing(base.path());
  auto result = archive::extract(file, base.path() / "out" / "dest", limits);
  REQUIRE_FALSE(result);
  INFO(result.error().message);
  CHECK(result.error().message.find("`" + entry + "`") != std::string::npos);
  CHECK(result.error().message.find(reason_fragment) != std::string::npos);
  CHECK_FALSE(result.error().hint.empty());
  CHECK_FALSE(fs::exists(fs::symlink_status(base.path() / "out" / "dest")));
  CHECK(listing(base.path()) == before);
}

}  // namespace

TEST_CASE("format_from_filename and extension agree", "[archive]") {
  CHECK(archive::format_from_filename("a-1.0.tar.gz") == Format::TarGz);
  CHECK(archive::format_from_filename("A.TGZ") == Format::TarGz);
  CHECK(archive::format_from_filename("x.tar.xz") == Format::TarXz);
  CHECK(archive::format_from_filename("x.tar.zst") == Format::TarZst);
  CHECK(archive::format_from_filename("x.tar.bz2") == Format::TarBz2);
  CHECK(archive::format_from_filename("x.zip") == Format::Zip);
  CHECK_FALSE(archive::format_from_filename("x.tar"));
  CHECK_FALSE(archive::format_from_filename("x.gz"));
  for (auto f : {Format::TarGz, Format::TarXz, Format::TarZst, Format::TarBz2, Format::Zip})
    CHECK(archive::format_from_filename("pkg" + std::string(archive::extension(f))) == f);
}

TEST_CASE("extract refuses absolute paths", "[archive]") {
  std::string outside = "/tmp/wharf-archive-escape-" + std::to_string(::getpid());
  expect_refused({{"ok.txt", Kind::File, "fine"}, {outside, Kind::File, "pwned"}}, outside,
                 "absolute path");
  CHECK_FALSE(fs::exists(outside));
}

TEST_CASE("extract refuses .. components", "[archive]") {
  expect_refused({{"../x", Kind::File, "pwned"}}, "../x", "`..`");
  expect_refused({{"a/", Kind::Dir}, {"a/../../x", Kind::File, "pwned"}}, "a/../../x", "`..`");
  expect_refused({{"../x", Kind::File, "pwned"}}, "../x", "`..`", {}, Format::Zip);
}

TEST_CASE("extract refuses symlinks that leave the tree", "[archive]") {
  expect_refused({{"etc", Kind::Symlink, "/etc"}}, "etc", "absolute path `/etc`");
  expect_refused({{"sub/", Kind::Dir}, {"sub/up", Kind::Symlink, "../.."}}, "sub/up",
                 "resolves outside");
  // In-tree symlinks are followed while resolving, so a chain cannot escape.
  expect_refused({{"a", Kind::Symlink, "."}, {"b", Kind::Symlink, "a/.."}}, "b",
                 "resolves outside");
}

TEST_CASE("extract refuses a symlink that a later symlink makes escape", "[archive]") {
  // When `m` is written, x/l does not exist and `x/l/../..` is the root; once
  // x/l -> .. exists, `m` resolves to the parent of the tree.
  expect_refused(
      {{"x/", Kind::Dir}, {"m", Kind::Symlink, "x/l/../.."}, {"x/l", Kind::Symlink, ".."}}, "m",
      "once later entries are extracted");
}

TEST_CASE("extract never writes through a symlink it extracted", "[archive]") {
  // The link is inside the tree, yet a later entry through it is refused.
  expect_refused(
      {{"sub/", Kind::Dir}, {"sub/loop", Kind::Symlink, ".."}, {"sub/loop/x", Kind::File, "data"}},
      "sub/loop/x", "symlink");
  // The classic: a link out of the tree, then a file through it.
  TempDir target;
  expect_refused(
      {{"evil", Kind::Symlink, target.path().string()}, {"evil/planted", Kind::File, "pwned"}},
      "evil", "absolute path");
  CHECK(fs::is_empty(target.path()));
}

TEST_CASE("extract refuses hardlinks to outside or missing entries", "[archive]") {
  expect_refused({{"h", Kind::Hardlink, "/etc/passwd"}}, "h", "hardlink");
  expect_refused({{"h", Kind::Hardlink, "../../etc/passwd"}}, "h", "outside");
  expect_refused({{"h", Kind::Hardlink, "missing"}}, "h", "not a regular file extracted before");
  expect_refused({{"l", Kind::Symlink, "."}, {"h", Kind::Hardlink, "l"}}, "h",
                 "not a regular file");
}

TEST_CASE("extract refuses devices and fifos", "[archive]") {
  expect_refused({{"dev/", Kind::Dir}, {"dev/null2", Kind::CharDevice}}, "dev/null2",
                 "character device");
  expect_refused({{"pipe", Kind::Fifo}}, "pipe", "fifo");
}

TEST_CASE("extract refuses entries beyond the limits", "[archive]") {
  ExtractLimits small;
  small.max_entry_bytes = 1024;
  std::string big(4096, 'z');
  expect_refused({{"small", Kind::File, "x"}, {"bomb", Kind::File, big}}, "bomb",
                 "limit of 1024 bytes per entry", small);

  ExtractLimits total;
  total.max_total_bytes = 3000;
  std::string chunk(1000, 'y');
  expect_refused({{"a", Kind::File, chunk},
                  {"b", Kind::File, chunk},
                  {"c", Kind::File, chunk},
                  {"d", Kind::File, chunk}},
                 "d", "in total", total);

  ExtractLimits few;
  few.max_entries = 2;
  expect_refused({{"a", Kind::File, "1"}, {"b", Kind::File, "2"}, {"c", Kind::File, "3"}}, "c",
                 "more than 2 entries", few);
}

TEST_CASE("extract drops setuid/setgid/sticky, keeps exec bits and in-tree links", "[archive]") {
  TempDir base;
  auto file = base.path() / "ok.tar.gz";
  write_archive(file, {{"bin/", Kind::Dir, "", 01755},
                       {"bin/suid", Kind::File, "#!/bin/sh\n", 04755},
                       {"bin/sgid", Kind::File, "data", 02644},
                       {"lib/libx.so.1", Kind::File, "elf"},
                       {"lib/libx.so", Kind::Symlink, "libx.so.1"},
                       {"lib/alias", Kind::Hardlink, "lib/libx.so.1"},
                       {"./share/doc.txt", Kind::File, "doc"},
                       {"share/doc.txt", Kind::File, "doc v2"}});
  auto dest = base.path() / "dest";
  auto result = archive::extract(file, dest);
  REQUIRE(result);
  CHECK(mode_of(dest / "bin/suid") == 0755);
  CHECK(mode_of(dest / "bin/sgid") == 0644);
  CHECK(mode_of(dest / "bin") == 0755);
  CHECK(fs::read_symlink(dest / "lib/libx.so") == "libx.so.1");
  CHECK(slurp(dest / "lib/libx.so") == "elf");
  CHECK(fs::equivalent(dest / "lib/alias", dest / "lib/libx.so.1"));
  CHECK(slurp(dest / "share/doc.txt") == "doc v2");  // a later duplicate wins, as in tar
}

TEST_CASE("extract wants a new or empty destination", "[archive]") {
  TempDir base;
  auto file = base.path() / "ok.tar.gz";
  write_archive(file, {{"a", Kind::File, "1"}});
  write_text(base.path() / "busy/keep.txt", "mine");
  auto result = archive::extract(file, base.path() / "busy");
  REQUIRE_FALSE(result);
  CHECK(result.error().message.find("not an empty folder") != std::string::npos);
  CHECK(slurp(base.path() / "busy/keep.txt") == "mine");

  fs::create_directories(base.path() / "empty");
  REQUIRE(archive::extract(file, base.path() / "empty"));
  CHECK(slurp(base.path() / "empty/a") == "1");

  auto broken = base.path() / "broken.tar.gz";
  write_text(broken, "this is not an archive");
  auto bad = archive::extract(broken, base.path() / "never");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("broken.tar.gz") != std::string::npos);
  CHECK_FALSE(fs::exists(base.path() / "never"));
}

TEST_CASE("pack then extract round-trips in every format", "[archive]") {
  TempDir base;
  auto src = base.path() / "src";
  write_text(src / "wharf-package.yaml", "name: hello\nversion: 1.0.0\n");
  write_text(src / "bin/hello", "#!/bin/sh\necho hello\n", 0755);
  write_text(src / "lib/libhello.so.1", std::string(100000, 'L'));
  fs::create_symlink("libhello.so.1", src / "lib/libhello.so");
  fs::create_directories(src / "share/empty");
  write_text(src / ".git/HEAD", "ref: refs/heads/main\n");

  auto format = GENERATE(Format::TarGz, Format::TarXz, Format::TarZst, Format::TarBz2, Format::Zip);
  auto out = base.path() / ("pkg" + std::string(archive::extension(format)));
  REQUIRE(archive::pack(src, out, format, {".git"}));
  auto dest = base.path() / ("dest" + std::string(archive::extension(format)));
  auto result = archive::extract(out, dest);
  INFO(archive::extension(format));
  REQUIRE(result);
  CHECK(listing(dest) == std::set<std::string>{"bin", "bin/hello", "lib", "lib/libhello.so",
                                               "lib/libhello.so.1", "share", "share/empty",
                                               "wharf-package.yaml"});
  CHECK(mode_of(dest / "bin/hello") == 0755);
  CHECK(mode_of(dest / "wharf-package.yaml") == 0644);
  CHECK(slurp(dest / "bin/hello") == "#!/bin/sh\necho hello\n");
  CHECK(slurp(dest / "lib/libhello.so.1") == std::string(100000, 'L'));
  CHECK(fs::is_symlink(dest / "lib/libhello.so"));
  CHECK(fs::read_symlink(dest / "lib/libhello.so") == "libhello.so.1");
  CHECK(fs::is_directory(dest / "share/empty"));

  auto member = archive::read_member(out, "wharf-package.yaml");
  REQUIRE(member);
  REQUIRE(member->has_value());
  CHECK(**member == "name: hello\nversion: 1.0.0\n");
  CHECK(archive::read_member(out, "./wharf-package.yaml")->value() ==
        "name: hello\nversion: 1.0.0\n");
  auto absent = archive::read_member(out, "nope.yaml");
  REQUIRE(absent);
  CHECK_FALSE(absent->has_value());
}

TEST_CASE("pack is byte-deterministic", "[archive]") {
  TempDir base;
  auto src = base.path() / "src";
  write_text(src / "b.txt", "bee");
  write_text(src / "a/run.sh", "#!/bin/sh\n", 0755);
  write_text(src / (std::string(120, 'n') + "/" + std::string(90, 'm')), "long names need pax");
  fs::create_symlink("../b.txt", src / "a/link");

  auto format = GENERATE(Format::TarGz, Format::TarXz, Format::TarZst, Format::TarBz2, Format::Zip);
  INFO(archive::extension(format));
  auto first = base.path() / ("one" + std::string(archive::extension(format)));
  auto second = base.path() / ("two" + std::string(archive::extension(format)));
  REQUIRE(archive::pack(src, first, format));
  // Different mtimes and a later second must not change the bytes.
  fs::last_write_time(src / "b.txt", fs::file_time_type::clock::now() - std::chrono::hours(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  REQUIRE(archive::pack(src, second, format));
  CHECK(sha256_file(first).value() == sha256_file(second).value());
  // ...while a changed byte does.
  write_text(src / "b.txt", "bef");
  auto third = base.path() / ("three" + std::string(archive::extension(format)));
  REQUIRE(archive::pack(src, third, format));
  CHECK(sha256_file(first).value() != sha256_file(third).value());
  write_text(src / "b.txt", "bee");
}

TEST_CASE("pack skips its own output, refuses special files and escaping links", "[archive]") {
  TempDir base;
  write_text(base.path() / "a.txt", "a");
  auto out = base.path() / "self.tar.gz";
  REQUIRE(archive::pack(base.path(), out, Format::TarGz));
  REQUIRE(archive::pack(base.path(), out, Format::TarGz));  // out now exists inside src
  TempDir elsewhere;
  REQUIRE(archive::extract(out, elsewhere.path() / "x"));
  CHECK(listing(elsewhere.path() / "x") == std::set<std::string>{"a.txt"});

  fs::create_directories(base.path() / "d");
  fs::create_symlink("../../outside", base.path() / "d" / "up");
  auto escaping = archive::pack(base.path(), elsewhere.path() / "z.tar.gz", Format::TarGz);
  REQUIRE_FALSE(escaping);
  CHECK(escaping.error().message.find("../../outside") != std::string::npos);
  CHECK_FALSE(fs::exists(elsewhere.path() / "z.tar.gz"));
  fs::remove(base.path() / "d" / "up");
  fs::create_symlink("../a.txt", base.path() / "d" / "up");
  REQUIRE(archive::pack(base.path(), elsewhere.path() / "z.tar.gz", Format::TarGz));

  REQUIRE(::mkfifo((base.path() / "pipe").c_str(), 0644) == 0);
  auto result = archive::pack(base.path(), elsewhere.path() / "y.tar.gz", Format::TarGz);
  REQUIRE_FALSE(result);
  CHECK(result.error().message.find("pipe") != std::string::npos);
  CHECK_FALSE(fs::exists(elsewhere.path() / "y.tar.gz"));
}

TEST_CASE("hostile zip archives are refused too", "[archive]") {
  expect_refused({{"ok", Kind::File, "1"}, {"up", Kind::Symlink, "../../etc"}}, "up",
                 "resolves outside", {}, Format::Zip);
  expect_refused({{"/abs.txt", Kind::File, "x"}}, "/abs.txt", "absolute path", {}, Format::Zip);
}

TEST_CASE("pack excludes nested paths and read_member caps the size", "[archive]") {
  TempDir base;
  auto src = base.path() / "src";
  write_text(src / "keep/a.txt", "a");
  write_text(src / "keep/build/obj.o", "o");
  write_text(src / ".wharf/envs/default/x", "x");
  write_text(src / "keep-build/b.txt", "b");
  auto out = base.path() / "out.tar.xz";
  REQUIRE(archive::pack(src, out, Format::TarXz, {"./keep/build/", ".wharf"}));
  auto dest = base.path() / "dest";
  REQUIRE(archive::extract(out, dest));
  CHECK(listing(dest) ==
        std::set<std::string>{"keep", "keep/a.txt", "keep-build", "keep-build/b.txt"});

  auto capped = archive::read_member(out, "keep/a.txt", 0);
  REQUIRE_FALSE(capped);
  CHECK(capped.error().message.find("keep/a.txt") != std::string::npos);
  CHECK(archive::read_member(out, "keep/a.txt", 1)->value() == "a");
  CHECK_FALSE(archive::read_member(out, "keep", 100)->has_value());  // a folder, not a file

  auto missing = archive::read_member(base.path() / "missing.tar.gz", "x");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("missing.tar.gz") != std::string::npos);
}

TEST_CASE("extract reports the sha256 of every regular file it leaves", "[archive]") {
  TempDir base;
  auto file = base.path() / "digests.tar.gz";
  std::string big(300'000, 'x');  // several data blocks
  for (std::size_t i = 0; i < big.size(); i += 7) big[i] = static_cast<char>('a' + i % 26);
  write_archive(file, {{"bin", Kind::Dir, "", 0755},
                       {"bin/tool", Kind::File, "#!/bin/sh\n", 0755},
                       {"data/big.bin", Kind::File, big},
                       {"data/empty", Kind::File, ""},
                       {"data/link", Kind::Symlink, "big.bin"},
                       {"data/hard", Kind::Hardlink, "data/big.bin"},
                       {"data/replaced", Kind::File, "first"},
                       {"data/replaced", Kind::File, "second"},
                       {"data/now-a-link", Kind::File, "file first"},
                       {"data/now-a-link", Kind::Symlink, "empty"}});
  archive::FileDigests digests;
  REQUIRE(archive::extract(file, base.path() / "out", {}, &digests));
  std::map<std::string, std::string> expected;
  for (auto it = fs::recursive_directory_iterator(base.path() / "out");
       it != fs::recursive_directory_iterator(); ++it)
    if (it->is_regular_file() && !it->is_symlink())
      expected[it->path().lexically_relative(base.path() / "out").generic_string()] =
          sha256_file(it->path()).value();
  CHECK(digests == expected);
  CHECK(digests.at("data/replaced") == sha256_hex("second"));
  CHECK(digests.at("data/hard") == sha256_hex(big));
  CHECK(digests.count("data/now-a-link") == 0);
  CHECK(digests.count("data/link") == 0);
}
