#pragma once
// One case of the SBML Test Suite's semantic suite: a directory NNNNN/ with
// NNNNN-sbml-lXvY.xml (one per level/version), NNNNN-settings.txt and
// NNNNN-results.csv. run_sbml_case() simulates the model as the settings ask
// (start, duration, steps + 1 equally spaced rows, the listed variables as
// amounts or concentrations); compare_sbml_case() applies the suite's pass
// rule |C − U| ≤ absolute + relative·|C| to every value.
#include <set>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "solve/options.hpp"
#include "solve/solution.hpp"

namespace exvivo::sbml {

struct SbmlCaseSettings {
  double start = 0, duration = 0;
  int steps = 0;
  std::vector<std::string> variables;
  double absolute = 0, relative = 0;
  std::set<std::string> amount, concentration;
};

/// Reads NNNNN-settings.txt. Throws ModelError for a missing or malformed file.
SbmlCaseSettings read_sbml_case_settings(const std::string& path);

/// The case's SBML file of the highest level and version. Throws ModelError when there is none.
std::string sbml_case_model_file(const std::string& case_dir);

struct SbmlCaseResult {
  std::vector<std::string> columns;  ///< "time", then the settings' variables
  Eigen::MatrixXd values;            ///< (steps + 1) × columns
  solve::Status status = solve::Status::ok;
  std::string message;               ///< solver message when not ok
};

/// The solver options run_sbml_case uses by default: rodas4/rk45 auto, rel_tol
/// 1e-10, abs_tol 1e-6 × the case's absolute tolerance, no timeout below 60 s.
solve::SolverOptions sbml_case_solver_options(const SbmlCaseSettings& settings);

/// Loads, compiles and simulates the case. Throws ModelError (refusal of an
/// unsupported construct, unknown variable, bad settings).
SbmlCaseResult run_sbml_case(const std::string& case_dir);

struct SbmlCaseComparison {
  bool pass = false;
  std::string detail;  ///< first failing value: "S1 at t = 2: expected 0.5, got 0.49"
};

/// Compares `result` with NNNNN-results.csv under the settings' tolerances.
SbmlCaseComparison compare_sbml_case(const std::string& case_dir, const SbmlCaseResult& result);

/// Writes `time,<variables>` with full precision. Throws std::filesystem::filesystem_error.
void write_sbml_case_csv(const std::string& path, const SbmlCaseResult& result);

}  // namespace exvivo::sbml
