// Likelihoods: PEtab formulas, and the least-squares form reproducing them.
#include <cmath>

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
}

TEST_CASE("least-squares terms sum to the nllh and carry exact derivatives", "[fit][likelihood]") {
  for (const Distribution d : {Distribution::normal, Distribution::lognormal, Distribution::proportional}) {
    for (const double y : {0.7, 3.0, 250.0}) {
      const double m = 2.0, sigma = 0.3;
      const ResidualTerms t = residual_terms(d, y, m, sigma);
      CAPTURE(static_cast<int>(d), y);
      CHECK_THAT(ls_nllh(t), Catch::WithinRel(negative_log_likelihood(d, y, m, sigma), 1e-12));
      // Central differences in y (sigma fixed for normal/lognormal; sigma_eff(y) for proportional).
      const double h = 1e-6 * y;
      const ResidualTerms up = residual_terms(d, y + h, m, sigma), down = residual_terms(d, y - h, m, sigma);
      CHECK_THAT(t.dr_dy, Catch::WithinRel((up.r - down.r) / (2 * h), 1e-7));
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
