// The download progress board of the CLI: what it draws and how it erases it.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "../../../src/cli/progress.hpp"

using wharf::cli::progress_line;
using wharf::cli::ProgressBoard;
using wharf::ops::TransferProgress;

namespace {

// What `board` wrote into an in-memory stream.
struct Capture {
  char* data = nullptr;
  std::size_t size = 0;
  std::FILE* file = open_memstream(&data, &size);
  ~Capture() {
    if (file) std::fclose(file);
    std::free(data);
  }
  std::string text() {
    std::fflush(file);
    return std::string(data, size);
  }
};

}  // namespace

TEST_CASE("a progress line shows label, bar, bytes and rate within the width", "[cli]") {
  auto line = progress_line("hello 1.2.0", 512 * 1024, 1024 * 1024, 1.0, 100);
  CHECK(line.find("hello 1.2.0") != std::string::npos);
  CHECK(line.find("512.0 KiB / 1.0 MiB") != std::string::npos);
  CHECK(line.find("512.0 KiB/s") != std::string::npos);
  auto open = line.find('[');
  auto close = line.find(']');
  REQUIRE(open != std::string::npos);
  REQUIRE(close != std::string::npos);
  std::string bar = line.substr(open + 1, close - open - 1);
  auto filled = static_cast<std::size_t>(std::count(bar.begin(), bar.end(), '='));
  CHECK(filled == bar.size() / 2);
  CHECK(bar[filled] == '>');
  CHECK(line.size() <= 100);

  CHECK(progress_line("a-very-long-package-name-indeed 10.0.0", 10, 0, 0.0, 40).size() <= 40);
  // Unknown total: no fraction, an empty bar.
  auto unknown = progress_line("x 1", 2048, 0, 2.0, 100);
  CHECK(unknown.find("2.0 KiB  1.0 KiB/s") != std::string::npos);
  CHECK(unknown.find('=') == std::string::npos);
}

TEST_CASE("the board redraws in place and erases itself when transfers end", "[cli]") {
  Capture out;
  REQUIRE(out.file);
  {
    ProgressBoard board(out.file);
    board.update(TransferProgress{0, "hello 1.2.0", 100, 1000, false});
    auto first = out.text();
    CHECK(first.find("hello 1.2.0") != std::string::npos);
    CHECK(first.find("\x1b[") == std::string::npos);  // nothing to erase yet
    CHECK(std::count(first.begin(), first.end(), '\n') == 1);

    board.update(TransferProgress{1, "libgreet 2.1.0", 5, 10, false});   // throttled
    board.update(TransferProgress{0, "hello 1.2.0", 1000, 1000, true});  // an end redraws
    auto second = out.text().substr(first.size());
    CHECK(second.rfind("\x1b[1F\x1b[J", 0) == 0);  // up one line, erase below
    CHECK(second.find("libgreet 2.1.0") != std::string::npos);
    CHECK(second.find("hello 1.2.0") == std::string::npos);

    auto before_clear = out.text().size();
    board.clear();
    CHECK(out.text().substr(before_clear) == "\x1b[1F\x1b[J");
    board.clear();  // nothing drawn: nothing written
    CHECK(out.text().size() == before_clear + 7);
  }
}
