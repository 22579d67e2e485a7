// Likelihoods: PEtab formulas, and the least-squares form reproducing them.
#include <algorithm>
#include <cmath>
#include <limits>

#include <catch2/catch.hpp>

#include "fit/likelihood.hpp"

using namespace exvivo::fit;

namespace {
const double pi = 3.14159265358979323846;
double ls_nllh(const ResidualTerms& t) { return 0.5 * t.r * t.r + 0.5 * t.r_sigma * t.r_sigma + t.constant; }
}  // namespace

TEST_CASE("PEtab negative log-likelihoods", "[fit][likelihood]") {
  // Hand-evaluated: y = 3, m = 2, sigma = 0.5.
  const double normal = 0.5 * std::log(2 * pi * 0.25) + 0.5 * 4.0;
  CHECK_THAT(negative_log_likelihood(Distribution::normal, 3, 2, 0.5), Catch::WithinRel(normal, 1e-14));
  const double z = (std::log(3.0) - std::log(2.0)) / 0.5;
  const double lognormal = 0.5 * std::log(2 * pi * 0.25 * 4.0) + 0.5 * z * z;
  CHECK_THAT(negative_log_likelihood(Distribution::lognormal, 3, 2, 0.5), Catch::WithinRel(lognormal, 1e-14));
  // proportional: sigma_eff = 0.5 * 3
  const double proportional = 0.5 * std::log(2 * pi * 2.25) + 0.5 * (1 / 2.25);
  CHECK_THAT(negative_log_likelihood(Distribution::proportional, 3, 2, 0.5),
             Catch::WithinRel(proportional, 1e-14));
  CHECK(std::isinf(negative_log_likelihood(Distribution::lognormal, 0, 2, 0.5)));
  // PEtab log10-normal: ½·log(2πσ²m²ln(10)²) + ½·((log10 y − log10 m)/σ)²
  const double z10 = (std::log10(3.0) - std::log10(2.0)) / 0.5;
  const double log10normal = 0.5 * std::log(2 * pi * 0.25 * 4.0 * std::log(10.0) * std::log(10.0)) + 0.5 * z10 * z10;
  CHECK_THAT(negative_log_likelihood(Distribution::log10normal, 3, 2, 0.5), Catch::WithinRel(log10normal, 1e-14));
  // PEtab Laplace: log(2σ) + |y − m|/σ
  CHECK_THAT(negative_log_likelihood(Distribution::laplace, 3, 2, 0.5), Catch::WithinRel(std::log(1.0) + 2.0, 1e-14));
  CHECK_THAT(negative_log_likelihood(Distribution::laplace, 1, 2, 0.5), Catch::WithinRel(2.0, 1e-14));
}

TEST_CASE("least-squares terms sum to the nllh and carry exact derivatives", "[fit][likelihood]") {
  for (const Distribution d : {Distribution::normal, Distribution::lognormal, Distribution::proportional,
                               Distribution::log10normal, Distribution::laplace}) {
    for (const double y : {0.7, 3.0, 250.0}) {
      const double m = 2.0, sigma = 0.3;
      const ResidualTerms t = residual_terms(d, y, m, sigma);
      CAPTURE(static_cast<int>(d), y);
      CHECK_THAT(ls_nllh(t), Catch::WithinRel(negative_log_likelihood(d, y, m, sigma), 1e-12));
      // Central differences in y (sigma fixed for normal/lognormal; sigma_eff(y) for proportional).
      const double h = 1e-6 * y;
      const ResidualTerms up = residual_terms(d, y + h, m, sigma), down = residual_terms(d, y - h, m, sigma);
      CHECK_THAT(t.dr_dy, Catch::WithinRel((up.r - down.r) / (2 * h), 1e-6));
      CHECK_THAT(t.dr_sigma_dy, Catch::WithinRel((up.r_sigma - down.r_sigma) / (2 * h), 1e-6) ||
                                    Catch::WithinAbs(0, 1e-9));
      // sigma derivatives, with the normal form where sigma is the effective sigma.
      if (d != Distribution::proportional) {
        const double hs = 1e-6 * sigma;
        const ResidualTerms su = residual_terms(d, y, m, sigma + hs), sd = residual_terms(d, y, m, sigma - hs);
        CHECK_THAT(t.dr_dsigma, Catch::WithinRel((su.r - sd.r) / (2 * hs), 1e-7));
        CHECK_THAT(t.dr_sigma_dsigma, Catch::WithinRel((su.r_sigma - sd.r_sigma) / (2 * hs), 1e-7));
      }
    }
  }
}

