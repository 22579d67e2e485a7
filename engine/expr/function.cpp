#include "expr/function.hpp"

#include <array>

namespace exvivo::expr {

namespace {
struct FunctionEntry {
  Function function;
  std::string_view name;
  int arity;
};

constexpr std::array<FunctionEntry, 13> function_table{{
    {Function::exp, "exp", 1},     {Function::log, "log", 1},   {Function::log10, "log10", 1},
    {Function::sqrt, "sqrt", 1},   {Function::abs, "abs", 1},   {Function::sin, "sin", 1},
    {Function::cos, "cos", 1},     {Function::tanh, "tanh", 1}, {Function::erf, "erf", 1},
    {Function::pow, "pow", 2},     {Function::min, "min", 2},   {Function::max, "max", 2},
    {Function::hill, "hill", 3},
}};

const FunctionEntry& entry(Function f) { return function_table[static_cast<std::size_t>(f)]; }
}  // namespace

std::string_view function_name(Function f) { return entry(f).name; }

int function_arity(Function f) { return entry(f).arity; }

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
