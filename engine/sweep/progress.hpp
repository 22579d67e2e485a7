#pragma once
// Progress reporting on stderr (DESIGN.md §4): a bar with ETA and runs/s when
// stderr is a terminal, a plain line every few seconds otherwise, nothing
// when quiet. Thread-safe; cheap to call once per finished run.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

namespace exvivo::sweep {

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
  std::atomic<std::size_t> done_{0}, failed_{0};
  std::chrono::steady_clock::time_point start_, last_print_;
  std::mutex mutex_;
};

}  // namespace exvivo::sweep
