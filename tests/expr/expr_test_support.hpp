#pragma once
// Shared helpers of the expression tests: a fixed set of variable names mapped
// to input slots, and a value comparison that treats NaN and infinities exactly.
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "expr/expr.hpp"

namespace exvivo::expr::test {

/// Variable names of test expressions; the slot of a name is its index.
inline const std::vector<std::string>& variable_names() {
  static const std::vector<std::string> names{"x", "y", "z", "n", "K", "t"};
  return names;
}

inline int slot_of(std::string_view name) {
  const auto& names = variable_names();
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<int>(i);
  return -1;
}

/// Resolver used by the model loader's tests too: undefined names throw.
inline NameResolver test_resolver(Graph& g) {
  return [&g](std::string_view name, const SourceLocation& where) -> NodeId {
    const int slot = slot_of(name);
    if (slot < 0)
      throw ModelError(where, "", "undefined name '" + std::string(name) + "'",
                       closest_match(name, variable_names()));
    return g.variable(slot);
  };
}

/// Parses and lowers `text` (location "test:1:1") into `g`.
inline NodeId build(Graph& g, std::string_view text) {
  return lower(parse(text, SourceLocation{"test", 1, 1}), g, test_resolver(g));
}

inline std::string slot_name(int slot) { return variable_names().at(static_cast<std::size_t>(slot)); }

/// a and b agree: both NaN, equal infinities, or within `rel` relative.
inline bool same_value(double a, double b, double rel = 1e-12) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a == b;
  return std::fabs(a - b) <= rel * std::max(std::fabs(a), std::fabs(b)) + 1e-300;
}

}  // namespace exvivo::expr::test
