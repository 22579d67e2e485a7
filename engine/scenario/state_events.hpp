#pragma once
// State-triggered protocol steps in scenarios: `{when: "mHLA_DR < 8000",
// add: {GMCSF: 10 ng/mL}}` applies its action when the trigger turns from
// false to true (and at t = 0 when it is true there), each time it does so.
//
// A trigger compares two expressions with <, <=, > or >= (and nothing else at
// its top level); the expressions may use the model's species, parameters,
// assignments and observables (each in its own unit, as the model declares
// it) and t (the model's time unit). Steps are located by the event driver
// (engine/solve/event_driver.hpp: check points on the dense output, then
// bisection to 1e-12 relative), and combine with timed steps (`at:`).
#include <memory>

#include "model/model_events.hpp"
#include "scenario/scenario.hpp"

namespace exvivo::scenario {

/// Numbers the `when:` steps of `s` (arms in order, then the common
/// protocol), checks their triggers against the model (ScenarioError with the
/// step's key path: not a comparison, an unknown name with a suggestion) and
/// compiles them. Null when the scenario has no `when:` step.
std::shared_ptr<const model::CompiledEvents> compile_state_triggers(Scenario& s);

}  // namespace exvivo::scenario
