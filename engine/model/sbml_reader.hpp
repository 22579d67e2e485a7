#pragma once
// SBML (Level 2 Version 1 to Level 3 Version 2, core) -> ModelSpec, through
// libSBML. The result compiles like a model file, so scenarios, sweeps, fits
// and analyses use an SBML model unchanged.
//
// Mapping (SBML L3V2 core semantics):
//   - A species' value in math is its concentration (amount / compartment
//     size) unless hasOnlySubstanceUnits, then its amount. That value is the
//     state variable, named by the species id; a reaction's rate (extent per
//     time) enters d/dt as stoichiometry × conversion factor × rate, divided
//     by the compartment size for concentration-valued species. Boundary and
//     constant species take no reaction terms.
//   - Constant compartments, parameters and speciesReference ids become
//     parameters (their value) or, with an initialAssignment, parameter-only
//     assignments; assignment rules become assignments; rate rules and event
//     targets (not supported yet) become states. Reaction ids used in math
//     are assignments holding the kinetic law. Local parameters are promoted
//     to parameters named `<reaction>_<parameter>` (libSBML's converter);
//     function definitions are inlined.
//   - Initial values are the initialAssignment's math, else the value
//     attribute, with every state, rule variable and reaction in them
//     replaced by its own initial value (in dependency order; cycles are refused).
//   - `time` is t, `avogadro` 6.02214179e23; the time unit is taken as s.
//   - Identifiers that clash with the expression language (`t`, function
//     names, `INF`, `NaN`) get a trailing `_`.
//
// Refused with ModelError ("file:line:col: <element> 'id': what"), never
// approximated: SBML packages, algebraic rules, fast reactions, delays,
// rateOf, event priorities and delays, variable stoichiometry, compartments
// changed by rules or events, events unless SbmlOptions::allow_events,
// csymbols and lambdas left in math, and documents libSBML reads with errors.
#include <set>
#include <string>

#include "model/model_spec.hpp"

namespace exvivo::model {

struct SbmlOptions {
  /// Species reported by their amount or concentration observable regardless
  /// of hasOnlySubstanceUnits (the SBML Test Suite's settings files ask so).
  std::set<std::string> as_amount, as_concentration;
  /// Observables for every compartment, parameter and reaction too (by id);
  /// by default only for species and parameters changed by rules.
  bool observe_everything = false;
  /// Read events into ModelSpec::events (their targets become states) instead
  /// of refusing them. Only callers that simulate with solve_with_events (the
  /// SBML Test Suite runner) may set it: compile() ignores events.
  bool allow_events = false;
};

/// True when `path` names an SBML file (extension .xml or .sbml, any case).
bool is_sbml_path(const std::string& path);

/// Reads an SBML file into a ModelSpec. Throws ModelError.
ModelSpec read_sbml_model_spec(const std::string& path, const SbmlOptions& options = {});

}  // namespace exvivo::model
