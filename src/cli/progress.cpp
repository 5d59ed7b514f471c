#include "progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>

#include "wharf/util/strings.hpp"

namespace wharf::cli {

namespace {

constexpr std::size_t kMaxLines = 10;
constexpr auto kRedrawInterval = std::chrono::milliseconds(100);

std::size_t terminal_width(std::FILE* out) {
  winsize size{};
  if (::ioctl(::fileno(out), TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

}  // namespace

std::string progress_line(std::string_view label, std::uint64_t bytes, std::uint64_t total,
                          double seconds, std::size_t width) {
  std::string amount = format_bytes(static_cast<double>(bytes));
  if (total > 0) amount += " / " + format_bytes(static_cast<double>(total));
  std::string rate =
      seconds > 0.05 ? format_bytes(static_cast<double>(bytes) / seconds) + "/s" : "";
  // "  LABEL [BAR] AMOUNT RATE", the label padded to a column.
  std::string name(label.substr(0, std::min<std::size_t>(label.size(), 28)));
  name.resize(std::max<std::size_t>(name.size(), 20), ' ');
  std::string tail = "  " + amount + (rate.empty() ? "" : "  " + rate);
  std::size_t fixed = 2 + name.size() + 3 + tail.size();
  std::size_t bar_width = width > fixed + 10 ? std::min<std::size_t>(width - fixed, 30) : 0;
  std::string line = "  " + name;
  if (bar_width > 0) {
    std::size_t filled =
        total > 0 ? static_cast<std::size_t>(
                        static_cast<double>(bar_width) *
                        std::min(1.0, static_cast<double>(bytes) / static_cast<double>(total)))
                  : 0;
    std::string bar(bar_width, ' ');
    for (std::size_t i = 0; i < filled; ++i) bar[i] = '=';
    if (filled < bar_width && total > 0) bar[filled] = '>';
    line += " [" + bar + "]";
  }
  line += tail;
  if (line.size() > width) line.resize(width);
  return line;
}

void ProgressBoard::update(const ops::TransferProgress& event) {
  auto now = Clock::now();
  bool ended = false;
  if (event.done) {
    ended = m_active.erase(event.id) > 0;
  } else {
    auto [it, inserted] = m_active.try_emplace(event.id);
    if (inserted) {
      it->second.label = event.label;
      it->second.started = now;
    }
    it->second.bytes = event.bytes;
    it->second.total = event.total;
  }
  if (!ended && now - m_last_draw < kRedrawInterval) return;
  m_last_draw = now;
  draw();
}

void ProgressBoard::clear() {
  if (m_drawn == 0) return;
  // Up to the first drawn line, then erase to the end of the screen.
  std::fprintf(m_out, "\x1b[%zuF\x1b[J", m_drawn);
  std::fflush(m_out);
  m_drawn = 0;
}

void ProgressBoard::draw() {
  std::string text;
  if (m_drawn > 0) text += "\x1b[" + std::to_string(m_drawn) + "F\x1b[J";
  std::size_t width = terminal_width(m_out);
  if (width > 1) --width;  // never touch the last column (no wrap)
  auto now = Clock::now();
  std::size_t lines = 0;
  for (const auto& [id, line] : m_active) {
    if (lines == kMaxLines) break;
    double seconds = std::chrono::duration<double>(now - line.started).count();
    text += progress_line(line.label, line.bytes, line.total, seconds, width) + "\n";
    ++lines;
  }
  if (m_active.size() > lines) {
    text += "  ... and " + std::to_string(m_active.size() - lines) + " more\n";
    ++lines;
  }
  std::fputs(text.c_str(), m_out);
  std::fflush(m_out);
  m_drawn = lines;
}

}  // namespace wharf::cli
