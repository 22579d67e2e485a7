#include "sweep/progress.hpp"

#include <algorithm>

#include <fmt/core.h>

namespace exvivo::sweep {

namespace {

constexpr std::size_t max_bar = 30, min_bar = 10;

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

Progress::Progress(std::string label, std::size_t total, Reporter* reporter)
    : label_(std::move(label)), total_(total), reporter_(reporter), start_(std::chrono::steady_clock::now()) {}

ProgressState Progress::state() const {
  ProgressState st;
  st.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  st.done = done_;
  st.total = total_;
  st.failed = failed_;
  return st;
}

void Progress::advance(std::size_t n, std::size_t failed) {
  done_ += n;
  failed_ += failed;
  if (reporter_ != nullptr) reporter_->progress(label_, state(), false);
}

void Progress::finish() {
  if (reporter_ != nullptr) reporter_->progress(label_, state(), true);
}

}  // namespace exvivo::sweep