TEST_CASE("tiny sigmas are clamped for the sigma residual", "[fit][likelihood]") {
  const ResidualTerms t = residual_terms(Distribution::normal, 1, 1, 1e-20);
  CHECK(std::isfinite(t.r_sigma));
  CHECK_THAT(t.dr_sigma_dsigma, Catch::WithinAbs(0, 0));
}

namespace {
/// ∫ density of the noise model over [lo, hi] by Simpson's rule in u (y or ln y).
double interval_probability(Distribution d, double y, double lo, double hi, double sigma) {
  const auto g = [d](double v) {
    return d == Distribution::lognormal ? std::log(v) : d == Distribution::log10normal ? std::log10(v) : v;
  };
  const double u = g(y);
  const double s = d == Distribution::proportional ? sigma * std::abs(y) : sigma;
  double a = std::isnan(lo) ? u - 40 * s : g(lo);
  double b = std::isnan(hi) ? u + 40 * s : g(hi);
  const int n = 20000;
  const double h = (b - a) / n;
  double sum = 0;
  for (int i = 0; i <= n; ++i) {
    const double z = (a + i * h - u) / s;
    const double f = std::exp(-0.5 * z * z) / (s * std::sqrt(2 * M_PI));
    sum += f * (i == 0 || i == n ? 1 : (i % 2 ? 4 : 2));
  }
  return sum * h / 3;
}
}  // namespace

TEST_CASE("censored and interval rows: nllh is −ln of the interval's probability, exact derivatives",
          "[fit][likelihood][censored]") {
  const double nan = std::nan("");
  struct Case {
    Distribution d;
    double y, lo, hi, sigma;
  };
  const Case cases[] = {
      {Distribution::normal, 3.0, nan, 2.0, 0.7},        // below an LLOQ of 2 (left-censored)
      {Distribution::normal, 1.0, nan, 2.0, 0.7},
      {Distribution::normal, 3.0, 4.0, nan, 0.5},        // above a ULOQ
      {Distribution::normal, 3.0, 2.5, 3.2, 0.4},        // an interval
      {Distribution::lognormal, 30.0, nan, 20.0, 0.3},   // lognormal below LLOQ 20
      {Distribution::lognormal, 30.0, 0.0, 20.0, 0.3},   // lower 0 = unbounded in ln
      {Distribution::lognormal, 15.0, 10.0, 40.0, 0.25},
      {Distribution::proportional, 8.0, 5.0, 9.0, 0.2},
      {Distribution::log10normal, 30.0, nan, 20.0, 0.1},
      {Distribution::log10normal, 15.0, 10.0, 40.0, 0.1},
  };
  for (const Case& c : cases) {
    CAPTURE(static_cast<int>(c.d), c.y, c.lo, c.hi, c.sigma);
    const double lo = c.lo == 0 ? nan : c.lo;
    const double nllh = censored_negative_log_likelihood(c.d, c.y, c.lo, c.hi, c.sigma);
    CHECK_THAT(nllh, Catch::WithinRel(-std::log(interval_probability(c.d, c.y, lo, c.hi, c.sigma)), 1e-8));
    const auto t = censored_residual_terms(c.d, c.y, c.lo, c.hi, c.sigma);
    CHECK_THAT(0.5 * t.r * t.r, Catch::WithinRel(nllh, 1e-12));
    CHECK(t.r_sigma == 0);
    // ∂r/∂y (σ held; for proportional σ_eff follows y) and ∂r/∂σ_eff by central differences.
    const double hy = 1e-6 * c.y;
    const double dr_dy = (censored_residual_terms(c.d, c.y + hy, c.lo, c.hi, c.sigma).r -
                          censored_residual_terms(c.d, c.y - hy, c.lo, c.hi, c.sigma).r) / (2 * hy);
    CHECK_THAT(t.dr_dy, Catch::WithinRel(dr_dy, 1e-6) || Catch::WithinAbs(dr_dy, 1e-9));
    if (c.d != Distribution::proportional) {
      const double hs = 1e-6 * c.sigma;
      const double dr_ds = (censored_residual_terms(c.d, c.y, c.lo, c.hi, c.sigma + hs).r -
                            censored_residual_terms(c.d, c.y, c.lo, c.hi, c.sigma - hs).r) / (2 * hs);
      CHECK_THAT(t.dr_dsigma, Catch::WithinRel(dr_ds, 1e-6) || Catch::WithinAbs(dr_ds, 1e-9));
    }
  }
  // Far outside the interval P underflows: an infinite nllh the optimizer rejects.
  CHECK(std::isinf(censored_negative_log_likelihood(Distribution::normal, 100.0, nan, 0.0, 0.1)));
  CHECK(std::isinf(censored_residual_terms(Distribution::lognormal, -1.0, nan, 1.0, 0.1).r));
}

