// Sampled sweep designs: published Sobol' points, net and Latin-hypercube
// stratification, determinism and independence of slicing, range mapping.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/error.hpp"
#include "scenario/design.hpp"
#include "same_bits.hpp"

using namespace exvivo;
using namespace exvivo::scenario;
using exvivo::test::same_bits;
using Catch::Matchers::Equals;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

/// The 53-bit binary fraction of u ∈ [0, 1) as an integer (exact).
std::uint64_t fraction_bits(double u) { return static_cast<std::uint64_t>(std::ldexp(u, 53)); }

/// True when floor(u·n) over a column is a permutation of 0..n-1.
bool one_point_per_stratum(const Eigen::VectorXd& column, std::size_t strata) {
  std::vector<int> hits(strata, 0);
  for (Eigen::Index i = 0; i < column.size(); ++i) {
    const double u = column(i);
    if (!(u >= 0 && u < 1)) return false;
    ++hits[static_cast<std::size_t>(std::floor(u * static_cast<double>(strata)))];
  }
  return std::all_of(hits.begin(), hits.end(), [](int h) { return h == 1; });
}

}  // namespace

TEST_CASE("Sobol' points equal the Joe-Kuo sequence in Gray-code order", "[sweep][design]") {
  // Direction numbers of Joe & Kuo (2008), file new-joe-kuo-6.21201:
  //   dim 1: all m_k = 1                      → v = 1/2, 1/4, 1/8
  //   dim 2: s = 1, a = 0, m = (1)            → m = 1, 3, 5    → v = 1/2, 3/4, 5/8
  //   dim 3: s = 2, a = 1, m = (1, 3)         → m = 1, 3, 3    → v = 1/2, 3/4, 3/8
  // Point i is the XOR of v_k over the bits of the Gray code i ^ (i >> 1)
  // (Antonov & Saleev). The first two columns are also what
  // scipy.stats.qmc.Sobol(d=2, scramble=False).random_base2(3) returns.
  const double expected[8][3] = {{0, 0, 0},           {0.5, 0.5, 0.5},     {0.75, 0.25, 0.25},
                                 {0.25, 0.75, 0.75},  {0.375, 0.375, 0.625}, {0.875, 0.875, 0.125},
                                 {0.625, 0.125, 0.875}, {0.125, 0.625, 0.375}};
  const Eigen::MatrixXd x = sobol_sequence(0, 8, 3);
  REQUIRE(x.rows() == 8);
  REQUIRE(x.cols() == 3);
  for (int i = 0; i < 8; ++i)
    for (int d = 0; d < 3; ++d) {
      INFO("point " << i << ", dimension " << d);
      CHECK_THAT(x(i, d), WithinAbs(expected[i][d], 0.0));  // dyadic rationals: exact
    }

  SECTION("any slice equals the same rows of the whole sequence") {
    const Eigen::MatrixXd whole = sobol_sequence(0, 100, 5);
    CHECK(same_bits(sobol_sequence(5, 3, 5), whole.middleRows(5, 3)));
    CHECK(same_bits(sobol_sequence(1, 99, 5), whole.bottomRows(99)));
    CHECK(same_bits(sobol_sequence(37, 1, 5), whole.middleRows(37, 1)));
  }
  SECTION("the first 2^m points of one dimension are the multiples of 2^-m") {
    const Eigen::MatrixXd x1 = sobol_sequence(0, 256, 4);
    for (Eigen::Index d = 0; d < 4; ++d) CHECK(one_point_per_stratum(x1.col(d), 256));
  }
}

