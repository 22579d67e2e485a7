#include "expr/lower.hpp"

#include <vector>

namespace exvivo::expr {

namespace {
Op function_op(Function f) {
  switch (f) {
    case Function::exp: return Op::exp;
    case Function::log: return Op::log;
    case Function::log10: return Op::log10;
    case Function::sqrt: return Op::sqrt;
    case Function::abs: return Op::abs;
    case Function::sin: return Op::sin;
    case Function::cos: return Op::cos;
    case Function::tanh: return Op::tanh;
    case Function::erf: return Op::erf;
    case Function::pow: return Op::power;
    case Function::min: return Op::min;
    case Function::max: return Op::max;
    case Function::hill: break;
  }
  return Op::constant;  // hill has no single op; handled by the caller
}
}  // namespace

NodeId lower(const Ast& ast, Graph& graph, const NameResolver& resolver) {
  // Children precede parents in ast.nodes: one forward pass, no recursion.
  std::vector<NodeId> lowered(ast.nodes.size(), no_node);
  for (std::size_t i = 0; i < ast.nodes.size(); ++i) {
    const AstNode& n = ast.nodes[i];
    const auto child = [&](int k) { return lowered[static_cast<std::size_t>(n.children[static_cast<std::size_t>(k)])]; };
    NodeId id = no_node;
    switch (n.kind) {
      case AstKind::number: id = graph.constant(n.value); break;
      case AstKind::name: id = resolver(n.name, n.where); break;
      case AstKind::negate: id = graph.negate(child(0)); break;
      case AstKind::add: id = graph.add(child(0), child(1)); break;
      case AstKind::subtract: id = graph.subtract(child(0), child(1)); break;
      case AstKind::multiply: id = graph.multiply(child(0), child(1)); break;
      case AstKind::divide: id = graph.divide(child(0), child(1)); break;
      case AstKind::power: id = graph.power(child(0), child(1)); break;
      case AstKind::call:
        if (n.function == Function::hill) {
          const NodeId x_n = graph.power(child(0), child(2));
          const NodeId k_n = graph.power(child(1), child(2));
          id = graph.divide(x_n, graph.add(k_n, x_n));
        } else if (function_arity(n.function) == 1) {
          id = graph.unary(function_op(n.function), child(0));
        } else {
          id = graph.make(function_op(n.function), child(0), child(1));
        }
        break;
    }
    lowered[i] = id;
  }
  return ast.root < 0 ? no_node : lowered[static_cast<std::size_t>(ast.root)];
}

}  // namespace exvivo::expr
