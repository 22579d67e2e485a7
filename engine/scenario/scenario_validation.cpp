// Validation: checks that need more than one section (units of $placeholders,
// signs and bounds of values, sorted sample times) and the combined error report.
#include "scenario/scenario_loader.hpp"

namespace exvivo::scenario::detail {

/// Checks that a value (literal with unit) converts to the target's unit.
void Loader::check_convertible(const YamlNode& node, const ValueSpec& v, const std::string& target_unit,
                               const ConversionContext& ctx) const {
  if (!v.placeholder.empty() || v.unit.empty()) return;
  try {
    (void)conversion_factor(parse_unit(v.unit), parse_unit(target_unit), ctx);
  } catch (const UnitError& e) {
    node.fail(e.what());
  }
}

ConversionContext Loader::species_context(std::size_t i) const {
  const auto& sp = model().species()[i];
  return ConversionContext{sp.molar_mass, sp.specific_activity};
}

/// Sample times (one per list item) must be non-negative and increase.
void Loader::check_sorted(const YamlNode& list, const std::vector<solve::SampleTime>& times) const {
  for (std::size_t i = 0; i < times.size(); ++i)
    if (times[i].time < 0)
      list.items[i].fail(
          fmt::format("sample times must not be negative, got {} {}", times[i].time, model().time_unit()));
  for (std::size_t i = 1; i < times.size(); ++i) {
    const auto& a = times[i - 1];
    const auto& b = times[i];
    const bool increasing = b.time > a.time || (b.time == a.time && a.before_event && !b.before_event);
    if (!increasing) {
      const YamlNode& at = list.is_sequence() && i < list.items.size() ? list.items[i] : list;
      at.fail(b.time == a.time ? fmt::format("sample time {} {} is listed twice", b.time, model().time_unit())
                               : fmt::format("sample times must increase: {} {} comes after {} {}", b.time,
                                             model().time_unit(), a.time, model().time_unit()));
    }
  }
}

bool Loader::is_reserved_donor_id(const std::string& id) {
  if (id == "cohort") return true;
  if (id.rfind("cohort_", 0) != 0 || id.size() == 7) return false;
  return std::all_of(id.begin() + 7, id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// Checks a value already converted to its target's unit; `what` says where it came from.
void Loader::check_target_value(const SourceLocation& where, const std::string& path, double value, const Target& t,
                                const std::string& what) {
  if (!std::isfinite(value))
    throw ScenarioError(where, path,
                        fmt::format("{}too large: it overflows when converted to the unit of its target",
                                    what.empty() ? "the value is " : what));
  switch (t.kind) {
    case Target::amount:
    case Target::added_amount: {
      const auto& sp = model().species()[t.index];
      if (value < 0)
        throw ScenarioError(where, path,
                            fmt::format("{} species '{}' must not be negative, got {}{} {}",
                                        t.kind == Target::added_amount ? "the amount added to" : "the value set for",
                                        sp.name, what, value, sp.unit));
      return;
    }
    case Target::scale_factor:
      if (value < 0)
        throw ScenarioError(where, path, fmt::format("a scale factor must not be negative, got {}{}", what, value));
      return;
    case Target::time:
      if (value < 0)
        throw ScenarioError(
            where, path, fmt::format("event time must not be negative, got {}{} {}", what, value, model().time_unit()));
      return;
    case Target::parameter: {
      const auto& p = model().parameters()[t.index];
      if (!p.has_bounds || (value >= p.lower && value <= p.upper)) return;
      const std::string text = fmt::format("{}{} {} is outside the bounds [{}, {}] of parameter '{}'", what, value,
                                           p.unit, p.lower, p.upper, p.name);
      if (!s_.allow_out_of_bounds)
        throw ScenarioError(where, path,
                            text + " (write 'allow_out_of_bounds: true' in the scenario to run it anyway)");
      s_.warnings.push_back(format_error(where, path, text + " (allowed by allow_out_of_bounds)"));
      return;
    }
  }
}

/// A literal value (not a placeholder): converted to its target's unit and checked.
void Loader::check_literal(const ValueSpec& v, const Target& t) {
  if (!v.placeholder.empty()) return;
  check_target_value(v.where, v.path, v.value * factor_to_target(v.unit, t), t, "");
}

/// The factor from `unit` ("" = the target's own unit) to the target's unit.
double Loader::factor_to_target(const std::string& unit, const Target& t) const {
  if (unit.empty()) return 1;
  switch (t.kind) {
    case Target::parameter: return conversion_factor(parse_unit(unit), parse_unit(model().parameters()[t.index].unit));
    case Target::amount:
    case Target::added_amount:
      return conversion_factor(parse_unit(unit), parse_unit(model().species()[t.index].unit), species_context(t.index));
    case Target::scale_factor: return conversion_factor(parse_unit(unit), parse_unit("1"));
    case Target::time: return conversion_factor(parse_unit(unit), time_unit_);
  }
  return 1;
}

/// The values a sweep factor gives (as written): its list, or its range's ends.
std::vector<double> Loader::factor_values(const SweepFactor& f) {
  return f.has_range ? std::vector<double>{f.lower, f.upper} : f.values;
}

/// Remembers a $placeholder use with the unit its factor's values must convert to.
void Loader::note_placeholder(const ValueSpec& v, std::string target_unit, ConversionContext ctx, Target target) {
  if (!v.placeholder.empty()) placeholders_.push_back({v, std::move(target_unit), ctx, target});
}

/// Every $name has a factor; every non-parameter factor is used; units agree.
void Loader::check_placeholders() {
  std::vector<std::string> factor_names;
  for (const auto& f : s_.sweep.factors) factor_names.push_back(f.name);
  for (const auto& use : placeholders_) {
    const ValueSpec& v = use.value;
    auto it = std::find_if(s_.sweep.factors.begin(), s_.sweep.factors.end(),
                           [&](const SweepFactor& f) { return f.name == v.placeholder; });
    if (it == s_.sweep.factors.end())
      throw ScenarioError(v.where, v.path,
                          fmt::format("'${}' is not a sweep factor (add it under sweep.factors)", v.placeholder),
                          closest_match(v.placeholder, factor_names));
    double factor = 1;
    if (!it->unit.empty()) {
      try {
        factor = conversion_factor(parse_unit(it->unit), parse_unit(use.target_unit), use.ctx);
      } catch (const UnitError& e) {
        throw ScenarioError(v.where, v.path, fmt::format("factor '{}': {}", it->name, e.what()));
      }
    }
    // The placeholder's values are known now: check each where the factor gives it.
    for (double x : factor_values(*it))
      check_target_value(it->where, it->path, x * factor, use.target,
                         fmt::format("'${}' (used at {}{}) = ", it->name, v.path,
                                     v.where.line ? fmt::format(", line {}", v.where.line) : ""));
  }
  for (const auto& f : s_.sweep.factors) {
    if (!f.is_parameter) continue;
    const std::size_t p = *model().parameter_index(f.name);
    const Target t{Target::parameter, p};
    const double factor = factor_to_target(f.unit, t);
    for (double x : factor_values(f)) check_target_value(f.where, f.path, x * factor, t, "");
  }
  for (const auto& f : s_.sweep.factors) {
    if (f.is_parameter) continue;
    const bool used = std::any_of(placeholders_.begin(), placeholders_.end(),
                                  [&](const PlaceholderUse& u) { return u.value.placeholder == f.name; });
    if (!used) {
      std::vector<std::string> names;
      for (const auto& p : model().parameters()) names.push_back(p.name);
      throw ScenarioError(
          f.where, f.path,
          fmt::format("factor '{}' is neither a model parameter nor used as '${}' in the scenario", f.name, f.name),
          closest_match(f.name, names));
    }
  }
}

/// Throws the errors collected so far as one ScenarioError, one per line.
void Loader::throw_collected_errors() {
  if (errors_.empty()) return;
  std::string text = combine_errors(errors_);
  throw ScenarioError(text);
}

}  // namespace exvivo::scenario::detail
