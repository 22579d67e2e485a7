#pragma once
// Lowering of a parsed expression (Ast) into the expression DAG (Graph).
#include <functional>
#include <string_view>

#include "core/error.hpp"
#include "expr/ast.hpp"
#include "expr/graph.hpp"

namespace exvivo::expr {

/// Maps a name used in an expression to its node: typically graph.variable(slot)
/// for t, species and parameters, or the node of an already-lowered assignment
/// (so that derivatives flow through assignments). Throws (e.g. ModelError
/// "undefined name 'x' (did you mean 'y'?)" at `where`) for unknown names.
using NameResolver = std::function<NodeId(std::string_view name, const SourceLocation& where)>;

/// Builds the DAG of `ast` in `graph` and returns its root node. Function calls
/// become graph operations; hill(x, K, n) becomes x^n / (K^n + x^n), root(n, x)
/// x^(1/n), log(b, x) ln x / ln b, piecewise a chain of select, a > b is
/// less(b, a) and a >= b less_equal(b, a). Only
/// `resolver` throws.
NodeId lower(const Ast& ast, Graph& graph, const NameResolver& resolver);

}  // namespace exvivo::expr
