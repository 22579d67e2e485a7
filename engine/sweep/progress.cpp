#include "sweep/progress.hpp"

#include <unistd.h>

#include <cstdio>

#include <fmt/core.h>

namespace exvivo::sweep {

Progress::Progress(std::string label, std::size_t total, bool quiet)
    : label_(std::move(label)),
      total_(total),
      quiet_(quiet),
      terminal_(isatty(STDERR_FILENO) != 0),
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
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const std::size_t done = done_;
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : 0;
  const double frac = total_ ? static_cast<double>(done) / static_cast<double>(total_) : 1;
  std::string line;
  if (terminal_) {
    const int width = 30;
    const int filled = static_cast<int>(frac * width);
    line = fmt::format("\r{} [{}{}] {}/{} runs, {} failed, {:.0f} runs/s, ETA {:.0f} s   ", label_,
                       std::string(static_cast<std::size_t>(filled), '#'),
                       std::string(static_cast<std::size_t>(width - filled), '.'), done, total_,
                       failed_.load(), rate, eta);
    if (final) line += "\n";
  } else {
    line = fmt::format("{}: {}/{} runs ({:.0f}%), {} failed, {:.0f} runs/s, {:.1f} s elapsed{}\n", label_, done,
                       total_, 100 * frac, failed_.load(), rate, elapsed,
                       final ? "" : fmt::format(", ETA {:.0f} s", eta));
  }
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

}  // namespace exvivo::sweep
