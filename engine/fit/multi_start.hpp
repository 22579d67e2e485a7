#pragma once
// Multi-start optimisation: starts drawn by Latin hypercube sampling of the
// box on the parameter scale (start 0 optionally at a given point, e.g. the
// model's values), each start optimised independently and in
// parallel (TBB). The start points depend only on the seed and every start
// is a pure function of its start point, so results are identical for every
// thread count.
#include <cstdint>
#include <optional>
#include <vector>

#include <Eigen/Dense>

#include "fit/optimizer.hpp"

namespace exvivo::fit {

struct MultiStartOptions {
  int starts = 50;
  std::uint64_t seed = 0;
  int threads = 0;  ///< 0 = all cores
  OptimizerOptions optimizer;
  /// When set, start 0 begins here (parameter scale, clamped into the bounds)
  /// instead of at the first LHS point; the other starts are unchanged.
  std::optional<Eigen::VectorXd> first_start;

  /// Throws OptionError ("starts: must be positive, got 0", "--threads: ...").
  void validate() const;
};

struct StartResult {
  int start = 0;               ///< 0-based index in draw order
  Eigen::VectorXd theta0;      ///< start point (parameter scale)
  OptimizerResult result;
  double wall_ms = 0;
};

/// Runs options.starts optimisations of `problem` (whose bounds must be
/// finite) from LHS start points. Results are sorted by cost (best first,
/// failed starts last; ties by start index): the waterfall.
std::vector<StartResult> multi_start(const LeastSquaresProblem& problem,
                                     const MultiStartOptions& options);

}  // namespace exvivo::fit