TEST_CASE("logit-normal: a density of m on (0, c) with its Jacobian; least-squares terms and derivatives",
          "[fit][likelihood][logitnormal]") {
  CHECK(logit_range("%") == 100);
  CHECK(logit_range("1") == 1);
  CHECK(logit_range("") == 1);
  // Hand-evaluated: y = 0.3, m = 0.2, σ = 0.4, c = 1.
  const double z = (std::log(0.3 / 0.7) - std::log(0.2 / 0.8)) / 0.4;
  const double expected = 0.5 * std::log(2 * pi * 0.16) + std::log(0.2 * 0.8) + 0.5 * z * z;
  CHECK_THAT(negative_log_likelihood(Distribution::logitnormal, 0.3, 0.2, 0.4), Catch::WithinRel(expected, 1e-14));
  // The same in percent: the density of m in % is the fraction's divided by 100.
  CHECK_THAT(negative_log_likelihood(Distribution::logitnormal, 30, 20, 0.4, 100),
             Catch::WithinRel(expected + std::log(100.0), 1e-14));
  CHECK(std::isinf(negative_log_likelihood(Distribution::logitnormal, 1.0, 0.2, 0.4)));
  CHECK(std::isinf(negative_log_likelihood(Distribution::logitnormal, 0.0, 0.2, 0.4)));
  CHECK(std::isinf(residual_terms(Distribution::logitnormal, 100.0, 20, 0.4, 100).r));

  // exp(−nllh) integrates to 1 over m in (0, c) (Simpson's rule in logit(m/c), 1e-7).
  for (const double c : {1.0, 100.0})
    for (const double y : {0.05 * c, 0.5 * c, 0.97 * c}) {
      const double sigma = 0.7, u = std::log(y / (c - y));
      const int n = 4000;
      const double a = u - 12 * sigma, h = 24 * sigma / n;
      double sum = 0;
      for (int i = 0; i <= n; ++i) {
        const double m = c / (1 + std::exp(-(a + i * h)));
        const double dm_dv = m * (1 - m / c);  // dm / d logit(m/c)
        sum += std::exp(-negative_log_likelihood(Distribution::logitnormal, y, m, sigma, c)) * dm_dv *
               (i == 0 || i == n ? 1 : (i % 2 ? 4 : 2));
      }
      CAPTURE(c, y);
      CHECK_THAT(sum * h / 3, Catch::WithinAbs(1.0, 1e-7));
    }

  // ½r² + ½r_σ² + constant = nllh; ∂r/∂y and ∂r/∂σ equal central differences (1e-6 relative).
  for (const double c : {1.0, 100.0})
    for (const double y : {0.02 * c, 0.4 * c, 0.9 * c}) {
      const double m = 0.3 * c, sigma = 0.25;
      const ResidualTerms t = residual_terms(Distribution::logitnormal, y, m, sigma, c);
      CAPTURE(c, y);
      CHECK_THAT(ls_nllh(t),
                 Catch::WithinRel(negative_log_likelihood(Distribution::logitnormal, y, m, sigma, c), 1e-12));
      const double h = 1e-6 * y;
      CHECK_THAT(t.dr_dy, Catch::WithinRel((residual_terms(Distribution::logitnormal, y + h, m, sigma, c).r -
                                            residual_terms(Distribution::logitnormal, y - h, m, sigma, c).r) /
                                               (2 * h),
                                           1e-6));
      const double hs = 1e-6 * sigma;
      const ResidualTerms su = residual_terms(Distribution::logitnormal, y, m, sigma + hs, c);
      const ResidualTerms sd = residual_terms(Distribution::logitnormal, y, m, sigma - hs, c);
      CHECK_THAT(t.dr_dsigma, Catch::WithinRel((su.r - sd.r) / (2 * hs), 1e-7));
      CHECK_THAT(t.dr_sigma_dsigma, Catch::WithinRel((su.r_sigma - sd.r_sigma) / (2 * hs), 1e-7));
    }
}

