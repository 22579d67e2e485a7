#include "expr/graph.hpp"

#include <bit>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

namespace exvivo::expr {

int op_arity(Op op) {
  switch (op) {
    case Op::constant:
    case Op::variable: return 0;
    case Op::negate:
    case Op::exp:
    case Op::log:
    case Op::log10:
    case Op::sqrt:
    case Op::abs:
    case Op::sin:
    case Op::cos:
    case Op::tanh:
    case Op::erf:
    case Op::sign:
    case Op::tan:
    case Op::asin:
    case Op::acos:
    case Op::atan:
    case Op::sinh:
    case Op::cosh:
    case Op::asinh:
    case Op::acosh:
    case Op::atanh:
    case Op::floor:
    case Op::ceil:
    case Op::factorial:
    case Op::logical_not: return 1;
    case Op::select: return 3;
    default: return 2;
  }
}

namespace {
double factorial(double n) {
  if (!(n >= 0) || n != std::floor(n)) return std::nan("");
  return std::tgamma(n + 1);
}
}  // namespace

double apply_op(Op op, double a, double b, double c) {
  switch (op) {
    case Op::constant:
    case Op::variable: break;
    case Op::negate: return -a;
    case Op::add: return a + b;
    case Op::subtract: return a - b;
    case Op::multiply: return a * b;
    case Op::divide: return a / b;
    case Op::power: return std::pow(a, b);
    case Op::exp: return std::exp(a);
    case Op::log: return std::log(a);
    case Op::log10: return std::log10(a);
    case Op::sqrt: return std::sqrt(a);
    case Op::abs: return std::fabs(a);
    case Op::sin: return std::sin(a);
    case Op::cos: return std::cos(a);
    case Op::tanh: return std::tanh(a);
    case Op::erf: return std::erf(a);
    case Op::min: return a <= b ? a : b;
    case Op::max: return a >= b ? a : b;
    case Op::sign: return a > 0 ? 1.0 : (a < 0 ? -1.0 : 0.0);
    case Op::less_equal: return a <= b ? 1.0 : 0.0;
    case Op::select: return a != 0 ? b : c;
    case Op::xlogy: return a == 0 ? 0.0 : a * std::log(b);
    case Op::tan: return std::tan(a);
    case Op::asin: return std::asin(a);
    case Op::acos: return std::acos(a);
    case Op::atan: return std::atan(a);
    case Op::sinh: return std::sinh(a);
    case Op::cosh: return std::cosh(a);
    case Op::asinh: return std::asinh(a);
    case Op::acosh: return std::acosh(a);
    case Op::atanh: return std::atanh(a);
    case Op::floor: return std::floor(a);
    case Op::ceil: return std::ceil(a);
    case Op::factorial: return factorial(a);
    case Op::rem: return std::fmod(a, b);
    case Op::quotient: return std::trunc(a / b);
    case Op::less: return a < b ? 1.0 : 0.0;
    case Op::equal: return a == b ? 1.0 : 0.0;
    case Op::not_equal: return a != b ? 1.0 : 0.0;
    case Op::logical_and: return (a != 0 && b != 0) ? 1.0 : 0.0;
    case Op::logical_or: return (a != 0 || b != 0) ? 1.0 : 0.0;
    case Op::logical_not: return a == 0 ? 1.0 : 0.0;
  }
  return std::nan("");
}

std::size_t Graph::KeyHash::operator()(const Key& k) const {
  // splitmix64-style mixing of the packed fields.
  std::uint64_t h = static_cast<std::uint64_t>(k.op) * 0x9E3779B97F4A7C15ULL;
  const auto mix = [&h](std::uint64_t v) {
    h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ULL;
    h = (h ^ (h >> 27)) * 0x94D049BB133111EBULL;
    h ^= h >> 31;
  };
  mix(static_cast<std::uint32_t>(k.a));
  mix(static_cast<std::uint32_t>(k.b));
  mix(static_cast<std::uint32_t>(k.c));
  mix(k.payload);
  return static_cast<std::size_t>(h);
}

Graph::Graph() {
  zero_ = constant(0.0);
  one_ = constant(1.0);
}

NodeId Graph::intern(const Node& n) {
  const std::uint64_t payload = n.op == Op::constant   ? std::bit_cast<std::uint64_t>(n.value)
                                : n.op == Op::variable ? static_cast<std::uint64_t>(n.slot)
                                                       : 0;
  const Key key{n.op, n.a, n.b, n.c, payload};
  const auto found = index_.find(key);
  if (found != index_.end()) return found->second;
  const auto id = static_cast<NodeId>(nodes_.size());
  nodes_.push_back(n);
  index_.emplace(key, id);
  return id;
}

NodeId Graph::fold_or_intern(Op op, NodeId a, NodeId b, NodeId c) {
  const int arity = op_arity(op);
  const NodeId operands[3] = {a, b, c};
  bool all_constant = true;
  for (int k = 0; k < arity; ++k) {
    const NodeId id = operands[k];
    if (id < 0 || static_cast<std::size_t>(id) >= nodes_.size())
      throw std::invalid_argument("expr::Graph: invalid node id " + std::to_string(id));
    all_constant = all_constant && is_constant(id);
  }
  if (all_constant) {
    const auto value = [&](int k) { return k < arity ? node(operands[k]).value : 0.0; };
    return constant(apply_op(op, value(0), value(1), value(2)));
  }
  Node n;
  n.op = op;
  n.a = a;
  n.b = arity >= 2 ? b : no_node;
  n.c = arity >= 3 ? c : no_node;
  return intern(n);
}

NodeId Graph::constant(double value) {
  Node n;
  n.op = Op::constant;
  n.value = value;
  return intern(n);
}

NodeId Graph::variable(int slot) {
  if (slot < 0) throw std::invalid_argument("expr::Graph: negative variable slot " + std::to_string(slot));
  Node n;
  n.op = Op::variable;
  n.slot = slot;
  return intern(n);
}

bool Graph::is_constant(NodeId id, double value) const {
  const Node& n = node(id);
  return n.op == Op::constant && n.value == value;
}

std::optional<double> Graph::constant_value(NodeId id) const {
  if (!is_constant(id)) return std::nullopt;
  return node(id).value;
}

namespace {
void order_commutative(NodeId& a, NodeId& b) {
  if (b < a) std::swap(a, b);
}

template <class... Ids>
void check_ids(const Graph& g, Ids... ids) {
  for (const NodeId id : {ids...})
    if (id < 0 || static_cast<std::size_t>(id) >= g.size())
      throw std::invalid_argument("expr::Graph: invalid node id " + std::to_string(id));
}
}  // namespace

NodeId Graph::negate(NodeId a) {
  check_ids(*this, a);
  const Node n = node(a);
  if (n.op == Op::negate) return n.a;
  if (n.op == Op::subtract) return subtract(n.b, n.a);
  return fold_or_intern(Op::negate, a);
}

// The simplifications below run before interning so that a simplified-away
// operation leaves no node behind; constant operands are folded first.

NodeId Graph::add(NodeId a, NodeId b) {
  check_ids(*this, a, b);
  if (is_constant(a) && is_constant(b)) return fold_or_intern(Op::add, a, b);
  if (is_constant(a, 0)) return b;
  if (is_constant(b, 0)) return a;
  if (node(b).op == Op::negate) return subtract(a, node(b).a);
  if (node(a).op == Op::negate) return subtract(b, node(a).a);
  order_commutative(a, b);
  return fold_or_intern(Op::add, a, b);
}

NodeId Graph::subtract(NodeId a, NodeId b) {
  check_ids(*this, a, b);
  if (is_constant(a) && is_constant(b)) return fold_or_intern(Op::subtract, a, b);
  if (is_constant(b, 0)) return a;
  if (is_constant(a, 0)) return negate(b);
  if (a == b) return zero_;
  if (node(b).op == Op::negate) return add(a, node(b).a);
  return fold_or_intern(Op::subtract, a, b);
}

NodeId Graph::multiply(NodeId a, NodeId b) {
  check_ids(*this, a, b);
  if (is_constant(a) && is_constant(b)) return fold_or_intern(Op::multiply, a, b);
  if (is_constant(b)) std::swap(a, b);  // constant, if any, in a
  if (is_constant(a)) {
    const double k = node(a).value;
    if (k == 0) return zero_;
    if (k == 1) return b;
    if (k == -1) return negate(b);
    const Node nb = node(b);
    if (nb.op == Op::negate) return multiply(constant(-k), nb.a);
    if (nb.op == Op::multiply && is_constant(nb.a)) return multiply(constant(k * node(nb.a).value), nb.b);
    if (nb.op == Op::multiply && is_constant(nb.b)) return multiply(constant(k * node(nb.b).value), nb.a);
  }
  if (node(a).op == Op::negate && node(b).op == Op::negate) return multiply(node(a).a, node(b).a);
  order_commutative(a, b);
  return fold_or_intern(Op::multiply, a, b);
}

NodeId Graph::divide(NodeId a, NodeId b) {
  check_ids(*this, a, b);
  if (is_constant(a) && is_constant(b)) return fold_or_intern(Op::divide, a, b);
  if (is_constant(b, 1)) return a;
  if (is_constant(b, -1)) return negate(a);
  if (is_constant(a, 0)) return zero_;
  return fold_or_intern(Op::divide, a, b);
}

NodeId Graph::power(NodeId base, NodeId exponent) {
  check_ids(*this, base, exponent);
  if (is_constant(base) && is_constant(exponent)) return fold_or_intern(Op::power, base, exponent);
  if (is_constant(exponent, 1)) return base;
  if (is_constant(exponent, 0)) return one_;
  if (is_constant(base, 1)) return one_;
  return fold_or_intern(Op::power, base, exponent);
}

NodeId Graph::unary(Op op, NodeId a) {
  if (op == Op::negate) return negate(a);
  if (op_arity(op) != 1) throw std::invalid_argument("expr::Graph::unary: not a one-argument operation");
  check_ids(*this, a);
  const Node n = node(a);
  if (op == Op::abs && n.op == Op::abs) return a;
  if (op == Op::abs && n.op == Op::negate) return unary(Op::abs, n.a);
  return fold_or_intern(op, a);
}

NodeId Graph::min(NodeId a, NodeId b) {
  check_ids(*this, a, b);
  if (is_constant(a) && is_constant(b)) return fold_or_intern(Op::min, a, b);
  if (a == b) return a;
  order_commutative(a, b);
  return fold_or_intern(Op::min, a, b);
}

NodeId Graph::max(NodeId a, NodeId b) {
  check_ids(*this, a, b);
  if (is_constant(a) && is_constant(b)) return fold_or_intern(Op::max, a, b);
  if (a == b) return a;
  order_commutative(a, b);
  return fold_or_intern(Op::max, a, b);
}

NodeId Graph::less_equal(NodeId a, NodeId b) {
  check_ids(*this, a, b);
  if (is_constant(a) && is_constant(b)) return fold_or_intern(Op::less_equal, a, b);
  if (a == b) return one_;
  return fold_or_intern(Op::less_equal, a, b);
}

NodeId Graph::select(NodeId condition, NodeId if_nonzero, NodeId if_zero) {
  check_ids(*this, condition, if_nonzero, if_zero);
  if (is_constant(condition)) return node(condition).value != 0 ? if_nonzero : if_zero;
  if (if_nonzero == if_zero) return if_zero;
  return fold_or_intern(Op::select, condition, if_nonzero, if_zero);
}

NodeId Graph::xlogy(NodeId x, NodeId y) {
  check_ids(*this, x, y);
  if (is_constant(x) && is_constant(y)) return fold_or_intern(Op::xlogy, x, y);
  if (is_constant(x, 0)) return zero_;
  if (is_constant(y, 1)) return zero_;
  return fold_or_intern(Op::xlogy, x, y);
}

NodeId Graph::binary(Op op, NodeId a, NodeId b) {
  check_ids(*this, a, b);
  switch (op) {
    case Op::rem:
    case Op::quotient:
    case Op::less:
      if (op == Op::less && a == b && !is_constant(a)) return zero_;
      return fold_or_intern(op, a, b);
    case Op::equal:
    case Op::not_equal:
      if (a == b && !is_constant(a)) return op == Op::equal ? one_ : zero_;
      [[fallthrough]];
    case Op::logical_and:
    case Op::logical_or:
      order_commutative(a, b);
      return fold_or_intern(op, a, b);
    default: break;
  }
  throw std::invalid_argument("expr::Graph::binary: not a two-operand operation of the extended language");
}

NodeId Graph::make(Op op, NodeId a, NodeId b, NodeId c) {
  switch (op) {
    case Op::constant:
    case Op::variable: break;
    case Op::negate: return negate(a);
    case Op::add: return add(a, b);
    case Op::subtract: return subtract(a, b);
    case Op::multiply: return multiply(a, b);
    case Op::divide: return divide(a, b);
    case Op::power: return power(a, b);
    case Op::min: return min(a, b);
    case Op::max: return max(a, b);
    case Op::less_equal: return less_equal(a, b);
    case Op::select: return select(a, b, c);
    case Op::xlogy: return xlogy(a, b);
    case Op::rem:
    case Op::quotient:
    case Op::less:
    case Op::equal:
    case Op::not_equal:
    case Op::logical_and:
    case Op::logical_or: return binary(op, a, b);
    default: return unary(op, a);
  }
  throw std::invalid_argument("expr::Graph::make: leaves are built with constant() and variable()");
}

}  // namespace exvivo::expr
