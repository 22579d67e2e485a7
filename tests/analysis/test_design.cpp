// D-optimal designs: the sampling time that best estimates a decay rate
// (t = 1/k), exhaustive vs exchange search, log det edge cases, doses.
#include <cmath>
#include <fstream>
#include <iterator>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "analysis/d_optimal.hpp"
#include "analysis/run_analysis.hpp"
#include "analysis_fixture.hpp"

using namespace exvivo;
using namespace exvivo::analysis;
using exvivo::test::close_to;

TEST_CASE("log_det_information: finite for positive definite, -inf for singular", "[analysis][design]") {
  Eigen::MatrixXd m(2, 2);
  m << 4, 0, 0, 9;
  CHECK_THAT(log_det_information(m), close_to(std::log(36.0), 1e-12));
  m << 1, 1, 1, 1;
  CHECK(std::isinf(log_det_information(m)));
  CHECK(log_det_information(Eigen::MatrixXd::Zero(2, 2)) < 0);
}

TEST_CASE("binomial coefficients and overflow", "[analysis][design]") {
  CHECK(binomial(9, 4) == 126);
  CHECK(binomial(60, 3) == 34220);
  CHECK(binomial(3, 5) == 0);
  CHECK(binomial(1000, 500) == std::numeric_limits<std::size_t>::max());
}

TEST_CASE("exchange search finds the exhaustive optimum of a two-parameter problem", "[analysis][design]") {
  // Rank-one information of y = θ1·exp(−θ2 t): g(t) = (e^{−θ2 t}, −θ1 t e^{−θ2 t}).
  std::vector<std::vector<Eigen::MatrixXd>> info(1);
  for (int i = 0; i < 40; ++i) {
    const double t = 0.1 * (i + 1);
    Eigen::Vector2d g(std::exp(-0.7 * t), -2 * t * std::exp(-0.7 * t));
    info[0].push_back(g * g.transpose());
  }
  const DesignSearch exhaustive = search_d_optimal(info, 3, 1);
  CHECK(exhaustive.exhaustive);
  CHECK(exhaustive.evaluated == binomial(40, 3));
  DesignSearchOptions options;
  options.max_exhaustive = 0;  // force the exchange algorithm
  options.seed = 8;
  const DesignSearch exchange = search_d_optimal(info, 3, 1, options);
  CHECK_FALSE(exchange.exhaustive);
  REQUIRE_FALSE(exchange.ranked.empty());
  CHECK(exchange.ranked[0].times == exhaustive.ranked[0].times);
  CHECK_THAT(exchange.ranked[0].log_det, close_to(exhaustive.ranked[0].log_det, 1e-9));
  CHECK(exchange.evaluated < exhaustive.evaluated);
  CHECK_THROWS_AS(search_d_optimal(info, 41, 1), std::invalid_argument);
}

TEST_CASE("design picks t = 1/k to estimate the rate of an exponential decay", "[analysis][design]") {
  // x = x0·exp(−k t), additive noise σ = 0.01 (models/decay.yaml, k = 0.5 1/h):
  // ∂x/∂k = −t·x0·exp(−k t) is largest in magnitude at t = 1/k = 2 h.
  exvivo::test::TempDir dir;
  dir.write("scenario.yaml", "scenario: decay_design\nmodel: " + exvivo::test::model_path("decay") +
                                 "\nsolver: {rel_tol: 1e-10, abs_tol: 1e-12}\n"
                                 "samples: {times: [1 h], observables: [x_obs]}\n");
  const std::string file = dir.write("analysis.yaml",
                                     "analysis: decay_design\nscenario: scenario.yaml\n"
                                     "design:\n  estimate: [k]\n"
                                     "  choose:\n    times: {candidates: {values: [0.5, 1, 1.5, 2, 2.5, 3, 4, 6], unit: h}, n: 1}\n"
                                     "  criterion: D\n");
  AnalysisOptions options;
  options.out_dir = (dir.path / "out").string();
  const AnalysisReport report = run_analysis(file, options);
  REQUIRE(report.design.size() == 8);
  REQUIRE(report.design[0].times.size() == 1);
  CHECK_THAT(report.design[0].times[0], close_to(2, 0));
  CHECK(report.design[0].doses.empty());
  // k is on log10 scale in the model: g = ∂x/∂k · k·ln 10 / σ.
  const double g = -2 * std::exp(-1.0) * 0.5 * std::log(10.0) / 0.01;
  CHECK_THAT(report.design[0].criterion, close_to(std::log(g * g), 1e-6));
  CHECK_THAT(report.design[1].times[0], close_to(2.5, 0));  // |t e^{−t/2}| is flatter above 1/k
  CHECK(exvivo::test::first_line(dir.path / "out" / "design.csv") == "rank,times,doses,criterion");
  // The design's sensitivity solves are reported as fit.json reports them.
  CHECK(report.timing.sensitivity_solves == 1);
  CHECK(report.timing.plain_solves == 0);
  CHECK(report.timing.sensitivity_seconds > 0);
  std::ifstream json_file(dir.path / "out" / "analysis.json");
  const auto j = nlohmann::json::parse(json_file);
  CHECK(j["timing"]["sensitivity_solves"] == 1);
  CHECK(j["timing"]["plain_solves"] == 0);
  CHECK(j["timing"].contains("plain_seconds"));
  CHECK(j["timing"].contains("sensitivity_seconds"));

  SECTION("two samples for two parameters: a design that identifies both") {
    const std::string two = dir.write("two.yaml",
                                      "analysis: decay_design_2\nscenario: scenario.yaml\n"
                                      "design:\n  estimate: [k, x0]\n"
                                      "  choose:\n    times: {candidates: [0 h, 1 h, 2 h, 4 h, 8 h], n: 2}\n");
    options.out_dir = (dir.path / "out2").string();
    const AnalysisReport r2 = run_analysis(two, options);
    REQUIRE(r2.design.size() == 10);
    CHECK(std::isfinite(r2.design[0].criterion));
    // D-optimal two-point design of x0·exp(−k t): {0, 1/k} (Box & Lucas 1959).
    CHECK_THAT(r2.design[0].times[0], close_to(0, 0));
    CHECK_THAT(r2.design[0].times[1], close_to(2, 0));
  }
}

