#pragma once
// Forward sensitivities of a run: S(t) = ∂x(t)/∂p_k for a chosen set of model
// parameters, integrated together with the state (the augmented system)
//
//   x' = f(t, x, p)                    x(t0) = x0(p)
//   S' = (∂f/∂x)·S + ∂f/∂p_k           S(t0) = ∂x0/∂p_k (0 for species the run overrides)
//
// by engine/solve's integrate() (same methods, tolerances and step-size
// control). The right-hand side is generated code (model/sensitivity_code.hpp):
// the sparse ∂f/∂x, only the selected columns of ∂f/∂p, structurally zero
// rows left out. The stiff method is a Rodas4 that factorises the state's
// n × n stage matrix once per step for the state and all k columns, with the
// sensitivities in the error control (sensitivity_system.hpp). The explicit
// method (rk45, and auto before its switch) is staggered: Dormand–Prince steps
// for the state as in a plain solve, and RK4 for S across each accepted step,
// outside the error control as in CVODES's default (sensitivity_dopri5.cpp),
// in substeps where S is stiffer than RK4 allows at the state's step; with
// auto, a step whose S needs more than 4 of them goes to the Rodas4 for
// the rest of the run (S can be far stiffer than the state: a fast reaction
// of an absent species).
// A sensitivity solve so costs a small multiple of a plain one, not the
// (n(1+k))³ of a dense LU of the augmented system.
//
// Protocol events change x by x_i += a (add), x_i = v (set, and wash = set 0)
// or x_i *= c (scale) with amounts that do not depend on p, so the jump
// conditions for the sensitivities are: add leaves S_i unchanged, set makes
// S_i = 0, scale multiplies S_i by c.
//
// Observables and noise sigmas get their sensitivities by the chain rule,
// ∂y/∂p_k = (∂h/∂x)·S + ∂h/∂p_k.
//
// Unlike solve(), the augmented system is not declared non-negative (the
// sensitivities have either sign), so states are not clipped at zero.
#include <cstddef>
#include <vector>

#include <Eigen/Dense>

#include "model/sensitivity_code.hpp"
#include "solve/options.hpp"
#include "solve/run.hpp"
#include "solve/solution.hpp"

namespace exvivo::fit {

struct SensitivityResult {
  solve::Status status = solve::Status::ok;
  std::string message;
  std::size_t completed = 0;       ///< samples computed
  Eigen::MatrixXd states;          ///< samples × species
  Eigen::MatrixXd observables;     ///< samples × observables
  Eigen::MatrixXd sigmas;          ///< samples × observables (NaN without noise model)
  /// Per sample: species × parameters, ∂x/∂p_k.
  std::vector<Eigen::MatrixXd> state_sensitivities;
  /// Per sample: observables × parameters, ∂y/∂p_k.
  std::vector<Eigen::MatrixXd> observable_sensitivities;
  /// Per sample: observables × parameters, ∂σ/∂p_k.
  std::vector<Eigen::MatrixXd> sigma_sensitivities;
  solve::SolveStats stats;

  bool ok() const { return status == solve::Status::ok; }
};

/// Integrates `run` with sensitivities for the model parameters with indices
/// `parameters` (in model units: ∂/∂p, not ∂/∂θ). An empty list integrates
/// the state alone. Throws OptionError for invalid options and
/// std::invalid_argument for a run without model, a parameter vector of the
/// wrong length or a parameter index out of range.
///
/// `initial_sensitivities` (species × parameters), when given, is S(t0) in
/// place of ∂x0/∂p_k and the zeroing for overridden species: for a run that
/// continues an earlier one (after a steady state or an event).
///
/// `code`, when given, is model::sensitivity_code(*run.model, parameters,
/// initial_sensitivities != nullptr), built once by a caller that solves
/// often (a fit, per scenario); otherwise each solve looks it up in the
/// model's cache (under a lock).
SensitivityResult solve_with_sensitivities(const solve::Run& run, const std::vector<std::size_t>& parameters,
                                           const solve::SolverOptions& options,
                                           const Eigen::MatrixXd* initial_sensitivities = nullptr,
                                           const model::SensitivityCode* code = nullptr);

}  // namespace exvivo::fit
