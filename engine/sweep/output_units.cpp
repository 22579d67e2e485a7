#include "sweep/output_units.hpp"

namespace exvivo::sweep {

namespace {

std::string unit_of_name(const model::CompiledModel& m, const std::string& name) {
  for (const auto& p : m.parameters())
    if (p.name == name) return p.unit;
  for (const auto& sp : m.species())
    if (sp.name == name) return sp.unit;
  return "";
}

/// The unit of the target that `$placeholder` feeds, from its first use.
std::string placeholder_target_unit(const scenario::Scenario& s, const std::string& placeholder) {
  const auto& m = *s.model;
  auto from_sets = [&](const std::vector<std::pair<std::string, scenario::ValueSpec>>& set) -> std::string {
    for (const auto& [name, v] : set)
      if (v.placeholder == placeholder) return unit_of_name(m, name);
    return "\x01";
  };
  auto from_events = [&](const std::vector<scenario::EventSpec>& events) -> std::string {
    for (const auto& e : events) {
      if (e.time.placeholder == placeholder) return m.time_unit();
      for (const auto& [species, v] : e.targets)
        if (v.placeholder == placeholder)
          return e.kind == scenario::EventSpec::Kind::scale ? "1" : m.species()[species].unit;
    }
    return "\x01";
  };
  std::vector<std::string> found{from_sets(s.set), from_sets(s.cohort.set), from_events(s.protocol)};
  for (const auto& d : s.donors) found.push_back(from_sets(d.set));
  for (const auto& a : s.arms) found.push_back(from_events(a.protocol));
  for (const auto& f : found)
    if (f != "\x01") return f;
  return "";
}

}  // namespace

std::vector<std::string> factor_units(const scenario::Scenario& s, const scenario::RunPlan& plan) {
  std::vector<std::string> units;
  for (const auto& column : plan.factor_names()) {
    const scenario::SweepFactor* factor = nullptr;
    for (const auto& f : s.sweep.factors)
      if (f.name == column) factor = &f;
    if (!factor) units.push_back(unit_of_name(*s.model, column));  // a sampled cohort parameter
    else if (!factor->unit.empty()) units.push_back(factor->unit);
    else if (factor->is_parameter) units.push_back(unit_of_name(*s.model, column));
    else units.push_back(placeholder_target_unit(s, column));
  }
  return units;
}

}  // namespace exvivo::sweep
