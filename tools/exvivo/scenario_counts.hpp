#pragma once
// What `exvivo check` says about a valid scenario: how many runs it makes and
// from what (donors x arms x sweep samples) and what each run records.
#include <string>

#include "scenario/scenario.hpp"

namespace exvivo::cli {

/// "60 runs = 2 donors x 2 arms x 15 sweep samples; 7 sample times x 2 observables per run
/// (840 rows of timecourses.csv)". Cohort members count as donors.
std::string describe_run_counts(const scenario::Scenario& s);

}  // namespace exvivo::cli
