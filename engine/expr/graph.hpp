#pragma once
// Expression DAG: the form in which expressions are simplified, differentiated
// and compiled.
//
// Nodes are hash-consed: building the same operation on the same operands
// twice returns the same NodeId, so equal subexpressions are shared (common
// subexpression elimination for free). Commutative operations (+, *, min, max)
// put their operands in a canonical order, so a*b and b*a are one node.
//
// Nodes are append-only and every node's operands have smaller ids than the
// node itself: increasing id order is a topological order. A NodeId stays
// valid for the life of its Graph.
//
// The construction functions simplify as they build:
//   constant folding (any operation on constants only), x+0 = 0+x = x,
//   x-0 = x, 0-x = -x, x-x = 0, x*1 = 1*x = x, x*0 = 0*x = 0, (-1)*x = -x,
//   x/1 = x, 0/x = 0, x^1 = x, x^0 = 1, 1^x = 1, -(-x) = x, -(a-b) = b-a,
//   a+(-b) = a-b, a-(-b) = a+b, select(c, x, x) = x, x == x = 1, x != x = 0,
//   x < x = 0 (the last three for non-NaN x, like x - x = 0).
// Note x*0 = 0 and x-x = 0 hold for finite x only; models are meant to stay
// finite, and these rules keep symbolic Jacobians sparse.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

namespace exvivo::expr {

/// Index of a node in its Graph.
using NodeId = std::int32_t;
inline constexpr NodeId no_node = -1;

/// Node operations. Operands are a, b, c (in that order) of Node.
enum class Op : std::uint8_t {
  constant,    ///< Node::value
  variable,    ///< input slot Node::slot; what slots mean is the caller's business
  negate,      ///< -a
  add,         ///< a + b
  subtract,    ///< a - b
  multiply,    ///< a * b
  divide,      ///< a / b
  power,       ///< a ^ b (std::pow)
  exp, log, log10, sqrt, abs, sin, cos, tanh, erf,  ///< f(a); log is natural
  min,         ///< a <= b ? a : b
  max,         ///< a >= b ? a : b
  // Operations that appear in derivatives:
  sign,        ///< +1 if a > 0, -1 if a < 0, 0 otherwise (d|a|/da)
  less_equal,  ///< 1 if a <= b, else 0
  select,      ///< a != 0 ? b : c
  xlogy,       ///< a * log(b), and 0 when a == 0 even if b == 0 (d(x^y)/dy = xlogy(x^y, x))
  // Operations of the extended language (SBML's MathML), in the order of their opcodes:
  tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh,  ///< f(a)
  floor, ceil,  ///< f(a)
  factorial,    ///< a! = Γ(a+1) for integer a >= 0, NaN otherwise
  rem,          ///< std::fmod(a, b): a - b·trunc(a/b)
  quotient,     ///< trunc(a / b)
  less,         ///< 1 if a < b, else 0
  equal,        ///< 1 if a == b, else 0
  not_equal,    ///< 1 if a != b, else 0
  logical_and,  ///< 1 if a != 0 and b != 0, else 0
  logical_or,   ///< 1 if a != 0 or b != 0, else 0
  logical_not,  ///< 1 if a == 0, else 0
};

/// Number of operands of `op` (0 to 3).
int op_arity(Op op);

/// Applies `op` to operand values: the one definition of each operation's
/// arithmetic, shared by constant folding, evaluate_tree and Program.
double apply_op(Op op, double a, double b = 0, double c = 0);

struct Node {
  Op op = Op::constant;
  NodeId a = no_node, b = no_node, c = no_node;
  double value = 0;  ///< Op::constant
  int slot = -1;     ///< Op::variable
};

class Graph {
 public:
  Graph();

  // --- leaves ---------------------------------------------------------------
  /// Constants are shared by bit pattern (so 0.0 and -0.0 are two nodes, and
  /// NaN constants are shared).
  NodeId constant(double value);
  /// The input slot `slot` (>= 0) of the evaluation: inputs[slot].
  NodeId variable(int slot);

  // --- operations (simplifying, hash-consed) ----------------------------------
  NodeId negate(NodeId a);
  NodeId add(NodeId a, NodeId b);
  NodeId subtract(NodeId a, NodeId b);
  NodeId multiply(NodeId a, NodeId b);
  NodeId divide(NodeId a, NodeId b);
  NodeId power(NodeId base, NodeId exponent);
  /// One-argument function: op is one of exp, log, log10, sqrt, abs, sin, cos,
  /// tanh, erf, sign, tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh,
  /// floor, ceil, factorial, logical_not.
  NodeId unary(Op op, NodeId a);
  NodeId min(NodeId a, NodeId b);
  NodeId max(NodeId a, NodeId b);
  NodeId less_equal(NodeId a, NodeId b);
  NodeId select(NodeId condition, NodeId if_nonzero, NodeId if_zero);
  NodeId xlogy(NodeId x, NodeId y);
  /// Two-operand operation: rem, quotient, less, equal, not_equal, logical_and,
  /// logical_or (equal, not_equal and the logical ones are commutative).
  NodeId binary(Op op, NodeId a, NodeId b);
  /// Any operation by Op (dispatches to the functions above; leaves excluded).
  NodeId make(Op op, NodeId a, NodeId b = no_node, NodeId c = no_node);

  // --- inspection -------------------------------------------------------------
  const Node& node(NodeId id) const { return nodes_[static_cast<std::size_t>(id)]; }
  std::size_t size() const { return nodes_.size(); }
  bool is_constant(NodeId id) const { return node(id).op == Op::constant; }
  /// True when `id` is the constant `value` (exact comparison; used by simplification).
  bool is_constant(NodeId id, double value) const;
  std::optional<double> constant_value(NodeId id) const;
  /// Convenience: the shared constants 0 and 1.
  NodeId zero() const { return zero_; }
  NodeId one() const { return one_; }

 private:
  struct Key {
    Op op;
    NodeId a, b, c;
    std::uint64_t payload;  // constant bits or slot
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const;
  };

  NodeId intern(const Node& n);
  NodeId fold_or_intern(Op op, NodeId a, NodeId b = no_node, NodeId c = no_node);

  std::vector<Node> nodes_;
  std::unordered_map<Key, NodeId, KeyHash> index_;
  NodeId zero_ = no_node, one_ = no_node;

  // Memo of derivative(): (node, slot) -> derivative node.
  std::unordered_map<std::uint64_t, NodeId> derivatives_;
  friend NodeId derivative(Graph& graph, NodeId f, int slot);
};

}  // namespace exvivo::expr