TEST_CASE("a Sobol' design is the sequence under a seeded digital shift", "[sweep][design]") {
  const std::size_t n = 64, dims = 3;
  const Eigen::MatrixXd u = sample_unit_design(Design::sobol, n, dims, 2024);
  const Eigen::MatrixXd x = sobol_sequence(0, n, dims);
  // Point 0 is the origin shifted, i.e. the shift itself: u_i XOR u_0 = x_i.
  for (Eigen::Index i = 0; i < static_cast<Eigen::Index>(n); ++i)
    for (Eigen::Index d = 0; d < static_cast<Eigen::Index>(dims); ++d)
      REQUIRE((fraction_bits(u(i, d)) ^ fraction_bits(u(0, d))) == fraction_bits(x(i, d)));
  CHECK(u.row(0).minCoeff() > 0);  // the origin is no longer a corner (for this seed)

  SECTION("net property: every elementary box of dimensions 1-2 holds one point") {
    // The first two Sobol' dimensions form a (0, m, 2)-net in base 2, and a
    // digital shift permutes elementary intervals, so for n = 2^6 every box
    // [a/2^k, (a+1)/2^k) × [b/2^(6-k), (b+1)/2^(6-k)) holds exactly one point.
    for (int k = 0; k <= 6; ++k) {
      const int nx = 1 << k, ny = 64 / nx;
      std::vector<int> hits(64, 0);
      for (Eigen::Index i = 0; i < 64; ++i)
        ++hits[static_cast<std::size_t>(int(std::floor(u(i, 0) * nx)) * ny + int(std::floor(u(i, 1) * ny)))];
      INFO("boxes " << nx << " x " << ny);
      CHECK(std::all_of(hits.begin(), hits.end(), [](int h) { return h == 1; }));
    }
    for (Eigen::Index d = 0; d < 3; ++d) CHECK(one_point_per_stratum(u.col(d), 64));
  }
  SECTION("seeds give different shifts, the same seed the same design") {
    CHECK(same_bits(sample_unit_design(Design::sobol, n, dims, 2024), u));
    CHECK((sample_unit_design(Design::sobol, n, dims, 2025) - u).cwiseAbs().maxCoeff() > 0.01);
  }
  SECTION("point i does not depend on n nor on slicing") {
    const Eigen::MatrixXd big = sample_unit_design(Design::sobol, 1000, dims, 2024);
    CHECK(same_bits(big.topRows(64), u));
    CHECK(same_bits(unit_design_rows(Design::sobol, 1000, dims, 2024, 500, 17), big.middleRows(500, 17)));
  }
}

TEST_CASE("Latin hypercube: each of the n strata is hit once in every dimension", "[sweep][design]") {
  for (const std::size_t n : {1u, 2u, 7u, 100u, 1000u}) {
    const Eigen::MatrixXd u = sample_unit_design(Design::lhs, n, 4, 11);
    REQUIRE(u.rows() == static_cast<Eigen::Index>(n));
    for (Eigen::Index d = 0; d < 4; ++d) {
      INFO("n = " << n << ", dimension " << d);
      CHECK(one_point_per_stratum(u.col(d), n));
    }
  }
  const Eigen::MatrixXd a = sample_unit_design(Design::lhs, 100, 3, 5);
  CHECK(same_bits(sample_unit_design(Design::lhs, 100, 3, 5), a));
  CHECK(same_bits(unit_design_rows(Design::lhs, 100, 3, 5, 40, 20), a.middleRows(40, 20)));
  const Eigen::MatrixXd b = sample_unit_design(Design::lhs, 100, 3, 6);
  CHECK((a - b).cwiseAbs().maxCoeff() > 0.1);
  // The strata are permuted independently per dimension: columns are not in lock-step.
  CHECK((a.col(0) - a.col(1)).cwiseAbs().maxCoeff() > 0.1);
}

TEST_CASE("random design: point i depends only on (seed, i)", "[sweep][design]") {
  const Eigen::MatrixXd whole = sample_unit_design(Design::random, 1000, 3, 42);
  CHECK(same_bits(sample_unit_design(Design::random, 10, 3, 42), whole.topRows(10)));
  Eigen::MatrixXd chunks(1000, 3);
  for (std::size_t first = 0; first < 1000; first += 250)
    chunks.middleRows(static_cast<Eigen::Index>(first), 250) = unit_design_rows(Design::random, 1000, 3, 42, first, 250);
  CHECK(same_bits(chunks, whole));
  CHECK((sample_unit_design(Design::random, 1000, 3, 43) - whole).cwiseAbs().maxCoeff() > 0.5);

  const Eigen::MatrixXd u = sample_unit_design(Design::random, 20000, 2, 1);
  CHECK(u.minCoeff() >= 0);
  CHECK(u.maxCoeff() < 1);
  // Mean of U(0, 1) is 1/2 with SE = √(1/12/n) ≈ 0.002; 4 SE.
  const double se = std::sqrt(1.0 / 12 / 20000);
  CHECK_THAT(u.col(0).mean(), WithinAbs(0.5, 4 * se));
  CHECK_THAT(u.col(1).mean(), WithinAbs(0.5, 4 * se));
  // Columns are independent: sample correlation SE ≈ 1/√n ≈ 0.007; 4 SE.
  const Eigen::VectorXd c0 = u.col(0).array() - u.col(0).mean(), c1 = u.col(1).array() - u.col(1).mean();
  CHECK_THAT(c0.dot(c1) / std::sqrt(c0.squaredNorm() * c1.squaredNorm()), WithinAbs(0.0, 4 / std::sqrt(20000.0)));
}

