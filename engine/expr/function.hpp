#pragma once
// The functions that model expressions may call (DESIGN.md §2).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace exvivo::expr {

/// A callable function of the expression language.
///   exp log log10 sqrt abs sin cos tanh erf   1 argument (log = natural log)
///   pow(x, y) = x^y, min(a, b), max(a, b)     2 arguments
///   hill(x, K, n) = x^n / (K^n + x^n)         3 arguments
enum class Function { exp, log, log10, sqrt, abs, sin, cos, tanh, erf, pow, min, max, hill };

/// Name as written in expressions, e.g. "log10".
std::string_view function_name(Function f);

/// Number of arguments the function takes (1, 2 or 3).
int function_arity(Function f);

/// The function called `name` (case-sensitive), or nullopt.
std::optional<Function> find_function(std::string_view name);

/// All function names, for "did you mean" suggestions.
const std::vector<std::string>& function_names();

}  // namespace exvivo::expr
