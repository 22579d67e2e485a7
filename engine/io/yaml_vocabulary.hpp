#pragma once
// The input vocabulary (core/scale.hpp, core/bounds.hpp, core/units.hpp,
// core/noise_distribution.hpp) read
// from YAML nodes, for the model, scenario, fit and analysis readers alike:
// one reader per word, one message per mistake, located at the node.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bounds.hpp"
#include "core/noise_distribution.hpp"
#include "core/scale.hpp"
#include "io/yaml_tree.hpp"

namespace exvivo::io {

/// A scalar that must be one of `allowed` (an enumerated option: a design, a
/// time unit, a method); otherwise fails like check_one_of,
/// "must be one of grid, lhs, sobol or random, got 'gird' (did you mean 'grid'?)".
/// `what` says what kind of value is expected when the node is not a scalar.
const std::string& read_one_of(const YamlNode& node, const std::vector<std::string>& allowed,
                               std::string_view what = "a single value");

/// `scale: lin | log | log10`; otherwise fails
/// "must be one of lin, log or log10, got 'log2' (did you mean 'log'?)".
Scale read_scale(const YamlNode& node);

/// A noise distribution name, one of noise_distribution_names(); otherwise fails
/// "must be one of normal, lognormal, log10normal, laplace, logitnormal or
/// proportional, got 'gaussian'" (with "did you mean" for a near miss).
NoiseDistribution read_noise_distribution(const YamlNode& node);

/// `[lower, upper]`: a list of two finite numbers, not yet checked against each
/// other (see check_bounds). Fails "expected [lower, upper], got 'x'" or
/// "expected [lower, upper], got a list of 3 values".
Bounds read_bounds(const YamlNode& node);

/// read_bounds, with both values converted from the unit written in `unit`
/// (when not null) to `target_unit`; a unit error fails at `unit`.
Bounds read_bounds(const YamlNode& node, const YamlNode* unit, std::string_view target_unit);

/// Fails at `node` with core's bounds_problem ("lower bound 1 must be below
/// upper bound 0.01", "scale log needs a positive lower bound, got 0").
void check_bounds(const YamlNode& node, const Bounds& bounds, Scale scale);

/// A model parameter's default interval and scale (its model file's `bounds`,
/// `scale`, `unit`), which a fit's `estimate` or an analysis's parameter
/// ranges may override.
struct ParameterDefaults {
  std::string_view name;         ///< the model parameter
  std::optional<Bounds> bounds;  ///< nullopt: the model declares none
  Scale scale = Scale::lin;
  std::string_view unit;  ///< the parameter's unit; overriding bounds are converted to it
};

struct ScaledBounds {
  Bounds bounds;
  Scale scale = Scale::lin;
};

/// The bounds and scale of parameter `key` with its optional override
/// `value` (null: none; the caller checks the mapping's keys):
/// `<bounds_key>: [lower, upper]` written in `unit:` (default: the
/// parameter's unit) and `scale:`, each replacing the model's. Fails at
/// `value` (`key` when null) "missing key 'bounds' (model parameter 'k' has
/// no default bounds; give bounds: [lower, upper])", at `unit:` without
/// bounds "'unit' applies to 'bounds', which is not given: add bounds:
/// [lower, upper] or remove 'unit'", and with
/// check_bounds' messages at the bounds (or `value`/`key`) for bounds that do
/// not suit the scale.
ScaledBounds read_parameter_bounds(const YamlNode& key, const YamlNode& value, std::string_view bounds_key,
                                   const ParameterDefaults& model);

}  // namespace exvivo::io
