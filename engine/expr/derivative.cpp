#include "expr/derivative.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace exvivo::expr {

namespace {
std::uint64_t memo_key(NodeId node, int slot) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(node)) << 32) | static_cast<std::uint32_t>(slot);
}

/// Nodes reachable from `root` (root included) for which `stop` is false,
/// ascending, i.e. operands before users. `stop` nodes are not entered.
template <class Stop>
std::vector<NodeId> cone(const Graph& g, NodeId root, Stop stop) {
  std::vector<char> seen(g.size(), 0);
  std::vector<NodeId> stack{root}, found;
  seen[static_cast<std::size_t>(root)] = 1;
  while (!stack.empty()) {
    const NodeId id = stack.back();
    stack.pop_back();
    if (stop(id)) continue;
    found.push_back(id);
    const Node& n = g.node(id);
    for (const NodeId child : {n.a, n.b, n.c}) {
      if (child == no_node || seen[static_cast<std::size_t>(child)]) continue;
      seen[static_cast<std::size_t>(child)] = 1;
      stack.push_back(child);
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

/// d(node)/d(slot) given the derivatives of its operands (da, db, dc).
NodeId differentiate_node(Graph& g, NodeId f, int slot, NodeId da, NodeId db, NodeId dc) {
  const Node n = g.node(f);  // copy: building nodes may reallocate the graph
  const NodeId a = n.a, b = n.b, zero = g.zero();
  switch (n.op) {
    case Op::constant: return zero;
    case Op::variable: return n.slot == slot ? g.one() : zero;
    default: break;
  }
  if (da == zero && (b == no_node || db == zero) && (n.c == no_node || dc == zero)) return zero;
  switch (n.op) {
    case Op::constant:
    case Op::variable:
    case Op::sign:
    case Op::less_equal:
    case Op::floor:
    case Op::ceil:
    case Op::factorial:
    case Op::quotient:
    case Op::less:
    case Op::equal:
    case Op::not_equal:
    case Op::logical_and:
    case Op::logical_or:
    case Op::logical_not: return zero;
    case Op::negate: return g.negate(da);
    case Op::add: return g.add(da, db);
    case Op::subtract: return g.subtract(da, db);
    case Op::multiply: return g.add(g.multiply(da, b), g.multiply(a, db));
    case Op::divide:  // (a/b)' = (da - f·db) / b, reusing f = a/b
      return g.divide(g.subtract(da, g.multiply(f, db)), b);
    case Op::power: {
      NodeId base_term = zero, exponent_term = zero;
      if (da != zero) base_term = g.multiply(g.multiply(b, g.power(a, g.subtract(b, g.one()))), da);
      if (db != zero) exponent_term = g.multiply(g.xlogy(f, a), db);
      return g.add(base_term, exponent_term);
    }
    case Op::exp: return g.multiply(f, da);
    case Op::log: return g.divide(da, a);
    case Op::log10: return g.divide(da, g.multiply(a, g.constant(std::numbers::ln10)));
    case Op::sqrt: return g.divide(da, g.multiply(g.constant(2.0), f));
    case Op::abs: return g.multiply(g.unary(Op::sign, a), da);
    case Op::sin: return g.multiply(g.unary(Op::cos, a), da);
    case Op::cos: return g.negate(g.multiply(g.unary(Op::sin, a), da));
    case Op::tanh: return g.multiply(g.subtract(g.one(), g.multiply(f, f)), da);
    case Op::erf:
      return g.multiply(g.multiply(g.constant(2.0 * std::numbers::inv_sqrtpi), g.unary(Op::exp, g.negate(g.multiply(a, a)))),
                        da);
    case Op::min: return g.select(g.less_equal(a, b), da, db);
    case Op::max: return g.select(g.less_equal(b, a), da, db);
    case Op::select: return g.select(a, db, dc);
    case Op::xlogy:  // (x·log y)' = xlogy(dx, y) + x·dy/y
      return g.add(g.xlogy(da, b), g.multiply(a, g.divide(db, b)));
    case Op::tan: return g.multiply(g.add(g.one(), g.multiply(f, f)), da);
    case Op::asin: return g.divide(da, g.unary(Op::sqrt, g.subtract(g.one(), g.multiply(a, a))));
    case Op::acos: return g.negate(g.divide(da, g.unary(Op::sqrt, g.subtract(g.one(), g.multiply(a, a)))));
    case Op::atan: return g.divide(da, g.add(g.one(), g.multiply(a, a)));
    case Op::sinh: return g.multiply(g.unary(Op::cosh, a), da);
    case Op::cosh: return g.multiply(g.unary(Op::sinh, a), da);
    case Op::asinh: return g.divide(da, g.unary(Op::sqrt, g.add(g.multiply(a, a), g.one())));
    case Op::acosh: return g.divide(da, g.unary(Op::sqrt, g.subtract(g.multiply(a, a), g.one())));
    case Op::atanh: return g.divide(da, g.subtract(g.one(), g.multiply(a, a)));
    case Op::rem:  // fmod(a, b) = a - b·trunc(a/b), trunc piecewise constant
      return g.subtract(da, g.multiply(g.binary(Op::quotient, a, b), db));
  }
  return zero;
}
}  // namespace

NodeId derivative(Graph& graph, NodeId f, int slot) {
  if (f < 0 || static_cast<std::size_t>(f) >= graph.size())
    throw std::invalid_argument("expr::derivative: invalid node id " + std::to_string(f));
  auto& memo = graph.derivatives_;
  if (const auto hit = memo.find(memo_key(f, slot)); hit != memo.end()) return hit->second;
  // Operands have smaller ids, so processing the cone in ascending order has
  // every operand's derivative ready when its user is differentiated.
  const std::vector<NodeId> todo = cone(graph, f, [&](NodeId id) { return memo.count(memo_key(id, slot)) != 0; });
  const auto d = [&](NodeId id) { return id == no_node ? no_node : memo.at(memo_key(id, slot)); };
  for (const NodeId id : todo) {
    const Node n = graph.node(id);
    const NodeId result = differentiate_node(graph, id, slot, d(n.a), d(n.b), d(n.c));
    memo.emplace(memo_key(id, slot), result);
  }
  return memo.at(memo_key(f, slot));
}

std::vector<int> slots_used(const Graph& graph, NodeId node) {
  std::vector<int> slots;
  for (const NodeId id : cone(graph, node, [](NodeId) { return false; }))
    if (graph.node(id).op == Op::variable) slots.push_back(graph.node(id).slot);
  std::sort(slots.begin(), slots.end());
  return slots;
}

bool depends_on(const Graph& graph, NodeId node, const std::function<bool(int slot)>& slot_matches) {
  for (const int slot : slots_used(graph, node))
    if (slot_matches(slot)) return true;
  return false;
}

std::vector<bool> nodes_depending_on(const Graph& graph, const std::function<bool(int slot)>& slot_matches) {
  std::vector<bool> depends(graph.size(), false);
  for (std::size_t i = 0; i < graph.size(); ++i) {
    const Node& n = graph.node(static_cast<NodeId>(i));
    if (n.op == Op::variable) {
      depends[i] = slot_matches(n.slot);
      continue;
    }
    for (const NodeId child : {n.a, n.b, n.c})
      if (child != no_node && depends[static_cast<std::size_t>(child)]) depends[i] = true;
  }
  return depends;
}

NodeId substitute(Graph& graph, NodeId root, const std::unordered_map<NodeId, NodeId>& replacements) {
  const auto replaced = [&](NodeId id) { return replacements.count(id) != 0; };
  std::unordered_map<NodeId, NodeId> rebuilt(replacements.begin(), replacements.end());
  for (const NodeId id : cone(graph, root, replaced)) {
    const Node n = graph.node(id);
    if (n.op == Op::constant || n.op == Op::variable) {
      rebuilt.emplace(id, id);
      continue;
    }
    const auto map = [&](NodeId child) { return child == no_node ? no_node : rebuilt.at(child); };
    const NodeId a = map(n.a), b = map(n.b), c = map(n.c);
    rebuilt.emplace(id, (a == n.a && b == n.b && c == n.c) ? id : graph.make(n.op, a, b, c));
  }
  return rebuilt.at(root);
}

void substitute(Graph& graph, std::vector<NodeId>& roots, const std::unordered_map<NodeId, NodeId>& replacements) {
  // Operands are interned before the nodes that use them, so ascending ids are
  // a topological order of the original graph.
  const std::size_t size = graph.size();
  std::vector<char> needed(size, 0);
  std::vector<NodeId> stack(roots.begin(), roots.end());
  while (!stack.empty()) {
    const NodeId id = stack.back();
    stack.pop_back();
    if (id == no_node || needed[static_cast<std::size_t>(id)]) continue;
    needed[static_cast<std::size_t>(id)] = 1;
    if (replacements.count(id) != 0) continue;
    const Node& n = graph.node(id);
    for (const NodeId operand : {n.a, n.b, n.c})
      if (operand != no_node) stack.push_back(operand);
  }
  std::vector<NodeId> rebuilt(size, no_node);
  const auto map = [&](NodeId child) { return child == no_node ? no_node : rebuilt[static_cast<std::size_t>(child)]; };
  for (std::size_t i = 0; i < size; ++i) {
    if (!needed[i]) continue;
    const auto id = static_cast<NodeId>(i);
    if (const auto it = replacements.find(id); it != replacements.end()) {
      rebuilt[i] = it->second;
      continue;
    }
    const Node n = graph.node(id);  // a copy: make() may grow the graph
    if (n.op == Op::constant || n.op == Op::variable) {
      rebuilt[i] = id;
      continue;
    }
    const NodeId a = map(n.a), b = map(n.b), c = map(n.c);
    rebuilt[i] = (a == n.a && b == n.b && c == n.c) ? id : graph.make(n.op, a, b, c);
  }
  for (NodeId& root : roots)
    if (root != no_node) root = rebuilt[static_cast<std::size_t>(root)];
}

}  // namespace exvivo::expr
