#pragma once
// Progress reporting on stderr (DESIGN.md §4): a bar with ETA and runs/s when
// stderr is a terminal, a plain line every few seconds otherwise, nothing
// when quiet. Thread-safe; cheap to call once per finished run. Every line
// fits the terminal's width (80 columns when it cannot be read), so that it
// is redrawn in place instead of wrapping.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

namespace exvivo::sweep {

struct ProgressState {
  std::size_t done = 0, total = 0, failed = 0;
  double elapsed_seconds = 0;
};

/// The text of one progress line, at most `columns - 1` characters (no
/// carriage return or newline): with `bar`, "label [####....] 120/960 12% 3 failed
/// 85 runs/s ETA 10 s"; without, "label: 120/960 runs (12%), 3 failed, 85 runs/s,
/// 1.4 s elapsed, ETA 10 s" (no ETA when `final`). A long label is shortened
/// with "..." to make room; the bar shrinks before anything else goes.
std::string format_progress(const std::string& label, const ProgressState& state, bool bar, bool final,
                            std::size_t columns);

/// "42 s", "12 min", "3.5 h".
std::string format_duration(double seconds);

class Progress {
 public:
  Progress(std::string label, std::size_t total, bool quiet);
  /// Records `n` more finished runs (`failed` of them failed).
  void advance(std::size_t n, std::size_t failed);
  /// Prints the final line.
  void finish();

 private:
  void print(bool final);

  std::string label_;
  std::size_t total_;
  bool quiet_;
  bool terminal_;
  std::size_t columns_;
  std::atomic<std::size_t> done_{0}, failed_{0};
  std::chrono::steady_clock::time_point start_, last_print_;
  std::mutex mutex_;
};

}  // namespace exvivo::sweep
