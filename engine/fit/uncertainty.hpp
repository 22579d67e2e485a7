#pragma once
// Confidence intervals of estimates, on the parameter scale θ.
//
// Fisher information: with nllh = ½‖r‖² + C, the Gauss–Newton approximation of
// its Hessian at the optimum is F = JᵀJ (J = ∂r/∂θ). The asymptotic 95 %
// interval is θ_j ± 1.96·sqrt((F⁻¹)_jj). Directions along which F is singular
// (eigenvalue ≤ 1e-12 of the largest) are non-identifiable: parameters with a
// share in them get NaN bounds.
//
// Profile likelihood: θ_j is fixed on a grid of values moving away from the
// optimum in both directions and the other parameters re-optimised (warm
// started from the previous point) until nllh − nllh* exceeds 1.5 times the
// threshold χ²₁(0.95)/2 = 1.9207, a bound is reached, or max_points per side
// are taken. Steps start at 2 % of the bound range, double while nllh changes
// by less than 0.1 per step and halve when it jumps by more than 1. The 95 %
// interval ends where the profile crosses nllh* + 1.9207 (linear
// interpolation), NaN on a side where it does not.
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "fit/optimizer.hpp"

namespace exvivo::fit {

inline constexpr double profile_threshold_95 = 1.9207294103470476;  ///< χ²₁(0.95)/2

struct Interval {
  double lower = std::numeric_limits<double>::quiet_NaN();
  double upper = std::numeric_limits<double>::quiet_NaN();
};

/// FIM intervals for each θ_j from the residual Jacobian at the optimum.
std::vector<Interval> fim_intervals(const Eigen::MatrixXd& jacobian, const Eigen::VectorXd& theta);

struct ProfilePoint {
  double theta = 0;   ///< value of the profiled θ_j
  double cost = 0;    ///< ½‖r‖² with the others optimised
};

struct Profile {
  std::size_t parameter = 0;        ///< j
  std::vector<ProfilePoint> points; ///< sorted by theta, the optimum included
  Interval interval;                ///< on the parameter scale
};

/// Profile of θ_j through `best` (an optimum of `problem`).
Profile profile_likelihood(const LeastSquaresProblem& problem, const OptimizerResult& best,
                           std::size_t j, const OptimizerOptions& options, int max_points = 30);

/// The intervals of a fit's θ entries and the profiles behind them.
struct FitUncertainty {
  std::vector<Interval> intervals;   ///< per θ entry, parameter scale
  std::vector<std::string> methods;  ///< per θ entry: profile | fim | none
  std::vector<Profile> profiles;     ///< those of `profiled`, in its order
};

/// What a fit reports about its optimum `best` (fit files and PEtab
/// problems alike): with `fim` (and the Jacobian known) FIM intervals for
/// every entry, then for each θ entry in `profiled` its profile likelihood,
/// whose interval replaces the FIM one (method "profile"); the rest "none".
FitUncertainty fit_uncertainty(const LeastSquaresProblem& problem, const OptimizerResult& best, bool fim,
                               const std::vector<std::size_t>& profiled, const OptimizerOptions& options);

}  // namespace exvivo::fit
