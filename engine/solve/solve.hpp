#pragma once
// solve(): one simulation of one culture well (DESIGN.md §3, §5, §7).
//
// Builds the initial state x0(p) of the run's model with its parameter vector,
// applies the run's initial overrides, integrates through the event schedule
// (integrate.hpp documents methods, tolerances, event and sampling semantics,
// non-negativity and failure statuses), and evaluates the model's observables
// at every computed sample.
//
// Numerical failure does not throw: the Solution carries the Status, a message
// such as "At t = 12.5 h (step 1.2e-14 h): species IL10 became NaN" and the
// samples computed before the failure (`completed`; later rows are NaN).
// Throws OptionError when `options` are invalid (SolverOptions::validate) and
// std::invalid_argument when the Run has no model or a parameter vector of the
// wrong length (a programming error of the caller, not an input error).
#include "solve/options.hpp"
#include "solve/run.hpp"
#include "solve/solution.hpp"

namespace exvivo::solve {

Solution solve(const Run& run, const SolverOptions& options);

}  // namespace exvivo::solve
