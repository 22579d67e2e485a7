#pragma once
// ModelSpec -> CompiledModel.
#include <string>
#include <vector>

#include "model/compiled_model.hpp"
#include "model/model_spec.hpp"

namespace exvivo::model {

/// Checks `spec` (see check_model: expression syntax, names, ODE pairing,
/// assignment cycles, initial values) and compiles it. Symbolic derivatives
/// are taken on one hash-consed DAG in which assignments are shared nodes, so
/// common subexpressions are computed once per evaluation. Throws ModelError;
/// appends warnings (unused parameters) to *warnings when given.
CompiledModel compile(const ModelSpec& spec, std::vector<std::string>* warnings = nullptr);

}  // namespace exvivo::model
