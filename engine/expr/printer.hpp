#pragma once
// Readable infix rendering of DAG nodes, for debugging and error messages.
#include <functional>
#include <string>

#include "expr/graph.hpp"

namespace exvivo::expr {

/// Names a variable slot in printed output; default "$0", "$1", ...
using SlotNamer = std::function<std::string(int slot)>;

/// Infix text with only the parentheses that precedence requires, e.g.
/// "-k * x / (K + x)", "exp(-t)", "x ^ 2". Shared nodes are printed in full at
/// every use. Output longer than `max_length` characters is cut and ends in "...".
std::string to_string(const Graph& graph, NodeId node, const SlotNamer& slot_name = {},
                      std::size_t max_length = 4096);

}  // namespace exvivo::expr
