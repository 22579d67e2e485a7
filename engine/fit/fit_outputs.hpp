#pragma once
// The files a fit writes, alike for a fit file (run_fit.hpp) and a PEtab
// problem (sbml/petab_fit.hpp), in its output directory:
//
//   estimates.csv        parameter,donor,value,scale,lower95,upper95,method
//   starts.csv           start,nllh,iterations,status,wall_ms,<θ labels…> (best first)
//   profiles.csv         parameter,value,nllh (not for a PEtab fit without profiles)
//   residuals.csv        donor,arm,observable,time,replicate,measurement,
//                        simulation,sigma,residual,nllh,scenario,ratio_to,lower,upper
//   fit_timecourses.csv  run,donor,arm,sample,time,side,observable,value,scenario
//   fit.json             the provenance head, then `details_before`, measurements,
//                        parameters, seed, starts, starts_converged, starts_at_best,
//                        optimizer, best, estimates, then `details_after`
//
// Every value of a θ entry (estimate, interval bounds, start results, profile
// points, fit.json's estimates) is written in model units: from_scale with
// that entry's own scale (lin, log or log10) of the value on the parameter
// scale the optimizer works on.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/scale.hpp"
#include "fit/multi_start.hpp"
#include "fit/uncertainty.hpp"
#include "io/provenance.hpp"

namespace exvivo::fit {

/// The files write_fit_outputs writes (for io::OutputDir::claim; profiles.csv
/// and fit_timecourses.csv only when FitOutputs asks for them).
const std::vector<std::string>& fit_output_files();

/// One θ entry as the outputs name it.
struct FitOutputEntry {
  std::string parameter;  ///< estimates.csv `parameter`
  std::string donor;      ///< estimates.csv `donor`: "" for a shared parameter
  std::string label;      ///< starts.csv and profiles.csv name, fit.json `estimates` key
  Scale scale = Scale::lin;
};

/// A row of residuals.csv at the best estimate (NaN where not known).
struct ResidualRow {
  std::string donor, arm, observable;
  double time = 0;
  std::string replicate;
  double measurement = 0, simulation = 0, sigma = 0, residual = 0, nllh = 0;
  std::string scenario, ratio_to;
  double lower = 0, upper = 0;
};

/// A row of fit_timecourses.csv.
struct TimecourseRow {
  std::uint64_t run = 0;
  std::string donor, arm;
  std::uint64_t sample = 0;
  double time = 0;
  bool before_event = false;  ///< written `-` in `side`
  std::string observable;
  double value = 0;
  std::string scenario;
};

struct FitOutputs {
  std::vector<FitOutputEntry> entries;  ///< one per θ entry, in θ order
  std::vector<StartResult> starts;      ///< best first (multi_start)
  double constant = 0;                  ///< nllh = optimizer cost + constant
  double best_nllh = 0;
  std::vector<Interval> intervals;   ///< per θ entry, parameter scale
  std::vector<std::string> methods;  ///< per θ entry: profile | fim | none
  std::vector<Profile> profiles;
  /// false: profiles.csv is not written (a PEtab fit that profiles nothing;
  /// a fit file's fit writes it always, the header alone without `profile:`).
  bool write_profiles = true;
  std::vector<ResidualRow> residuals;
  /// Writes the rows of fit_timecourses.csv through `add`; empty: the file is
  /// not written (a fit without a usable optimum).
  std::function<void(const std::function<void(const TimecourseRow&)>& add)> timecourses;
  std::size_t measurements = 0;
  std::uint64_t seed = 0;
  OptimizerOptions optimizer;
  nlohmann::ordered_json details_before = nlohmann::ordered_json::object();
  nlohmann::ordered_json details_after = nlohmann::ordered_json::object();
};

/// Writes every file of the fit into `dir` (which the caller owns through an
/// io::OutputDir); fit.json last, with `provenance` whose wall_seconds is set
/// to the time since `started`. Returns those wall seconds. Throws
/// EnvironmentError when a file cannot be written.
double write_fit_outputs(const std::filesystem::path& dir, const FitOutputs& outputs, io::Provenance provenance,
                         std::chrono::steady_clock::time_point started);

}  // namespace exvivo::fit
