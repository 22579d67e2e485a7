#pragma once
// `exvivo sbml-case CASE_DIR -o FILE.csv`: one SBML Test Suite case.
#include <string>

namespace exvivo::cli {

/// Simulates the case as its settings file asks and writes `time,<variables>`.
/// Returns 0, or 1 when the integration failed (the rows computed before the
/// failure are written, the rest NaN); throws Error (exit 2) for a refused case.
int command_sbml_case(const std::string& case_dir, const std::string& out_file);

}  // namespace exvivo::cli

namespace exvivo::cli {

struct PetabEvaluateArgs {
  std::string problem, parameters, out_dir;
  std::string evaluator = "native";
  double rel_tol = 1e-8, abs_tol = 1e-12;
  bool gradient = false;
};

/// `exvivo petab evaluate PROBLEM.yaml [--parameters P.tsv] [--gradient]
/// [--rel-tol R] [--abs-tol A] [--evaluator E] -o DIR`: writes
/// DIR/evaluation.json (llh, chi2, evaluator, with --gradient `gradient`:
/// d llh / dθ by parameterId) and
/// DIR/simulations.tsv (the measurement table plus `simulation`).
int command_petab_evaluate(const PetabEvaluateArgs& args);

}  // namespace exvivo::cli
