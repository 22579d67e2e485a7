#pragma once
// Step-size selection from the error norm err of a trial step of size h
// (Hairer, Nørsett & Wanner I §II.4, II §IV.8). Engine-internal.
//  * PI controller (DOPRI5): h_new = h · err^−(1/5 − 0.75β) · err_prev^β / safety, β = 0.04.
//  * Gustafsson's predictive controller (RODAS): after two accepted steps,
//    h_new = h · (h / h_prev) · (err_prev / err²)^(1/4) / safety, taking the
//    more cautious of this and the elementary h · err^(−1/4) / safety.
// Factors are limited to [fac_min, fac_max]; after a rejection h may not grow.
// The powers are 2^(a·log2 err) with log2 and 2^y from short polynomials
// (relative error below 1e-7, far below what a step size needs) instead of
// std::pow, two of which per step cost 3.5 % of a leukocyte cohort's CPU
// time; the history keeps log2 of the previous error, so a step computes one
// logarithm and one power. Only +, −, ×, ÷ and exact bit manipulations:
// the same step sizes on every machine.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace exvivo::solve::detail {

/// log2(x) for finite x > 0 (x below the normal range is taken as the least
/// normal number); absolute error < 1e-7. Always inlined: GCC kept it a
/// call, and fast_log2(1e-4) of the controller's history was computed at
/// every step instead of folded.
[[gnu::always_inline]] inline double fast_log2(double x) {
  x = std::max(x, std::numeric_limits<double>::min());
  const auto bits = std::bit_cast<std::uint64_t>(x);
  auto exponent = static_cast<int>((bits >> 52) & 0x7ff) - 1023;
  // The mantissa m ∈ [1, 2), folded into [√½, √2) so that |s| ≤ 0.172 below.
  double m = std::bit_cast<double>((bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
  if (m > 1.4142135623730951) {
    m *= 0.5;
    ++exponent;
  }
  // ln m = 2·atanh(s), s = (m − 1)/(m + 1): the series to s^7 (next term
  // s^9/9 < 8e-9), its terms paired so that the chain of dependent
  // operations stays short (the next step waits for this result).
  const double s = (m - 1.0) / (m + 1.0), s2 = s * s, s4 = s2 * s2;
  const double series = (1.0 + s2 * (1.0 / 3)) + s4 * (1.0 / 5 + s2 * (1.0 / 7));
  constexpr double two_over_ln2 = 2.8853900817779268;  // 2 / ln 2
  return static_cast<double>(exponent) + (two_over_ln2 * s) * series;
}

/// 2^y, y clamped to [−1000, 1000]; relative error < 1e-7.
[[gnu::always_inline]] inline double fast_exp2(double y) {
  y = std::clamp(y, -1000.0, 1000.0);
  const double k = std::floor(y + 0.5);
  // 2^f = e^g, g = f·ln 2, f ∈ [−½, ½]: Taylor to degree 6 (next term
  // < 1.3e-7), evaluated by Estrin's scheme (short dependency chains).
  const double g = (y - k) * 0.6931471805599453, g2 = g * g, g4 = g2 * g2;
  const double p = ((1.0 + g) + g2 * (0.5 + g * (1.0 / 6))) + g4 * ((1.0 / 24 + g * (1.0 / 120)) + g2 * (1.0 / 720));
  const auto scale = std::bit_cast<double>(static_cast<std::uint64_t>(static_cast<int>(k) + 1023) << 52);
  return p * scale;
}

class StepController {
 public:
  enum class Kind { pi_dopri5, predictive_rodas };

  explicit StepController(Kind kind) : kind_(kind) {}

  /// Forget the history (after an event or a method switch).
  void reset() {
    accepted_ = 0;
    log_err_prev_ = fast_log2(1e-4);
    h_prev_ = 0;
    last_rejected_ = false;
  }

  /// Next step size after accepting a step of size h with error err ≤ 1.
  double accepted(double h, double err) {
    double h_new;
    if (kind_ == Kind::pi_dopri5) {
      constexpr double beta = 0.04, exponent = 0.2 - beta * 0.75;
      // err^exponent / err_prev^beta
      const double log_err = fast_log2(std::max(err, 1e-300));
      double quotient = fast_exp2(exponent * log_err - beta * log_err_prev_);
      quotient = std::clamp(quotient / safety, 1.0 / 10.0, 1.0 / 0.2);
      h_new = h / quotient;
      log_err_prev_ = err >= 1e-4 ? log_err : fast_log2(1e-4);
    } else {
      const double log_err = fast_log2(std::max(err, 1e-300));
      double quotient = std::clamp(fast_exp2(0.25 * log_err) / safety, 1.0 / 6.0, 5.0);
      if (accepted_ > 0) {
        // (err² / err_prev)^(1/4)
        double gustafsson = (h_prev_ / h) * fast_exp2(0.25 * (2 * log_err - log_err_prev_)) / safety;
        gustafsson = std::clamp(gustafsson, 1.0 / 6.0, 5.0);
        quotient = std::max(quotient, gustafsson);
      }
      h_new = h / quotient;
      h_prev_ = h;
      log_err_prev_ = err >= 1e-2 ? log_err : fast_log2(1e-2);
    }
    if (last_rejected_) h_new = std::min(h_new, h);
    last_rejected_ = false;
    ++accepted_;
    return h_new;
  }

  /// Next trial size after rejecting a step of size h with error err > 1
  /// (err may be inf/NaN: then shrink by 4).
  double rejected(double h, double err) {
    last_rejected_ = true;
    if (!std::isfinite(err)) return h * 0.25;
    const double exponent = kind_ == Kind::pi_dopri5 ? 0.2 - 0.04 * 0.75 : 0.25;
    const double quotient = std::min(fast_exp2(exponent * fast_log2(err)) / safety, 1.0 / 0.2);
    return h / quotient;
  }

 private:
  static constexpr double safety = 0.9;
  Kind kind_;
  long accepted_ = 0;
  double log_err_prev_ = fast_log2(1e-4);  ///< log2 of the previous step's error (limited below)
  double h_prev_ = 0;
  bool last_rejected_ = false;
};

}  // namespace exvivo::solve::detail
