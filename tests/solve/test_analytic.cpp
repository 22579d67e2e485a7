// Analytic solutions: every method must reproduce them to within a small
// multiple of the requested tolerance, at samples between steps (dense output).
#include <catch2/catch.hpp>

#include <cmath>

#include "solve/integrate.hpp"
#include "solve/reference_problems.hpp"
#include "solve/solve_test_helpers.hpp"

using namespace exvivo;
using namespace exvivo::testing;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {
const std::vector<double> sample_grid = {0, 0.1, 0.25, 0.5, 1, 1.7, 2.5, 3, 4.2, 5};
}

TEST_CASE("exponential decay x' = -k x matches x0 exp(-k t) at every sample", "[solve][analytic]") {
  const std::string method = GENERATE("rk45", "rodas4", "auto");
  Decay decay(0.7);
  const auto result = solve::integrate(decay, Eigen::VectorXd::Constant(1, 3.0), 0, {},
                                       sample_times(sample_grid), tolerances(method, 1e-8, 1e-12));
  REQUIRE(result.ok());
  REQUIRE(result.completed == sample_grid.size());
  for (std::size_t k = 0; k < sample_grid.size(); ++k) {
    const double exact = 3.0 * std::exp(-0.7 * sample_grid[k]);
    INFO(method << " t = " << sample_grid[k]);
    // tolerance: 100 × rel_tol (global error accumulates over the steps)
    CHECK_THAT(result.states(static_cast<Eigen::Index>(k), 0),
               WithinRel(exact, 1e-6) || WithinAbs(exact, 1e-12));
  }
}

TEST_CASE("linear 2x2 system matches its matrix exponential", "[solve][analytic]") {
  const std::string method = GENERATE("rk45", "rodas4", "auto");
  Linear2 system;
  const auto result = solve::integrate(system, to_vector(std::array<double, 2>{1.0, -0.5}), 0, {},
                                       sample_times(sample_grid), tolerances(method, 1e-9, 1e-12));
  REQUIRE(result.ok());
  CHECK(result.stats.method == (method == "rodas4" ? "rodas4" : "rk45"));  // not stiff: auto stays on rk45
  for (std::size_t k = 0; k < sample_grid.size(); ++k) {
    const auto exact = Linear2::exact(sample_grid[k], 1.0, -0.5);
    INFO(method << " t = " << sample_grid[k]);
    for (Eigen::Index i = 0; i < 2; ++i)
      CHECK_THAT(result.states(static_cast<Eigen::Index>(k), i),
                 WithinAbs(exact[static_cast<std::size_t>(i)], 1e-7));
  }
}

TEST_CASE("logistic growth matches K / (1 + (K/x0 - 1) exp(-r t)), with a finite-difference Jacobian",
          "[solve][analytic]") {
  const std::string method = GENERATE("rk45", "rodas4");
  Logistic logistic(1.3, 10.0);
  std::vector<double> times;
  for (int i = 0; i <= 20; ++i) times.push_back(0.5 * i);
  const auto result = solve::integrate(logistic, Eigen::VectorXd::Constant(1, 0.2), 0, {},
                                       sample_times(times), tolerances(method, 1e-9, 1e-12));
  REQUIRE(result.ok());
  if (method == "rodas4") CHECK(result.stats.jacobian_evals > 0);
  for (std::size_t k = 0; k < times.size(); ++k) {
    INFO(method << " t = " << times[k]);
    CHECK_THAT(result.states(static_cast<Eigen::Index>(k), 0),
               WithinRel(logistic.exact(times[k], 0.2), 1e-6));
  }
}

