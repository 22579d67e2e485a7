// Properties: per-species absolute tolerances, non-negativity of
// concentrations, determinism.
#include <catch2/catch.hpp>

#include <cmath>

#include "solve/integrate.hpp"
#include "solve/reference_problems.hpp"
#include "solve/solve_test_helpers.hpp"

using namespace exvivo;
using namespace exvivo::testing;
using Catch::Matchers::WithinAbs;

TEST_CASE("per-species abs_tol resolves a tiny species that a scalar abs_tol ignores",
          "[solve][tolerance]") {
  // ROBER's y2 is ~1e-13 at t = 1e11: with abs_tol 1e-6 for every species it is
  // below the noise floor; with 1e-18 for y2 alone it is resolved.
  Rober rober;
  auto loose = tolerances("rodas4", 1e-6, 1e-6);
  auto per_species = loose;
  per_species.abs_tol = {1e-6, 1e-18, 1e-6};
  const auto a = solve::integrate(rober, to_vector(Rober::x0), 0, {}, sample_times({1e11}), loose);
  const auto b = solve::integrate(rober, to_vector(Rober::x0), 0, {}, sample_times({1e11}), per_species);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  const double error_scalar = std::abs(a.states(0, 1) / Rober::reference[1] - 1);
  const double error_per_species = std::abs(b.states(0, 1) / Rober::reference[1] - 1);
  INFO("relative error of y2: scalar " << error_scalar << ", per species " << error_per_species);
  CHECK(error_per_species < 1e-4);
  CHECK(error_scalar > 100 * error_per_species);
}

TEST_CASE("non-negative systems never report negative concentrations", "[solve][nonnegative]") {
  // Fast elimination at loose tolerance: DOPRI5's solution undershoots below 0.
  const std::string method = GENERATE("rk45", "rodas4");
  std::vector<double> times;
  for (int i = 0; i <= 200; ++i) times.push_back(0.05 * i);
  auto options = tolerances(method, 1e-2, 1e-3);
  Decay free_sign(50.0, /*nonnegative=*/false);
  Decay concentration(50.0, /*nonnegative=*/true);
  const auto unconstrained = solve::integrate(free_sign, Eigen::VectorXd::Constant(1, 100), 0, {},
                                              sample_times(times), options);
  const auto constrained = solve::integrate(concentration, Eigen::VectorXd::Constant(1, 100), 0, {},
                                            sample_times(times), options);
  REQUIRE(unconstrained.ok());
  REQUIRE(constrained.ok());
  INFO(method << ": unconstrained minimum " << unconstrained.states.minCoeff());
  CHECK(constrained.states.minCoeff() >= 0.0);
  // and it still tracks the solution to the requested accuracy
  for (std::size_t k = 0; k < times.size(); ++k)
    CHECK_THAT(constrained.states(static_cast<Eigen::Index>(k), 0),
               WithinAbs(100 * std::exp(-50 * times[k]), 1.0));
}

TEST_CASE("the same run twice gives bit-identical results", "[solve][determinism]") {
  const std::string method = GENERATE("rk45", "rodas4", "auto");
  std::vector<double> times;
  for (int i = 1; i <= 30; ++i) times.push_back(10.0 * i);
  auto run = [&] {
    Hires hires;
    return solve::integrate(hires, to_vector(Hires::x0), 0, {{100, {{solve::EventAction::Kind::add, 0, 0.5}}}},
                            sample_times(times), tolerances(method, 1e-7, 1e-10));
  };
  const auto a = run();
  const auto b = run();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a.stats.steps == b.stats.steps);
  CHECK(a.stats.rhs_evals == b.stats.rhs_evals);
  for (Eigen::Index k = 0; k < a.states.rows(); ++k)
    for (Eigen::Index i = 0; i < a.states.cols(); ++i)
      REQUIRE_THAT(a.states(k, i), WithinAbs(b.states(k, i), 0.0));
}

namespace {
/// Van der Pol declared non-negative: its states are signed, so the
/// quasi-positivity test must leave them alone.
class SignedButDeclaredNonnegative final : public solve::OdeSystem {
 public:
  std::size_t size() const override { return 2; }
  bool has_analytic_jacobian() const override { return true; }
  bool autonomous() const override { return true; }
  bool nonnegative() const override { return true; }
  void rhs(double t, const double* x, double* f) override { inner_.rhs(t, x, f); }
  void jacobian(double t, const double* x, double* J) override { inner_.jacobian(t, x, J); }

 private:
  VanDerPol inner_;
};
}  // namespace

TEST_CASE("non-negativity leaves genuinely signed states alone", "[solve][nonnegative]") {
  SignedButDeclaredNonnegative system;
  const auto r = solve::integrate(system, to_vector(VanDerPol::x0), 0, {},
                                  sample_times({0.5, 1, VanDerPol::t_reference}),
                                  tolerances("rodas4", 1e-11, 1e-11));
  INFO(r.message);
  REQUIRE(r.ok());
  CHECK(r.states(2, 1) < 0);
  for (Eigen::Index i = 0; i < 2; ++i)
    CHECK(significant_digits(r.states(2, i), VanDerPol::reference[static_cast<std::size_t>(i)]) >= 7.0);
}

TEST_CASE("max_step bounds every step", "[solve][tolerance]") {
  const std::string method = GENERATE("rk45", "rodas4");
  Decay decay(0.1);
  auto options = tolerances(method, 1e-4, 1e-8);
  const auto free = solve::integrate(decay, Eigen::VectorXd::Ones(1), 0, {}, sample_times({10}), options);
  options.max_step = 0.1;
  const auto bounded = solve::integrate(decay, Eigen::VectorXd::Ones(1), 0, {}, sample_times({10}), options);
  REQUIRE(free.ok());
  REQUIRE(bounded.ok());
  CHECK(free.stats.steps < 50);
  CHECK(bounded.stats.steps >= 100);  // 10 / 0.1
}