TEST_CASE("logit-normal censored and interval rows: −ln of the interval's probability, exact derivatives",
          "[fit][likelihood][logitnormal][censored]") {
  const double nan = std::nan("");
  struct Case {
    double y, lo, hi, sigma, c;
  };
  const Case cases[] = {
      {0.08, nan, 0.05, 0.3, 1},  // below an LLOQ of 5 %
      {8, nan, 5, 0.3, 100},      // the same in percent
      {40, 50, nan, 0.4, 100},    // above 50 %
      {40, 30, 60, 0.2, 100},     // an interval
      {40, 0, 100, 0.2, 100},     // [0, c]: the whole range, P = 1
      {97, 90, 100, 0.5, 100},    // upper = c: unbounded above
  };
  for (const Case& k : cases) {
    CAPTURE(k.y, k.lo, k.hi, k.sigma, k.c);
    // P of the interval in logit space, where the noise is normal.
    const auto logit = [&](double v) { return std::log(v / (k.c - v)); };
    const double u = logit(k.y);
    const auto Phi = [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); };
    const double pa = std::isnan(k.lo) || k.lo <= 0 ? 0.0 : Phi((logit(k.lo) - u) / k.sigma);
    const double pb = std::isnan(k.hi) || k.hi >= k.c ? 1.0 : Phi((logit(k.hi) - u) / k.sigma);
    const double nllh = censored_negative_log_likelihood(Distribution::logitnormal, k.y, k.lo, k.hi, k.sigma, k.c);
    CHECK_THAT(nllh, Catch::WithinRel(-std::log(pb - pa), 1e-10) || Catch::WithinAbs(0, 1e-15));
    const auto t = censored_residual_terms(Distribution::logitnormal, k.y, k.lo, k.hi, k.sigma, k.c);
    CHECK_THAT(0.5 * t.r * t.r, Catch::WithinRel(nllh, 1e-12) || Catch::WithinAbs(0, 1e-15));
    const double hy = 1e-6 * k.y;
    const double dr_dy = (censored_residual_terms(Distribution::logitnormal, k.y + hy, k.lo, k.hi, k.sigma, k.c).r -
                          censored_residual_terms(Distribution::logitnormal, k.y - hy, k.lo, k.hi, k.sigma, k.c).r) /
                         (2 * hy);
    CHECK_THAT(t.dr_dy, Catch::WithinRel(dr_dy, 1e-6) || Catch::WithinAbs(dr_dy, 1e-9));
    const double hs = 1e-6 * k.sigma;
    const double dr_ds = (censored_residual_terms(Distribution::logitnormal, k.y, k.lo, k.hi, k.sigma + hs, k.c).r -
                          censored_residual_terms(Distribution::logitnormal, k.y, k.lo, k.hi, k.sigma - hs, k.c).r) /
                         (2 * hs);
    CHECK_THAT(t.dr_dsigma, Catch::WithinRel(dr_ds, 1e-6) || Catch::WithinAbs(dr_ds, 1e-9));
  }
  // A simulation outside (0, c) cannot be compared: infinite, rejected by the optimizer.
  CHECK(std::isinf(censored_negative_log_likelihood(Distribution::logitnormal, 0.0, nan, 0.05, 0.3, 1)));
}

