// ModelSpec -> CompiledModel: lowers the checked expressions into one
// hash-consed DAG, differentiates it symbolically, moves parameter-only
// subexpressions into a once-per-run program and compiles straight-line
// programs for every evaluation of the public API.
#include <algorithm>
#include <unordered_map>

#include "expr/derivative.hpp"
#include "expr/lower.hpp"
#include "model/compiled_model_impl.hpp"
#include "model/model_checker.hpp"
#include "model/model_compiler.hpp"

namespace exvivo::model {
namespace {

using expr::Graph;
using expr::NodeId;
using expr::ProgramOutput;

/// A dense column-major rows × cols matrix of DAG nodes.
struct NodeMatrix {
  std::size_t rows = 0, cols = 0;
  std::vector<NodeId> nodes;
  NodeId& at(std::size_t r, std::size_t c) { return nodes[r + c * rows]; }
};

class Compiler {
 public:
  Compiler(const CheckedModel& checked, CompiledModel::Impl& impl)
      : checked_(checked), spec_(*checked.spec), impl_(impl) {}

  void build() {
    copy_metadata();
    impl_.num_states = spec_.species.size();
    impl_.num_parameters = spec_.parameters.size();
    impl_.num_observables = spec_.observables.size();
    impl_.slot_p = impl_.slot_x + impl_.num_states;
    impl_.slot_cache = impl_.slot_p + impl_.num_parameters;
    lower_expressions();

    const std::size_t n = impl_.num_states, np = impl_.num_parameters, ny = impl_.num_observables;
    // Initial values depend on parameters only; their programs read p directly.
    const NodeMatrix dx0dp = jacobian_of(initial_, impl_.slot_p, np);
    impl_.initial = expr::Program(graph_, initial_);
    impl_.initial_jacobian = dense_program(dx0dp);

    collect_switches();
    NodeMatrix dfdx = jacobian_of(rhs_, impl_.slot_x, n);
    NodeMatrix dfdp = jacobian_of(rhs_, impl_.slot_p, np);
    NodeMatrix dhdx = jacobian_of(observables_, impl_.slot_x, n);
    NodeMatrix dhdp = jacobian_of(observables_, impl_.slot_p, np);
    NodeMatrix dsdx = jacobian_of(sigmas_, impl_.slot_x, n);
    NodeMatrix dsdp = jacobian_of(sigmas_, impl_.slot_p, np);

    // Every per-step output reads cached parameter-only values instead of
    // recomputing them.
    std::vector<std::vector<NodeId>*> per_step = {&rhs_,       &switches_,  &dfdx.nodes, &dfdp.nodes, &observables_,
                                                  &dhdx.nodes, &dhdp.nodes, &sigmas_,    &dsdx.nodes, &dsdp.nodes};
    cache_parameter_only(per_step);

    impl_.rhs = expr::Program(graph_, rhs_);
    // Native f reads x from the caller's array (CompiledModel::rhs).
    impl_.rhs.set_state_slots(impl_.slot_x, n);
    impl_.sparsity.n = n;
    std::vector<NodeId> nonzero_nodes;
    for (std::size_t c = 0; c < n; ++c)
      for (std::size_t r = 0; r < n; ++r)
        if (dfdx.at(r, c) != graph_.zero()) {
          impl_.sparsity.nonzeros.emplace_back(static_cast<int>(r), static_cast<int>(c));
          nonzero_nodes.push_back(dfdx.at(r, c));
        }
    impl_.jacobian_nonzeros = expr::Program(graph_, nonzero_nodes);
    impl_.parameter_jacobian = dense_program(dfdp);
    impl_.num_switches = switches_.size();
    impl_.switches = expr::Program(graph_, switches_);
    impl_.switches.set_state_slots(impl_.slot_x, n);  // checked after every trial step
    impl_.observables_program = expr::Program(graph_, observables_);
    impl_.observable_state_jacobian = dense_program(dhdx);
    impl_.observable_parameter_jacobian = dense_program(dhdp);
    std::vector<ProgramOutput> sigma_outputs;
    for (std::size_t k = 0; k < ny; ++k) {
      if (spec_.observables[k].info.noise.distribution == NoiseModel::Distribution::none)
        impl_.observables_without_noise.push_back(k);
      else
        sigma_outputs.push_back({sigmas_[k], k});
    }
    impl_.sigma = expr::Program(graph_, sigma_outputs);
    impl_.sigma_state_jacobian = dense_program(dsdx);
    impl_.sigma_parameter_jacobian = dense_program(dsdp);

    impl_.scratch_size = 0;
    for (const auto& [name, p] : impl_.programs())
      impl_.scratch_size = std::max(impl_.scratch_size, p->scratch_size());

    auto symbolic = std::make_shared<SymbolicModel>();
    symbolic->rhs = rhs_;
    symbolic->jacobian_nonzeros = std::move(nonzero_nodes);
    symbolic->parameter_jacobian = std::move(dfdp.nodes);
    symbolic->initial_jacobian = dx0dp.nodes;
    symbolic->graph = std::move(graph_);
    impl_.symbolic = std::move(symbolic);
    impl_.sensitivity_codes = std::make_shared<SensitivityCodeCache>();
  }

