#pragma once
// The fit objective: the negative log-likelihood of a FitProblem's data as a
// function of the estimated parameters θ on their scales, in least-squares
// form (likelihood.hpp) with the Jacobian from forward sensitivities
// (sensitivity.hpp):
//
//   nllh(θ) = ½‖r(θ)‖² + C,   r = (data residuals of every row, in table
//                                  order, scenario after scenario; then the
//                                  sigma residuals, same order)
//
// A row whose σ cannot depend on θ (an `sd`, or a model sigma written as a
// number for a normal or lognormal observable) has its sigma residual 0 and
// its value folded into C, so that ½‖r‖² holds only what θ can change (the
// optimizer's relative tolerances apply to it).
//   ∂r/∂θ_j = (∂r/∂y·∂y/∂p + ∂r/∂σ·∂σ/∂p)·dp/dθ_j
//
// θ layout: estimates in file order; a shared estimate takes one entry, a
// per_donor one an entry per donor (FitProblem::donors, across scenarios) that
// has measurements or is the reference of a ratio row (donor order). A run (one
// per scenario, donor and arm with data) depends only on the shared entries and
// its own donor's, so the Jacobian is block structured: each run integrates
// sensitivities for its own parameters only and the other columns stay zero.
//
// Ratio rows (Measurement::ratio_to): the prediction is y = y_row / y_ref, two
// samples of possibly different runs, and ∂y/∂θ = (∂y_row/∂θ − y·∂y_ref/∂θ)/y_ref
// (the quotient rule). The reference is treated as exact: the row's σ (when it
// has no `sd`) is the model's σ at the row's sample, unchanged for the log-scale
// distributions (lognormal, log10normal: σ of a log ratio) and divided by
// |y_ref| for the others (normal, laplace, proportional: σ in units of the
// reference, so ∂σ/∂y_ref = −σ/y_ref).
//
// Rows with an `sd` keep the observable's distribution with σ = sd (normal for
// proportional observables); other rows use the model's noise sigma (for
// proportional observables the model's σ·|y|, treated as a normal σ that
// depends on the state).
#include <atomic>
#include <cstddef>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "fit/fit_problem.hpp"
#include "fit/optimizer.hpp"
#include "fit/solve_timing.hpp"
#include "model/sensitivity_code.hpp"
#include "scenario/run_plan.hpp"
#include "solve/run.hpp"

namespace exvivo::fit {

/// One entry of θ.
struct ThetaEntry {
  std::size_t estimate = 0;  ///< index into FitSpec::estimates
  std::size_t donor = 0;     ///< donor index (meaningful when per_donor)
  bool per_donor = false;
  std::string label;         ///< "k_syn" or "HLA0[septic_d3]"
};

/// Simulation and likelihood terms of one measurement row at some θ.
struct RowPrediction {
  double simulation = 0;
  double sigma = 0;          ///< σ used (σ_eff for proportional)
  double residual = 0;       ///< data residual r
  double nllh = 0;           ///< the row's negative log-likelihood
};

class Objective {
 public:
  /// Keeps a reference to `problem`, which must outlive the objective.
  explicit Objective(const FitProblem& problem);

  std::size_t size() const { return entries_.size(); }
  const std::vector<ThetaEntry>& entries() const { return entries_; }
  Eigen::VectorXd lower() const;   ///< bounds on the parameter scale
  Eigen::VectorXd upper() const;
  std::size_t num_residuals() const { return 2 * rows_.size(); }

  /// r(θ) and optionally ∂r/∂θ; false when a simulation fails. Thread-safe.
  bool residuals(const Eigen::VectorXd& theta, Eigen::VectorXd& r, Eigen::MatrixXd* jacobian) const;
  /// nllh = ½‖r‖² + constant().
  double constant() const { return constant_; }
  /// The optimizer's view of this objective.
  LeastSquaresProblem least_squares_problem() const;

  /// Per row, in table order (scenario after scenario); throws
  /// std::runtime_error naming the run when a simulation fails.
  std::vector<RowPrediction> predict(const Eigen::VectorXd& theta) const;

  /// Why residuals() fails at θ, or "" when it does not: the first failed
  /// simulation ("donor 'septic', arm 'control': max_steps: At t = …") or the
  /// first row with a non-finite residual ("data.tsv:5: simulated TNF_pg = 0
  /// at t = 6 cannot be compared under lognormal noise").
  std::string diagnose(const Eigen::VectorXd& theta) const;

  /// Integrations so far (every run of every call counts). Thread-safe.
  SolveTiming timing() const;

  /// Sets the estimated parameters at θ (model units) in `run`, a run of
  /// donor `donor` (index into the scenario's MeasurementContext::donors) of
  /// scenario `scenario` (index into FitProblem::scenarios).
  void apply(const Eigen::VectorXd& theta, std::size_t scenario, std::size_t donor, solve::Run& run) const;
  /// θ entry of estimate `e` for donor `donor` (index into FitProblem::donors);
  /// no_entry for a per_donor estimate of a donor without measurements (its
  /// scenario value is used).
  std::size_t theta_index(std::size_t e, std::size_t donor) const;
  static constexpr std::size_t no_entry = static_cast<std::size_t>(-1);

 private:
  struct RunData {
    std::size_t scenario = 0;
    std::size_t donor = 0;  ///< the scenario's donor index
    std::size_t arm = 0;
    solve::Run run;  ///< samples = the measured (and referenced) times
  };
  struct RowData {
    const Measurement* measurement = nullptr;
    std::size_t run = 0, sample = 0;                 ///< where the row's simulation is
    std::size_t ref_run = no_entry, ref_sample = 0;  ///< ratio rows: the reference
    bool sigma_varies = false;                       ///< σ may depend on θ (else its residual is in constant_)
    model::NoiseModel::Distribution distribution{};  ///< what the row is evaluated with
    double range = 1;                                ///< logitnormal's c (likelihood.hpp)
  };
  struct Simulated;
  /// The row's prediction, σ and their derivatives from the runs' results.
  struct RowValue;
  RowValue row_value(const RowData& row, const std::vector<Simulated>& sims, bool derivatives) const;
  bool simulate(const RunData& rd, const Eigen::VectorXd& theta, bool with_sensitivities,
                Simulated& out) const;

  const FitProblem& problem_;
  std::vector<ThetaEntry> entries_;
  std::vector<std::vector<std::size_t>> index_;  ///< [estimate][donor] -> θ entry
  std::vector<RunData> runs_;
  std::vector<RowData> rows_;  ///< every scenario's rows, scenario after scenario
  double constant_ = 0;
  std::vector<model::SensitivityCode> codes_;  ///< per scenario, for its estimated parameters
  mutable SolveTimer timer_;
};

}  // namespace exvivo::fit
