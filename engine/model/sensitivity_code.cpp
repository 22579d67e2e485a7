// The fused forward-sensitivity right-hand side (sensitivity_code.hpp): built
// from the model's symbolic f, ∂f/∂x and ∂f/∂p on a copy of its expression
// graph, memoized per model and selection.
#include "model/sensitivity_code.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/core.h>

#include "model/compiled_model_impl.hpp"
#include "model/native_code.hpp"

namespace exvivo::model {

namespace {

using expr::NodeId;

/// The program for `selected`, interpreted.
expr::Program build_program(const CompiledModel::Impl& impl, const std::vector<std::size_t>& selected) {
  const SymbolicModel& symbolic = *impl.symbolic;
  expr::Graph graph = symbolic.graph;  // the sums and S inputs are added to a copy
  const std::size_t n = impl.num_states;
  const auto& pattern = impl.sparsity.nonzeros;
  std::vector<NodeId> outputs(symbolic.rhs);
  outputs.reserve(n * (1 + selected.size()));
  // The pattern's entries by row, each row in ascending column order (the
  // pattern is column-major): the order of the sparse loop this replaces.
  std::vector<std::vector<std::size_t>> row_entries(n);
  for (std::size_t q = 0; q < pattern.size(); ++q) row_entries[static_cast<std::size_t>(pattern[q].first)].push_back(q);
  // Row by row, so that each sum is complete before the next begins (the
  // generated code keeps fewer partial sums alive).
  for (std::size_t c = 0; c < selected.size(); ++c) {
    const std::size_t first_slot = impl.num_inputs + c * n;
    for (std::size_t i = 0; i < n; ++i) {
      NodeId sum = symbolic.parameter_jacobian[i + selected[c] * n];
      for (const std::size_t q : row_entries[i]) {
        const NodeId s = graph.variable(static_cast<int>(first_slot + static_cast<std::size_t>(pattern[q].second)));
        sum = graph.add(sum, graph.multiply(symbolic.jacobian_nonzeros[q], s));
      }
      outputs.push_back(sum);
    }
  }
  return expr::Program(graph, outputs);
}

}  // namespace

SensitivityCode sensitivity_code(const CompiledModel& model, const std::vector<std::size_t>& selected) {
  const CompiledModel::Impl& impl = *model.impl_;
  for (const std::size_t p : selected)
    if (p >= impl.num_parameters) throw std::invalid_argument("sensitivity_code: parameter index out of range");
  SensitivityCode code;
  code.slot_sensitivities = impl.num_inputs;
  code.num_inputs = impl.num_inputs + impl.num_states * selected.size();
  SensitivityCodeCache& cache = *impl.sensitivity_codes;
  const auto key = std::make_pair(impl.native, selected);
  // Held while building, so that threads asking for the same selection build it once.
  const std::lock_guard<std::mutex> lock(cache.mutex);
  auto& entry = cache.programs[key];
  if (!entry) {
    auto program = std::make_shared<expr::Program>(build_program(impl, selected));
    std::string reason;
    if (impl.native) {
      std::string parameters;
      for (const std::size_t p : selected) parameters += (parameters.empty() ? "" : ", ") + impl.parameters[p].name;
      reason = attach_native_code(
          fmt::format("the sensitivity right-hand side of model '{}' for ({})", impl.name, parameters),
          {{"sensitivity_rhs", program.get()}});
    }
    entry = std::move(program);
    cache.reasons[key] = reason;
  }
  code.program = entry;
  code.native = entry->is_native();
  code.reason = cache.reasons[key];
  return code;
}

void copy_step_inputs(const CompiledModel::Workspace& ws, double* inputs, std::size_t count) {
  const std::vector<double>& source = ws.data->inputs;
  if (count > source.size()) throw std::invalid_argument("copy_step_inputs: count exceeds the input array");
  std::copy(source.begin(), source.begin() + static_cast<std::ptrdiff_t>(count), inputs);
}

}  // namespace exvivo::model
