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
    case Function::tan: return Op::tan;
    case Function::asin: return Op::asin;
    case Function::acos: return Op::acos;
    case Function::atan: return Op::atan;
    case Function::sinh: return Op::sinh;
    case Function::cosh: return Op::cosh;
    case Function::asinh: return Op::asinh;
    case Function::acosh: return Op::acosh;
    case Function::atanh: return Op::atanh;
    case Function::floor: return Op::floor;
    case Function::ceil: return Op::ceil;
    case Function::factorial: return Op::factorial;
    case Function::rem: return Op::rem;
    case Function::quotient: return Op::quotient;
    case Function::hill:
    case Function::root:
    case Function::piecewise: break;
  }
  return Op::constant;  // no single op; built by lower_call
}
NodeId lower_call(Graph& graph, const AstNode& n, const std::vector<NodeId>& lowered) {
  const auto child = [&](int k) { return lowered[static_cast<std::size_t>(n.children[static_cast<std::size_t>(k)])]; };
  switch (n.function) {
    case Function::hill: {
      const NodeId x_n = graph.power(child(0), child(2));
      const NodeId k_n = graph.power(child(1), child(2));
      return graph.divide(x_n, graph.add(k_n, x_n));
    }
    case Function::root:  // root(n, x) = x^(1/n)
      return graph.power(child(1), graph.divide(graph.one(), child(0)));
    case Function::piecewise:  // nested (value, condition, otherwise) by the parser
      return graph.select(child(1), child(0), child(2));
    case Function::log:  // log(b, x) = ln x / ln b
      if (n.num_children == 2)
        return graph.divide(graph.unary(Op::log, child(1)), graph.unary(Op::log, child(0)));
      return graph.unary(Op::log, child(0));
    default: break;
  }
  if (n.num_children == 1) return graph.unary(function_op(n.function), child(0));
  return graph.make(function_op(n.function), child(0), child(1));
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
      case AstKind::call: id = lower_call(graph, n, lowered); break;
      case AstKind::less: id = graph.binary(Op::less, child(0), child(1)); break;
      case AstKind::less_equal: id = graph.less_equal(child(0), child(1)); break;
      case AstKind::greater: id = graph.binary(Op::less, child(1), child(0)); break;
      case AstKind::greater_equal: id = graph.less_equal(child(1), child(0)); break;
      case AstKind::equal: id = graph.binary(Op::equal, child(0), child(1)); break;
      case AstKind::not_equal: id = graph.binary(Op::not_equal, child(0), child(1)); break;
      case AstKind::logical_and: id = graph.binary(Op::logical_and, child(0), child(1)); break;
      case AstKind::logical_or: id = graph.binary(Op::logical_or, child(0), child(1)); break;
      case AstKind::logical_not: id = graph.unary(Op::logical_not, child(0)); break;
    }
    lowered[i] = id;
  }
  return ast.root < 0 ? no_node : lowered[static_cast<std::size_t>(ast.root)];
}

}  // namespace exvivo::expr
