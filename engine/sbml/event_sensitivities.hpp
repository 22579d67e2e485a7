#pragma once
// Forward sensitivities of a run of an SBML model with events (engine/fit's
// solve_with_sensitivities between the events, solve_with_events to find
// them), and the jump of the sensitivities where an event fires.
//
// At an event time τ with an assignment x_i ← G_i(x, p), the sensitivities
// S = ∂x/∂p jump (as in AMICI and CVODES-based tools):
//
//   S⁺ = Ĝ_x·(S⁻ + f⁻·τ_p) + Ĝ_p − f⁺·τ_p
//
// where Ĝ is G on the target rows and the identity elsewhere, f⁻ and f⁺ are
// the right-hand sides before and after the assignment, and
//
//   τ_p = −(g_x·S⁻ + g_p) / (g_t + g_x·f⁻)
//
// is the derivative of the event time for a trigger a OP b (OP one of
// < <= > >=) with root function g = a − b; g_t is a central difference in
// t. Events that fire at t0 and triggers of other forms have τ_p = 0.
// Simultaneous events are applied one after another with the same τ_p.
#include <cstddef>
#include <vector>

#include <Eigen/Dense>

#include "fit/sensitivity.hpp"
#include "model/model_events.hpp"
#include "solve/options.hpp"
#include "solve/run.hpp"

namespace exvivo::sbml {

/// Integrates `run` (no protocol events) with the sensitivities for the model
/// parameters `columns`, starting from S(t0) = `initial` (species × columns)
/// and applying the jumps above at the events of `events`. Fills
/// status, message, completed, states and state_sensitivities.
fit::SensitivityResult sensitivities_with_events(const solve::Run& run, const model::CompiledEvents& events,
                                                 const std::vector<std::size_t>& columns,
                                                 const Eigen::MatrixXd& initial, const solve::SolverOptions& options);

}  // namespace exvivo::sbml
