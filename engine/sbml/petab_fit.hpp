#pragma once
// `exvivo fit PROBLEM.yaml` for a PEtab problem: the parameters with
// estimate = 1 are fitted on their parameterScale within their bounds by
// engine/fit's multi-start (Latin hypercube starts, projected
// Levenberg–Marquardt trust region) on the least-squares form of −llh
// (PetabEvaluation::residuals, Jacobian from forward sensitivities).
//
// Writes, in the output directory (as a fit of a fit file does):
//   estimates.csv    parameter,donor,value,scale,lower95,upper95,method
//                    (linear values; donor empty; FIM intervals, method fim)
//   starts.csv       start,nllh,iterations,status,wall_ms,<parameterIds…>
//                    best first (the waterfall); linear values
//   simulations.tsv  the measurement table plus `simulation` at the best estimate
//   fit.json         versions, input SHA-256, seed, starts, best nllh and status,
//                    estimates, wall seconds
#include <cstdint>
#include <string>

#include "core/reporter.hpp"

#include "solve/options.hpp"

namespace exvivo::sbml {

struct PetabFitOptions {
  std::string out_dir;  ///< "" = results/<problem file stem>
  int threads = 0;      ///< 0 = all cores
  int starts = 20;
  std::uint64_t seed = 0;
  Reporter* reporter = nullptr;  ///< notes (start, summary); nullptr: none
  solve::SolverOptions solver;   ///< defaults rel_tol 1e-8, abs_tol 1e-12
};

struct PetabFitReport {
  std::string out_dir;
  int starts = 0, converged = 0;
  double best_nllh = 0;
  std::string best_status;
  double wall_seconds = 0;
  bool ok() const { return best_status == "gtol" || best_status == "ftol" || best_status == "xtol"; }
};

/// True when `yaml` is a PEtab problem file (top-level `problems` and
/// `parameter_file`), not an exvivo fit file.
bool is_petab_problem(const std::string& yaml);

/// Fits the problem. Throws the loader's input errors (exit 2) and
/// OptionError for bad options.
PetabFitReport run_petab_fit(const std::string& problem_yaml, const PetabFitOptions& options);

}  // namespace exvivo::sbml
