#include "sweep/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include <fmt/core.h>

namespace exvivo::sweep {

namespace {

constexpr std::size_t default_columns = 80;
constexpr std::size_t max_bar = 30, min_bar = 10;

/// The width of the terminal on stderr; 80 when it is not a terminal or says nothing.
std::size_t terminal_columns() {
  winsize ws{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20) return ws.ws_col;
  if (const char* c = std::getenv("COLUMNS")) {
    const long n = std::strtol(c, nullptr, 10);
    if (n >= 20 && n < 10000) return static_cast<std::size_t>(n);
  }
  return default_columns;
}

std::string shorten(const std::string& text, std::size_t width) {
  if (text.size() <= width) return text;
  if (width <= 3) return text.substr(0, width);
  return text.substr(0, width - 3) + "...";
}

}  // namespace

std::string format_duration(double seconds) {
  if (!(seconds >= 0)) seconds = 0;
  if (seconds < 99.5) return fmt::format("{:.0f} s", seconds);
  if (seconds < 99.5 * 60) return fmt::format("{:.0f} min", seconds / 60);
  return fmt::format("{:.1f} h", seconds / 3600);
}

std::string format_progress(const std::string& label, const ProgressState& st, bool bar, bool final,
                            std::size_t columns) {
  const std::size_t width = std::max<std::size_t>(columns, 20) - 1;
  const double rate = st.elapsed_seconds > 0 ? static_cast<double>(st.done) / st.elapsed_seconds : 0;
  const double eta = rate > 0 ? static_cast<double>(st.total - std::min(st.done, st.total)) / rate : 0;
  const double frac = st.total ? static_cast<double>(st.done) / static_cast<double>(st.total) : 1;
  if (!bar) {
    const std::string tail =
        fmt::format(": {}/{} runs ({:.0f}%), {} failed, {:.0f} runs/s, {:.1f} s elapsed{}", st.done, st.total,
                    100 * frac, st.failed, rate, st.elapsed_seconds,
                    final ? "" : ", ETA " + format_duration(eta));
    const std::size_t room = width > tail.size() ? width - tail.size() : 0;
    return shorten(shorten(label, std::max<std::size_t>(room, 8)) + tail, width);
  }
  std::string tail = fmt::format(" {}/{} {:.0f}%", st.done, st.total, 100 * frac);
  if (st.failed) tail += fmt::format(" {} failed", st.failed);
  tail += fmt::format(" {:.0f} runs/s", rate);
  tail += final ? fmt::format(" {}", format_duration(st.elapsed_seconds)) : " ETA " + format_duration(eta);
  // Label first (at most a third of the line), then the bar takes what is left.
  const std::string name = shorten(label, std::max<std::size_t>(8, width / 3));
  const std::size_t fixed = name.size() + 3 + tail.size();  // " [" + "]"
  std::size_t bar_width = width > fixed ? std::min(max_bar, width - fixed) : 0;
  if (bar_width < min_bar) bar_width = 0;
  std::string line = name;
  if (bar_width) {
    const auto filled = static_cast<std::size_t>(frac * static_cast<double>(bar_width));
    line += " [" + std::string(filled, '#') + std::string(bar_width - filled, '.') + "]";
  }
  return shorten(line + tail, width);
}

Progress::Progress(std::string label, std::size_t total, bool quiet)
    : label_(std::move(label)),
      total_(total),
      quiet_(quiet),
      terminal_(isatty(STDERR_FILENO) != 0),
      columns_(terminal_ ? terminal_columns() : default_columns),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_) {}

void Progress::advance(std::size_t n, std::size_t failed) {
  done_ += n;
  failed_ += failed;
  if (quiet_) return;
  const auto now = std::chrono::steady_clock::now();
  const auto interval = terminal_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(5000);
  std::lock_guard<std::mutex> lock(mutex_);
  if (now - last_print_ < interval) return;
  last_print_ = now;
  print(false);
}

void Progress::finish() {
  if (quiet_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  print(true);
}

void Progress::print(bool final) {
  ProgressState st;
  st.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  st.done = done_;
  st.total = total_;
  st.failed = failed_;
  std::string line = format_progress(label_, st, terminal_, final, columns_);
  if (terminal_) {
    // Redrawn in place: pad over the previous, possibly longer, line.
    line.resize(std::max(line.size(), columns_ - 1), ' ');
    line = "\r" + line + (final ? "\n" : "");
  } else {
    line += "\n";
  }
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

}  // namespace exvivo::sweep
