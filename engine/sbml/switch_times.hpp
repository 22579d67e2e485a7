#pragma once
// Where a compiled model's switch functions change sign along time at a
// fixed state: the times the PEtab steady-state check (sbml/petab.cpp) looks
// between, because a time switch (an input starting at a condition's time)
// can make Γ·f non-zero in an interval that neither t = 0 nor the steady
// state's time falls into.
#include <vector>

#include <Eigen/Dense>

#include "model/compiled_model.hpp"

namespace exvivo::sbml {

/// The sign changes of `model`'s switch functions g(t, x) at state `x`
/// between t = 0 and `t_end` (parameters as set in `ws`): t_end·1e-9 and 256
/// log-spaced points up to t_end cut [0, t_end] into intervals; for each
/// interval and each switch whose sign (g < 0 or not) differs at its ends,
/// the two adjacent doubles lo < hi around a change (solve::bracket_sign_change),
/// both appended; the result sorted. A switch that changes sign an even
/// number of times within one interval is not seen. Empty when the model has
/// no switches or t_end is not positive.
std::vector<double> switch_times(const model::CompiledModel& model, double t_end, const Eigen::VectorXd& x,
                                 model::CompiledModel::Workspace& ws);

}  // namespace exvivo::sbml
