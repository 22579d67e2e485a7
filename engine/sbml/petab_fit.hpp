#pragma once
// `exvivo fit PROBLEM.yaml` for a PEtab problem: the parameters with
// estimate = 1 are fitted on their parameterScale within their bounds by
// engine/fit's multi-start (Latin hypercube starts, projected
// Levenberg–Marquardt trust region) on the least-squares form of −llh
// (PetabEvaluation::residuals, Jacobian from forward sensitivities).
//
// Writes, in the output directory, the files of a fit of a fit file, by the
// same writer (fit/fit_outputs.hpp), in the same columns:
//   estimates.csv, starts.csv  values in linear space (from each parameter's
//                    parameterScale); donor empty; FIM intervals, method fim,
//                    or the profile's interval (method profile) for the
//                    parameters in PetabFitOptions::profile
//   profiles.csv     the profile likelihoods of PetabFitOptions::profile
//                    (fit/uncertainty.hpp, as a fit file's `profile:`); not
//                    written when it is empty
//   residuals.csv    per measurement row: donor = preequilibrationConditionId,
//                    arm = simulationConditionId, observable = observableId,
//                    replicate = replicateId (empty when absent), scenario =
//                    the problem file's stem, ratio_to empty, lower/upper NaN;
//                    residual on the observable's transformed scale
//   fit_timecourses.csv  per (preequilibration, simulation) condition pair
//                    (run, numbered in the order pairs first appear; donor,
//                    arm as in residuals.csv) each observable measured in it
//                    on timecourse_points evenly spaced times from 0 to the
//                    pair's last finite measured time plus the measured times,
//                    and at time inf for a pair with steady-state rows;
//                    sample = which distinct observableParameters of the
//                    pair's rows (0 when they are the same in every row)
//   fit.json         the provenance head (problem_file, problem_sha256),
//                    format "PEtab v1", then the keys of a fit file's fit.json
//                    up to `estimates`
// and simulations.tsv: the measurement table plus `simulation` at the best estimate.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/reporter.hpp"
#include "fit/run_fit.hpp"

#include "solve/options.hpp"

namespace exvivo::sbml {

struct PetabFitOptions {
  std::string out_dir;  ///< "" = results/<problem file stem>
  int threads = 0;      ///< 0 = all cores
  int starts = 20;
  std::uint64_t seed = 0;
  Reporter* reporter = nullptr;  ///< notes (start, summary); nullptr: none
  solve::SolverOptions solver;   ///< defaults rel_tol 1e-8, abs_tol 1e-12
  /// parameterIds (estimate = 1) to profile, as a fit file's `uncertainty:
  /// {profile: [...]}`; an unknown or fixed one is an OptionError.
  std::vector<std::string> profile;
  std::size_t timecourse_points = 101;  ///< evenly spaced times per condition pair in fit_timecourses.csv (≥ 2)
};

/// True when `yaml` is a PEtab problem file (top-level `problems` and
/// `parameter_file`), not an exvivo fit file.
bool is_petab_problem(const std::string& yaml);

/// Fits the problem. Throws the loader's input errors (exit 2) and
/// OptionError for bad options.
fit::FitReport run_petab_fit(const std::string& problem_yaml, const PetabFitOptions& options);

}  // namespace exvivo::sbml
