#pragma once
// `exvivo sbml-case CASE_DIR -o FILE.csv`: one SBML Test Suite case.
#include <string>

namespace exvivo::cli {

/// Simulates the case as its settings file asks and writes `time,<variables>`.
/// Returns 0, or 1 when the integration failed (the rows computed before the
/// failure are written, the rest NaN); throws Error (exit 2) for a refused case.
int command_sbml_case(const std::string& case_dir, const std::string& out_file);

}  // namespace exvivo::cli
