#include "io/yaml_vocabulary.hpp"

#include <string>

#include <fmt/core.h>

#include "core/units.hpp"

namespace exvivo::io {

const std::string& read_one_of(const YamlNode& node, const std::vector<std::string>& allowed, std::string_view what) {
  const std::string& text = node.scalar(what);
  for (const auto& a : allowed)
    if (a == text) return text;
  node.fail(one_of_message(text, allowed), closest_match(text, allowed));
}

Scale read_scale(const YamlNode& node) { return *parse_scale(read_one_of(node, scale_names(), "lin, log or log10")); }

NoiseDistribution read_noise_distribution(const YamlNode& node) {
  return *parse_noise_distribution(read_one_of(node, noise_distribution_names(), "a distribution name"));
}

Bounds read_bounds(const YamlNode& node) {
  node.expect_sequence("[lower, upper]");
  if (node.items.size() != 2)
    node.fail("expected [lower, upper], got a list of " + std::to_string(node.items.size()) +
              (node.items.size() == 1 ? " value" : " values"));
  return {node.items[0].number(), node.items[1].number()};
}

Bounds read_bounds(const YamlNode& node, const YamlNode* unit, std::string_view target_unit) {
  Bounds b = read_bounds(node);
  if (unit != nullptr) {
    try {
      const double f = conversion_factor(parse_unit(unit->scalar("a unit")), parse_unit(target_unit));
      b.lower *= f;
      b.upper *= f;
    } catch (const UnitError& e) {
      unit->fail(e.what());
    }
  }
  return b;
}

void check_bounds(const YamlNode& node, const Bounds& bounds, Scale scale) {
  if (const auto problem = bounds_problem(bounds, scale)) node.fail(*problem);
}

ScaledBounds read_parameter_bounds(const YamlNode& key, const YamlNode& value, std::string_view bounds_key,
                                   const ParameterDefaults& model) {
  // Nothing given (`k:`): errors are located at the key, under the parameter's path.
  YamlNode key_at;
  if (value.is_null()) {
    key_at.where = key.where;
    key_at.path = value.path;
    key_at.input = key.input;
  }
  const YamlNode& at = value.is_null() ? key_at : value;
  const YamlNode* given = value.is_null() ? nullptr : value.find(bounds_key);
  const YamlNode* unit = value.is_null() ? nullptr : value.find("unit");
  ScaledBounds out;
  if (given) {
    out.bounds = read_bounds(*given, unit, model.unit);
  } else if (!model.bounds) {
    at.fail(fmt::format("missing key '{}' (model parameter '{}' has no default bounds; give {}: [lower, upper])",
                        bounds_key, model.name, bounds_key));
  } else {
    if (unit)
      unit->fail(fmt::format("'unit' applies to '{}', which is not given: add {}: [lower, upper] or remove 'unit'",
                             bounds_key, bounds_key));
    out.bounds = *model.bounds;
  }
  out.scale = model.scale;
  if (!value.is_null())
    if (const YamlNode* scale = value.find("scale")) out.scale = read_scale(*scale);
  check_bounds(given ? *given : at, out.bounds, out.scale);
  return out;
}

}  // namespace exvivo::io
