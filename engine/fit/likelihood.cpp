#include "fit/likelihood.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace exvivo::fit {

namespace {
constexpr double log_2pi = 1.8378770664093454836;  // ln(2π)

/// logit(v/c) = ln(v/(c − v)); NaN outside (0, c).
double logit(double v, double c) { return v > 0 && v < c ? std::log(v / (c - v)) : std::nan(""); }
}  // namespace

double logit_range(const std::string& unit) { return unit == "%" ? 100.0 : 1.0; }

double negative_log_likelihood(Distribution distribution, double y, double m, double sigma, double range) {
  switch (distribution) {
    case Distribution::logitnormal: {
      if (!(y > 0 && y < range)) return std::numeric_limits<double>::infinity();
      const double z = (logit(y, range) - logit(m, range)) / sigma;
      return 0.5 * (log_2pi + std::log(sigma * sigma)) + std::log(m * (1 - m / range)) + 0.5 * z * z;
    }
    case Distribution::lognormal: {
      if (!(y > 0)) return std::numeric_limits<double>::infinity();
      const double z = (std::log(y) - std::log(m)) / sigma;
      return 0.5 * (log_2pi + std::log(sigma * sigma * m * m)) + 0.5 * z * z;
    }
    case Distribution::log10normal: {
      if (!(y > 0)) return std::numeric_limits<double>::infinity();
      const double z = (std::log10(y) - std::log10(m)) / sigma;
      const double jac = m * std::numbers::ln10;
      return 0.5 * (log_2pi + std::log(sigma * sigma * jac * jac)) + 0.5 * z * z;
    }
    case Distribution::laplace:
      return std::log(2 * sigma) + std::abs(y - m) / sigma;
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

ResidualTerms residual_terms(Distribution distribution, double y, double m, double sigma, double range) {
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

  if (distribution == Distribution::lognormal || distribution == Distribution::log10normal) {
    const double base = distribution == Distribution::lognormal ? 1.0 : std::numbers::ln10;
    if (!(y > 0)) {
      t.r = std::numeric_limits<double>::infinity();
      t.dr_dy = 0;
    } else {
      t.r = (std::log(y) - std::log(m)) / (base * s);
      t.dr_dy = 1.0 / (y * base * s);
    }
  } else if (distribution == Distribution::logitnormal) {
    if (!(y > 0 && y < range)) {
      t.r = std::numeric_limits<double>::infinity();
      t.dr_dy = 0;
    } else {
      t.r = (logit(y, range) - logit(m, range)) / s;
      t.dr_dy = 1.0 / (y * (1 - y / range) * s);
    }
  } else if (distribution == Distribution::laplace) {
    // ½r² = |y − m|/σ: r = sign(y − m)·sqrt(2|y − m|/σ), so that Jᵀr = sign(y − m)/σ
    // is the exact gradient (0 at y = m, the subgradient the optimizer can use).
    const double z = (y - m) / s;
    t.r = (z < 0 ? -1.0 : 1.0) * std::sqrt(2 * std::abs(z));
    t.dr_dy = t.r == 0 ? 0.0 : 1.0 / (s * std::abs(t.r));
  } else {
    t.r = (y - m) / s;
    t.dr_dy = 1.0 / s;
  }
  // r ∝ σ^(−1) (σ^(−½) for laplace).
  t.dr_dsigma = clamped ? 0.0 : (distribution == Distribution::laplace ? -0.5 : -1.0) * t.r / s;

  t.r_sigma = std::sqrt(2.0 * std::log(s) + sigma_residual_offset);
  // d/dσ sqrt(2 ln σ + K) = 1/(σ·r_σ)
  t.dr_sigma_dsigma = (clamped || t.r_sigma == 0) ? 0.0 : 1.0 / (s * t.r_sigma);
  t.dr_dy += t.dr_dsigma * dsigma_dy;
  t.dr_sigma_dy = t.dr_sigma_dsigma * dsigma_dy;

  t.constant = 0.5 * log_2pi - 0.5 * sigma_residual_offset;
  if (distribution == Distribution::lognormal) t.constant += std::log(m);
  if (distribution == Distribution::log10normal) t.constant += std::log(m * std::numbers::ln10);
  if (distribution == Distribution::logitnormal) t.constant += std::log(m * (1 - m / range));
  // laplace: nllh = ln 2 + ln σ + |y − m|/σ
  if (distribution == Distribution::laplace) t.constant = std::numbers::ln2 - 0.5 * sigma_residual_offset;
  return t;
}

namespace {

/// nllh = −ln P of a censored row and its derivatives in u and σ.
struct CensoredValue {
  double nllh = 0, dnllh_du = 0, dnllh_dsigma = 0;
};

double normal_pdf(double z) { return std::isinf(z) ? 0.0 : 0.3989422804014327 * std::exp(-0.5 * z * z); }

CensoredValue censored_value(double u, double lo, double hi, double s) {
  const double a = (lo - u) / s, b = (hi - u) / s;  // ±inf for open sides
  // P = Φ(b) − Φ(a), from the tail that keeps precision.
  double P;
  if (a > 0)
    P = 0.5 * (std::erfc(a / std::numbers::sqrt2) - std::erfc(b / std::numbers::sqrt2));
  else
    P = 0.5 * (std::erfc(-b / std::numbers::sqrt2) - std::erfc(-a / std::numbers::sqrt2));
  CensoredValue v;
  if (!(P > 0)) {
    v.nllh = std::numeric_limits<double>::infinity();
    return v;
  }
  const double pa = normal_pdf(a), pb = normal_pdf(b);
  const double dP_du = (pa - pb) / s;
  const double dP_ds = ((std::isinf(a) ? 0.0 : a * pa) - (std::isinf(b) ? 0.0 : b * pb)) / s;
  v.nllh = std::max(0.0, -std::log(P));  // P = 1 to rounding: +0, not −0
  v.dnllh_du = -dP_du / P;
  v.dnllh_dsigma = -dP_ds / P;
  return v;
}

struct CensoredSetup {
  double u = 0, du_dy = 1, lo = 0, hi = 0, s = 0, ds_dy = 0;
  bool valid = true;
};

CensoredSetup censored_setup(Distribution distribution, double y, double lower, double upper, double sigma,
                             double range) {
  const double inf = std::numeric_limits<double>::infinity();
  CensoredSetup c;
  c.s = sigma;
  c.lo = lower == lower ? lower : -inf;
  c.hi = upper == upper ? upper : inf;
  if (distribution == Distribution::lognormal || distribution == Distribution::log10normal) {
    const double base = distribution == Distribution::lognormal ? 1.0 : std::numbers::ln10;
    if (!(y > 0)) c.valid = false;
    c.u = std::log(y) / base;
    c.du_dy = 1.0 / (y * base);
    c.lo = c.lo > 0 ? std::log(c.lo) / base : -inf;
    c.hi = std::log(c.hi) / base;
  } else if (distribution == Distribution::logitnormal) {
    if (!(y > 0 && y < range)) c.valid = false;
    c.u = logit(y, range);
    c.du_dy = 1.0 / (y * (1 - y / range));
    c.lo = c.lo > 0 ? logit(c.lo, range) : -inf;
    c.hi = c.hi < range ? logit(c.hi, range) : inf;
  } else {
    c.u = y;
    if (distribution == Distribution::proportional) {
      c.s = sigma * std::abs(y);
      c.ds_dy = sigma * (y >= 0 ? 1.0 : -1.0);
    }
  }
  return c;
}

}  // namespace

double censored_negative_log_likelihood(Distribution distribution, double y, double lower, double upper, double sigma,
                                        double range) {
  const CensoredSetup c = censored_setup(distribution, y, lower, upper, sigma, range);
  if (!c.valid) return std::numeric_limits<double>::infinity();
  return censored_value(c.u, c.lo, c.hi, c.s).nllh;
}

ResidualTerms censored_residual_terms(Distribution distribution, double y, double lower, double upper, double sigma,
                                      double range) {
  const CensoredSetup c = censored_setup(distribution, y, lower, upper, sigma, range);
  ResidualTerms t;
  t.sigma_eff = c.s;
  if (!c.valid) {
    t.r = std::numeric_limits<double>::infinity();
    return t;
  }
  const CensoredValue v = censored_value(c.u, c.lo, c.hi, c.s);
  t.r = std::sqrt(2.0 * v.nllh);
  if (!(t.r > 0) || !std::isfinite(t.r)) return t;  // P = 1 to rounding: flat there
  t.dr_dsigma = v.dnllh_dsigma / t.r;
  t.dr_dy = v.dnllh_du * c.du_dy / t.r + t.dr_dsigma * c.ds_dy;
  return t;
}

double lloq_information_fraction(Distribution distribution, double y, double lloq, double sigma, double range) {
  if (std::isnan(lloq)) return 1.0;
  const CensoredSetup c = censored_setup(distribution, y, std::numeric_limits<double>::quiet_NaN(), lloq, sigma, range);
  if (!c.valid) return 0.0;
  const double z = (c.hi - c.u) / c.s;
  if (std::isinf(z)) return z < 0 ? 1.0 : 0.0;
  const double below = 0.5 * std::erfc(-z / std::numbers::sqrt2), above = 0.5 * std::erfc(z / std::numbers::sqrt2);
  const double pdf = normal_pdf(z);
  return above + z * pdf + (below > 0 ? pdf * pdf / below : 0.0);
}

}  // namespace exvivo::fit
