#include "expr/ast.hpp"

#include <cstdio>
#include <cstdlib>

namespace exvivo::expr {

std::vector<NameUse> collect_names(const Ast& ast) {
  // Post-order storage keeps leaves in left-to-right order of the text.
  std::vector<NameUse> uses;
  for (const auto& n : ast.nodes)
    if (n.kind == AstKind::name) uses.push_back({n.name, n.where});
  return uses;
}

namespace {
std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  // Shortest text that reads back to the same double, for legible output.
  for (int precision = 1; precision <= 17; ++precision) {
    char candidate[32];
    std::snprintf(candidate, sizeof candidate, "%.*g", precision, v);
    if (std::strtod(candidate, nullptr) == v) return candidate;
  }
  return buf;
}

const char* binary_symbol(AstKind k) {
  switch (k) {
    case AstKind::add: return " + ";
    case AstKind::subtract: return " - ";
    case AstKind::multiply: return " * ";
    case AstKind::divide: return " / ";
    case AstKind::power: return " ^ ";
    case AstKind::less: return " < ";
    case AstKind::less_equal: return " <= ";
    case AstKind::greater: return " > ";
    case AstKind::greater_equal: return " >= ";
    case AstKind::equal: return " == ";
    case AstKind::not_equal: return " != ";
    case AstKind::logical_and: return " && ";
    case AstKind::logical_or: return " || ";
    default: return " ? ";
  }
}
}  // namespace

std::string to_string(const Ast& ast) {
  if (ast.root < 0) return {};
  // Children precede parents, so each node's text can be built from its
  // children's text in one forward pass.
  std::vector<std::string> text(ast.nodes.size());
  for (std::size_t i = 0; i < ast.nodes.size(); ++i) {
    const AstNode& n = ast.nodes[i];
    auto child = [&](int k) -> std::string& { return text[static_cast<std::size_t>(n.children[static_cast<std::size_t>(k)])]; };
    switch (n.kind) {
      case AstKind::number: text[i] = number_text(n.value); break;
      case AstKind::name: text[i] = n.name; break;
      case AstKind::negate: text[i] = "(-" + child(0) + ")"; break;
      case AstKind::logical_not: text[i] = "(!" + child(0) + ")"; break;
      case AstKind::call: {
        std::string s = n.name + "(";
        for (int k = 0; k < n.num_children; ++k) s += (k ? ", " : "") + child(k);
        text[i] = s + ")";
        break;
      }
      default: text[i] = "(" + child(0) + binary_symbol(n.kind) + child(1) + ")"; break;
    }
  }
  return text[static_cast<std::size_t>(ast.root)];
}

}  // namespace exvivo::expr
