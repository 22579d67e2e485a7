#pragma once
// Helpers shared by the model tests.
#include <string>
#include <vector>

#include "model/compiled_model.hpp"

namespace exvivo::model::testing {

/// The message of the ModelError that loading `yaml` (named "m.yaml") throws,
/// or "no error" when it loads.
inline std::string load_error(const std::string& yaml) {
  try {
    load_model_from_string(yaml, "m.yaml");
  } catch (const ModelError& e) {
    return e.what();
  }
  return "no error";
}

inline CompiledModel load(const std::string& yaml, std::vector<std::string>* warnings = nullptr) {
  return load_model_from_string(yaml, "m.yaml", warnings);
}

}  // namespace exvivo::model::testing
