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
#include <string>
#include <vector>

#include "solve/options.hpp"

namespace exvivo::sbml {

struct PetabEvaluation {
  double llh = 0, chi2 = 0;
  std::vector<std::string> measurement_header;            ///< the measurement table's columns
  std::vector<std::vector<std::string>> measurement_rows;  ///< as read
  std::vector<double> simulation;                          ///< per measurement row
};

/// Loads the problem (PROBLEM.yaml with one problem entry) and evaluates the
/// objective with `overrides` (parameterId -> linear value). Throws Error
/// (DataError, ModelError, ScenarioError) for bad input; a failed integration
/// is a DataError naming the condition and the solver's message.
PetabEvaluation evaluate_petab(const std::string& problem_yaml, const std::map<std::string, double>& overrides,
                               const solve::SolverOptions& options);

/// Reads a `parameterId, value` table (TSV) of linear parameter values.
std::map<std::string, double> read_petab_parameter_values(const std::string& path);

}  // namespace exvivo::sbml
