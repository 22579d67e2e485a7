#pragma once
// The CLI's Reporter (core/reporter.hpp): everything the engine reports goes
// to stderr (DESIGN.md §4). Progress is a bar with ETA redrawn in place at most
// five times a second when stderr is a terminal, a plain line every five
// seconds otherwise; notes are lines of their own; warnings are "warning: ...".
// Quiet: warnings only.
#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/reporter.hpp"

namespace exvivo::reporter {

class StderrReporter : public Reporter {
 public:
  explicit StderrReporter(bool quiet = false);

  void progress(std::string_view label, const ProgressState& state, bool final) override;
  void note(std::string_view message) override;
  void warning(std::string_view message) override;

  /// warning() for each.
  void warnings(const std::vector<std::string>& messages);

 private:
  void write(const std::string& text);

  bool quiet_;
  bool terminal_;
  std::size_t columns_;
  bool line_open_ = false;  ///< a progress bar is drawn without its newline
  std::chrono::steady_clock::time_point last_progress_;
  std::mutex mutex_;
};

}  // namespace exvivo::reporter