TEST_CASE("statistics count steps, evaluations and factorizations", "[solve][stats]") {
  Rober rober;
  const auto result = solve::integrate(rober, to_vector(Rober::x0), 0, {}, sample_times({1, 100}),
                                       tolerances("rodas4", 1e-6, 1e-10));
  REQUIRE(result.ok());
  CHECK(result.stats.method == "rodas4");
  CHECK(result.stats.steps > 10);
  CHECK(result.stats.rhs_evals >= 6 * result.stats.steps);
  CHECK(result.stats.jacobian_evals >= result.stats.steps);
  CHECK(result.stats.lu_decompositions >= result.stats.steps);
  CHECK(result.stats.wall_ms > 0);  // recorded (any positive time), not a timing assertion
}

TEST_CASE("auto switches from rk45 to rodas4 on a stiff problem and is as accurate",
          "[solve][auto]") {
  Rober rober;
  const auto result = solve::integrate(rober, to_vector(Rober::x0), 0, {}, sample_times({1e5}),
                                       tolerances("auto", 1e-8, 1e-14));
  REQUIRE(result.ok());
  CHECK(result.stats.method == "rk45+rodas4");
  CHECK(result.stats.steps < 5000);  // rk45 alone needs ~1e8 steps to reach 1e5
}

namespace {
/// x' = −1e4·z·(x − sin t) + cos t, z' = −z, x(0) = 0, z(0) = 1: exactly
/// x = sin t, z = e^(−t). The Jacobian's stiff eigenvalue −1e4·e^(−t) fades,
/// so the problem is stiff at first and not at all after t ≈ 10.
class FadingStiffness final : public solve::OdeSystem {
 public:
  std::size_t size() const override { return 2; }
  void rhs(double t, const double* x, double* dxdt) override {
    dxdt[0] = -1e4 * x[1] * (x[0] - std::sin(t)) + std::cos(t);
    dxdt[1] = -x[1];
  }
};
}  // namespace

TEST_CASE("auto returns from rodas4 to rk45 when the stiffness fades, and stays accurate", "[solve][auto]") {
  FadingStiffness system;
  std::vector<double> times;
  for (int k = 1; k <= 40; ++k) times.push_back(k);
  const auto result = solve::integrate(system, to_vector(std::array<double, 2>{0.0, 1.0}), 0, {}, sample_times(times),
                                       tolerances("auto", 1e-8, 1e-12));
  REQUIRE(result.ok());
  CHECK(result.stats.method.rfind("rk45+rodas4+rk45", 0) == 0);
  for (std::size_t k = 0; k < times.size(); ++k) {
    INFO("t = " << times[k]);
    // tolerance: 100 × rel_tol, as for the other analytic solutions
    CHECK_THAT(result.states(static_cast<Eigen::Index>(k), 0), WithinAbs(std::sin(times[k]), 1e-6));
    CHECK_THAT(result.states(static_cast<Eigen::Index>(k), 1),
               WithinRel(std::exp(-times[k]), 1e-6) || WithinAbs(std::exp(-times[k]), 1e-12));
  }
}

TEST_CASE("ROBER at t = 1, 10, 1e3, 1e5: methods agree and mass is conserved", "[solve][reference]") {
  const std::vector<double> times = {1, 10, 1e3, 1e5};
  Rober rober;
  const auto stiff = solve::integrate(rober, to_vector(Rober::x0), 0, {}, sample_times(times),
                                      tolerances("rodas4", 1e-11, 1e-20));
  const auto automatic = solve::integrate(rober, to_vector(Rober::x0), 0, {}, sample_times(times),
                                          tolerances("auto", 1e-11, 1e-20));
  REQUIRE(stiff.ok());
  REQUIRE(automatic.ok());
  for (std::size_t k = 0; k < times.size(); ++k) {
    const auto row = static_cast<Eigen::Index>(k);
    INFO("t = " << times[k]);
    CHECK_THAT(stiff.states.row(row).sum(), WithinAbs(1.0, 1e-12));
    for (Eigen::Index i = 0; i < 3; ++i)
      CHECK(significant_digits(automatic.states(row, i), stiff.states(row, i)) >= 7.0);
  }
}
