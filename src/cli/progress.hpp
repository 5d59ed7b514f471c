// Progress bars for downloads (private to src/cli/): one line per active
// transfer with its label, a bar, bytes and rate, redrawn in place. Only
// used on a terminal, and never with -q (TerminalReporter decides).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>

#include "wharf/ops/ops.hpp"

namespace wharf::cli {

// One line of the board, at most `width` columns (pure, for tests):
// "hello 1.2.0  [=======>      ]  1.2 MiB / 3.4 MiB  2.1 MiB/s".
std::string progress_line(std::string_view label, std::uint64_t bytes, std::uint64_t total,
                          double seconds, std::size_t width);

class ProgressBoard {
 public:
  explicit ProgressBoard(std::FILE* out) : m_out(out) {}
  ~ProgressBoard() { clear(); }
  ProgressBoard(const ProgressBoard&) = delete;
  ProgressBoard& operator=(const ProgressBoard&) = delete;

  // Records the event; redraws at most ten times a second, and at once
  // when a transfer ends.
  void update(const ops::TransferProgress& event);
  // Erases what is drawn, so that other output starts on a clean line.
  void clear();

 private:
  using Clock = std::chrono::steady_clock;
  struct Line {
    std::string label;
    std::uint64_t bytes = 0, total = 0;
    Clock::time_point started;
  };
  void draw();

  std::FILE* m_out;
  std::map<std::size_t, Line> m_active;
  std::size_t m_drawn = 0;
  Clock::time_point m_last_draw{};
};

}  // namespace wharf::cli
