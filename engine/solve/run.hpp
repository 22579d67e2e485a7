#pragma once
// The problem side of solve(): one simulation of one culture well.
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

namespace exvivo::model {
class CompiledModel;
class CompiledEvents;
}  // namespace exvivo::model

namespace exvivo::solve {

/// One change to the state at an event time. Amounts are in the species' unit
/// (the scenario layer has converted them). A wash is a list of `set 0`.
struct EventAction {
  enum class Kind { add, set, scale };
  Kind kind = Kind::add;
  std::size_t species = 0;
  double value = 0;
};

/// All actions at one time, applied in order (arm events before common ones,
/// file order within each: the scenario layer sorts them).
struct Event {
  double time = 0;
  std::vector<EventAction> actions;
};

/// A protocol step that fires when its trigger (the trigger-th trigger of
/// Run::state_triggers) turns from false to true, at t0 when it is true there
/// (scenario `when:` events; solve_with_state_events).
struct StateEvent {
  std::size_t trigger = 0;
  std::vector<EventAction> actions;
};

/// A requested output time. `before_event` = the state just before the events at
/// that time ("24 h-"); otherwise the state after them.
struct SampleTime {
  double time = 0;
  bool before_event = false;
};

/// One simulation: a model, its parameter vector, initial-state overrides,
/// a time-sorted event schedule and sorted sample times (all in model units).
/// The integration starts at t0 and ends at the last sample time.
struct Run {
  const model::CompiledModel* model = nullptr;
  std::vector<double> parameters;                               ///< model order, model units
  std::vector<std::pair<std::size_t, double>> initial_overrides;  ///< species index -> x0 value
  std::vector<Event> events;                                    ///< sorted by time, one per time
  std::vector<SampleTime> samples;                              ///< sorted by (time, !before_event)
  double t0 = 0;
  /// State-triggered protocol steps and their compiled triggers (owned by the
  /// scenario); solve() hands a run with state events to the event driver.
  const model::CompiledEvents* state_triggers = nullptr;
  std::vector<StateEvent> state_events;
};

}  // namespace exvivo::solve
