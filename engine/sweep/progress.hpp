#pragma once
// Progress of a sweep (DESIGN.md §4): Progress counts finished runs and passes
// them to the caller's Reporter (core/reporter.hpp), which shows them; the
// engine itself prints nothing. format_progress is the text of one progress
// line, for reporters that print (the CLI): a bar with ETA and runs/s on a
// terminal, a plain line otherwise, fitted to the terminal's width so that
// it is redrawn in place instead of wrapping.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>

#include "core/reporter.hpp"

namespace exvivo::sweep {

using exvivo::ProgressState;

/// The text of one progress line, at most `columns - 1` characters (no
/// carriage return or newline): with `bar`, "label [####....] 120/960 12% 3 failed
/// 85 runs/s ETA 10 s"; without, "label: 120/960 runs (12%), 3 failed, 85 runs/s,
/// 1.4 s elapsed, ETA 10 s" (no ETA when `final`). A long label is shortened
/// with "..." to make room; the bar shrinks before anything else goes.
std::string format_progress(const std::string& label, const ProgressState& state, bool bar, bool final,
                            std::size_t columns);

/// "42 s", "12 min", "3.5 h".
std::string format_duration(double seconds);

/// Counts the finished runs of one sweep for a Reporter. Thread-safe; cheap to
/// call once per finished run.
class Progress {
 public:
  /// `reporter` may be null: then nothing is reported.
  Progress(std::string label, std::size_t total, Reporter* reporter);
  /// Records `n` more finished runs (`failed` of them failed).
  void advance(std::size_t n, std::size_t failed);
  /// Reports the final state.
  void finish();

 private:
  ProgressState state() const;

  std::string label_;
  std::size_t total_;
  Reporter* reporter_;
  std::atomic<std::size_t> done_{0}, failed_{0};
  std::chrono::steady_clock::time_point start_;
};

}  // namespace exvivo::sweep
