#pragma once
// run_fit: the whole of `exvivo fit FIT.yaml` (DESIGN.md §6).
//
// Loads the fit file (fit_problem.hpp), runs the multi-start optimisation
// (multi_start.hpp) of the negative log-likelihood (objective.hpp), computes
// Fisher-information and profile-likelihood intervals (uncertainty.hpp) and
// writes, in the output directory (by fit_outputs.hpp, the writer PEtab fits
// share):
//
//   estimates.csv        parameter,donor,value,scale,lower95,upper95,method
//                        value and bounds in the model's units; donor empty for
//                        shared parameters; method profile | fim | none
//   starts.csv           start,nllh,iterations,status,wall_ms,<θ labels…>
//                        best first (the waterfall); values in model units
//   fit_timecourses.csv  run,donor,arm,sample,time,side,observable,value,scenario:
//                        every run of every scenario at the best estimate
//                        (runs numbered across scenarios)
//   residuals.csv        donor,arm,observable,time,replicate,measurement,
//                        simulation,sigma,residual,nllh,scenario,ratio_to,
//                        lower,upper (table order, scenario after scenario;
//                        lower/upper NaN unless censored; ratio rows: the
//                        simulated ratio)
//   profiles.csv         parameter,value,nllh (value in model units)
//   fit.json             versions, input SHA-256s, seed, starts (converged, and
//                        at the best nllh within 0.1), best nllh, status, estimates
//                        and timing {plain_solves, plain_seconds,
//                        sensitivity_solves, sensitivity_seconds}: run
//                        integrations without/with sensitivities and the
//                        CPU seconds spent in them (fit/solve_timing.hpp)
//
// Throws the input errors of the loaders (exit code 2 in the CLI) and
// OptionError for bad FitOptions. A fit whose best start did not converge
// still writes everything; FitReport::ok() is then false (exit code 1).
#include <string>

#include "core/reporter.hpp"

namespace exvivo::fit {

struct FitOptions {
  std::string out_dir;  ///< "" = the fit file's output.dir (default results/<fit>)
  int threads = 0;      ///< 0 = all cores
  Reporter* reporter = nullptr;  ///< notes and warnings (core/reporter.hpp); nullptr: none

  /// Throws OptionError naming the bad flag.
  void validate() const;
};

struct FitReport {
  std::string out_dir;
  int starts = 0;
  int converged = 0;          ///< starts that met a convergence criterion
  double best_nllh = 0;
  std::string best_status;    ///< optimizer status of the best start
  double wall_seconds = 0;
  /// When no start could be evaluated: why (Objective::diagnose), else "".
  std::string error;

  /// The best start converged.
  bool ok() const { return best_status == "gtol" || best_status == "ftol" || best_status == "xtol"; }
};

FitReport run_fit(const std::string& fit_file, const FitOptions& options);

}  // namespace exvivo::fit