TEST_CASE("design: a sample predicted below the LLOQ carries the information of a censored reading",
          "[analysis][design][lloq]") {
  // models/decay.yaml with x_obs given lloq = e^−1 = x(2 h): at 2 h the reading
  // is censored half the time and its information is (½ + 1/π)·g² (the Tobit
  // information, fit::lloq_information_fraction); at 1 h (x = e^−½, 23 σ above
  // the LLOQ) it is the full g²; at 6 h (x = e^−3, 32 σ below) next to nothing.
  exvivo::test::TempDir dir;
  std::ifstream in(exvivo::test::model_path("decay"));
  std::string model((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string noise = "noise: {distribution: normal, sigma: 0.01}}";
  REQUIRE(model.find(noise) != std::string::npos);
  model.replace(model.find(noise), noise.size(),
                "noise: {distribution: normal, sigma: 0.01}, lloq: 0.36787944117144233}");
  dir.write("decay.yaml", model);
  dir.write("scenario.yaml",
            "scenario: decay_design\nmodel: decay.yaml\n"
            "solver: {rel_tol: 1e-10, abs_tol: 1e-12}\n"
            "samples: {times: [1 h], observables: [x_obs]}\n");
  const std::string file = dir.write("analysis.yaml",
                                     "analysis: decay_design\nscenario: scenario.yaml\n"
                                     "design:\n  estimate: [k]\n"
                                     "  choose:\n    times: {candidates: {values: [1, 2, 6], unit: h}, n: 1}\n");
  AnalysisOptions options;
  options.out_dir = (dir.path / "out").string();
  const AnalysisReport report = run_analysis(file, options);
  REQUIRE(report.design.size() == 3);
  // g(t) = ∂x/∂log10 k / σ = −t·e^(−k t)·k·ln 10 / σ.
  const auto g = [](double t) { return -t * std::exp(-0.5 * t) * 0.5 * std::log(10.0) / 0.01; };
  CHECK_THAT(report.design[0].times[0], close_to(2, 0));
  CHECK_THAT(report.design[0].criterion, close_to(std::log((0.5 + 1 / M_PI) * g(2) * g(2)), 1e-6));
  CHECK_THAT(report.design[1].times[0], close_to(1, 0));
  CHECK_THAT(report.design[1].criterion, close_to(std::log(g(1) * g(1)), 1e-6));
  CHECK_THAT(report.design[2].times[0], close_to(6, 0));
  CHECK(report.design[2].criterion < std::log(g(6) * g(6)) - 400);  // w ≈ z·φ(z), z = 31.8
}

TEST_CASE("design chooses doses of a swept placeholder", "[analysis][design]") {
  // A dose added at t = 0 h on top of x0: x = (x0 + dose)·exp(−k t), so a larger
  // dose carries more information on k.
  exvivo::test::TempDir dir;
  dir.write("scenario.yaml", "scenario: decay_doses\nmodel: " + exvivo::test::model_path("decay") +
                                 "\narms:\n  - id: dosed\n    protocol:\n      - {at: 0 h, add: {x: $dose}}\n"
                                 "samples: {times: [1 h], observables: [x_obs]}\n"
                                 "sweep:\n  design: grid\n  factors:\n    dose: {values: [1]}\n");
  const std::string file = dir.write("analysis.yaml",
                                     "analysis: decay_doses\nscenario: scenario.yaml\n"
                                     "design:\n  estimate: [k]\n"
                                     "  choose:\n    times: {candidates: [1 h, 2 h, 3 h], n: 1}\n"
                                     "    doses: {factor: dose, candidates: [0.1, 1, 10], n: 1}\n");
  AnalysisOptions options;
  options.out_dir = (dir.path / "out").string();
  const AnalysisReport report = run_analysis(file, options);
  REQUIRE(report.design.size() == 9);
  REQUIRE(report.design[0].doses.size() == 1);
  CHECK_THAT(report.design[0].doses[0], close_to(10, 0));
  CHECK_THAT(report.design[0].times[0], close_to(2, 0));
}
