#include "io/yaml_vocabulary.hpp"

#include <string>

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

}  // namespace exvivo::io
