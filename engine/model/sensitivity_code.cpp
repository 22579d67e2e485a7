// The fused forward-sensitivity right-hand side (sensitivity_code.hpp): built
// from the model's symbolic f, ∂f/∂x and ∂f/∂p on a copy of its expression
// graph, memoized per model and selection.
#include "model/sensitivity_code.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#include <fmt/core.h>

#include "model/compiled_model_impl.hpp"
#include "model/native_code.hpp"

namespace exvivo::model {

namespace {

using expr::NodeId;

// Beyond this the C compiler takes minutes (k·nnz grows with many estimated
// parameters of a large model); the programs are then interpreted.
constexpr std::size_t max_native_instructions = 200000;

/// The programs for `selected`, interpreted.
SensitivityPrograms build_programs(const CompiledModel::Impl& impl, const std::vector<std::size_t>& selected,
                                   bool every_row) {
  const SymbolicModel& symbolic = *impl.symbolic;
  expr::Graph graph = symbolic.graph;  // the sums and S inputs are added to a copy
  const std::size_t n = impl.num_states, k = selected.size();
  const auto& pattern = impl.sparsity.nonzeros;
  const std::size_t nnz = pattern.size();
  const auto dfdp = [&](std::size_t i, std::size_t c) { return symbolic.parameter_jacobian[i + selected[c] * n]; };
  // The pattern's entries by row, each row in ascending column order (the
  // pattern is column-major): the order of the sparse loop this replaces.
  std::vector<std::vector<std::size_t>> row_entries(n);
  for (std::size_t q = 0; q < nnz; ++q) row_entries[static_cast<std::size_t>(pattern[q].first)].push_back(q);
  // S_c's structural zeros: S_ci can become non-zero only where ∂f_i/∂p_c or
  // ∂x0_i/∂p_c is, or through J from a non-zero S_cj (protocol events keep a
  // zero at zero: add leaves S, set zeroes it, scale multiplies it). The other
  // rows stay exactly 0, so their sums and the products with them are left out.
  std::vector<std::vector<char>> live(k, std::vector<char>(n, 0));
  for (std::size_t c = 0; c < k; ++c) {
    std::vector<char>& reach = live[c];
    for (std::size_t i = 0; i < n; ++i)
      reach[i] =
          every_row || dfdp(i, c) != graph.zero() || symbolic.initial_jacobian[i + selected[c] * n] != graph.zero();
    for (bool grew = true; grew;) {
      grew = false;
      for (const auto& [i, j] : pattern)
        if (reach[static_cast<std::size_t>(j)] && !reach[static_cast<std::size_t>(i)]) {
          reach[static_cast<std::size_t>(i)] = 1;
          grew = true;
        }
    }
  }
  // b_c + J·S_c, row by row (each sum completes before the next begins, so
  // the generated code keeps few partial sums alive).
  const auto columns = [&](const auto& j_value, const auto& b_value, const auto& s_slot) {
    std::vector<NodeId> sums;
    for (std::size_t c = 0; c < k; ++c)
      for (std::size_t i = 0; i < n; ++i) {
        NodeId sum = live[c][i] ? b_value(i, c) : graph.zero();
        if (live[c][i])
          for (const std::size_t q : row_entries[i]) {
            const auto j = static_cast<std::size_t>(pattern[q].second);
            if (!live[c][j]) continue;
            sum = graph.add(sum, graph.multiply(j_value(q), graph.variable(static_cast<int>(s_slot(c, j)))));
          }
        sums.push_back(sum);
      }
    return sums;
  };

  SensitivityPrograms programs;
  // rhs: f, then the columns from the model's expressions of J and b.
  std::vector<NodeId> outputs(symbolic.rhs);
  const std::vector<NodeId> fused = columns([&](std::size_t q) { return symbolic.jacobian_nonzeros[q]; }, dfdp,
                                            [&](std::size_t c, std::size_t j) { return impl.num_inputs + c * n + j; });
  outputs.insert(outputs.end(), fused.begin(), fused.end());
  programs.rhs = std::make_shared<expr::Program>(graph, outputs);

  // terms and products work on S row-interleaved over the union of the
  // columns' live rows (the product layout, sensitivity_code.hpp), with k
  // padded to an even stride, so that the sums of a row have one shape.
  std::vector<char> any_live(n, 0);
  for (std::size_t c = 0; c < k; ++c)
    for (std::size_t i = 0; i < n; ++i) any_live[i] = any_live[i] || live[c][i];
  const std::size_t stride = k <= 1 ? k : k + k % 2;
  std::vector<std::size_t> row_of(n, 0);
  for (std::size_t i = 0; i < n; ++i)
    if (any_live[i]) {
      row_of[i] = programs.product_rows.size();
      programs.product_rows.push_back(i);
    }
  programs.product_stride = stride;
  const std::size_t values = programs.product_rows.size() * stride;

  // terms: J's non-zeros (those the products use; the others 0), then b interleaved.
  outputs.clear();
  for (std::size_t q = 0; q < nnz; ++q)
    outputs.push_back(any_live[static_cast<std::size_t>(pattern[q].second)] ? symbolic.jacobian_nonzeros[q]
                                                                            : graph.zero());
  for (const std::size_t i : programs.product_rows)
    for (std::size_t c = 0; c < stride; ++c) outputs.push_back(c < k ? dfdp(i, c) : graph.zero());
  programs.terms = std::make_shared<expr::Program>(graph, outputs);

  // products: from [ J | b | S ], interleaved in and out; per column the
  // same sums as rhs's (products with rows that are 0 for that column add 0),
  // the padding's the same shape (b and S are 0 there).
  outputs.clear();
  for (const std::size_t i : programs.product_rows)
    for (std::size_t c = 0; c < stride; ++c) {
      NodeId sum = graph.variable(static_cast<int>(nnz + row_of[i] * stride + c));
      for (const std::size_t q : row_entries[i]) {
        const auto j = static_cast<std::size_t>(pattern[q].second);
        if (!any_live[j]) continue;
        const NodeId s = graph.variable(static_cast<int>(nnz + values + row_of[j] * stride + c));
        sum = graph.add(sum, graph.multiply(graph.variable(static_cast<int>(q)), s));
      }
      outputs.push_back(sum);
    }
  programs.products = std::make_shared<expr::Program>(graph, outputs);

  // initial: ∂x0/∂p_c, the non-zero entries.
  std::vector<expr::ProgramOutput> initial;
  for (std::size_t c = 0; c < k; ++c)
    for (std::size_t i = 0; i < n; ++i)
      if (const NodeId d = symbolic.initial_jacobian[i + selected[c] * n]; d != graph.zero())
        initial.push_back({d, i + c * n});
  programs.initial = std::make_shared<expr::Program>(graph, initial);
  return programs;
}

/// The offsets `program` writes among its output_extent(): evaluated twice on
/// outputs filled with two different NaN payloads (any inputs will do), an
/// offset is written iff it does not hold the filler after both.
std::vector<char> written_offsets(const expr::Program& program) {
  const std::size_t extent = program.output_extent();
  std::vector<double> inputs(std::max<std::size_t>(program.num_inputs(), 1), 0.0);
  std::vector<double> scratch(std::max<std::size_t>(program.scratch_size(), 1), 0.0);
  std::vector<char> written(extent, 0);
  for (const std::uint64_t bits : {0x7ff4dead0000beefULL, 0x7ff2feed0000cafeULL}) {
    double filler = 0;
    std::memcpy(&filler, &bits, sizeof filler);
    std::vector<double> out(std::max<std::size_t>(extent, 1), filler);
    program.evaluate(inputs.data(), out.data(), scratch.data());
    for (std::size_t q = 0; q < extent; ++q) {
      std::uint64_t value = 0;
      std::memcpy(&value, &out[q], sizeof value);
      if (value != bits) written[q] = 1;
    }
  }
  return written;
}

/// The entries the model's observable programs write (ObservableStructure).
std::shared_ptr<const ObservableStructure> observable_structure(const CompiledModel::Impl& impl,
                                                                const std::vector<std::size_t>& selected) {
  auto structure = std::make_shared<ObservableStructure>();
  const std::size_t no = impl.num_observables, n = impl.num_states;
  const auto state_entries = [&](const expr::Program& program, std::vector<ObservableStructure::Entry>& entries) {
    const std::vector<char> written = written_offsets(program);
    for (std::size_t j = 0; j < n; ++j)
      for (std::size_t o = 0; o < no; ++o)
        if (const std::size_t q = o + j * no; q < written.size() && written[q]) entries.push_back({o, j, q});
  };
  const auto parameter_entries = [&](const expr::Program& program, std::vector<ObservableStructure::Entry>& entries) {
    const std::vector<char> written = written_offsets(program);
    for (std::size_t c = 0; c < selected.size(); ++c)
      for (std::size_t o = 0; o < no; ++o)
        if (const std::size_t q = o + selected[c] * no; q < written.size() && written[q]) entries.push_back({o, c, q});
  };
  state_entries(impl.observable_state_jacobian, structure->dhdx);
  state_entries(impl.sigma_state_jacobian, structure->dsdx);
  parameter_entries(impl.observable_parameter_jacobian, structure->dhdp);
  parameter_entries(impl.sigma_parameter_jacobian, structure->dsdp);
  return structure;
}

}  // namespace

SensitivityCode sensitivity_code(const CompiledModel& model, const std::vector<std::size_t>& selected, bool every_row) {
  const CompiledModel::Impl& impl = *model.impl_;
  for (const std::size_t p : selected)
    if (p >= impl.num_parameters) throw std::invalid_argument("sensitivity_code: parameter index out of range");
  SensitivityCode code;
  code.observable_state_jacobian = &impl.observable_state_jacobian;
  code.observable_parameter_jacobian = &impl.observable_parameter_jacobian;
  code.sigma_state_jacobian = &impl.sigma_state_jacobian;
  code.sigma_parameter_jacobian = &impl.sigma_parameter_jacobian;
  code.model_scratch = impl.scratch_size;
  code.selected = selected;
  code.every_row = every_row;
  code.slot_sensitivities = impl.num_inputs;
  code.num_inputs = impl.num_inputs + impl.num_states * selected.size();
  SensitivityCodeCache& cache = *impl.sensitivity_codes;
  const auto key = std::make_tuple(impl.native, every_row, selected);
  // Held while building, so that threads asking for the same selection build it once.
  const std::lock_guard<std::mutex> lock(cache.mutex);
  auto it = cache.programs.find(key);
  if (it == cache.programs.end()) {
    SensitivityPrograms programs = build_programs(impl, selected, every_row);
    programs.observables = observable_structure(impl, selected);
    const std::size_t size =
        programs.rhs->num_instructions() + programs.terms->num_instructions() + programs.products->num_instructions();
    if (impl.native && size > max_native_instructions) {
      programs.reason = fmt::format("{} instructions (> {}) would take long to compile", size, max_native_instructions);
    } else if (impl.native) {
      std::string parameters;
      for (const std::size_t p : selected) parameters += (parameters.empty() ? "" : ", ") + impl.parameters[p].name;
      programs.reason = attach_native_code(
          fmt::format("the sensitivity right-hand side of model '{}' for ({})", impl.name, parameters),
          {{"sensitivity_rhs", programs.rhs.get()},
           {"sensitivity_terms", programs.terms.get()},
           {"sensitivity_products", programs.products.get()}},
          nullptr, true);
    }
    it = cache.programs.emplace(key, std::move(programs)).first;
  }
  code.program = it->second.rhs;
  code.terms = it->second.terms;
  code.products = it->second.products;
  code.initial = it->second.initial;
  code.product_rows = it->second.product_rows;
  code.product_stride = it->second.product_stride;
  code.observable_structure = it->second.observables;
  code.native = code.program->is_native();
  code.reason = it->second.reason;
  return code;
}

SensitivityCode with_continued(const CompiledModel& model, SensitivityCode code) {
  if (!code.every_row && code.continued == nullptr)
    code.continued = std::make_shared<const SensitivityCode>(sensitivity_code(model, code.selected, true));
  return code;
}

void copy_step_inputs(const CompiledModel::Workspace& ws, double* inputs, std::size_t count) {
  const std::vector<double>& source = ws.data->inputs;
  if (count > source.size()) throw std::invalid_argument("copy_step_inputs: count exceeds the input array");
  std::copy(source.begin(), source.begin() + static_cast<std::ptrdiff_t>(count), inputs);
}

}  // namespace exvivo::model
