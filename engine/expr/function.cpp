#include "expr/function.hpp"

#include <array>

namespace exvivo::expr {

namespace {
struct FunctionEntry {
  Function function;
  std::string_view name;
  int min_arity, max_arity;
};

// In the order of the Function enumerators (entry() indexes by value).
constexpr std::array<FunctionEntry, 29> function_table{{
    {Function::exp, "exp", 1, 1},          {Function::log, "log", 1, 2},
    {Function::log10, "log10", 1, 1},      {Function::sqrt, "sqrt", 1, 1},
    {Function::abs, "abs", 1, 1},          {Function::sin, "sin", 1, 1},
    {Function::cos, "cos", 1, 1},          {Function::tanh, "tanh", 1, 1},
    {Function::erf, "erf", 1, 1},          {Function::pow, "pow", 2, 2},
    {Function::min, "min", 2, 2},          {Function::max, "max", 2, 2},
    {Function::hill, "hill", 3, 3},        {Function::tan, "tan", 1, 1},
    {Function::asin, "asin", 1, 1},        {Function::acos, "acos", 1, 1},
    {Function::atan, "atan", 1, 1},        {Function::sinh, "sinh", 1, 1},
    {Function::cosh, "cosh", 1, 1},        {Function::asinh, "asinh", 1, 1},
    {Function::acosh, "acosh", 1, 1},      {Function::atanh, "atanh", 1, 1},
    {Function::floor, "floor", 1, 1},      {Function::ceil, "ceil", 1, 1},
    {Function::factorial, "factorial", 1, 1}, {Function::rem, "rem", 2, 2},
    {Function::quotient, "quotient", 2, 2}, {Function::root, "root", 2, 2},
    {Function::piecewise, "piecewise", 2, -1},
}};

const FunctionEntry& entry(Function f) { return function_table[static_cast<std::size_t>(f)]; }
}  // namespace

std::string_view function_name(Function f) { return entry(f).name; }

int function_min_arity(Function f) { return entry(f).min_arity; }
int function_max_arity(Function f) { return entry(f).max_arity; }

std::optional<Function> find_function(std::string_view name) {
  for (const auto& e : function_table)
    if (e.name == name) return e.function;
  return std::nullopt;
}

const std::vector<std::string>& function_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& e : function_table) v.emplace_back(e.name);
    return v;
  }();
  return names;
}

}  // namespace exvivo::expr
