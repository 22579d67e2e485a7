#pragma once
// Bounded nonlinear least squares: minimise ½‖r(θ)‖² subject to lower ≤ θ ≤ upper.
//
// Method "trust_region_lm": a projected Levenberg–Marquardt trust-region
// method. At each iteration, with g = Jᵀr,
//  1. the binding set B holds the components at a bound whose gradient pushes
//     outwards (θ_i = lower_i with g_i > 0, or θ_i = upper_i with g_i < 0);
//  2. on the free components F, the step δ minimises ‖J_F δ + r‖² + λ‖D_F δ‖²
//     (solved by column-pivoted QR of [J_F; √λ D_F], never forming JᵀJ), where
//     D holds the running maximum of J's column norms (Moré's scaling);
//  3. the trial point is the projection of θ + δ onto the box; its actual
//     reduction is compared with the reduction predicted by the linear model
//     for the projected step, ρ = actual / predicted;
//  4. ρ > 1e-4 accepts the step and relaxes λ by max(1/3, 1 − (2ρ − 1)³);
//     otherwise λ grows by ν (ν doubling on successive rejections, Nielsen 1999).
// λ acts as the inverse trust-region radius. A trial point whose residuals
// cannot be computed (evaluate returns false, or non-finite values) counts as
// a rejected step. Trial points are evaluated without Jacobian; the Jacobian
// (forward sensitivities) is requested only at the start point and at
// accepted points, and the residuals always come from the Jacobian-free call.
//
// Stopping (status strings, also in starts.csv):
//   "gtol"      ‖θ − P(θ − g)‖∞ ≤ gradient_tol (projected gradient; first-order optimal)
//   "ftol"      an accepted step reduced the cost by ≤ tol·cost and predicted no more
//   "xtol"      the step ‖δ‖ ≤ tol·(tol + ‖θ‖)
//   "max_iter"  max_iter trial steps taken
//   "failed"    the residuals could not be computed at the start point
//   "stalled"   λ overflowed (no decrease found along any direction)
#include <functional>
#include <string>

#include <Eigen/Dense>

namespace exvivo::fit {

struct LeastSquaresProblem {
  /// Residuals r(θ) into `r` (always the same length) and, when `jacobian`
  /// is not null, ∂r/∂θ into *jacobian (size(r) × size(θ)). Returns false when
  /// r cannot be computed at θ. Must be safe to call from several threads at
  /// once when used by multi_start.
  std::function<bool(const Eigen::VectorXd& theta, Eigen::VectorXd& r, Eigen::MatrixXd* jacobian)>
      evaluate;
  Eigen::VectorXd lower;  ///< may hold -inf
  Eigen::VectorXd upper;  ///< may hold +inf
};

struct OptimizerOptions {
  std::string method = "trust_region_lm";
  int max_iter = 200;          ///< trial steps
  double tol = 1e-8;           ///< relative cost reduction and relative step size
  double gradient_tol = 1e-8;  ///< ∞-norm of the projected gradient

  /// Throws OptionError naming the bad field ("optimizer.max_iter: must be positive, got 0").
  void validate() const;
};

/// The optimizer methods OptimizerOptions::method accepts.
const std::vector<std::string>& optimizer_methods();

struct OptimizerResult {
  Eigen::VectorXd theta;       ///< best point found (within the bounds)
  double cost = 0;             ///< ½‖r(θ)‖²
  Eigen::VectorXd residuals;
  Eigen::MatrixXd jacobian;    ///< ∂r/∂θ at theta
  Eigen::VectorXd gradient;    ///< Jᵀr at theta
  int iterations = 0;          ///< trial steps
  int evaluations = 0;         ///< calls of evaluate
  std::string status;          ///< see the list above
  std::string message;

  /// gtol, ftol or xtol.
  bool converged() const { return status == "gtol" || status == "ftol" || status == "xtol"; }
};

/// Minimises from theta0 (projected onto the bounds first). Throws OptionError
/// for invalid options and std::invalid_argument when the bounds' sizes differ
/// from theta0's or lower > upper.
OptimizerResult least_squares(const LeastSquaresProblem& problem, const Eigen::VectorXd& theta0,
                              const OptimizerOptions& options);

}  // namespace exvivo::fit
