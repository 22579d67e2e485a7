#pragma once
// How the engine tells its caller what it is doing. The engine never prints:
// run_scenario, run_fit and run_analysis report progress, notes and warnings
// to a Reporter given in their options, and the caller decides where they go
// (the CLI: stderr, a progress bar on a terminal; the Python module and the
// tests: nowhere). A null Reporter* means "report nothing".
#include <cstddef>
#include <string_view>

namespace exvivo {

/// How far a batch of runs (a sweep, the starts of a fit, an analysis) is.
struct ProgressState {
  std::size_t done = 0, total = 0, failed = 0;
  double elapsed_seconds = 0;
};

class Reporter {
 public:
  virtual ~Reporter() = default;
  /// Runs finished so far in the batch named `label`. Called from worker
  /// threads, as often as once per run: implementations are thread-safe and
  /// decide themselves how often to show it. `final` once, when the batch ends.
  virtual void progress(std::string_view label, const ProgressState& state, bool final) {
    (void)label, (void)state, (void) final;
  }
  /// One line about the work ("fit x: 3 parameters, 40 measurements, 20 starts").
  virtual void note(std::string_view message) { (void)message; }
  /// A problem of the input that does not stop the work (an unused parameter).
  virtual void warning(std::string_view message) { (void)message; }
};

/// Passes to `reporter` when it is not null; the engine's way of calling one.
inline void report_note(Reporter* reporter, std::string_view message) {
  if (reporter != nullptr) reporter->note(message);
}
inline void report_warning(Reporter* reporter, std::string_view message) {
  if (reporter != nullptr) reporter->warning(message);
}

}  // namespace exvivo
