#pragma once
// A model parameter's bounds, scale and unit as the readers of parameter
// overrides (a fit's `estimate`, an analysis's parameter ranges) take them:
// io::read_parameter_bounds.
#include "io/yaml_vocabulary.hpp"
#include "model/compiled_model.hpp"

namespace exvivo::model {

/// Views into `p`, which must outlive the result.
inline io::ParameterDefaults parameter_defaults(const ParameterInfo& p) {
  return {p.name, p.has_bounds ? std::optional<Bounds>(Bounds{p.lower, p.upper}) : std::nullopt, p.scale, p.unit};
}

}  // namespace exvivo::model