 private:
  void copy_metadata() {
    impl_.name = spec_.name;
    impl_.title = spec_.title;
    impl_.time_unit = spec_.time_unit;
    impl_.file = spec_.file;
    impl_.parameters = spec_.parameters;
    for (const auto& s : spec_.species) impl_.species.push_back(s.info);
    for (const auto& o : spec_.observables) impl_.observables.push_back(o.info);
    for (const auto& a : spec_.assignments) impl_.assignment_names.push_back(a.name);
    for (const auto& set : spec_.donor_presets)
      for (const auto& v : set.values) impl_.donor_presets[set.name][v.name] = v.value;
    for (const auto& set : spec_.cultures)
      for (const auto& v : set.values) impl_.cultures[set.name][v.name] = v.value;
  }

  /// Lowers every expression; assignments become DAG nodes shared by all users.
  void lower_expressions() {
    std::unordered_map<std::string, NodeId> node_of;
    node_of.emplace("t", graph_.variable(0));
    for (std::size_t i = 0; i < spec_.species.size(); ++i)
      node_of.emplace(spec_.species[i].info.name, graph_.variable(static_cast<int>(impl_.slot_x + i)));
    for (std::size_t j = 0; j < spec_.parameters.size(); ++j)
      node_of.emplace(spec_.parameters[j].name, graph_.variable(static_cast<int>(impl_.slot_p + j)));
    // The checker resolved every name already, so a failure here is an internal error.
    const expr::NameResolver resolve = [&](std::string_view name, const SourceLocation& where) -> NodeId {
      const auto it = node_of.find(std::string(name));
      if (it == node_of.end())
        throw ModelError(where, "", "internal error: unresolved name '" + std::string(name) + "'");
      return it->second;
    };
    for (const std::size_t i : checked_.assignment_order)
      node_of[spec_.assignments[i].name] = expr::lower(checked_.assignment[i], graph_, resolve);
    for (const auto& ast : checked_.initial) initial_.push_back(expr::lower(ast, graph_, resolve));
    for (const auto& ast : checked_.ode) rhs_.push_back(expr::lower(ast, graph_, resolve));
    for (std::size_t k = 0; k < spec_.observables.size(); ++k) {
      const NodeId h = expr::lower(checked_.observable[k], graph_, resolve);
      observables_.push_back(h);
      NodeId sigma = graph_.zero();
      if (checked_.noise_sigma[k].root >= 0) {
        sigma = expr::lower(checked_.noise_sigma[k], graph_, resolve);
        // A proportional sigma is relative: the standard deviation scales with |h|.
        if (spec_.observables[k].info.noise.distribution == NoiseModel::Distribution::proportional)
          sigma = graph_.multiply(sigma, graph_.unary(expr::Op::abs, h));
      }
      sigmas_.push_back(sigma);
    }
  }

  /// The switch functions of f (CompiledModel::switches): for every
  /// comparison a < b or a <= b (> and >= are lowered to them), min(a, b) and
  /// max(a, b) in f whose operands depend on t or the state, a function g
  /// with g < 0 exactly when the comparison's value (the branch min/max
  /// takes) is one of its two: a − b for a < b, b − a for a <= b, min and
  /// max. In node order (deterministic), without duplicates. == and != have
  /// no sign change to find.
  void collect_switches() {
    const std::size_t last = impl_.slot_x + impl_.num_states;
    const std::vector<bool> on_state = expr::nodes_depending_on(graph_, [&](int slot) {
      return static_cast<std::size_t>(slot) < last;  // t (slot 0) or x
    });
    std::vector<bool> seen(graph_.size(), false);
    std::vector<NodeId> stack(rhs_.begin(), rhs_.end()), found;
    while (!stack.empty()) {
      const NodeId id = stack.back();
      stack.pop_back();
      if (seen[static_cast<std::size_t>(id)] || !on_state[static_cast<std::size_t>(id)]) continue;
      seen[static_cast<std::size_t>(id)] = true;
      const expr::Node& node = graph_.node(id);
      using expr::Op;
      if (node.op == Op::less || node.op == Op::less_equal || node.op == Op::min || node.op == Op::max)
        found.push_back(id);
      for (const NodeId operand : {node.a, node.b, node.c})
        if (operand != expr::no_node) stack.push_back(operand);
    }
    std::sort(found.begin(), found.end());
    for (const NodeId id : found) {
      const expr::Node& node = graph_.node(id);
      // a < b ⇔ a − b < 0 and a <= b ⇔ !(b − a < 0) exactly in IEEE arithmetic
      // (a − b rounds to 0 only when a == b); min and max branch on a <= b.
      const NodeId g = node.op == expr::Op::less ? graph_.subtract(node.a, node.b) : graph_.subtract(node.b, node.a);
      if (!graph_.is_constant(g) && std::find(switches_.begin(), switches_.end(), g) == switches_.end())
        switches_.push_back(g);
    }
  }

