#include "core/check.hpp"

#include <fmt/format.h>

namespace exvivo::check_detail {

// fmt's default for doubles is the shortest text that reads back to the same
// value, so messages show what the user wrote ("1e-09", "0.1", "-1").
std::string describe(double value) { return fmt::format("{}", value); }

std::string describe(long long value) { return fmt::format("{}", value); }

std::string join_alternatives(const std::vector<std::string>& names) {
  std::string joined;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) joined += i + 1 == names.size() ? " or " : ", ";
    joined += names[i];
  }
  return joined;
}

}  // namespace exvivo::check_detail
