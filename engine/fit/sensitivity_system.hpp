#pragma once
// The forward-sensitivity system of a run as one ODE system for engine/solve:
// the state x and the sensitivity columns S_c = ∂x/∂p_c stacked,
// z = (x, S_0, …, S_{k−1}), with
//
//   x'   = f(t, x, p)
//   S_c' = J(t, x)·S_c + ∂f/∂p_c(t, x)          J = ∂f/∂x
//
// The right-hand side is one generated program (model/sensitivity_code.hpp,
// native code for a native model): f, the sparse products J·S_c and the
// non-zero entries of the k selected columns of ∂f/∂p, with f and J sharing
// their subexpressions; no allocation per call. The system's Jacobian is
// block lower triangular,
//
//   [ J        0 ]
//   [ C        I⊗J ]    C·v = ∂(J·S_c + ∂f/∂p_c)/∂x · v,
//
// so a Rosenbrock stage (I/(hγ) − A)·K = R is solved with one LU of the
// state's (I/(hγ) − J): first K_x, then every column from R_c + (C·K_x)_c.
// make_sensitivity_rodas4() is that stepper (Rodas4, the coefficients of
// engine/solve's); C·v is a directional difference of the sensitivity
// right-hand side (one evaluation per stage, not n per step).
// make_sensitivity_dopri5() is the explicit one (staggered, see
// sensitivity_dopri5.cpp), which uses state_rhs() and the two-part
// prepare_columns()/columns() instead of rhs().
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "model/compiled_model.hpp"
#include "model/sensitivity_code.hpp"
#include "solve/integrate.hpp"
#include "solve/ode_system.hpp"

namespace exvivo::fit {

class SensitivitySystem final : public solve::OdeSystem {
 public:
  /// Keeps references to `model` and `selected` (model parameter indices),
  /// which must outlive the system; sets the parameters `p` in its own workspace.
  /// `every_row`: see model::sensitivity_code (S(t0) given by the caller).
  SensitivitySystem(const model::CompiledModel& model, const std::vector<double>& p,
                    const std::vector<std::size_t>& selected, bool every_row = false);

  std::size_t size() const override { return static_cast<std::size_t>(n_ * (1 + k_)); }
  void rhs(double t, const double* z, double* dz) override;
  std::string state_name(std::size_t i) const override;
  std::string time_unit() const override { return model_.time_unit(); }

  Eigen::Index num_states() const { return n_; }
  Eigen::Index num_columns() const { return k_; }
  /// J = ∂f/∂x at (t, x), dense column-major n × n.
  void state_jacobian(double t, const double* x, double* J);
  /// The sensitivity part of the right-hand side at z (length size()) into
  /// ds (length n·k): J(t, x)·S_c + ∂f/∂p_c for every column.
  void sensitivity_rhs(double t, const double* z, double* ds);

  model::CompiledModel::Workspace& workspace() { return ws_; }

  /// f(t, x) alone (x: the state's n values).
  void state_rhs(double t, const double* x, double* dx);
  /// For columns(): J's non-zeros and ∂f/∂p_c at (t, x) (k > 0 only).
  void prepare_columns(double t, const double* x);
  /// J·S_c + ∂f/∂p_c for every column c into dS, with J and ∂f/∂p from the
  /// last prepare_columns(); S and dS row-interleaved (S_cj at j·k + c, see
  /// model/sensitivity_code.hpp).
  void columns(const double* S, double* dS);

 private:
  /// The generated program's output (f, then the k columns) at z into out.
  void evaluate(double t, const double* z, double* out);

  const model::CompiledModel& model_;
  const std::vector<std::size_t>& selected_;
  model::CompiledModel::Workspace ws_;
  Eigen::Index n_, k_;
  model::SensitivityCode code_;      ///< k > 0 only
  std::vector<double> inputs_;       ///< the program's input array (t, x, p, cache, S)
  std::vector<double> scratch_;      ///< its registers (interpreted)
  std::vector<double> output_;       ///< f and the columns, for sensitivity_rhs
  std::vector<double> products_in_;  ///< [ J non-zeros | ∂f/∂p columns | S ] for columns()
  std::size_t products_s_ = 0;       ///< where S starts in products_in_
};

/// The explicit stepper for a SensitivitySystem (sensitivity_dopri5.cpp), for
/// solve::integrate's StepperFactory in place of Dormand–Prince.
solve::StepperFactory make_sensitivity_dopri5(SensitivitySystem& system);

/// The Rosenbrock stepper for a SensitivitySystem (see above), for
/// solve::integrate's StepperFactory. `system` must be the SensitivitySystem
/// the integrator integrates.
solve::StepperFactory make_sensitivity_rodas4(SensitivitySystem& system);

}  // namespace exvivo::fit
