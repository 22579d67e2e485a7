// Virtual cohorts: determinism and chunking, medians / spreads / correlations
// within sampling error, truncation by redrawing, and every validation error.
//
// Tolerances are 4 standard errors of the estimator for n = 5000 (a false
// failure rate of ~6e-5 per check, and the draws are deterministic anyway):
//   median of a normal sample:   SE = √(π/2)·σ/√n ≈ 1.2533·σ/√n
//   sd of a normal sample:       SE ≈ σ/√(2n)
//   mean:                        SE = σ/√n
//   Pearson r of normal pairs:   SE ≈ (1 − r²)/√n
//   a proportion p:              SE = √(p(1 − p)/n)
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.hpp"
#include "scenario/cohort.hpp"
#include "same_bits.hpp"

using namespace exvivo;
using namespace exvivo::scenario;
using exvivo::test::same_bits;
using Catch::Matchers::Message;
using Catch::Matchers::WithinAbs;

namespace {

constexpr std::size_t n = 5000;
const double sqrt_n = std::sqrt(static_cast<double>(n));

double median(Eigen::VectorXd v) {
  std::sort(v.data(), v.data() + v.size());
  const Eigen::Index h = v.size() / 2;
  return v.size() % 2 ? v(h) : 0.5 * (v(h - 1) + v(h));
}

double sd(const Eigen::VectorXd& v) {
  return std::sqrt((v.array() - v.mean()).square().sum() / static_cast<double>(v.size() - 1));
}

double pearson(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  const Eigen::VectorXd ca = a.array() - a.mean(), cb = b.array() - b.mean();
  return ca.dot(cb) / std::sqrt(ca.squaredNorm() * cb.squaredNorm());
}

double standard_normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

CohortParameter parameter(std::string name, Distribution d) {
  CohortParameter p;
  p.name = std::move(name);
  p.distribution = d;
  return p;
}

Correlation correlation(std::string first, std::string second, double r, std::string path = "") {
  Correlation c;
  c.first = std::move(first);
  c.second = std::move(second);
  c.r = r;
  c.path = std::move(path);
  return c;
}

/// The example cohort of DESIGN.md §3 (values from MODEL.md §2d).
CohortSpec hla_lympho_cohort(std::size_t size = n) {
  CohortSpec spec;
  spec.n = size;
  spec.seed = 7;
  spec.parameters = {parameter("HLA0", Lognormal{5600, 1.8}), parameter("Lympho0", Lognormal{700, 1.6})};
  spec.correlations = {correlation("HLA0", "Lympho0", 0.3, "cohort.correlations[0]")};
  return spec;
}

std::string message_of(const CohortSpec& spec) {
  try {
    CohortSampler sampler(spec);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("member i depends only on (seed, i): chunks equal one call", "[sweep][cohort]") {
  const CohortSampler sampler(hla_lympho_cohort(100));
  const Eigen::MatrixXd whole = sampler.sample(0, 100);
  REQUIRE(whole.rows() == 100);
  REQUIRE(whole.cols() == 2);
  Eigen::MatrixXd chunks(100, 2);
  chunks.topRows(50) = sampler.sample(0, 50);
  chunks.bottomRows(50) = sampler.sample(50, 50);
  CHECK(same_bits(chunks, whole));
  CHECK(same_bits(sampler.member(73).transpose(), whole.row(73)));
  CHECK(same_bits(sample_cohort(hla_lympho_cohort(100), 10, 5), whole.middleRows(10, 5)));
  // The cohort size does not change the members either.
  CHECK(same_bits(CohortSampler(hla_lympho_cohort(1000)).sample(0, 100), whole));

  CohortSpec other_seed = hla_lympho_cohort(100);
  other_seed.seed = 8;
  CHECK((CohortSampler(other_seed).sample(0, 100) - whole).cwiseAbs().maxCoeff() > 100);
  CHECK_THROWS_AS(sampler.sample(90, 11), std::out_of_range);
  CHECK(sampler.parameter_names() == std::vector<std::string>{"HLA0", "Lympho0"});
}

TEST_CASE("uncorrelated parameters keep their draws when others are added", "[sweep][cohort]") {
  CohortSpec one;
  one.n = 50;
  one.seed = 3;
  one.parameters = {parameter("Mono0", Lognormal{600, std::exp(0.5)})};
  CohortSpec two = one;
  two.parameters.insert(two.parameters.begin(), parameter("CD4_pct", Lognormal{45, std::exp(0.2)}));
  CHECK(same_bits(CohortSampler(one).sample(0, 50).col(0), CohortSampler(two).sample(0, 50).col(1)));
}

TEST_CASE("log-normal medians, gsd and latent correlation match the spec", "[sweep][cohort]") {
  const Eigen::MatrixXd x = sample_cohort(hla_lympho_cohort(), 0, n);
  const Eigen::VectorXd log_hla = x.col(0).array().log(), log_lympho = x.col(1).array().log();
  const double s_hla = std::log(1.8), s_lympho = std::log(1.6);
  CHECK_THAT(median(x.col(0)), WithinAbs(5600, 5600 * (std::exp(4 * 1.2533 * s_hla / sqrt_n) - 1)));
  CHECK_THAT(median(log_hla), WithinAbs(std::log(5600), 4 * 1.2533 * s_hla / sqrt_n));
  CHECK_THAT(median(log_lympho), WithinAbs(std::log(700), 4 * 1.2533 * s_lympho / sqrt_n));
  CHECK_THAT(std::exp(sd(log_hla)), WithinAbs(1.8, 1.8 * (std::exp(4 * s_hla / std::sqrt(2.0 * n)) - 1)));
  CHECK_THAT(sd(log_lympho), WithinAbs(s_lympho, 4 * s_lympho / std::sqrt(2.0 * n)));
  CHECK_THAT(pearson(log_hla, log_lympho), WithinAbs(0.3, 4 * (1 - 0.09) / sqrt_n));
}

TEST_CASE("normal, uniform and logit-normal marginals", "[sweep][cohort]") {
  CohortSpec spec;
  spec.n = n;
  spec.seed = 11;
  spec.parameters = {parameter("Apop0_pct", Normal{12.1, 7.5}), parameter("u", Uniform{2, 4}),
                     parameter("TOL0", LogitNormal{0.8, 1.0}), parameter("AN0", LogitNormal{0.5, 1.0}),
                     parameter("scaled", LogitNormal{30, 0.7, 10, 50})};
  spec.correlations = {correlation("Apop0_pct", "u", -0.5), correlation("TOL0", "AN0", 0.6)};
  const Eigen::MatrixXd x = sample_cohort(spec, 0, n);

  CHECK_THAT(x.col(0).mean(), WithinAbs(12.1, 4 * 7.5 / sqrt_n));
  CHECK_THAT(sd(x.col(0)), WithinAbs(7.5, 4 * 7.5 / std::sqrt(2.0 * n)));
  CHECK(x.col(1).minCoeff() >= 2);
  CHECK(x.col(1).maxCoeff() <= 4);
  CHECK_THAT(x.col(1).mean(), WithinAbs(3.0, 4 * 2 / std::sqrt(12.0 * n)));
  // The uniform is Φ of a latent normal: Φ⁻¹((u−2)/2) recovers it, and its
  // correlation with the normal column is the latent r.
  Eigen::VectorXd latent_u(n);
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    // Bisection for Φ⁻¹ keeps the test free of the code under test.
    double lo = -10, hi = 10, p = (x(i, 1) - 2) / 2;
    for (int k = 0; k < 80; ++k) (standard_normal_cdf(0.5 * (lo + hi)) < p ? lo : hi) = 0.5 * (lo + hi);
    latent_u(i) = 0.5 * (lo + hi);
  }
  CHECK_THAT(pearson(x.col(0), latent_u), WithinAbs(-0.5, 4 * 0.75 / sqrt_n));

  auto logit = [](const Eigen::VectorXd& v) -> Eigen::VectorXd { return (v.array() / (1 - v.array())).log(); };
  for (const Eigen::Index c : {2, 3}) {
    CHECK(x.col(c).minCoeff() > 0);
    CHECK(x.col(c).maxCoeff() < 1);
  }
  CHECK_THAT(median(x.col(2)), WithinAbs(0.8, 0.8 * 0.2 * 4 * 1.2533 / sqrt_n * 1.01));  // dx = x(1−x)·d(logit)
  CHECK_THAT(median(logit(x.col(2))), WithinAbs(std::log(4.0), 4 * 1.2533 / sqrt_n));
  CHECK_THAT(sd(logit(x.col(3))), WithinAbs(1.0, 4 / std::sqrt(2.0 * n)));
  CHECK_THAT(pearson(logit(x.col(2)), logit(x.col(3))), WithinAbs(0.6, 4 * 0.64 / sqrt_n));
  CHECK(x.col(4).minCoeff() > 10);
  CHECK(x.col(4).maxCoeff() < 50);
  CHECK_THAT(median(x.col(4)), WithinAbs(30, 40 * 0.25 * 0.7 * 4 * 1.2533 / sqrt_n * 1.01));
}

TEST_CASE("logit-normal stays strictly inside its interval even for huge sigma", "[sweep][cohort]") {
  CohortSpec spec;
  spec.n = 2000;
  spec.seed = 1;
  spec.parameters = {parameter("TOL0", LogitNormal{0.5, 60.0}), parameter("AN0", LogitNormal{0.9, 40.0, 0.2, 1})};
  const Eigen::MatrixXd x = sample_cohort(spec, 0, spec.n);
  CHECK(x.col(0).minCoeff() > 0);
  CHECK(x.col(0).maxCoeff() < 1);
  CHECK(x.col(1).minCoeff() > 0.2);
  CHECK(x.col(1).maxCoeff() < 1);
}

TEST_CASE("zero spread gives the median to every member (healthy TOL0 = 0)", "[sweep][cohort]") {
  CohortSpec spec;
  spec.n = 20;
  spec.seed = 5;
  spec.parameters = {parameter("TOL0", LogitNormal{0, 0}), parameter("HLA0", Lognormal{25000, 1}),
                     parameter("Mono0", Normal{450, 0})};
  spec.parameters[1].lower_bound = 1000;
  const Eigen::MatrixXd x = sample_cohort(spec, 0, 20);
  CHECK(x.col(0).cwiseAbs().maxCoeff() == 0);
  CHECK((x.col(1).array() == 25000).all());
  CHECK((x.col(2).array() == 450).all());
}

TEST_CASE("truncation redraws members: bounds hold and the shape is the conditional one", "[sweep][cohort]") {
  CohortSpec spec = hla_lympho_cohort();
  spec.parameters[0].lower_bound = 3000;
  spec.parameters[0].upper_bound = 12000;
  spec.parameters[1].lower_bound = 200;
  const Eigen::MatrixXd x = sample_cohort(spec, 0, n);
  CHECK(x.col(0).minCoeff() >= 3000);
  CHECK(x.col(0).maxCoeff() <= 12000);
  CHECK(x.col(1).minCoeff() >= 200);
  // Clamping would put members exactly on a bound; redrawing never does.
  CHECK(((x.col(0).array() == 3000) || (x.col(0).array() == 12000)).count() == 0);
  // Fraction of members below the median: P(3000 < X < 5600 | 3000 < X < 12000)
  // for X log-normal, independent of the other parameter's truncation only
  // approximately (r = 0.3), so the tolerance adds 0.01 for that.
  const double s = std::log(1.8);
  const double a = standard_normal_cdf(std::log(3000.0 / 5600) / s), b = standard_normal_cdf(std::log(12000.0 / 5600) / s);
  const double p = (0.5 - a) / (b - a);
  const double below = static_cast<double>((x.col(0).array() < 5600).count()) / n;
  CHECK_THAT(below, WithinAbs(p, 4 * std::sqrt(p * (1 - p) / n) + 0.01));
  // Members untouched by the bounds keep their untruncated values.
  const Eigen::MatrixXd free = sample_cohort(hla_lympho_cohort(), 0, n);
  int unchanged = 0;
  for (Eigen::Index i = 0; i < x.rows(); ++i) unchanged += same_bits(x.row(i), free.row(i));
  CHECK(unchanged > 0.5 * n);
}

TEST_CASE("cohort member ids", "[sweep][cohort]") {
  CHECK(cohort_member_id(0, 160) == "cohort_0001");
  CHECK(cohort_member_id(159, 160) == "cohort_0160");
  CHECK(cohort_member_id(0, 100000) == "cohort_000001");
  CHECK(cohort_member_id(99999, 100000) == "cohort_100000");
}

TEST_CASE("a correlation matrix that is not positive definite is rejected, naming the parameters",
          "[sweep][cohort][errors]") {
  CohortSpec spec;
  spec.n = 10;
  spec.correlations_where = {"cohort.yaml", 12, 3};
  spec.parameters = {parameter("A", Normal{0, 1}), parameter("B", Normal{0, 1}), parameter("C", Normal{0, 1}),
                     parameter("D", Normal{0, 1}), parameter("E", Normal{0, 1})};
  // Each pair alone is fine; A close to B and to C but B opposite to C is impossible.
  spec.correlations = {correlation("A", "B", 0.9), correlation("D", "E", 0.5), correlation("A", "C", 0.9),
                       correlation("B", "C", -0.9)};
  CHECK(message_of(spec) ==
        "cohort.yaml:12:3: cohort.correlations: the correlations between A, B and C cannot hold together: their "
        "correlation matrix is not positive definite (smallest eigenvalue -0.8); weaken some of them");
  spec.correlations[3].r = 0.7;  // det = 0.024 > 0
  CHECK(message_of(spec) == "no error");
}

TEST_CASE("correlation entries are checked one by one", "[sweep][cohort][errors]") {
  CohortSpec spec = hla_lympho_cohort(10);
  spec.correlations[0].where = {"s.yaml", 30, 7};
  spec.correlations[0].first = "HLA";
  CHECK(message_of(spec) == "s.yaml:30:7: cohort.correlations[0]: 'HLA' is not a sampled cohort parameter (sampled: "
                            "HLA0 and Lympho0) (did you mean 'HLA0'?)");
  spec = hla_lympho_cohort(10);
  spec.correlations[0].second = "HLA0";
  CHECK(message_of(spec) == "cohort.correlations[0]: a correlation needs two different parameters, got 'HLA0' twice");
  spec = hla_lympho_cohort(10);
  spec.correlations[0].r = 1;
  CHECK(message_of(spec) == "cohort.correlations[0]: r must lie strictly between -1 and 1, got 1");
  spec = hla_lympho_cohort(10);
  spec.correlations.push_back(correlation("Lympho0", "HLA0", 0.1, "cohort.correlations[1]"));
  CHECK(message_of(spec) == "cohort.correlations[1]: the correlation between Lympho0 and HLA0 is given twice");
}

TEST_CASE("distribution arguments and bounds are validated", "[sweep][cohort][errors]") {
  auto with = [](Distribution d, double lower = -INFINITY, double upper = INFINITY) {
    CohortSpec spec;
    spec.n = 10;
    spec.parameters = {parameter("HLA0", d)};
    spec.parameters[0].lower_bound = lower;
    spec.parameters[0].upper_bound = upper;
    spec.parameters[0].where = {"s.yaml", 20, 11};
    return message_of(spec);
  };
  CHECK(with(Lognormal{0, 1.8}) == "s.yaml:20:11: cohort.distributions.HLA0: lognormal: 'median' must be > 0, got 0");
  CHECK(with(Lognormal{5600, 0.5}) ==
        "s.yaml:20:11: cohort.distributions.HLA0: lognormal: 'gsd' (geometric standard deviation) must be >= 1, got 0.5");
  CHECK(with(Normal{1, -2}) == "s.yaml:20:11: cohort.distributions.HLA0: normal: 'sd' must be >= 0, got -2");
  CHECK(with(Normal{NAN, 1}) == "s.yaml:20:11: cohort.distributions.HLA0: 'mean' must be a finite number, got nan");
  CHECK(with(LogitNormal{1.2, 1}) == "s.yaml:20:11: cohort.distributions.HLA0: logitnormal: 'median' must lie strictly "
                                     "between lower and upper (0, 1), got 1.2");
  CHECK(with(LogitNormal{0, 1}) == "s.yaml:20:11: cohort.distributions.HLA0: logitnormal: 'median' must lie strictly "
                                   "between lower and upper (0, 1), got 0 (a median on a bound needs sigma 0)");
  CHECK(with(LogitNormal{0.5, -1}) == "s.yaml:20:11: cohort.distributions.HLA0: logitnormal: 'sigma' must be >= 0, got -1");
  CHECK(with(LogitNormal{0.5, 1, 1, 1}) ==
        "s.yaml:20:11: cohort.distributions.HLA0: logitnormal: lower bound 1 must be below upper bound 1");
  CHECK(with(Uniform{3, 2}) ==
        "s.yaml:20:11: cohort.distributions.HLA0: uniform: lower bound 3 must be below upper bound 2");
  CHECK(with(Lognormal{5600, 1.8}, 10, 5) == "s.yaml:20:11: cohort.distributions.HLA0: the bounds [10, 5] are empty");
  CHECK(with(Lognormal{5600, 1.8}, 1e5, 1e6) ==
        "s.yaml:20:11: cohort.distributions.HLA0: only 4.7e-05% of the distribution lies within the parameter's "
        "bounds [100000, 1000000]; move the median into the bounds or widen them");
  CHECK(with(Lognormal{5600, 1}, 1e4, 1e6) ==
        "s.yaml:20:11: cohort.distributions.HLA0: only 0% of the distribution lies within the parameter's bounds "
        "[10000, 1000000]; move the median into the bounds or widen them");

  CohortSpec twice;
  twice.parameters = {parameter("HLA0", Lognormal{}), parameter("HLA0", Lognormal{})};
  CHECK(message_of(twice) == "cohort.distributions.HLA0: parameter 'HLA0' is listed twice");
}
