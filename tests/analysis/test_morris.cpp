// Morris elementary effects: trajectory structure, exact effects of a linear
// function (so the ranking of inputs is right), and the file-driven path.
#include <cmath>

#include <catch2/catch.hpp>

#include "analysis/morris.hpp"
#include "analysis/run_analysis.hpp"
#include "analysis_fixture.hpp"

using namespace exvivo;
using namespace exvivo::analysis;
using exvivo::test::close_to;

TEST_CASE("Morris trajectories move one input at a time by ±Δ on the grid", "[analysis][morris]") {
  const std::size_t n = 12, k = 4, levels = 4;
  const MorrisDesign d = morris_trajectories(n, k, levels, 9);
  REQUIRE(d.points.rows() == static_cast<Eigen::Index>(n * (k + 1)));
  const double delta = 4.0 / 6.0;
  for (std::size_t r = 0; r < n; ++r) {
    std::vector<int> moved(k, 0);
    for (std::size_t j = 0; j < k; ++j) {
      const auto row = static_cast<Eigen::Index>(r * (k + 1) + j);
      const Eigen::RowVectorXd step = d.points.row(row + 1) - d.points.row(row);
      const auto i = static_cast<Eigen::Index>(d.moved[r][j]);
      CHECK_THAT(std::abs(step[i]), close_to(delta, 1e-12));
      CHECK_THAT(step.norm(), close_to(delta, 1e-12));  // no other input changed
      ++moved[d.moved[r][j]];
    }
    for (const int m : moved) CHECK(m == 1);
  }
  CHECK((d.points.array() >= -1e-12).all());
  CHECK((d.points.array() <= 1 + 1e-12).all());
  CHECK_THROWS_AS(morris_trajectories(4, 2, 3, 1), std::invalid_argument);
}

TEST_CASE("Morris ranks the inputs of a linear function by their coefficients", "[analysis][morris]") {
  // y = 1·x1 + 5·x2 − 10·x3 + 0·x4 on the unit cube: every elementary effect
  // of input i equals its coefficient, so μ* = |c_i| and σ = 0 exactly.
  const double coefficients[] = {1, 5, -10, 0};
  const MorrisDesign d = morris_trajectories(10, 4, 4, 2);
  Eigen::VectorXd f(d.points.rows());
  for (Eigen::Index r = 0; r < f.size(); ++r)
    f[r] = coefficients[0] * d.points(r, 0) + coefficients[1] * d.points(r, 1) +
           coefficients[2] * d.points(r, 2) + coefficients[3] * d.points(r, 3);
  const auto effects = morris_effects(d, f, 50, 1);
  for (std::size_t i = 0; i < 4; ++i) {
    INFO("input " << i);
    CHECK_THAT(effects[i].mu_star, close_to(std::abs(coefficients[i]), 1e-9));
    CHECK_THAT(effects[i].mu, close_to(coefficients[i], 1e-9));
    CHECK_THAT(effects[i].sigma, close_to(0, 1e-9));
    CHECK_THAT(effects[i].mu_star_ci.lower, close_to(std::abs(coefficients[i]), 1e-9));
  }
  CHECK(effects[2].mu_star > effects[1].mu_star);
  CHECK(effects[1].mu_star > effects[0].mu_star);
  CHECK(effects[0].mu_star > effects[3].mu_star);
}

TEST_CASE("Morris through run_analysis: effects per whole parameter range", "[analysis][morris]") {
  exvivo::test::TempDir dir;
  dir.write("linear.yaml",
            "model: linear\ntime_unit: h\n"
            "parameters:\n"
            "  a: {value: 1, unit: 1, bounds: [0, 1]}\n"
            "  b: {value: 1, unit: 1, bounds: [0, 1]}\n"
            "  c: {value: 1, unit: 1, bounds: [0, 1]}\n"
            "species:\n  z: {initial: 0, unit: 1}\nodes:\n  z: 0\n"
            "observables:\n  y: {formula: 2 * a + 30 * b + 0.5 * c, unit: 1}\n");
  dir.write("scenario.yaml", "scenario: linear\nmodel: linear.yaml\nsamples: {times: [1 h]}\n");
  const std::string file = dir.write("analysis.yaml",
                                     "analysis: linear_morris\nscenario: scenario.yaml\n"
                                     "sensitivity:\n  method: morris\n"
                                     "  parameters:\n    a: {range: [0, 1]}\n    b: {range: [0, 2]}\n"
                                     "    c: {range: [1, 100], scale: log10}\n"
                                     "  outputs: [{observable: y, time: 1 h}]\n  n: 8\n  seed: 4\n");
  AnalysisOptions options;
  options.out_dir = (dir.path / "out").string();
  const AnalysisReport report = run_analysis(file, options);
  REQUIRE(report.sensitivity.size() == 3);
  CHECK(report.runs == 8 * 4);
  CHECK_THAT(report.sensitivity[0].mu_star, close_to(2, 1e-9));    // 2 · range 1
  CHECK_THAT(report.sensitivity[1].mu_star, close_to(60, 1e-9));   // 30 · range 2
  CHECK(report.sensitivity[2].mu_star > 0);                        // c on a log scale: not constant
  CHECK(report.sensitivity[2].sigma > 0);
  CHECK(exvivo::test::first_line(dir.path / "out" / "sensitivity.csv") ==
        "output,parameter,mu_star,mu_star_lo,mu_star_hi,sigma");
}
