#pragma once
// Analysis files (DESIGN.md §6b): `exvivo analyze ANALYSIS.yaml`.
//
// One analysis per file (read_yaml_file reads a single YAML document; the
// three analyses that DESIGN.md §6b lists one after the other go in three
// files). A file may hold any of the sections sensitivity, biomarkers and
// design; each present section is run.
//
//   analysis: gmcsf_sensitivity                 # identifier; default output dir results/<analysis>
//   scenario: ../scenarios/gmcsf_restores_hladr.yaml   # relative to this file
//   output: {dir: results/x}                    # optional
//
//   sensitivity:
//     method: sobol                  # sobol (Saltelli sampling) | morris
//     parameters:                    # model parameters, each with a range
//       k_syn:   {range: [100, 10000], scale: log10}        # scale lin | log | log10, default
//       EC50_gm: {range: [0.05, 5], unit: ng/mL, scale: log10}   # the model's; unit: of range
//     outputs:                       # readouts (below)
//       - {observable: mHLA_DR, time: 24 h, arm: gmcsf}
//     donor: septic                  # default: the scenario's first donor
//     n: 1024                        # Sobol: base sample size (n·(k+2) runs per arm);
//                                    # Morris: trajectories (n·(k+1) runs per arm)
//     levels: 4                      # Morris grid levels (even)
//     bootstrap: 200                 # resamples for the intervals (0 = none)
//     seed: 1
//
//   biomarkers:                      # needs a scenario with a cohort
//     candidates: [HLA0, TOL0, {observable: TNF_pg, time: 4 h, arm: lps}]
//     response: {observable: mHLA_DR, time: 24 h, arm: gmcsf, above: 8000}   # or below:
//     # fold change: {observable, time, arm, vs_arm: control, fold_above: 2}  (or fold_below)
//     bootstrap: 200
//     seed: 1
//
//   design:
//     estimate: [k_syn, EC50_gm]     # parameters whose Fisher information is maximised
//     observables: [mHLA_DR]         # default: the scenario's sampled observables with a noise model
//     choose:
//       times: {candidates: {values: [0.5, 1, 2, 4], unit: h}, n: 2}   # or [30 min, 1 h, ...]
//       doses: {factor: dose, candidates: {values: [0.1, 1, 10], unit: ng/mL}, n: 2}
//     criterion: D                   # D-optimality (log det of the Fisher information)
//     donors: [septic]               # default: every donor of the scenario
//     arms: [gmcsf]                  # default: every arm
//     keep: 10                       # designs listed in design.csv
//     seed: 1                        # exchange algorithm starts (large candidate sets)
//
// A readout is {observable, time, arm, sample}: the observable's value at
// `time` ("24 h", "24 h-" just before the events at 24 h, or a bare number in
// the model's time unit) in that arm; `arm` may be left out when the scenario
// has one arm; `sample` is the sweep sample (default 0, the first; for a
// grid the first value of every factor). Times need not be among the
// scenario's sample times: the analyses simulate exactly the times they read.
//
// Errors: ScenarioError "file:line:col: key.path: what (did you mean 'x'?)" for
// unknown keys, parameters, observables, arms, donors and factors, empty or
// invalid ranges, sizes out of range; the scenario's and model's own errors.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/compiled_model.hpp"
#include "scenario/scenario.hpp"
#include "solve/run.hpp"

namespace exvivo::analysis {

struct Readout {
  std::size_t observable = 0;       ///< model observable index
  solve::SampleTime time;           ///< model time unit
  std::size_t arm = 0;              ///< scenario arm index
  std::size_t sample = 0;           ///< sweep sample
  std::string label;                ///< "mHLA_DR@24h/gmcsf" (a CSV key)
  SourceLocation where;
  std::string path;
};

struct ParameterRange {
  std::string name;
  std::size_t parameter = 0;        ///< model parameter index
  double lower = 0, upper = 0;      ///< model units
  model::Scale scale = model::Scale::lin;
  SourceLocation where;
  std::string path;
};

struct SensitivitySpec {
  enum class Method { sobol, morris };
  Method method = Method::sobol;
  std::vector<ParameterRange> parameters;
  std::vector<Readout> outputs;
  std::size_t donor = 0;            ///< donor index of the run plan
  std::string donor_id;
  std::size_t n = 1024;
  std::size_t levels = 4;
  std::size_t bootstrap = 200;
  std::uint64_t seed = 0;
};

struct BiomarkerCandidate {
  std::string label;                ///< parameter name or readout label
  bool is_parameter = false;
  std::size_t parameter = 0;        ///< when is_parameter
  Readout readout;                  ///< otherwise
};

struct ResponseSpec {
  Readout readout;
  std::optional<Readout> reference; ///< vs_arm: response is readout / reference (fold change)
  bool above = true;                ///< response when value > threshold (else value < threshold)
  double threshold = 0;             ///< readout unit, or a fold
  std::string label;                ///< "mHLA_DR@24h/gmcsf > 8000"
  SourceLocation where;
  std::string path;
};

struct BiomarkerSpec {
  std::vector<BiomarkerCandidate> candidates;
  ResponseSpec response;
  std::size_t bootstrap = 200;
  std::uint64_t seed = 0;
};

struct DesignSpec {
  std::vector<ParameterRange> estimate;     ///< scale = the model's (bounds unused)
  std::vector<std::size_t> observables;     ///< model observable indices, each with a noise model
  std::vector<solve::SampleTime> time_candidates;  ///< model time unit; the scenario's samples when not chosen
  std::size_t n_times = 0;                  ///< = time_candidates.size() when not chosen
  bool choose_times = false;
  bool choose_doses = false;
  std::size_t dose_factor = 0;              ///< index into scenario.sweep.factors
  std::vector<double> dose_candidates;      ///< in dose_unit
  std::string dose_unit;                    ///< "" = the factor's unit
  std::size_t n_doses = 1;
  std::vector<std::size_t> donors;          ///< run plan donor indices
  std::vector<std::size_t> arms;            ///< scenario arm indices
  std::size_t keep = 10;
  std::uint64_t seed = 0;
};

struct AnalysisSpec {
  std::string name;
  std::string file;
  std::string scenario_file;                ///< resolved
  std::shared_ptr<const scenario::Scenario> scenario;
  std::optional<SensitivitySpec> sensitivity;
  std::optional<BiomarkerSpec> biomarkers;
  std::optional<DesignSpec> design;
  std::string output_dir;                   ///< default results/<name>
};

/// Reads and validates an analysis file and its scenario. Throws as described
/// in the header comment.
AnalysisSpec load_analysis(const std::string& path);

}  // namespace exvivo::analysis
