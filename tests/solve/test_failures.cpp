// Numerical failures end the run with a status and a message naming time,
// step and component, keep the samples computed before, and never throw.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <thread>

#include "core/error.hpp"
#include "solve/integrate.hpp"
#include "solve/reference_problems.hpp"
#include "solve/solve_test_helpers.hpp"

using namespace exvivo;
using namespace exvivo::testing;
using Catch::Matchers::StartsWith;
using Catch::Matchers::EndsWith;
using Catch::Matchers::Contains;

namespace {

/// IL10' = −IL10, TNF' = 1000 TNF: TNF overflows double precision near t = 0.71.
class BlowUp final : public solve::OdeSystem {
 public:
  std::size_t size() const override { return 2; }
  bool has_analytic_jacobian() const override { return true; }
  bool autonomous() const override { return true; }
  std::string state_name(std::size_t i) const override { return i == 0 ? "species IL10" : "species TNF"; }
  std::string time_unit() const override { return "h"; }
  void rhs(double, const double* x, double* f) override {
    f[0] = -x[0];
    f[1] = 1000 * x[1];
  }
  void jacobian(double, const double* x, double* J) override {
    J[0] = -1; J[1] = 0; J[2] = 0; J[3] = 1000;
    (void)x;
  }
};

/// x' = −x + sqrt(5 − t): the right-hand side is NaN beyond t = 5.
class NanAfterFive final : public solve::OdeSystem {
 public:
  std::size_t size() const override { return 1; }
  void rhs(double t, const double* x, double* f) override { f[0] = -x[0] + std::sqrt(5 - t); }
};

/// x' = 1/(1 − t): x = −log(1 − t), finite but with a singular slope at t = 1.
class SingularSlope final : public solve::OdeSystem {
 public:
  std::size_t size() const override { return 1; }
  bool autonomous() const override { return false; }
  void rhs(double t, const double*, double* f) override { f[0] = 1 / (1 - t); }
};

}  // namespace

TEST_CASE("a blow-up ends with non_finite naming the species", "[solve][failure]") {
  const std::string method = GENERATE("rk45", "rodas4");
  BlowUp system;
  const Eigen::VectorXd x0 = Eigen::VectorXd::Ones(2);
  const auto r = solve::integrate(system, x0, 0, {}, sample_times({0, 0.5, 1}),
                                  tolerances(method, 1e-6, 1e-9));
  INFO(r.message);
  CHECK(r.status == solve::Status::non_finite);
  CHECK_THAT(r.message, StartsWith("At t = 0.7"));
  CHECK_THAT(r.message, Contains(" h (step "));
  CHECK_THAT(r.message, EndsWith(" h): species TNF became inf"));
  CHECK(r.completed == 2);  // t = 0 and 0.5
  CHECK(std::isnan(r.states(2, 0)));
}

TEST_CASE("a right-hand side that turns NaN ends with non_finite at that time", "[solve][failure]") {
  NanAfterFive system;
  const auto r = solve::integrate(system, Eigen::VectorXd::Constant(1, 1.0), 0, {},
                                  sample_times({1, 4, 6}), tolerances("rk45", 1e-6, 1e-9));
  INFO(r.message);
  CHECK(r.status == solve::Status::non_finite);
  CHECK_THAT(r.message, StartsWith("At t = 5 (step "));
  CHECK_THAT(r.message, EndsWith("x[0] became NaN"));
  CHECK(r.completed == 2);
}

TEST_CASE("a singular slope ends with step_underflow", "[solve][failure]") {
  SingularSlope system;
  const auto r = solve::integrate(system, Eigen::VectorXd::Zero(1), 0, {}, sample_times({0.5, 2}),
                                  tolerances("rodas4", 1e-8, 1e-10));
  INFO(r.message);
  CHECK(r.status == solve::Status::step_underflow);
  CHECK_THAT(r.message, StartsWith("At t = 1 (step "));
  CHECK_THAT(r.message, EndsWith("): step size underflow"));
  CHECK(r.completed == 1);
}

TEST_CASE("more steps than max_steps ends with max_steps", "[solve][failure]") {
  Rober rober;
  auto options = tolerances("rk45", 1e-8, 1e-12);  // explicit method on a stiff problem
  options.max_steps = 500;
  const auto r = solve::integrate(rober, to_vector(Rober::x0), 0, {}, sample_times({1e-6, 1e5}), options);
  INFO(r.message);
  CHECK(r.status == solve::Status::max_steps);
  CHECK_THAT(r.message, StartsWith("At t = "));
  CHECK_THAT(r.message, EndsWith("): more than max_steps = 500 steps"));
  CHECK(r.stats.steps + r.stats.rejected_steps == 500);
  CHECK(r.completed == 1);
}

TEST_CASE("a run longer than its timeout ends with timeout", "[solve][failure]") {
  Rober rober;
  auto options = tolerances("rk45", 1e-10, 1e-14);
  options.timeout = 1e-4;  // seconds
  const auto r = solve::integrate(rober, to_vector(Rober::x0), 0, {}, sample_times({1e11}), options);
  INFO(r.message);
  CHECK(r.status == solve::Status::timeout);
  CHECK_THAT(r.message, EndsWith("): wall-clock timeout of 0.0001 s exceeded"));
  CHECK(r.completed == 0);
  CHECK(r.stats.rhs_evals > 0);  // the statistics of the work done before the timeout are kept
}

TEST_CASE("invalid options throw OptionError before integrating", "[solve][failure]") {
  Decay decay;
  auto options = tolerances("rk45", 1e-6, 1e-9);
  options.abs_tol = {1e-9, 1e-9};
  CHECK_THROWS_AS(solve::integrate(decay, Eigen::VectorXd::Ones(1), 0, {}, sample_times({1}), options),
                  OptionError);
  options = tolerances("rk4", 1e-6, 1e-9);
  CHECK_THROWS_WITH(solve::integrate(decay, Eigen::VectorXd::Ones(1), 0, {}, sample_times({1}), options),
                    Contains("solver.method"));
}

namespace {
/// A system without states (an SBML model made only of rules of t).
class NoStates final : public solve::OdeSystem {
 public:
  std::size_t size() const override { return 0; }
  void rhs(double, const double*, double*) override {}
};
}  // namespace

TEST_CASE("a system without states records every sample and succeeds", "[solve][regression]") {
  NoStates system;
  for (const std::string method : {"auto", "rk45", "rodas4"}) {
    INFO(method);
    const auto result = solve::integrate(system, Eigen::VectorXd(0), 0, {}, sample_times({0.0, 1.0, 2.5}),
                                         tolerances(method, 1e-6, 1e-9));
    CHECK(result.ok());
    CHECK(result.completed == 3);
    CHECK(result.states.rows() == 3);
    CHECK(result.states.cols() == 0);
  }
}
