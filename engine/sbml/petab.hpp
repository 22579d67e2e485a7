#pragma once
// PEtab v1 problems (an SBML model with condition, measurement, observable
// and parameter tables): objective at given parameter values.
//
// Semantics (PEtab v1): parameter values are the parameter table's
// nominalValue (linear scale), replaced by `overrides`; a condition table
// entry sets a model parameter or compartment (number or parameter id; NaN
// keeps the model's value) or a species' initial value; a measurement with a
// preequilibrationConditionId starts from the steady state of that
// condition, after which the simulation condition's non-NaN species entries
// are applied; time = inf is the steady state of the simulation condition.
// observableParameter<k>_<obs> and noiseParameter<k>_<obs> placeholders take
// the measurement row's `;`-separated values (numbers or parameter ids).
// Transformations lin/log/log10, noise distributions normal/laplace:
//   llh = Σ −½ log(2πσ²) − ½ r²/σ² − J       (normal)
//   llh = Σ −log(2σ) − |r|/σ − J             (laplace)
// with r the residual on the transformed scale and J = log m (log) or
// log(m ln 10) (log10) for transformed observables; chi2 = Σ r²/σ².
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "solve/options.hpp"

namespace exvivo::sbml {

struct PetabEvaluation {
  double llh = 0, chi2 = 0;
  /// With gradients: d llh / d θ for every estimated parameter (estimate = 1),
  /// θ the parameter on its parameterScale (lin, log, log10).
  std::map<std::string, double> gradient;
  /// With gradients, the least-squares form −llh = ½‖r‖² + residual_constant
  /// (as engine/fit's likelihood.hpp): per measurement row a data residual
  /// (normal (h̃ − m̃)/σ; laplace sign(h̃ − m̃)·sqrt(2|h̃ − m̃|/σ)) and a sigma
  /// residual sqrt(2 ln σ + K), in that order; residual_jacobian is
  /// ∂r/∂θ (2·rows × estimated parameters, in parameter table order).
  Eigen::VectorXd residuals;
  Eigen::MatrixXd residual_jacobian;
  double residual_constant = 0;
  std::vector<std::string> measurement_header;            ///< the measurement table's columns
  std::vector<std::vector<std::string>> measurement_rows;  ///< as read
  std::vector<double> simulation;                          ///< per measurement row
  /// Per measurement row: σ, the data residual of the least-squares form
  /// below (also without gradients) and the row's term of −llh.
  std::vector<double> sigma, residual, nllh;
  /// Preequilibration steady states solved: one per distinct
  /// preequilibrationConditionId, however many condition pairs start from it.
  std::size_t preequilibrations = 0;
};

/// One observable of a (preequilibration, simulation) condition pair,
/// simulated at given parameter values (PetabProblem::timecourses).
struct PetabTimecourse {
  std::size_t pair = 0;          ///< the pair's index, in the order pairs first appear in the measurement table
  std::string preequilibration;  ///< preequilibrationConditionId; "" for none
  std::string simulation;        ///< simulationConditionId
  std::string observable;        ///< observableId
  /// Which of the distinct observableParameters of the pair's rows of this
  /// observable (0, 1, ... in table order): each set of values is its own
  /// curve. 0 when they are the same in every row, as is usual.
  std::size_t variant = 0;
  std::vector<double> times, values;  ///< ascending times; inf (the steady state) last
  std::string error;                  ///< why the simulation stopped early ("" when it did not)
};

/// A row of the parameter table.
struct PetabParameter {
  std::string id;
  std::string scale = "lin";                 ///< parameterScale: lin, log or log10
  double lower = 0, upper = 0, nominal = 0;  ///< linear values
  bool estimate = true;
};

class PetabProblemData;

/// A loaded PEtab problem (PROBLEM.yaml with one problem entry): the model is
/// compiled once, evaluations with different parameter values reuse it, as
/// they reuse the plan of its condition pairs (sbml/petab_plan.hpp; a
/// measurement time that is neither a number nor inf is an error here).
/// Throws Error (DataError, ModelError, ScenarioError) for bad input.
class PetabProblem {
 public:
  PetabProblem(const std::string& problem_yaml, const solve::SolverOptions& options);
  ~PetabProblem();
  PetabProblem(PetabProblem&&) noexcept;

  const std::vector<PetabParameter>& parameters() const;
  /// "native" when the model evaluates through native code (the default,
  /// SolverOptions::evaluator), else "interpreter".
  std::string evaluator() const;
  /// Why native code was asked for but could not be built ("" otherwise);
  /// the problem then evaluates with the interpreter, to the same results.
  const std::string& native_unavailable() const;
  /// The objective with `overrides` (parameterId -> linear value), and with
  /// `gradient` its gradient from forward sensitivities (jumps at events
  /// included). A failed integration is a DataError naming the condition and
  /// the solver's message. Condition pairs that start from the same
  /// preequilibration condition share its steady state (and its
  /// sensitivities): it is solved once per call (sbml/petab_plan.hpp).
  PetabEvaluation evaluate(const std::map<std::string, double>& overrides, bool gradient = false) const;
  /// The simulation at `overrides` (as evaluate()) of every observable that
  /// the measurement table measures in a (preequilibration, simulation)
  /// condition pair, pair by pair: at `points` evenly spaced times from 0 to
  /// the pair's last finite measured time and at the measured times, then at
  /// time = inf (the steady state) if the pair has such rows. A failed
  /// integration ends that pair's curves early (PetabTimecourse::error);
  /// bad input throws as evaluate() does, and a shared preequilibration is
  /// solved once as there.
  std::vector<PetabTimecourse> timecourses(const std::map<std::string, double>& overrides, std::size_t points) const;

 private:
  std::unique_ptr<PetabProblemData> data_;
};

/// PetabProblem(problem_yaml, options).evaluate(overrides, gradient).
PetabEvaluation evaluate_petab(const std::string& problem_yaml, const std::map<std::string, double>& overrides,
                               const solve::SolverOptions& options, bool gradient = false);

/// Reads a `parameterId, value` table (TSV) of linear parameter values.
std::map<std::string, double> read_petab_parameter_values(const std::string& path);

}  // namespace exvivo::sbml
