#pragma once
// Virtual cohorts: donors drawn from distributions of the model's donor
// parameters (DESIGN.md §3 `cohort:`, MODEL.md §2d).
//
// Each sampled parameter k has a marginal distribution given by a monotone map
// T_k of a latent standard normal z_k:
//   lognormal   {median m, gsd g}      x = m·g^z = m·exp(σ z),  σ = ln g   (MODEL.md
//                                      §2d "typical × exp(σ·z)": median = typical, gsd = e^σ)
//   normal      {mean μ, sd s}         x = μ + s z
//   logitnormal {median m, sigma σ,    x = a + (b − a)·logistic(logit((m − a)/(b − a)) + σ z),
//                lower a = 0, upper b = 1}   always inside (a, b); for bounded indices such as
//                                      TOL₀ and AN₀ in [0, 1]
//   uniform     {lower a, upper b}     x = a + (b − a)·Φ(z)
// A spread of zero (gsd = 1, sd = 0, sigma = 0) is allowed and gives every
// member the median/mean (e.g. healthy TOL₀ = AN₀ = 0 "with no spread": a
// logit-normal with sigma 0 may then have its median on the bounds a or b).
//
// Correlations (Gaussian copula): the latent vector is z = L ε with ε
// independent N(0, 1) and L Lᵀ = R the Cholesky factor (Eigen LLT) of the
// correlation matrix R, identity except for the listed pairs. r is therefore
// the correlation of the latent normals (for log-normals: of log x), which is
// what an "r between HLA0 and Lympho0" of log-normal markers usually means.
//
// Truncation to the parameter bounds (the model's `bounds`): a member whose
// values fall outside any bound is redrawn whole — attempt a = 0, 1, 2, ...,
// each from its own stream — until all values are inside. This samples the
// joint distribution conditioned on the box exactly (clamping would pile mass
// on the bounds, and redrawing one coordinate alone would distort the
// correlations). The sampler refuses distributions with less than
// `min_mass_within_bounds` of their mass inside the bounds.
//
// Determinism: member i, attempt a, parameter named P uses the stream
// derive_key(derive_key(derive_key(seed·cohort, i), a), name_key(P)), so
// member i depends only on (seed, i) — never on chunking, threads or shards.
// A parameter's ε does not depend on the other names either, so an
// uncorrelated parameter keeps its values when other parameters are added to
// or removed from the file, except in members that a bound made redraw.
// Correlated parameters mix the ε of their correlation partners.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <variant>
#include <vector>

#include <Eigen/Core>

#include "core/error.hpp"

namespace exvivo::scenario {

struct Lognormal {
  double median = 1;  ///< > 0, in the parameter's unit
  double gsd = 1;     ///< geometric standard deviation exp(σ), ≥ 1 (1 = no spread)
};
struct Normal {
  double mean = 0;    ///< parameter unit
  double sd = 0;      ///< ≥ 0, parameter unit
};
struct LogitNormal {
  double median = 0.5;  ///< in (lower, upper); on [lower, upper] only when sigma = 0
  double sigma = 0;     ///< ≥ 0, on the logit scale
  double lower = 0;     ///< the logit interval (a, b); default the unit interval
  double upper = 1;
};
struct Uniform {
  double lower = 0;   ///< lower < upper, parameter unit
  double upper = 1;
};
using Distribution = std::variant<Lognormal, Normal, LogitNormal, Uniform>;

/// One sampled donor parameter, values already in the model's unit.
struct CohortParameter {
  std::string name;                ///< model parameter name (a runs.csv column)
  Distribution distribution;
  double lower_bound = -std::numeric_limits<double>::infinity();  ///< truncation: the
  double upper_bound = std::numeric_limits<double>::infinity();   ///< model's `bounds`
  SourceLocation where;            ///< for messages: the distribution's entry
  std::string path;                ///< e.g. "cohort.distributions.HLA0"
};

/// Correlation r ∈ (−1, 1) of the latent normals of two parameters.
struct Correlation {
  std::string first, second;
  double r = 0;
  SourceLocation where;            ///< for messages: the correlations[i] entry
  std::string path;                ///< e.g. "cohort.correlations[0]"
};

struct CohortSpec {
  std::size_t n = 0;               ///< number of members
  std::uint64_t seed = 0;
  std::vector<CohortParameter> parameters;   ///< column order of sample_cohort()
  std::vector<Correlation> correlations;
  SourceLocation correlations_where;         ///< the `correlations:` key, for matrix-wide errors
  std::string correlations_path = "cohort.correlations";
};

/// Draws cohort members. Construction validates the spec and factors the
/// correlation matrix once; afterwards the sampler is immutable, so one
/// instance may serve many threads.
class CohortSampler {
 public:
  /// A distribution with less than this fraction of its mass inside the
  /// parameter bounds is rejected (truncation would need > 1000 draws a member).
  static constexpr double min_mass_within_bounds = 1e-3;
  /// Redraws per member before giving up (reachable only when correlations
  /// make the joint box far less likely than the marginals suggest).
  static constexpr std::size_t max_attempts = 100000;

  /// Throws ScenarioError, located at the offending entry's `where`/`path`, when
  ///  * a name is empty or listed twice;
  ///  * a distribution's arguments are invalid (median <= 0, gsd < 1, sd < 0,
  ///    sigma < 0, lower >= upper, median outside (lower, upper), non-finite);
  ///  * lower_bound >= upper_bound, or less than min_mass_within_bounds of the
  ///    distribution lies inside them;
  ///  * a correlation names an unknown parameter (with a suggestion), the same
  ///    parameter twice, a pair already given, or has r outside (-1, 1);
  ///  * the correlation matrix is not positive definite: the message names the
  ///    parameters of the offending group of correlations and the smallest
  ///    eigenvalue, located at correlations_where / correlations_path.
  explicit CohortSampler(CohortSpec spec);

  const CohortSpec& spec() const { return spec_; }
  std::size_t size() const { return spec_.n; }
  /// Sampled parameter names, in column order (runs.csv columns).
  std::vector<std::string> parameter_names() const;

  /// Members [first, first + count) as a count × parameters matrix (model
  /// units), row j being member first + j; each row depends only on (seed,
  /// member index). Throws std::out_of_range when first + count > n, and
  /// ScenarioError when a member needs more than max_attempts redraws.
  Eigen::MatrixXd sample(std::size_t first, std::size_t count) const;
  /// Member `member` alone (same values as its row in sample()).
  Eigen::VectorXd member(std::size_t member) const;

 private:
  /// One attempt for one member into `values`; true when every value is inside
  /// its bounds, else the index of the first parameter outside goes to `outside`.
  bool draw(std::size_t member, std::size_t attempt, Eigen::VectorXd& latent, Eigen::VectorXd& values,
            std::size_t& outside) const;

  CohortSpec spec_;
  Eigen::MatrixXd cholesky_;       ///< L with L Lᵀ = R (lower triangular)
  bool correlated_ = false;
  std::vector<std::uint64_t> name_keys_;
  std::uint64_t cohort_key_ = 0;
};

/// Validates `spec` and returns members [first, first + count); a convenience
/// for CohortSampler(spec).sample(first, count), which refactors the
/// correlation matrix on every call. Throws as CohortSampler.
Eigen::MatrixXd sample_cohort(const CohortSpec& spec, std::size_t first, std::size_t count);

/// Donor id of cohort member `member` (0-based) as listed in outputs:
/// "cohort_0001" for member 0; zero-padded to at least 4 digits and to the
/// width of cohort_size, so ids sort in member order.
std::string cohort_member_id(std::size_t member, std::size_t cohort_size);

}  // namespace exvivo::scenario
