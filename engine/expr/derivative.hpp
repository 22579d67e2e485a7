#pragma once
// Symbolic differentiation and dependency queries on the expression DAG.
#include <functional>
#include <unordered_map>
#include <vector>

#include "expr/graph.hpp"

namespace exvivo::expr {

/// ∂f/∂inputs[slot] as a node of the same graph, built with the simplifying
/// constructors (so a derivative that is identically zero is graph.zero()).
/// Chain rule through every operation, including
///   d(a^b) = b·a^(b-1)·da + xlogy(a^b, a)·db   (the second term only when b
///            depends on the slot, and it is 0 where a^b = 0, e.g. hill at x = 0)
///   d|a| = sign(a)·da,  d min(a, b) = select(a <= b, da, db),
///   d max(a, b) = select(b <= a, da, db),  d erf(a) = 2/√π·exp(-a²)·da,
///   d tanh(a) = (1 - tanh²a)·da,  d log10(a) = da / (a·ln 10),
///   d select(c, a, b) = select(c, da, db) (piecewise of the derivatives),
///   d rem(a, b) = da - quotient(a, b)·db, and 0 through the piecewise-constant
///   floor, ceil, factorial, quotient, comparisons and logical operators.
/// Memoized in the graph per (node, slot); never recurses, so any depth is fine.
NodeId derivative(Graph& graph, NodeId f, int slot);

/// The input slots that `node` depends on, ascending.
std::vector<int> slots_used(const Graph& graph, NodeId node);

/// True when `node` depends on at least one slot for which `slot_matches` is true.
bool depends_on(const Graph& graph, NodeId node, const std::function<bool(int slot)>& slot_matches);

/// For every node of the graph (index = NodeId): does it depend on a slot for
/// which `slot_matches` is true? One linear pass; use it to classify many nodes
/// at once, e.g. to find the parameter-only subexpressions of a model.
std::vector<bool> nodes_depending_on(const Graph& graph,
                                     const std::function<bool(int slot)>& slot_matches);

/// Rebuilds `root` with every node that is a key of `replacements` replaced by
/// its value (e.g. parameter-only subexpressions by variables of cached slots).
/// Returns `root` unchanged when nothing in its cone is replaced.
NodeId substitute(Graph& graph, NodeId root, const std::unordered_map<NodeId, NodeId>& replacements);

/// The same for many roots at once, rebuilding each shared node once (the
/// single-root form, called per root, redoes the shared cones: on the
/// leukocyte model's thousands of derivative roots that took 0.1 s per load).
void substitute(Graph& graph, std::vector<NodeId>& roots, const std::unordered_map<NodeId, NodeId>& replacements);

}  // namespace exvivo::expr