  /// ∂outputs/∂(slots first .. first+count-1); only the slots an output uses are differentiated.
  NodeMatrix jacobian_of(const std::vector<NodeId>& outputs, std::size_t first, std::size_t count) {
    NodeMatrix m{outputs.size(), count, std::vector<NodeId>(outputs.size() * count, graph_.zero())};
    for (std::size_t r = 0; r < outputs.size(); ++r)
      for (const int slot : expr::slots_used(graph_, outputs[r])) {
        const auto s = static_cast<std::size_t>(slot);
        if (s >= first && s < first + count) m.at(r, s - first) = expr::derivative(graph_, outputs[r], slot);
      }
    return m;
  }

  /// A program writing the matrix column-major; entries that are identically
  /// zero are not written (the caller zeroes the destination first).
  expr::Program dense_program(const NodeMatrix& m) {
    std::vector<ProgramOutput> outputs;
    for (std::size_t i = 0; i < m.nodes.size(); ++i)
      if (m.nodes[i] != graph_.zero()) outputs.push_back({m.nodes[i], i});
    return expr::Program(graph_, outputs);
  }

  /// Replaces, in every output, each largest subexpression that depends on
  /// parameters only (not on t or x) by a cached input slot, and builds the
  /// program that computes the cached values from p.
  void cache_parameter_only(const std::vector<std::vector<NodeId>*>& outputs) {
    const int first_parameter_slot = static_cast<int>(impl_.slot_p);
    const std::vector<bool> dynamic =
        expr::nodes_depending_on(graph_, [&](int slot) { return slot < first_parameter_slot; });
    std::vector<NodeId> cached;
    std::vector<bool> seen(graph_.size(), false);
    std::vector<NodeId> stack;
    for (const auto* list : outputs)
      for (const NodeId root : *list) stack.push_back(root);
    while (!stack.empty()) {
      const NodeId id = stack.back();
      stack.pop_back();
      if (seen[static_cast<std::size_t>(id)]) continue;
      seen[static_cast<std::size_t>(id)] = true;
      const expr::Node& node = graph_.node(id);
      if (node.op == expr::Op::constant || node.op == expr::Op::variable) continue;
      if (!dynamic[static_cast<std::size_t>(id)]) {
        cached.push_back(id);
        continue;
      }
      for (const NodeId operand : {node.a, node.b, node.c})
        if (operand != expr::no_node) stack.push_back(operand);
    }
    std::sort(cached.begin(), cached.end());
    impl_.num_cached = cached.size();
    impl_.num_inputs = impl_.slot_cache + cached.size();
    impl_.cache = expr::Program(graph_, cached);
    std::unordered_map<NodeId, NodeId> replacements;
    for (std::size_t k = 0; k < cached.size(); ++k)
      replacements.emplace(cached[k], graph_.variable(static_cast<int>(impl_.slot_cache + k)));
    for (auto* list : outputs) expr::substitute(graph_, *list, replacements);
  }

  const CheckedModel& checked_;
  const ModelSpec& spec_;
  CompiledModel::Impl& impl_;
  Graph graph_;
  std::vector<NodeId> initial_, rhs_, observables_, sigmas_, switches_;
};

}  // namespace

CompiledModel compile(const ModelSpec& spec, std::vector<std::string>* warnings) {
  const CheckedModel checked = check_model(spec, warnings);
  auto impl = std::make_shared<CompiledModel::Impl>();
  Compiler(checked, *impl).build();
  CompiledModel model;
  model.impl_ = std::move(impl);
  return model;
}

}  // namespace exvivo::model
