#pragma once
// Abstract syntax tree of one parsed expression, as written by the user:
// every number, name and call keeps its source location so that callers can
// report "undefined name" and similar errors at the right file:line:col.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "expr/function.hpp"

namespace exvivo::expr {

enum class AstKind : std::uint8_t {
  number,    ///< literal; `value`
  name,      ///< identifier; `name`
  negate,    ///< unary minus; children[0] (unary plus leaves no node)
  add,       ///< children[0] + children[1]
  subtract,  ///< children[0] - children[1]
  multiply,  ///< children[0] * children[1]
  divide,    ///< children[0] / children[1]
  power,     ///< children[0] ^ children[1]
  call,      ///< `function`(children[0..num_children-1]); `name` = function name.
             ///< piecewise is stored as nested 3-argument calls (value, condition,
             ///< otherwise): piecewise(a, c, b, d, e) = piecewise(a, c, piecewise(b, d, e))
  less,           ///< children[0] < children[1]: 1 or 0
  less_equal,     ///< <=
  greater,        ///< >
  greater_equal,  ///< >=
  equal,          ///< ==
  not_equal,      ///< !=
  logical_and,    ///< children[0] && children[1]: 1 when both are non-zero, else 0
  logical_or,     ///< ||
  logical_not,    ///< !children[0]
};

struct AstNode {
  AstKind kind = AstKind::number;
  double value = 0;                  ///< number literal value (kind == number)
  std::string name;                  ///< identifier or function name
  Function function = Function::exp; ///< kind == call
  int num_children = 0;
  std::array<std::int32_t, 3> children{-1, -1, -1};  ///< indices into Ast::nodes
  SourceLocation where;              ///< first character of the node's token
};

/// A parsed expression. Nodes are stored flat, children before their parents
/// (post-order), so a single forward pass over `nodes` visits operands before
/// the operations that use them; `root` is the last node. Flat storage means
/// that no consumer needs recursion, however long the expression.
struct Ast {
  std::vector<AstNode> nodes;
  std::int32_t root = -1;
  std::string source;  ///< the text that was parsed

  const AstNode& root_node() const { return nodes.at(static_cast<std::size_t>(root)); }
};

/// One occurrence of a name in an expression.
struct NameUse {
  std::string name;
  SourceLocation where;
};

/// Every name used in `ast` (function names excluded), one entry per
/// occurrence, in order of appearance in the text. Callers use it for
/// dependency sorting and to report the first use of an undefined name.
std::vector<NameUse> collect_names(const Ast& ast);

/// Fully parenthesised rendering of the tree, e.g. "(-(x ^ 2))" for "-x^2";
/// makes precedence and associativity visible (tests, debugging).
std::string to_string(const Ast& ast);

}  // namespace exvivo::expr
