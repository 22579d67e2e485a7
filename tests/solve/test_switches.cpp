// Restarts at switches (OdeSystem::switches, integrate.hpp): where a test
// g < 0 changes value, f jumps; the integrator ends a step exactly before the
// change and restarts after it, so no step's stages straddle the jump.
#include <catch2/catch.hpp>

#include <cmath>

#include "solve/integrate.hpp"
#include "solve/solve_test_helpers.hpp"

using namespace exvivo;
using namespace exvivo::testing;
using Catch::Matchers::WithinRel;

namespace {

/// x' = −0.1·x before t = 30 and x' = 1e4 from t = 30 on (a drug input that
/// switches on, as in PEtab's Isensee_JCB2018): g = t − 30.
class TimeSwitch final : public solve::OdeSystem {
 public:
  explicit TimeSwitch(bool announce) : announce_(announce) {}
  std::size_t size() const override { return 1; }
  void rhs(double t, const double* x, double* dxdt) override { dxdt[0] = t - 30 < 0 ? -0.1 * x[0] : 1e4; }
  bool nonnegative() const override { return true; }
  std::size_t num_switches() const override { return announce_ ? 1 : 0; }
  void switches(double t, const double*, double* g) override { g[0] = t - 30; }

 private:
  bool announce_;
};

double time_switch_exact(double t) { return t < 30 ? std::exp(-0.1 * t) : std::exp(-3.0) + 1e4 * (t - 30); }

/// x' = 1 while x < 2, then x' = 50 (a state-dependent piecewise rate):
/// g = x − 2, crossed at t = 2.
class StateSwitch final : public solve::OdeSystem {
 public:
  std::size_t size() const override { return 1; }
  void rhs(double, const double* x, double* dxdt) override { dxdt[0] = x[0] - 2 < 0 ? 1 : 50; }
  std::size_t num_switches() const override { return 1; }
  void switches(double, const double* x, double* g) override { g[0] = x[0] - 2; }
};

double state_switch_exact(double t) { return t < 2 ? t : 2 + 50 * (t - 2); }

}  // namespace

TEST_CASE("a time switch with a large jump in f: restart exactly there, no step size underflow", "[solve][switches]") {
  const std::string method = GENERATE("rk45", "rodas4", "auto");
  INFO(method);
  const std::vector<double> times = {10, 29.5, 30, 30.5, 40};
  TimeSwitch system(true);
  const auto r = solve::integrate(system, Eigen::VectorXd::Constant(1, 1.0), 0, {}, sample_times(times),
                                  tolerances(method, 1e-10, 1e-12));
  REQUIRE(r.ok());
  for (std::size_t i = 0; i < times.size(); ++i) {
    INFO("t = " << times[i]);
    CHECK_THAT(r.states(static_cast<Eigen::Index>(i), 0), WithinRel(time_switch_exact(times[i]), 1e-8));
  }
  // A handful of retries at the switch, not a cascade of rejections.
  CHECK(r.stats.rejected_steps <= 12);
}

TEST_CASE("the time switch unannounced: the integrator cannot step across the jump", "[solve][switches]") {
  // The same system without its switch function: what the restart prevents.
  TimeSwitch system(false);
  const auto r = solve::integrate(system, Eigen::VectorXd::Constant(1, 1.0), 0, {}, sample_times({40}),
                                  tolerances("rodas4", 1e-10, 1e-12));
  CHECK(r.status == solve::Status::step_underflow);
}

TEST_CASE("a state switch: located on the dense output, the solution stays exact across it", "[solve][switches]") {
  const std::string method = GENERATE("rk45", "rodas4", "auto");
  INFO(method);
  const std::vector<double> times = {0.5, 1.999, 2, 2.001, 3};
  StateSwitch system;
  const auto r =
      solve::integrate(system, Eigen::VectorXd::Zero(1), 0, {}, sample_times(times), tolerances(method, 1e-10, 1e-12));
  REQUIRE(r.ok());
  for (std::size_t i = 0; i < times.size(); ++i) {
    INFO("t = " << times[i]);
    CHECK_THAT(r.states(static_cast<Eigen::Index>(i), 0), WithinRel(state_switch_exact(times[i]), 1e-9));
  }
  CHECK(r.stats.rejected_steps <= 20);
}

TEST_CASE("a switch between two events restarts within the segment; events still apply", "[solve][switches]") {
  StateSwitch system;
  using Kind = solve::EventAction::Kind;
  const std::vector<solve::Event> events = {{0.5, {{Kind::add, 0, 0.75}}}, {3, {{Kind::set, 0, 0}}}};
  // x = t + 0.75 after 0.5, reaching 2 at t = 1.25; then 2 + 50 (t − 1.25);
  // set to 0 at t = 3, then x = t − 3 (below 2 until t = 5).
  const std::vector<double> times = {1, 1.25, 2, 3, 4};
  const auto r = solve::integrate(system, Eigen::VectorXd::Zero(1), 0, events, sample_times(times),
                                  tolerances("auto", 1e-10, 1e-12));
  REQUIRE(r.ok());
  const std::vector<double> expected = {1.75, 2, 2 + 50 * 0.75, 0, 1};
  for (std::size_t i = 0; i < times.size(); ++i) {
    INFO("t = " << times[i]);
    CHECK_THAT(r.states(static_cast<Eigen::Index>(i), 0), WithinRel(expected[i], 1e-9));
  }
}
