#pragma once
// Units of the extra columns of runs.csv, recorded in run.json as
// "factor_units" so that reports label dose and cohort axes.
#include <string>
#include <vector>

#include "scenario/run_plan.hpp"
#include "scenario/scenario.hpp"

namespace exvivo::sweep {

/// The unit of each column of RunPlan::factor_names(), in that order: a sweep
/// factor in the unit it is written in (else its target's: the parameter's,
/// or the species' or parameter's that its $placeholder feeds; "1" for a
/// `scale` factor; the model's time unit for an event time), a sampled cohort
/// parameter in the model's unit. "" when nothing says.
std::vector<std::string> factor_units(const scenario::Scenario& s, const scenario::RunPlan& plan);

}  // namespace exvivo::sweep
