#pragma once
// Bounds and ranges of parameters and sweep factors, `[lower, upper]`
// (model `bounds`, fit `estimate.*.bounds`, sweep `range`, analysis `range`):
// one set of checks and one message for each mistake, whoever reads them.
#include <optional>
#include <string>
#include <string_view>

#include "core/check.hpp"
#include "core/scale.hpp"

namespace exvivo {

struct Bounds {
  double lower = 0, upper = 0;
};

/// Whether lower == upper (a range of one point) is usable. Input files must
/// give a range its width (reject); code that places values on a range
/// checked before (a sweep design's map_to_range) also takes a point (allow).
enum class PointRange { reject, allow };

/// What is wrong with `[lower, upper]` on `scale`, or nullopt when nothing is:
///  * "must be finite, got [nan, 1]"
///  * "lower bound 10 must be below upper bound 0.1" (also for equal bounds),
///    with PointRange::allow "lower bound 10 must not be above upper bound 0.1"
///  * "scale log needs a positive lower bound, got 0"
std::optional<std::string> bounds_problem(const Bounds& bounds, Scale scale, PointRange point = PointRange::reject);

/// Throws E "key.path: <bounds_problem>" when the bounds are not usable.
template <class E>
void check_bounds(std::string_view key_path, const Bounds& bounds, Scale scale, const SourceLocation& where = {},
                  PointRange point = PointRange::reject) {
  if (auto problem = bounds_problem(bounds, scale, point)) check_detail::fail<E>(where, key_path, *problem);
}

}  // namespace exvivo
