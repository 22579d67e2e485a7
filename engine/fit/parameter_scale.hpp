#pragma once
// Parameter scales (DESIGN.md §2 `scale`): optimizers, multi-starts and
// profiles work on θ = T(p), with T = identity (lin), ln (log) or log10.
#include <string>

#include "model/compiled_model.hpp"

namespace exvivo::fit {

using model::Scale;

/// "lin", "log", "log10".
const char* to_string(Scale scale);

/// θ = T(p). log scales need p > 0 (else NaN / -inf, as std::log).
double to_scale(Scale scale, double value);
/// p = T⁻¹(θ).
double from_scale(Scale scale, double scaled);
/// dp/dθ at θ (chain rule for gradients taken with respect to p).
double value_derivative(Scale scale, double scaled);

}  // namespace exvivo::fit
