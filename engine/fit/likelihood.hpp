#pragma once
// Negative log-likelihood of one measurement m given the simulated value y
// (DESIGN.md §2 noise models), following PEtab's conventions exactly:
//
//   normal        nllh = ½·log(2πσ²)      + ½·((y − m)/σ)²
//   lognormal     nllh = ½·log(2πσ²m²)    + ½·((ln y − ln m)/σ)²     σ of ln, dimensionless
//   proportional  normal with σ_eff = σ·|y| (σ relative)
//   log10normal   nllh = ½·log(2πσ²m²ln(10)²) + ½·((log10 y − log10 m)/σ)²
//   laplace       nllh = log(2σ) + |y − m|/σ                          σ = scale b
//   logitnormal   nllh = ½·log(2πσ²) + log(m·(1 − m/c)) + ½·((logit(y/c) − logit(m/c))/σ)²
//
// (The lognormal density of m carries the Jacobian 1/m, hence the m² term.)
//
// logitnormal is exvivo's own (PEtab has none): for fractions and percentages,
// logit(m/c) ~ N(logit(y/c), σ²) with logit(p) = ln(p/(1 − p)), σ on the logit
// scale (dimensionless) and c the observable's range: c = 100 when its unit is
// "%", else 1 (`range` below). y and m must lie strictly inside (0, c); the
// density of m carries the Jacobian d logit(m/c)/dm = 1/(m·(1 − m/c)). Near
// c/2 a logit σ of s is about an absolute σ of s·c/4.
//
// Least-squares form. A Gauss–Newton optimizer needs nllh as ½·Σ r². Each
// measurement gives a data residual r and, when σ can change with the
// parameters, a sigma residual r_σ (as AMICI does):
//
//   r   = (y − m)/σ              (lognormal: (ln y − ln m)/σ)
//   r_σ = sqrt(2·ln σ + K)       K = sigma_residual_offset
//   nllh = ½·r² + ½·r_σ² + c,    c = ½·log(2π) − ½·K  (+ ln m for lognormal)
//
// log10normal: r = (log10 y − log10 m)/σ. laplace: r = sign(y − m)·sqrt(2|y − m|/σ)
// (½r² = |y − m|/σ; Jᵀr is the exact gradient), same sigma residual, c = ln 2 − ½K.
// logitnormal: r = (logit(y/c) − logit(m/c))/σ, c = ½log(2π) − ½K + log(m(1 − m/c)).
// Censored rows (below): normal, lognormal, log10normal, logitnormal and proportional.
//
// r_σ needs σ > exp(−K/2) ≈ 1.4e−11 for K = 50; smaller σ are clamped there.
// For proportional noise the effective σ (σ·|y|) is what goes into the sigma
// residual; its dependence on y is in dr/dy and in dr_σ/dy.
#include <cmath>
#include <string>

#include "model/compiled_model.hpp"

namespace exvivo::fit {

using Distribution = model::NoiseModel::Distribution;

/// Offset K of the sigma residual (see above).
inline constexpr double sigma_residual_offset = 50.0;

/// The range c of a logitnormal observable with unit `unit`: 100 for "%", else 1.
double logit_range(const std::string& unit);

/// PEtab negative log-likelihood of measurement m given simulation y. σ is the
/// model's sigma (relative for proportional). Infinite for lognormal with y ≤ 0
/// and for logitnormal with y outside (0, range). `range`: logitnormal's c.
double negative_log_likelihood(Distribution distribution, double y, double m, double sigma, double range = 1);

/// Residuals of one measurement and their partial derivatives.
struct ResidualTerms {
  double r = 0;             ///< data residual
  double dr_dy = 0;         ///< ∂r/∂y (σ held fixed; proportional includes σ_eff(y))
  double dr_dsigma = 0;     ///< ∂r/∂σ_eff
  double r_sigma = 0;       ///< sigma residual sqrt(2 ln σ_eff + K)
  double dr_sigma_dy = 0;   ///< ∂r_σ/∂y (non-zero for proportional only)
  double dr_sigma_dsigma = 0;  ///< ∂r_σ/∂σ_eff
  double constant = 0;      ///< c: nllh = ½r² + ½r_σ² + c
  double sigma_eff = 0;     ///< σ used (σ·|y| for proportional)
};

/// The least-squares terms of negative_log_likelihood(distribution, y, m, sigma, range).
/// `sigma` as there (relative for proportional). For lognormal with y ≤ 0 (and
/// logitnormal outside (0, range)) the residual is +inf (the optimizer rejects
/// such trial points).
ResidualTerms residual_terms(Distribution distribution, double y, double m, double sigma, double range = 1);

/// Censored and interval measurements: the value is only known to lie in
/// [lower, upper] (NaN = unbounded on that side). With u = y (normal,
/// proportional with σ_eff = σ·|y|), u = ln y or log10 y (lognormal,
/// log10normal; bounds on that scale, lower ≤ 0 = unbounded) or u = logit(y/c)
/// (logitnormal; lower ≤ 0 and upper ≥ c = unbounded),
///
///   nllh = −ln P,   P = Φ((U − u)/σ) − Φ((L − u)/σ)
///
/// and, since P ≤ 1 makes nllh ≥ 0, the least-squares residual r = sqrt(2·nllh)
/// (½r² = nllh exactly, no constant), with ∂r/∂· = ∂nllh/∂· / r, so the
/// gradient Jᵀr of ½‖r‖² is exact. nllh is +inf when P underflows (a trial
/// point far outside the interval, rejected by the optimizer).
double censored_negative_log_likelihood(Distribution distribution, double y, double lower, double upper, double sigma,
                                        double range = 1);

/// The residual terms of censored_negative_log_likelihood (r_sigma = 0, constant = 0).
/// Not defined for laplace (the measurement reader rejects censored laplace rows).
ResidualTerms censored_residual_terms(Distribution distribution, double y, double lower, double upper, double sigma,
                                      double range = 1);

/// The expected Fisher information about the simulated value y of one reading
/// under the LLOQ rule (a reading below `lloq` is left-censored there), as a
/// fraction of that of an always-exact reading. With u, σ on the noise
/// model's scale as in censored_negative_log_likelihood and z = (l − u)/σ,
/// l the LLOQ on that scale (the Tobit information):
///
///   w = 1 − Φ(z) + z·φ(z) + φ(z)²/Φ(z)
///
/// (readings above the LLOQ keep their exact information, a censored one
/// contributes the squared score of ln Φ(z)): 1 far above the LLOQ,
/// ½ + 1/π ≈ 0.818 at it, tending to 0 far below. 1 when `lloq` is NaN; 0
/// where u is undefined (lognormal y ≤ 0, logitnormal y outside (0, range)).
double lloq_information_fraction(Distribution distribution, double y, double lloq, double sigma, double range = 1);

}  // namespace exvivo::fit
