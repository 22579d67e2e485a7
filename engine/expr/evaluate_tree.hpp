#pragma once
// Reference evaluator: a direct recursive walk of the DAG. Slow and simple on
// purpose; it is the oracle against which Program is tested.
#include "expr/graph.hpp"

namespace exvivo::expr {

/// Value of `node` with variable slot s read from inputs[s]. Recursion depth is
/// the depth of the DAG; meant for tests and small expressions.
double evaluate_tree(const Graph& graph, NodeId node, const double* inputs);

}  // namespace exvivo::expr
