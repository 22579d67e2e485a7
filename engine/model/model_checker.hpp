#pragma once
// Semantic checks of a ModelSpec: parses every expression and resolves its
// names. The result is what the compiler needs: parsed expressions in species
// order and the assignments in dependency order.
#include <cstddef>
#include <string>
#include <vector>

#include "expr/ast.hpp"
#include "model/model_spec.hpp"

namespace exvivo::model {

struct CheckedModel {
  const ModelSpec* spec = nullptr;
  std::vector<expr::Ast> initial;       ///< per species (spec order)
  std::vector<expr::Ast> ode;           ///< per species (spec order), paired by name
  std::vector<expr::Ast> assignment;    ///< per assignment (spec order)
  std::vector<std::size_t> assignment_order;  ///< indices into spec.assignments, dependencies first
  std::vector<bool> assignment_parameter_only;  ///< uses neither t nor species, even indirectly
  std::vector<expr::Ast> observable;    ///< per observable
  std::vector<expr::Ast> noise_sigma;   ///< per observable; empty Ast (root -1) without noise
};

/// Parses and checks every expression of `spec` (which must outlive the result).
/// Throws ModelError "file:line:col: key.path: what" for syntax errors, unknown
/// functions, wrong arity, undefined names (with a suggestion), species without
/// an ODE, ODEs of unknown species, assignment cycles ("a -> b -> a") and initial
/// values that use t, species, or assignments depending on them.
/// Appends a warning for each parameter that no expression uses.
CheckedModel check_model(const ModelSpec& spec, std::vector<std::string>* warnings = nullptr);

}  // namespace exvivo::model
