#pragma once
// ModelSpec: a model file as plain data, after the YAML has been read and its
// shapes, numbers and units checked, but before expressions are parsed.
//
// Every item records where it was written (file:line:col, 1-based) so that
// later stages (name resolution, expression parsing, compilation) can report
// errors at the right place. Values are in the units written in the file,
// except donor-preset and culture values, which are already converted to the
// unit of the parameter or species they set.
#include <cstddef>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "model/compiled_model.hpp"

namespace exvivo::model {

/// An expression as written in the file.
struct Expression {
  std::string text;    ///< the YAML scalar's value, as displayed to users
  /// `text` with each whitespace run replaced by the whitespace the file has
  /// there (line breaks, indentation), so that parsing `layout` from `where`
  /// gives exact file positions for expressions that are quoted or span lines.
  /// Equal to `text` for single-line expressions.
  std::string layout;
  SourceLocation where;  ///< position of layout[0] in the file

  bool empty() const { return text.empty(); }
};

struct SpeciesSpec {
  SpeciesInfo info;
  Expression initial;  ///< of parameters and parameter-only assignments
};

struct AssignmentSpec {
  std::string name;
  Expression formula;
  std::string unit;  ///< optional, informative ("" when absent)
  std::string doc;
  SourceLocation where;
};

struct OdeSpec {
  std::string species;
  Expression rhs;  ///< d(species)/dt in species unit per model time unit
  SourceLocation where;
};

struct ObservableSpec {
  ObservableInfo info;
  Expression formula;
  Expression noise_sigma;  ///< empty text when info.noise.distribution is none
};

/// One entry of a donor preset or culture: a parameter or species value,
/// converted to that parameter's or species' unit.
struct PresetValue {
  std::string name;
  double value = 0;
  SourceLocation where;
};

struct ValueSetSpec {
  std::string name;
  std::vector<PresetValue> values;
  SourceLocation where;
};

/// One assignment of an event: the state `target` (a species name) is set to `value`.
struct EventAssignmentSpec {
  std::string target;
  Expression value;
};

/// A state-dependent event (from SBML): when `trigger` goes from false (0) to
/// true (non-zero), the assignments are applied. compile() does not use
/// events; CompiledEvents (model_events.hpp) and solve_with_events do.
struct EventSpec {
  std::string id;
  Expression trigger;
  bool initial_value = true;  ///< trigger value assumed just before t0
  bool persistent = true;     ///< stays pending when the trigger turns false before it is executed
  bool use_values_from_trigger_time = true;
  std::vector<EventAssignmentSpec> assignments;
  SourceLocation where;
};

struct ModelSpec {
  std::string file;  ///< as given to the loader; used in every message
  std::string name;
  std::string title;
  std::string description;
  std::string time_unit = "h";
  SourceLocation where;  ///< the `model:` entry
  /// `units:`: custom unit atoms (beyond units.hpp's built-in ones and
  /// cell/cells) with their one-line meaning, in file order.
  std::vector<std::pair<std::string, std::string>> units;

  std::vector<ParameterInfo> parameters;
  std::vector<SpeciesSpec> species;
  std::vector<AssignmentSpec> assignments;  ///< in file order (any order is allowed)
  std::vector<OdeSpec> odes;                ///< in file order; validation pairs them with species
  std::vector<ObservableSpec> observables;
  std::vector<ValueSetSpec> donor_presets;
  std::vector<ValueSetSpec> cultures;
  std::vector<EventSpec> events;  ///< SBML events (only when read with SbmlOptions::allow_events)
};

/// Reads a model file's YAML (or, for a path ending in .xml or .sbml, an SBML
/// file: see sbml_reader.hpp) into a ModelSpec, checking shapes, numbers,
/// bounds, identifiers, duplicate names and units. Expressions are not parsed
/// here (see validate_model). Throws ModelError ("file:line:col: key.path: what").
ModelSpec read_model_spec(const std::string& path);
/// As read_model_spec for YAML text; `filename` is used in messages only.
ModelSpec read_model_spec_from_string(const std::string& text, const std::string& filename);

}  // namespace exvivo::model
