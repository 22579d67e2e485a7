#pragma once
// Quantities as written in model and scenario files: a number and an optional
// unit, "10 ng/mL", "2.5 1/h", "24 h", "30 min", "5000 AB/C", "1e-3", "0.5".
// Times may carry the "just before" suffix of DESIGN.md §3: "24 h-" is the
// sample taken before the events at 24 h.
#include <optional>
#include <string>
#include <string_view>

#include "core/units.hpp"

namespace exvivo {

struct Quantity {
  double value = 0;
  std::optional<Unit> unit;  ///< empty for a bare number
  bool before = false;       ///< written with a trailing '-' ("24 h-", "24-")
  std::string text;          ///< the quantity as written, trimmed

  bool has_unit() const { return unit.has_value(); }
};

/// Parses "<number>[ <unit>][-]". The number is a decimal or scientific
/// literal with optional sign ("-1.5e-3", "+2"); space between number and unit
/// is optional ("10ng/mL"). A trailing '-' sets `before`; the caller decides
/// whether that is allowed (times only).
///
/// Throws UnitError with the text for: empty text, no leading number
/// ("expected a number, got 'abc'"), non-finite numbers ("nan", "inf", "1e999"),
/// and any unit error of parse_unit.
Quantity parse_quantity(std::string_view text);

/// The quantity's value expressed in `target`. A bare number is taken as
/// already in `target` (so "24" is 24 of the model time unit). Throws UnitError
/// like conversion_factor.
double value_in(const Quantity& q, const Unit& target, const ConversionContext& ctx = {});

/// Like value_in, but the quantity must carry a unit; for callers that reject
/// bare numbers. Throws UnitError
/// "quantity '5': needs a unit of ng/mL" for a bare number.
double value_in_required_unit(const Quantity& q, const Unit& target,
                              const ConversionContext& ctx = {});

/// A time quantity in `time_unit` (a bare number is already in it), for every
/// reader of times in model, scenario and analysis files. Throws UnitError
/// "expected a time such as '24 h' or '30 min', got '5 ng/mL'" when the unit is
/// not a time, and "time '1e308 d' is too large" when the value overflows.
double time_value_in(const Quantity& q, const Unit& time_unit);

/// A time point as written in scenario samples, measurement tables (`time`,
/// the time of `ratio_to`) and analysis outputs: "24", "24 h", "30 min",
/// "24h", each optionally followed by '-' (just before the events at that
/// time; the caller decides whether that is allowed).
struct TimePoint {
  double value = 0;     ///< in the time unit asked for; a bare number is already in it
  bool before = false;  ///< written with a trailing '-'
};

/// parse_quantity then time_value_in, for every reader of time points. Throws
/// UnitError "expected a time such as '24 h' or '30 min', got 'soon'" when the
/// text is not a number with an optional time unit, and otherwise the
/// messages of parse_quantity ("quantity 'nan': the number must be finite",
/// unknown units with a suggestion) and time_value_in.
TimePoint parse_time_point(std::string_view text, const Unit& time_unit);

}  // namespace exvivo
