#include "expr/printer.hpp"

#include <cstdio>
#include <cstdlib>
#include <vector>

namespace exvivo::expr {

namespace {

// Binding strength of what a node prints as; a child is parenthesised when it
// binds more loosely than its position requires.
enum Precedence : int {
  or_op = 0, and_op = 1, comparison = 2, sum = 3, product = 4, unary_sign = 5, power_op = 6, atom = 7
};

std::string number_text(double v) {
  char buf[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) return buf;
  }
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string slot_text(int slot) {
  std::string s(1, '$');
  s += std::to_string(slot);
  return s;
}

const char* symbol(Op op) {
  switch (op) {
    case Op::add: return " + ";
    case Op::subtract: return " - ";
    case Op::multiply: return " * ";
    case Op::divide: return " / ";
    case Op::less: return " < ";
    case Op::equal: return " == ";
    case Op::not_equal: return " != ";
    case Op::logical_and: return " && ";
    case Op::logical_or: return " || ";
    default: return " <= ";
  }
}

const char* function_text(Op op) {
  switch (op) {
    case Op::exp: return "exp";
    case Op::log: return "log";
    case Op::log10: return "log10";
    case Op::sqrt: return "sqrt";
    case Op::abs: return "abs";
    case Op::sin: return "sin";
    case Op::cos: return "cos";
    case Op::tanh: return "tanh";
    case Op::erf: return "erf";
    case Op::min: return "min";
    case Op::max: return "max";
    case Op::sign: return "sign";
    case Op::select: return "select";
    case Op::xlogy: return "xlogy";
    case Op::tan: return "tan";
    case Op::asin: return "asin";
    case Op::acos: return "acos";
    case Op::atan: return "atan";
    case Op::sinh: return "sinh";
    case Op::cosh: return "cosh";
    case Op::asinh: return "asinh";
    case Op::acosh: return "acosh";
    case Op::atanh: return "atanh";
    case Op::floor: return "floor";
    case Op::ceil: return "ceil";
    case Op::factorial: return "factorial";
    case Op::rem: return "rem";
    case Op::quotient: return "quotient";
    default: return "?";
  }
}

class Printer {
 public:
  Printer(const Graph& g, const SlotNamer& namer, std::size_t max_length)
      : g_(g), namer_(namer), max_length_(max_length) {}

  std::string print(NodeId root) {
    emit(root, 0);
    if (truncated_) out_ += "...";
    return out_;
  }

 private:
  int precedence(NodeId id) const {
    const Node& n = g_.node(id);
    switch (n.op) {
      case Op::constant: return n.value < 0 ? unary_sign : atom;
      case Op::variable: return atom;
      case Op::negate: return unary_sign;
      case Op::add:
      case Op::subtract: return sum;
      case Op::multiply:
      case Op::divide: return product;
      case Op::power: return power_op;
      case Op::less_equal:
      case Op::less:
      case Op::equal:
      case Op::not_equal: return comparison;
      case Op::logical_and: return and_op;
      case Op::logical_or: return or_op;
      case Op::logical_not: return unary_sign;
      default: return atom;  // function calls
    }
  }

  void text(const std::string& s) {
    if (truncated_) return;
    if (out_.size() + s.size() > max_length_) {
      out_.append(s, 0, max_length_ > out_.size() ? max_length_ - out_.size() : 0);
      truncated_ = true;
      return;
    }
    out_ += s;
  }

  void child(NodeId id, bool parenthesise, int depth) {
    if (parenthesise) text("(");
    emit(id, depth + 1);
    if (parenthesise) text(")");
  }

  void emit(NodeId id, int depth) {
    constexpr int max_depth = 1000;  // bounds recursion on very deep DAGs
    if (truncated_) return;
    if (depth > max_depth) {
      truncated_ = true;
      return;
    }
    const Node& n = g_.node(id);
    const int p = precedence(id);
    switch (n.op) {
      case Op::constant: text(number_text(n.value)); return;
      case Op::variable: text(namer_ ? namer_(n.slot) : slot_text(n.slot)); return;
      case Op::negate:
      case Op::logical_not:
        text(n.op == Op::negate ? "-" : "!");
        child(n.a, precedence(n.a) < unary_sign, depth);
        return;
      case Op::add:
      case Op::subtract:
      case Op::multiply:
      case Op::divide:
      case Op::less_equal:
      case Op::less:
      case Op::equal:
      case Op::not_equal:
      case Op::logical_and:
      case Op::logical_or: {
        // Walk down the left spine of a chain like a + b - c + ... iteratively,
        // so that long sums and products do not cost recursion depth.
        std::vector<NodeId> spine{id};
        while (precedence(g_.node(spine.back()).a) == p && p != comparison) spine.push_back(g_.node(spine.back()).a);
        const NodeId first = g_.node(spine.back()).a;
        child(first, precedence(first) < p || (p == comparison && precedence(first) == p), depth);
        for (auto it = spine.rbegin(); it != spine.rend() && !truncated_; ++it) {
          const Node& link = g_.node(*it);
          text(symbol(link.op));
          child(link.b, precedence(link.b) <= p, depth);
        }
        return;
      }
      case Op::power:
        child(n.a, precedence(n.a) <= power_op, depth);
        text(" ^ ");
        child(n.b, precedence(n.b) < power_op, depth);
        return;
      default: {
        text(function_text(n.op));
        text("(");
        const NodeId args[3] = {n.a, n.b, n.c};
        for (int k = 0; k < op_arity(n.op); ++k) {
          if (k) text(", ");
          child(args[k], false, depth);
        }
        text(")");
        return;
      }
    }
  }

  const Graph& g_;
  const SlotNamer& namer_;
  std::size_t max_length_;
  std::string out_;
  bool truncated_ = false;
};

}  // namespace

std::string to_string(const Graph& graph, NodeId node, const SlotNamer& slot_name, std::size_t max_length) {
  return Printer(graph, slot_name, max_length).print(node);
}

}  // namespace exvivo::expr
