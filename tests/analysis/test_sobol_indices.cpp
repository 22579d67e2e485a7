// Sobol' indices (Saltelli sampling, Saltelli 2010 S1, Jansen ST) against the
// analytic indices of the Ishigami function, directly and through the model
// file models/ishigami.yaml and run_analysis().
#include <cmath>
#include <numbers>

#include <catch2/catch.hpp>

#include "analysis/run_analysis.hpp"
#include "analysis/sobol_indices.hpp"
#include "analysis_fixture.hpp"

using namespace exvivo;
using namespace exvivo::analysis;
using exvivo::test::close_to;

namespace {

// Ishigami & Homma (1990) with a = 7, b = 0.1; indices from Saltelli et al. (2000).
constexpr double expected_s1[] = {0.3139, 0.4424, 0.0};
constexpr double expected_st[] = {0.5576, 0.4424, 0.2437};
constexpr double tolerance = 0.03;

double ishigami(double x1, double x2, double x3) {
  return std::sin(x1) + 7 * std::pow(std::sin(x2), 2) + 0.1 * std::pow(x3, 4) * std::sin(x1);
}

}  // namespace

TEST_CASE("saltelli_points: A, B and A_B^(i) share rows as the estimator needs", "[analysis][sobol]") {
  const std::size_t n = 16, k = 3;
  const Eigen::MatrixXd p = saltelli_points(n, k, 5);
  REQUIRE(p.rows() == static_cast<Eigen::Index>(n * (k + 2)));
  REQUIRE(p.cols() == static_cast<Eigen::Index>(k));
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = 0; j < n; ++j)
      for (std::size_t c = 0; c < k; ++c) {
        const auto row = static_cast<Eigen::Index>((2 + i) * n + j);
        const auto source = static_cast<Eigen::Index>(c == i ? n + j : j);  // B's column i, else A's
        CHECK(exvivo::test::same_bits(p(row, static_cast<Eigen::Index>(c)), p(source, static_cast<Eigen::Index>(c))));
      }
  CHECK((p.array() >= 0).all());
  CHECK((p.array() < 1).all());
  CHECK_THROWS_AS(saltelli_points(0, 3, 1), std::invalid_argument);
}

TEST_CASE("Sobol indices of the Ishigami function match the analytic values", "[analysis][sobol]") {
  const std::size_t n = 8192, k = 3;
  const Eigen::MatrixXd u = saltelli_points(n, k, 11);
  Eigen::VectorXd f(u.rows());
  const double pi = std::numbers::pi;
  for (Eigen::Index r = 0; r < u.rows(); ++r)
    f[r] = ishigami(-pi + 2 * pi * u(r, 0), -pi + 2 * pi * u(r, 1), -pi + 2 * pi * u(r, 2));
  const auto indices = sobol_indices(f, k, 100, 3);
  for (std::size_t i = 0; i < k; ++i) {
    INFO("input x" << i + 1);
    CHECK_THAT(indices[i].first_order, Catch::Matchers::WithinAbs(expected_s1[i], tolerance));
    CHECK_THAT(indices[i].total, Catch::Matchers::WithinAbs(expected_st[i], tolerance));
    CHECK(indices[i].first_order_ci.lower <= indices[i].first_order);
    CHECK(indices[i].first_order <= indices[i].first_order_ci.upper);
    CHECK(indices[i].total_ci.lower <= indices[i].total);
    CHECK(indices[i].total <= indices[i].total_ci.upper);
    CHECK(indices[i].total_ci.upper - indices[i].total_ci.lower < 0.2);
  }
  SECTION("the same seed gives the same intervals") {
    const auto again = sobol_indices(f, k, 100, 3);
    CHECK(exvivo::test::same_bits(again[0].total_ci.lower, indices[0].total_ci.lower));
  }
}

TEST_CASE("Sobol indices of an additive function: S1 = ST = share of the variance", "[analysis][sobol]") {
  // Y = x1 + 2·x2 on the unit square: V1 = 1/12, V2 = 4/12, so S = (0.2, 0.8) and no interaction.
  const std::size_t n = 1024;
  const Eigen::MatrixXd u = saltelli_points(n, 2, 2);
  const Eigen::VectorXd f = u.col(0) + 2 * u.col(1);
  const auto indices = sobol_indices(f, 2, 0, 0);
  CHECK_THAT(indices[0].first_order, close_to(0.2, 0.01));
  CHECK_THAT(indices[1].first_order, close_to(0.8, 0.01));
  CHECK_THAT(indices[0].total, close_to(0.2, 0.01));
  CHECK_THAT(indices[1].total, close_to(0.8, 0.01));
  CHECK(std::isnan(indices[0].first_order_ci.lower));  // no bootstrap asked
}

TEST_CASE("Sobol indices of models/ishigami.yaml through run_analysis", "[analysis][sobol]") {
  exvivo::test::TempDir dir;
  dir.write("scenario.yaml", "scenario: ishigami\nmodel: " + exvivo::test::model_path("ishigami") +
                                 "\nsamples: {times: [1 h], observables: [Y]}\n");
  const std::string file = dir.write("analysis.yaml",
                                     "analysis: ishigami_sobol\n"
                                     "scenario: scenario.yaml\n"
                                     "sensitivity:\n"
                                     "  method: sobol\n"
                                     "  parameters:\n"
                                     "    x1: {range: [-3.141592653589793, 3.141592653589793]}\n"
                                     "    x2: {range: [-3.141592653589793, 3.141592653589793], scale: lin}\n"
                                     "    x3:\n"  // the model's bounds
                                     "  outputs: [{observable: Y, time: 1 h}]\n"
                                     "  n: 4096\n"
                                     "  bootstrap: 50\n"
                                     "  seed: 1\n");
  AnalysisOptions options;
  options.out_dir = (dir.path / "out").string();
  options.threads = 2;
  const AnalysisReport report = run_analysis(file, options);
  CHECK(report.ok());
  CHECK(report.runs == 4096 * 5);
  CHECK(report.timing.plain_solves == 4096 * 5);  // no sensitivities: only plain solves are timed
  CHECK(report.timing.sensitivity_solves == 0);
  REQUIRE(report.sensitivity.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    INFO(report.sensitivity[i].parameter);
    CHECK(report.sensitivity[i].output == "Y@1h/default");
    CHECK_THAT(report.sensitivity[i].s1, Catch::Matchers::WithinAbs(expected_s1[i], tolerance));
    CHECK_THAT(report.sensitivity[i].st, Catch::Matchers::WithinAbs(expected_st[i], tolerance));
  }
  CHECK(exvivo::test::first_line(dir.path / "out" / "sensitivity.csv") == "output,parameter,S1,S1_lo,S1_hi,ST,ST_lo,ST_hi");
  CHECK(std::filesystem::exists(dir.path / "out" / "analysis.json"));

  SECTION("results do not depend on the thread count") {
    options.threads = 1;
    options.out_dir = (dir.path / "out1").string();
    const AnalysisReport one = run_analysis(file, options);
    for (std::size_t i = 0; i < 3; ++i) {
      CHECK(exvivo::test::same_bits(one.sensitivity[i].s1, report.sensitivity[i].s1));
      CHECK(exvivo::test::same_bits(one.sensitivity[i].st_ci.upper, report.sensitivity[i].st_ci.upper));
    }
  }
}
