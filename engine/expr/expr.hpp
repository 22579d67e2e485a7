#pragma once
// The expression layer in one include: parse text into an Ast, lower it into a
// hash-consed Graph, differentiate symbolically, compile to a Program.
//
//   Ast ast = parse("k * x / (K + x)", where);
//   Graph g;
//   NodeId f = lower(ast, g, resolver);          // names -> g.variable(slot), ...
//   NodeId dfdx = derivative(g, f, x_slot);
//   Program p(g, {f, dfdx});
//   p.evaluate(inputs, outputs, scratch);
#include "expr/ast.hpp"
#include "expr/derivative.hpp"
#include "expr/evaluate_tree.hpp"
#include "expr/function.hpp"
#include "expr/graph.hpp"
#include "expr/lower.hpp"
#include "expr/parser.hpp"
#include "expr/printer.hpp"
#include "expr/program.hpp"
