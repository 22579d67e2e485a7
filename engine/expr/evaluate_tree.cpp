#include "expr/evaluate_tree.hpp"

namespace exvivo::expr {

double evaluate_tree(const Graph& graph, NodeId node, const double* inputs) {
  const Node& n = graph.node(node);
  switch (n.op) {
    case Op::constant: return n.value;
    case Op::variable: return inputs[n.slot];
    default: break;
  }
  const double a = evaluate_tree(graph, n.a, inputs);
  const double b = n.b == no_node ? 0.0 : evaluate_tree(graph, n.b, inputs);
  const double c = n.c == no_node ? 0.0 : evaluate_tree(graph, n.c, inputs);
  return apply_op(n.op, a, b, c);
}

}  // namespace exvivo::expr
