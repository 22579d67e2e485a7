#pragma once
// Parameter scales (DESIGN.md §2 `scale`): sweeps, fits, analyses and profiles
// work on θ = T(p), with T = identity (lin), ln (log) or log10. The one place
// that reads, prints and applies a scale; every layer uses it.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/check.hpp"

namespace exvivo {

enum class Scale { lin, log, log10 };

/// "lin", "log", "log10", in that order.
const std::vector<std::string>& scale_names();

/// "lin", "log", "log10".
const char* to_string(Scale scale);

/// The scale named exactly `text`, or nullopt.
std::optional<Scale> parse_scale(std::string_view text);

/// The scale named `text`; otherwise throws E
/// "key.path: must be one of lin, log or log10, got 'log2' (did you mean 'log'?)".
template <class E>
Scale check_scale(std::string_view key_path, std::string_view text, const SourceLocation& where = {}) {
  check_one_of<E>(key_path, text, scale_names(), where);
  return *parse_scale(text);
}

/// θ = T(p). log scales need p > 0 (else NaN / -inf, as std::log).
double to_scale(Scale scale, double value);
/// p = T⁻¹(θ).
double from_scale(Scale scale, double scaled);
/// dp/dθ at θ (chain rule for gradients taken with respect to p).
double value_derivative(Scale scale, double scaled);
/// dp/dθ at the value p itself: 1 (lin), p (log), p·ln 10 (log10).
double value_derivative_at_value(Scale scale, double value);

}  // namespace exvivo
