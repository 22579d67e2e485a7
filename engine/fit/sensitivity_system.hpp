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
// prepare_columns()/products() instead of rhs(), on S in row order.
//
// What both steppers share lives here: their start (SensitivityStepper), the
// mapping of S between the system's column order (z = (x, S_0, …, S_{k−1}))
// and the row order of the generated products (S_cj at r·stride + c for the
// r-th row that can be non-zero), the check
// that S stayed finite, and the chain rule to the observables at the samples.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "model/compiled_model.hpp"
#include "model/sensitivity_code.hpp"
#include "solve/integrate.hpp"
#include "solve/ode_system.hpp"
#include "solve/stepper.hpp"

namespace exvivo::fit {

class SensitivitySystem final : public solve::OdeSystem {
 public:
  /// Keeps references to `model` and `selected` (model parameter indices),
  /// which must outlive the system; sets the parameters `p` in its own workspace.
  /// `every_row`: see model::sensitivity_code (S(t0) given by the caller).
  /// `code`: the generated code for (model, selected, every_row) when the
  /// caller holds it (a fit builds it once per scenario), else it is looked up
  /// in the model's cache; throws std::invalid_argument when it is for other
  /// parameters.
  SensitivitySystem(const model::CompiledModel& model, const std::vector<double>& p,
                    const std::vector<std::size_t>& selected, bool every_row = false,
                    const model::SensitivityCode* code = nullptr);

  std::size_t size() const override { return static_cast<std::size_t>(n_ * (1 + k_)); }
  void rhs(double t, const double* z, double* dz) override;
  std::string state_name(std::size_t i) const override;
  std::string time_unit() const override { return model_.time_unit(); }
  /// The model's switch functions of the state part x of z (the first n values).
  std::size_t num_switches() const override { return model_.num_switches(); }
  void switches(double t, const double* z, double* g) override { model_.switches(t, z, ws_, g); }

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
  /// For products(): J's non-zeros and ∂f/∂p_c at (t, x) (k > 0 only).
  void prepare_columns(double t, const double* x);
  /// Values of S in the row order of the products (product_size() values: the
  /// rows that can be non-zero, each with its k columns padded to an even
  /// stride; model/sensitivity_code.hpp).
  Eigen::Index product_size() const { return product_size_; }
  /// The states of the row order's rows, in that order.
  const std::vector<std::size_t>& product_rows() const { return rows_; }
  /// Values per row in that order: k padded to an even number.
  Eigen::Index product_stride() const { return stride_; }
  /// Where products() reads S (row order): the caller writes S (or the stage
  /// it wants the products of) here, without a copy; padding 0.
  double* product_input() { return products_in_.data() + products_s_; }
  /// J·S_c + ∂f/∂p_c for every column c into dS (row order; 0 in the
  /// padding), with S from product_input() and J and ∂f/∂p from the last
  /// prepare_columns().
  void products(double* dS);

  /// S from the system's column order (S_c after S_{c−1}, as in z; n·k
  /// values) to row order (product_size() values, the padding 0), and back
  /// (the rows that are not in the row order set to 0).
  void to_rows(const double* columns, double* rows) const;
  void to_columns(const double* rows, double* columns) const;
  /// to_columns() without the zeros: the rows that are not in the row order
  /// are left as they are (for columns that hold 0 there already).
  void scatter_rows(const double* rows, double* columns) const;
  /// The sensitivity columns of z (length size()) as an n × k matrix.
  Eigen::Map<Eigen::MatrixXd> columns_of(Eigen::VectorXd& z) const {
    return Eigen::Map<Eigen::MatrixXd>(z.data() + n_, n_, k_);
  }
  /// Whether every entry of v is finite: v·0 is 0 for finite v and NaN for
  /// ±inf and NaN, so one vectorised sum decides (Eigen's allFinite() tests
  /// entry by entry).
  static bool all_finite(const Eigen::VectorXd& v) { return (v.array() * 0.0).sum() == 0.0; }

  /// ∂x0/∂p_c of the selected parameters into S0 (n × k; k > 0 only).
  void initial_sensitivities(Eigen::MatrixXd& S0);
  /// The observables' and noise sigmas' sensitivities at a sample (t, x) with
  /// S (n × k, column order) into dy, ds (num_observables × k):
  /// dy = (∂h/∂x)·S + ∂h/∂p_c, ds likewise for σ (k > 0 only).
  void observable_sensitivities(double t, const double* x, const Eigen::MatrixXd& S, Eigen::MatrixXd& dy,
                                Eigen::MatrixXd& ds);

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
  std::vector<double> products_in_;  ///< [ J non-zeros | ∂f/∂p columns | S ] for products()
  std::size_t products_s_ = 0;       ///< where S starts in products_in_
  std::vector<std::size_t> rows_;    ///< the states of the row order's rows
  std::vector<std::size_t> zero_rows_;  ///< the others (S structurally 0)
  Eigen::Index stride_ = 0, product_size_ = 0;
  /// ∂h/∂x, ∂h/∂p, ∂σ/∂x, ∂σ/∂p (dense, column-major), of which only the
  /// entries the model's programs write are set and read (not cleared).
  Eigen::VectorXd dhdx_, dhdp_, dsdx_, dsdp_;
};

/// The start that both sensitivity steppers share (see solve/stepper.hpp).
class SensitivityStepper : public solve::detail::Stepper {
 protected:
  SensitivityStepper(SensitivitySystem& system, const solve::detail::ErrorNorm& norm, solve::SolveStats& stats)
      : Stepper(system, norm, stats), sys_(system), n_(system.num_states()), k_(system.num_columns()), nk_(n_ * k_) {}

  /// What reset() must do: start at (t, z) without history, f(t, z) in dxdt_.
  void start(double t, const Eigen::VectorXd& z) {
    t_ = t_old_ = t;
    x_ = z;
    x_old_ = z;
    rhs(t_, x_, dxdt_);
  }

  SensitivitySystem& sys_;
  Eigen::Index n_, k_, nk_;  ///< states, columns, n·k
};

/// The explicit stepper for a SensitivitySystem (sensitivity_dopri5.cpp), for
/// solve::integrate's StepperFactory in place of Dormand–Prince.
/// `stiff_fallback` (method auto): the stepper reports needs_stiff_method()
/// where the sensitivities are too stiff for it (more than 4 RK4 substeps per
/// step of the state), for the integrator to go on with Rodas4; without, it
/// takes up to 256 substeps and beyond rejects the step.
solve::StepperFactory make_sensitivity_dopri5(SensitivitySystem& system, bool stiff_fallback);

/// The Rosenbrock stepper for a SensitivitySystem (see above), for
/// solve::integrate's StepperFactory. `system` must be the SensitivitySystem
/// the integrator integrates.
solve::StepperFactory make_sensitivity_rodas4(SensitivitySystem& system);

}  // namespace exvivo::fit
