#pragma once
// RunPlan: the numbered runs of a scenario (DESIGN.md §3).
//
// Run r is (donor, arm, sample) with r = (donor·n_arms + arm)·n_samples + sample:
// listed donors in file order, then cohort members, arms in file order, sweep
// samples in design order. A grid enumerates every combination of the
// factors' values with the first factor varying slowest; lhs, sobol and
// random designs draw n points from the seed (scenario/design.hpp), the same
// points for every donor and arm. Run identity depends only on the scenario, so
// the same scenario gives the same runs for any thread count or sharding.
#include <cstddef>
#include <string>
#include <vector>

#include "scenario/scenario.hpp"
#include "solve/run.hpp"

namespace exvivo::scenario {

struct RunKey {
  std::size_t run = 0;
  std::size_t donor = 0;
  std::size_t arm = 0;
  std::size_t sample = 0;
};

class RunPlan {
 public:
  /// Keeps a reference to `scenario`, which must outlive the plan.
  explicit RunPlan(const Scenario& scenario);

  std::size_t size() const { return n_donors_ * n_arms_ * n_samples_; }
  std::size_t donors() const { return n_donors_; }
  std::size_t samples_per_arm() const { return n_samples_; }
  RunKey key(std::size_t run) const;

  std::string donor_id(std::size_t run) const;
  const std::string& arm_id(std::size_t run) const;

  /// runs.csv columns after the fixed ones: one per sweep factor, then one per
  /// sampled cohort parameter.
  const std::vector<std::string>& factor_names() const { return factor_names_; }
  /// The values of those columns for run `run`: sweep factors as written in the
  /// scenario (factor units), cohort parameters as sampled (model units; NaN
  /// for listed donors).
  std::vector<double> factor_values(std::size_t run) const;

  /// The run's parameters, initial overrides, events and samples, all in model
  /// units, with overrides applied in the order: model defaults, donor preset,
  /// culture, scenario `set`, donor `set`, sweep values. Throws ScenarioError
  /// (located at the offending value) when a swept value makes the run invalid,
  /// e.g. a negative event time.
  solve::Run make_run(std::size_t run) const;

 private:
  bool is_cohort_member(std::size_t donor) const { return donor >= s_.donors.size(); }
  const Scenario& s_;
  const double* sample_row(std::size_t sample) const { return samples_.data() + sample * n_factors_; }
  std::size_t n_donors_ = 0, n_arms_ = 0, n_samples_ = 0, n_factors_ = 0;
  std::vector<std::string> factor_names_;
  std::vector<double> samples_;  ///< n_samples × n_factors row-major, as written
};

}  // namespace exvivo::scenario
