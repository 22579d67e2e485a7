#pragma once
// Forward sensitivities across a scenario's state-triggered protocol steps
// (`when:`, solve::Run::state_events). solve_with_sensitivities() hands a run
// with such steps here.
//
// The event driver (solve_with_state_events) finds where and which steps fire
// from the state alone; the run is then integrated with its sensitivities
// from firing to firing (solve_with_sensitivities on each piece, scheduled
// steps included), and at each firing x and S jump. A trigger g(t, x, p) = 0
// reached by integration fires at τ(p) with
//
//   dτ/dp = −(∂g/∂x·S + ∂g/∂p) / (∂g/∂t + ∂g/∂x·f⁻)
//
// and the actions' own derivatives A (add: S_i unchanged; set: S_i = 0;
// scale by c: S_i·c) give
//
//   S⁺ = A·(S⁻ + f⁻·dτ/dp) − f⁺·dτ/dp
//
// (as the SBML event sensitivities, engine/sbml/event_sensitivities.hpp).
// A step that fires at t0 or at a scheduled step's time (which the time does
// not depend on p) has dτ/dp = 0.
#include <cstddef>
#include <vector>

#include <Eigen/Dense>

#include "fit/sensitivity.hpp"
#include "model/model_events.hpp"

namespace exvivo::fit {

/// dτ/dp above (one entry per sensitivity column `columns`) of trigger `e` of
/// `triggers` crossing zero at (t, x) with f = f⁻ and sensitivities S; zero
/// when the trigger has no root function or crosses tangentially.
Eigen::RowVectorXd event_time_sensitivity(const solve::Run& run, const model::CompiledEvents& triggers,
                                          model::CompiledModel::Workspace& trigger_ws, std::size_t e, double t,
                                          const Eigen::VectorXd& x, const Eigen::VectorXd& f, const Eigen::MatrixXd& S,
                                          const std::vector<std::size_t>& columns);

/// solve_with_sensitivities() for a run with state events (run.state_events
/// not empty, run.state_triggers set); same arguments and result. `code`, when
/// given, serves the first piece (from t0), and its `continued` code (or
/// `code` itself when every_row) the pieces after a jump; without them the
/// continued code is looked up in the model's cache once per solve.
SensitivityResult solve_with_state_event_sensitivities(const solve::Run& run,
                                                       const std::vector<std::size_t>& parameters,
                                                       const solve::SolverOptions& options,
                                                       const Eigen::MatrixXd* initial_sensitivities,
                                                       const model::SensitivityCode* code = nullptr);

}  // namespace exvivo::fit
