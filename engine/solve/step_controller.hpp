#pragma once
// Step-size selection from the error norm err of a trial step of size h
// (Hairer, Nørsett & Wanner I §II.4, II §IV.8). Engine-internal.
//  * PI controller (DOPRI5): h_new = h · err^−(1/5 − 0.75β) · err_prev^β / safety, β = 0.04.
//  * Gustafsson's predictive controller (RODAS): after two accepted steps,
//    h_new = h · (h / h_prev) · (err_prev / err²)^(1/4) / safety, taking the
//    more cautious of this and the elementary h · err^(−1/4) / safety.
// Factors are limited to [fac_min, fac_max]; after a rejection h may not grow.
#include <algorithm>
#include <cmath>

namespace exvivo::solve::detail {

class StepController {
 public:
  enum class Kind { pi_dopri5, predictive_rodas };

  explicit StepController(Kind kind) : kind_(kind) {}

  /// Forget the history (after an event or a method switch).
  void reset() {
    accepted_ = 0;
    err_prev_ = 1e-4;
    h_prev_ = 0;
    last_rejected_ = false;
  }

  /// Next step size after accepting a step of size h with error err ≤ 1.
  double accepted(double h, double err) {
    double h_new;
    if (kind_ == Kind::pi_dopri5) {
      constexpr double beta = 0.04, exponent = 0.2 - beta * 0.75;
      double quotient = std::pow(std::max(err, 1e-300), exponent) / std::pow(err_prev_, beta);
      quotient = std::clamp(quotient / safety, 1.0 / 10.0, 1.0 / 0.2);
      h_new = h / quotient;
      err_prev_ = std::max(err, 1e-4);
    } else {
      double quotient = std::clamp(std::pow(err, 0.25) / safety, 1.0 / 6.0, 5.0);
      if (accepted_ > 0) {
        double gustafsson = (h_prev_ / h) * std::pow(err * err / err_prev_, 0.25) / safety;
        gustafsson = std::clamp(gustafsson, 1.0 / 6.0, 5.0);
        quotient = std::max(quotient, gustafsson);
      }
      h_new = h / quotient;
      h_prev_ = h;
      err_prev_ = std::max(1e-2, err);
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
    const double quotient = std::min(std::pow(err, exponent) / safety, 1.0 / 0.2);
    return h / quotient;
  }

 private:
  static constexpr double safety = 0.9;
  Kind kind_;
  long accepted_ = 0;
  double err_prev_ = 1e-4;
  double h_prev_ = 0;
  bool last_rejected_ = false;
};

}  // namespace exvivo::solve::detail
