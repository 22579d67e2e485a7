#pragma once
// Fit files (DESIGN.md §6): which parameters of a scenario's model are
// estimated from which measurement table, and how.
//
//   fit: gmcsf_patient_017
//   scenario: ../scenarios/gmcsf_restores_hladr.yaml   # relative to this file
//   data: data/patient_017.tsv                         # measurements.hpp
//   # or several scenarios sharing the estimates, each with its own table:
//   # scenarios: [{scenario: a.yaml, data: a.tsv}, {scenario: b.yaml, data: b.tsv}]
//   estimate:
//     k_syn:   {bounds: [100, 10000], scale: log10}     # bounds/scale default to the model's
//     EC50_gm: {bounds: [0.01, 10], unit: ng/mL, scale: log10}
//     HLA0:    {bounds: [1000, 40000], scale: log10, per_donor: true}
//   starts: 50                                         # default 50
//   start_from_model: true     # start 0 at the model's values (default false: all LHS)
//   seed: 3                                            # default 0
//   optimizer: {method: trust_region_lm, max_iter: 200, tol: 1e-8, gradient_tol: 1e-8}
//   uncertainty: {fim: true, profile: [EC50_gm]}       # default: fim true, no profiles
//   output: {dir: results/gmcsf_patient_017}           # default results/<fit>
//
// A per_donor parameter gets one value per donor; the others are shared by all
// donors of all scenarios. Donors are told apart by id across scenarios: the
// same id in two scenarios is the same donor (one per-donor value). Each
// scenario's model must have every estimated parameter (by name; usually all
// scenarios use one model file). Each (scenario, donor, arm) with data, or
// named by a row's `ratio_to`, is simulated once, so a scenario may not sweep
// more than one sample per arm. Estimated values replace whatever the scenario
// sets for that parameter.
//
// Errors: ScenarioError located at the fit file's line:column and key path
// ("fit.yaml:6:3: estimate.EC50_g: unknown parameter 'EC50_g' (did you mean
// 'EC50_gm'?)"; "fit.yaml:3:5: scenarios[1].scenario: scenario file 'b.yaml'
// not found ..."); the scenario's and model's own errors; DataError for the
// tables.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/scale.hpp"
#include "fit/measurements.hpp"
#include "fit/optimizer.hpp"
#include "scenario/scenario.hpp"

namespace exvivo::fit {

using model::Scale;

struct EstimateSpec {
  std::string name;
  std::size_t parameter = 0;   ///< model parameter index
  double lower = 0, upper = 0; ///< model units
  Scale scale = Scale::lin;
  bool per_donor = false;
  double model_value = 0;  ///< the model file's value (model units): the start of `start_from_model`
  SourceLocation where;
};

struct FitSpec {
  std::string name;
  std::string file;            ///< the fit file's path
  std::vector<EstimateSpec> estimates;  ///< `parameter`: index in the first scenario's model
  int starts = 50;
  bool start_from_model = false;  ///< start 0 at the model's values instead of an LHS point
  std::uint64_t seed = 0;
  OptimizerOptions optimizer;
  bool fim = true;
  std::vector<std::size_t> profile;  ///< indices into estimates
  std::string output_dir;
};

/// One scenario of a fit with its measurement table.
struct FitScenario {
  std::string scenario_file;  ///< resolved
  std::string data_file;      ///< resolved
  std::shared_ptr<const scenario::Scenario> scenario;
  MeasurementTable data;
  MeasurementContext context;  ///< what `data` was validated against
  /// Per estimate (FitSpec::estimates order): its index in this scenario's model.
  std::vector<std::size_t> parameter;
  /// Per donor of this scenario (context.donors order): index into FitProblem::donors.
  std::vector<std::size_t> donor;
};

struct FitProblem {
  FitSpec spec;
  std::vector<FitScenario> scenarios;  ///< file order; one for the `scenario:`/`data:` form
  /// Donor ids of all scenarios, first appearance first (a per_donor estimate
  /// has one value per entry that has data).
  std::vector<std::string> donors;
  /// Measurement rows of all scenarios.
  std::size_t num_rows() const;
};

/// Reads a fit file, its scenario (and model) and its measurement table.
FitProblem load_fit_problem(const std::string& path);

}  // namespace exvivo::fit
