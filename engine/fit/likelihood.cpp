#include "fit/likelihood.hpp"

#include <algorithm>
#include <limits>
#include <numbers>

namespace exvivo::fit {

namespace {
constexpr double log_2pi = 1.8378770664093454836;  // ln(2π)
}

double negative_log_likelihood(Distribution distribution, double y, double m, double sigma) {
  switch (distribution) {
    case Distribution::lognormal: {
      if (!(y > 0)) return std::numeric_limits<double>::infinity();
      const double z = (std::log(y) - std::log(m)) / sigma;
      return 0.5 * (log_2pi + std::log(sigma * sigma * m * m)) + 0.5 * z * z;
    }
    case Distribution::proportional:
      sigma *= std::abs(y);
      [[fallthrough]];
    case Distribution::normal:
    case Distribution::none: {
      const double z = (y - m) / sigma;
      return 0.5 * (log_2pi + std::log(sigma * sigma)) + 0.5 * z * z;
    }
  }
  return std::numeric_limits<double>::quiet_NaN();
}

ResidualTerms residual_terms(Distribution distribution, double y, double m, double sigma) {
  ResidualTerms t;
  double dsigma_dy = 0;
  t.sigma_eff = sigma;
  if (distribution == Distribution::proportional) {
    t.sigma_eff = sigma * std::abs(y);
    dsigma_dy = sigma * (y >= 0 ? 1.0 : -1.0);
  }
  const double floor = std::exp(-0.5 * sigma_residual_offset);
  const bool clamped = t.sigma_eff < floor;
  const double s = std::max(t.sigma_eff, floor);

  if (distribution == Distribution::lognormal) {
    if (!(y > 0)) {
      t.r = std::numeric_limits<double>::infinity();
      t.dr_dy = 0;
    } else {
      t.r = (std::log(y) - std::log(m)) / s;
      t.dr_dy = 1.0 / (y * s);
    }
  } else {
    t.r = (y - m) / s;
    t.dr_dy = 1.0 / s;
  }
  t.dr_dsigma = clamped ? 0.0 : -t.r / s;

  t.r_sigma = std::sqrt(2.0 * std::log(s) + sigma_residual_offset);
  // d/dσ sqrt(2 ln σ + K) = 1/(σ·r_σ)
  t.dr_sigma_dsigma = (clamped || t.r_sigma == 0) ? 0.0 : 1.0 / (s * t.r_sigma);
  t.dr_dy += t.dr_dsigma * dsigma_dy;
  t.dr_sigma_dy = t.dr_sigma_dsigma * dsigma_dy;

  t.constant = 0.5 * log_2pi - 0.5 * sigma_residual_offset;
  if (distribution == Distribution::lognormal) t.constant += std::log(m);
  return t;
}

}  // namespace exvivo::fit
