#include "core/bounds.hpp"

#include <cmath>

namespace exvivo {

std::optional<std::string> bounds_problem(const Bounds& b, Scale scale, PointRange point) {
  using check_detail::describe;
  if (!std::isfinite(b.lower) || !std::isfinite(b.upper))
    return "must be finite, got [" + describe(b.lower) + ", " + describe(b.upper) + "]";
  if (point == PointRange::allow && b.lower > b.upper)
    return "lower bound " + describe(b.lower) + " must not be above upper bound " + describe(b.upper);
  if (point == PointRange::reject && !(b.lower < b.upper))
    return "lower bound " + describe(b.lower) + " must be below upper bound " + describe(b.upper);
  if (scale != Scale::lin && !(b.lower > 0))
    return std::string("scale ") + to_string(scale) + " needs a positive lower bound, got " + describe(b.lower);
  return std::nullopt;
}

}  // namespace exvivo
