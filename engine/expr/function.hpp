#pragma once
// The functions that model expressions may call (DESIGN.md §2).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace exvivo::expr {

/// A callable function of the expression language.
///   exp log log10 sqrt abs sin cos tan asin acos atan sinh cosh tanh asinh
///   acosh atanh erf floor ceil factorial          1 argument (log = natural log)
///   log(b, x) = logarithm of x to base b          (log takes 1 or 2 arguments)
///   pow(x, y) = x^y, min(a, b), max(a, b)         2 arguments
///   root(n, x) = x^(1/n)                          n-th root (degree first, as MathML)
///   rem(a, b) = a - b·trunc(a/b) (std::fmod), quotient(a, b) = trunc(a/b)
///   hill(x, K, n) = x^n / (K^n + x^n)             3 arguments
///   piecewise(v1, c1, v2, c2, ..., [otherwise])   v1 where c1 is true (non-zero), else
///                                                 v2 where c2 is true, ...; `otherwise`
///                                                 (NaN when absent) where none is true
///   factorial(n) = n! for integer n >= 0 (NaN otherwise)
enum class Function {
  exp, log, log10, sqrt, abs, sin, cos, tanh, erf, pow, min, max, hill,
  tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh, floor, ceil, factorial, rem, quotient, root,
  piecewise,
};

/// Name as written in expressions, e.g. "log10".
std::string_view function_name(Function f);

/// Fewest and most arguments the function takes; function_max_arity is -1 for
/// piecewise (any number from 2).
int function_min_arity(Function f);
int function_max_arity(Function f);

/// The function called `name` (case-sensitive), or nullopt.
std::optional<Function> find_function(std::string_view name);

/// All function names, for "did you mean" suggestions.
const std::vector<std::string>& function_names();

}  // namespace exvivo::expr
