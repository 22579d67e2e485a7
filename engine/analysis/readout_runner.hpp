#pragma once
// Simulating readouts: the value of an observable at a time in an arm, for one
// donor of a scenario, with some parameters overridden.
//
// Readouts are grouped by (arm, sweep sample); each group is one solve() of
// the scenario's run for that donor, arm and sample, with its sample times
// replaced by exactly the times the group reads. Parameter overrides replace
// the run's values after every scenario override (they come last).
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "analysis/analysis_spec.hpp"
#include "scenario/run_plan.hpp"

namespace exvivo::analysis {

struct ReadoutValues {
  std::vector<double> values;     ///< one per readout, NaN when its solve failed
  std::vector<double> parameters; ///< the parameter vector of the first group's run (after overrides)
  std::size_t solves = 0;
  double solve_seconds = 0;  ///< CPU seconds of those solves (fit/solve_timing.hpp)
  std::size_t failed = 0;
  std::string message;            ///< first failure: "arm gmcsf: At t = … "
};

class ReadoutRunner {
 public:
  /// Keeps references to `scenario` and `plan`, which must outlive the runner.
  ReadoutRunner(const scenario::Scenario& scenario, const scenario::RunPlan& plan, std::vector<Readout> readouts);

  /// Solves per evaluation (the number of (arm, sample) groups).
  std::size_t solves_per_evaluation() const { return groups_.size(); }

  /// The readouts for run-plan donor `donor` with `overrides` (model parameter
  /// index → value, model units). Thread-safe.
  ReadoutValues evaluate(std::size_t donor, const std::vector<std::pair<std::size_t, double>>& overrides) const;

 private:
  struct Group {
    std::size_t arm = 0, sample = 0;
    std::vector<solve::SampleTime> times;     ///< sorted, unique
    std::vector<std::pair<std::size_t, std::size_t>> reads;  ///< (readout, row in times)
  };
  const scenario::Scenario& s_;
  const scenario::RunPlan& plan_;
  std::vector<Readout> readouts_;
  std::vector<Group> groups_;
};

}  // namespace exvivo::analysis
