#pragma once
// solve_with_events(): solve() for models with state-dependent events (SBML
// events: a trigger expression of t, states and parameters, and assignments
// applied when it turns from false to true).
//
// Detection and location: the solution is integrated from output time to
// output time with 40 check points in between, taken from the stepper's
// dense output; the first check point at which a trigger has turned true
// brackets the crossing, which is then narrowed by re-integrating across the
// bracket with 40 check points again, until the bracket is below
// 1e-12·max(1, |t|) (at most 12 rounds). The event time is the bracket's
// right end, so a trigger that is true exactly at an output time (time >= 5)
// fires at that time and the output reports the state after it. A trigger
// that turns true and back to false between two check points is missed.
//
// Firing (SBML L3 semantics without delays and priorities): at t0 a trigger
// whose initial_value is false and that is true fires. At an event time every
// event whose trigger went false -> true becomes pending; pending events are
// executed one at a time in document order, each assigning its targets the
// values computed at the trigger time (use_values_from_trigger_time) or at
// its execution; after each execution the triggers are re-evaluated: a
// trigger that turned true makes its event pending, and a non-persistent
// pending event whose trigger turned false is dropped. The integrator then
// restarts (fresh initial step).
#include "model/model_events.hpp"
#include "solve/options.hpp"
#include "solve/run.hpp"
#include "solve/solution.hpp"

namespace exvivo::solve {

/// One event execution: its time, the event's index and whether it fired at t0.
struct EventFiring {
  double time = 0;
  std::size_t event = 0;
  bool at_start = false;
};

/// As solve(run, options), with the events of `events` (compiled from the
/// spec of run.model). run.events (scheduled protocol events) must be empty:
/// throws std::invalid_argument otherwise. With `fired`, every execution up
/// to the last output time is appended there in order.
Solution solve_with_events(const Run& run, const model::CompiledEvents& events, const SolverOptions& options,
                           std::vector<EventFiring>* fired = nullptr);

/// A run with scenario state events (Run::state_events, triggers in
/// Run::state_triggers) and scheduled protocol events (Run::events): the
/// same detection and firing as above, a state event's actions in place of
/// SBML assignments (every state event is persistent, its trigger armed at
/// t0). At a scheduled event time the `24 h-` samples see the state before
/// the scheduled actions; state events their actions trigger fire right after.
/// With `fired`, every firing (EventFiring::event the trigger index) is appended there.
Solution solve_with_state_events(const Run& run, const SolverOptions& options,
                                 std::vector<EventFiring>* fired = nullptr);

}  // namespace exvivo::solve
