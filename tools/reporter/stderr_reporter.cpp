#include "stderr_reporter.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "sweep/progress.hpp"

namespace exvivo::reporter {

namespace {

constexpr std::size_t default_columns = 80;

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

}  // namespace

StderrReporter::StderrReporter(bool quiet)
    : quiet_(quiet),
      terminal_(isatty(STDERR_FILENO) != 0),
      columns_(terminal_ ? terminal_columns() : default_columns),
      last_progress_(std::chrono::steady_clock::now()) {}

void StderrReporter::progress(std::string_view label, const ProgressState& state, bool final) {
  if (quiet_) return;
  const auto now = std::chrono::steady_clock::now();
  const auto interval = terminal_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(5000);
  std::lock_guard<std::mutex> lock(mutex_);
  if (!final && now - last_progress_ < interval) return;
  last_progress_ = now;
  std::string line = sweep::format_progress(std::string(label), state, terminal_, final, columns_);
  if (terminal_) {
    // Redrawn in place: pad over the previous, possibly longer, line.
    line.resize(std::max(line.size(), columns_ - 1), ' ');
    line = "\r" + line + (final ? "\n" : "");
    line_open_ = !final;
  } else {
    line += "\n";
  }
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

void StderrReporter::note(std::string_view message) {
  if (quiet_) return;
  write(std::string(message) + "\n");
}

void StderrReporter::warning(std::string_view message) { write("warning: " + std::string(message) + "\n"); }

void StderrReporter::warnings(const std::vector<std::string>& messages) {
  for (const auto& m : messages) warning(m);
}

void StderrReporter::write(const std::string& text) {
  std::lock_guard<std::mutex> lock(mutex_);
  // A line in the middle of a redrawn bar starts on a fresh line.
  std::string out = line_open_ ? "\n" + text : text;
  line_open_ = false;
  std::fputs(out.c_str(), stderr);
  std::fflush(stderr);
}

}  // namespace exvivo::reporter