// The design analysis weighs a sample's information by the expected
// information of a reading under the LLOQ rule. Checked against E[score²]
// computed from the fit's own likelihoods: the score of an exact reading m
// above the LLOQ (negative_log_likelihood) and of a censored one
// (censored_negative_log_likelihood, upper = LLOQ), by central differences in
// y, integrated over the reading's density with Simpson's rule; divided by
// the information of an always-exact reading.
TEST_CASE("lloq_information_fraction is the expected information of a reading under the LLOQ rule",
          "[fit][likelihood][lloq]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  struct Case {
    Distribution d;
    double y, sigma, lloq;
  };
  for (const Case c : {Case{Distribution::normal, 1.0, 0.2, 0.2}, Case{Distribution::normal, 1.0, 0.2, 1.0},
                       Case{Distribution::normal, 1.0, 0.2, 1.3}, Case{Distribution::normal, 1.0, 0.2, 3.0},
                       Case{Distribution::lognormal, 5.0, 0.3, 5.0}, Case{Distribution::lognormal, 5.0, 0.3, 3.5},
                       Case{Distribution::log10normal, 5.0, 0.1, 8.0}}) {
    CAPTURE(static_cast<int>(c.d), c.y, c.sigma, c.lloq);
    // Readings on the noise model's scale v (m = e^v, 10^v or v), v ~ N(u, σ).
    const bool log = c.d == Distribution::lognormal, log10 = c.d == Distribution::log10normal;
    const auto to_scale = [&](double m) { return log ? std::log(m) : log10 ? std::log10(m) : m; };
    const auto from_scale = [&](double v) { return log ? std::exp(v) : log10 ? std::pow(10.0, v) : v; };
    const double u = to_scale(c.y), l = to_scale(c.lloq), h = 1e-6 * c.y;
    const auto score = [&](auto nllh) { return (nllh(c.y + h) - nllh(c.y - h)) / (2 * h); };
    const double censored_score =
        score([&](double y) { return censored_negative_log_likelihood(c.d, y, nan, c.lloq, c.sigma); });
    const double p_below = 0.5 * std::erfc(-(l - u) / (c.sigma * std::sqrt(2.0)));
    double expected = p_below * censored_score * censored_score;
    const double top = u + 12 * c.sigma, lo = std::max(l, u - 12 * c.sigma);
    const int n = 4000;  // Simpson on [lo, top]
    for (int i = 0; i <= n; ++i) {
      const double v = lo + (top - lo) * i / n;
      const double s = score([&](double y) { return negative_log_likelihood(c.d, y, from_scale(v), c.sigma); });
      const double density = std::exp(-0.5 * std::pow((v - u) / c.sigma, 2)) / (c.sigma * std::sqrt(2 * pi));
      expected += (i == 0 || i == n ? 1 : i % 2 ? 4 : 2) * (top - lo) / (3.0 * n) * s * s * density;
    }
    const double dudy = log ? 1 / c.y : log10 ? 1 / (c.y * std::log(10.0)) : 1.0;
    const double exact = std::pow(dudy / c.sigma, 2);
    CHECK_THAT(lloq_information_fraction(c.d, c.y, c.lloq, c.sigma), Catch::WithinAbs(expected / exact, 1e-6));
  }
  // At the LLOQ: ½ + 1/π; far above: 1; far below: 0; no LLOQ: 1.
  CHECK_THAT(lloq_information_fraction(Distribution::normal, 2, 2, 0.1), Catch::WithinRel(0.5 + 1 / pi, 1e-14));
  CHECK(lloq_information_fraction(Distribution::normal, 100, 1, 0.1) == 1.0);
  CHECK(lloq_information_fraction(Distribution::normal, 1, 100, 0.1) < 1e-300);
  CHECK(lloq_information_fraction(Distribution::lognormal, 1, nan, 0.1) == 1.0);
}