TEST_CASE("design sizes and their errors", "[sweep][design][errors]") {
  CHECK(sample_unit_design(Design::lhs, 0, 2, 1).rows() == 0);
  CHECK(sample_unit_design(Design::sobol, 0, 2, 1).rows() == 0);
  CHECK_THROWS_AS(sample_unit_design(Design::random, 5, 0, 1), std::invalid_argument);
  CHECK_THROWS_AS(unit_design_rows(Design::random, 5, 1, 1, 3, 3), std::out_of_range);
  CHECK(sobol_max_dimensions() == 3667);
  CHECK_THROWS_MATCHES(sample_unit_design(Design::sobol, 4, 3668, 1), ScenarioError,
                       Catch::Matchers::Message("sweep.factors: a sobol design supports at most 3667 factors, this "
                                                "sweep has 3668"));
  CHECK(std::string(to_string(Design::lhs)) == "lhs");
  CHECK(std::string(to_string(Design::sobol)) == "sobol");
  CHECK(std::string(to_string(Design::random)) == "random");
}

TEST_CASE("map_to_range places unit values on lin, log and log10 scales", "[sweep][design]") {
  using model::Scale;
  CHECK_THAT(map_to_range(0.5, 0.01, 1, Scale::lin), WithinRel(0.505, 1e-15));
  CHECK_THAT(map_to_range(0.5, 0.01, 1, Scale::log10), WithinRel(0.1, 1e-14));
  CHECK_THAT(map_to_range(0.5, 0.01, 1, Scale::log), WithinRel(0.1, 1e-14));
  CHECK_THAT(map_to_range(0.25, 1, 1e4, Scale::log10), WithinRel(10.0, 1e-14));
  CHECK_THAT(map_to_range(0, 0.01, 0.5, Scale::log10), WithinRel(0.01, 0.0));  // lower bound exactly
  CHECK(map_to_range(std::nextafter(1.0, 0.0), 0.01, 0.5, Scale::log10) <= 0.5);
  CHECK_THAT(map_to_range(0.3, 2, 2, Scale::log), WithinRel(2.0, 0.0));  // a degenerate range

  // LHS on a log10 range: one point per decade-stratum.
  const Eigen::MatrixXd values = map_to_ranges(sample_unit_design(Design::lhs, 4, 2, 3),
                                               {{1, 1e4, Scale::log10}, {-1, 1, Scale::lin}});
  std::vector<int> decade(4, 0);
  for (Eigen::Index i = 0; i < 4; ++i) ++decade[static_cast<std::size_t>(std::floor(std::log10(values(i, 0))))];
  CHECK(decade == std::vector<int>{1, 1, 1, 1});
  CHECK(values.col(1).minCoeff() >= -1);
  CHECK(values.col(1).maxCoeff() <= 1);
  CHECK_THROWS_AS(map_to_ranges(Eigen::MatrixXd::Zero(3, 2), {{0, 1, Scale::lin}}), std::invalid_argument);

  // core/bounds.hpp's messages, a point range allowed.
  CHECK_THROWS_MATCHES(map_to_range(0.5, 0, 1, Scale::log10), ScenarioError,
                       Catch::Matchers::Message("range: scale log10 needs a positive lower bound, got 0"));
  CHECK_THROWS_MATCHES(map_to_range(0.5, 2, 1, Scale::lin), ScenarioError,
                       Catch::Matchers::Message("range: lower bound 2 must not be above upper bound 1"));
  CHECK_THROWS_MATCHES(map_to_range(0.5, 0, std::numeric_limits<double>::infinity(), Scale::lin), ScenarioError,
                       Catch::Matchers::Message("range: must be finite, got [0, inf]"));
}

TEST_CASE("map_to_values picks each listed value for an equal share of the design", "[sweep][design]") {
  const std::vector<double> doses{0.1, 1, 10, 100};
  CHECK_THAT(map_to_values(0.0, doses), WithinRel(0.1, 0.0));
  CHECK_THAT(map_to_values(0.2499, doses), WithinRel(0.1, 0.0));
  CHECK_THAT(map_to_values(0.25, doses), WithinRel(1.0, 0.0));
  CHECK_THAT(map_to_values(std::nextafter(1.0, 0.0), doses), WithinRel(100.0, 0.0));
  const Eigen::MatrixXd u = sample_unit_design(Design::lhs, 12, 1, 9);
  std::vector<int> uses(4, 0);
  for (Eigen::Index i = 0; i < 12; ++i)
    ++uses[static_cast<std::size_t>(std::find(doses.begin(), doses.end(), map_to_values(u(i, 0), doses)) - doses.begin())];
  CHECK(uses == std::vector<int>{3, 3, 3, 3});
  CHECK_THROWS_AS(map_to_values(0.5, {}), std::invalid_argument);
}
