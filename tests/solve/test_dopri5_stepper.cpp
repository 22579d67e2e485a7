// The Dormand–Prince stepper is written out (solve/dopri5_stepper.cpp) with
// Boost.Odeint's runge_kutta_dopri5 arithmetic: trial states, error
// estimates and dense output must equal odeint's bit for bit, the error norm
// ErrorNorm's up to the rounding of its sum (summed in four lanes),
// on a state length that fills whole vector registers (HIRES, 8) and on
// lengths that leave a remainder (Orego, 3; Van der Pol, 2).
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <boost/numeric/odeint/external/eigen/eigen.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <vector>

#include "solve/error_norm.hpp"
#include "solve/reference_problems.hpp"
#include "solve/step_controller.hpp"
#include "solve/stepper.hpp"

using namespace exvivo;
using namespace exvivo::testing;

namespace {

namespace odeint = boost::numeric::odeint;
using State = Eigen::VectorXd;
using OdeintDopri5 = odeint::runge_kutta_dopri5<State, double, State, double, odeint::vector_space_algebra>;

template <class Problem>
void check_against_odeint(Problem& problem, const std::vector<double>& x0, double h0) {
  const auto n = static_cast<Eigen::Index>(problem.size());
  solve::detail::ErrorNorm norm(1e-6, {1e-9}, problem.size());
  solve::SolveStats stats;
  auto stepper = solve::detail::make_dopri5(problem, norm, stats);

  const auto f = [&problem](const State& x, State& dxdt, double t) { problem.rhs(t, x.data(), dxdt.data()); };
  OdeintDopri5 reference;
  State x = Eigen::Map<const State>(x0.data(), n), dxdt(n), x_new(n), dxdt_new(n), err(n), dense(n), mine(n);
  double t = 0;
  f(x, dxdt, t);
  stepper->reset(t, x);

  double h = h0;
  for (int step = 0; step < 40; ++step) {
    reference.do_step(f, x, dxdt, t, x_new, dxdt_new, h, err);
    const double reference_norm = norm(err, x, x_new);
    const double my_norm = stepper->try_step(h);
    INFO("step " << step << ", h = " << h);
    REQUIRE(my_norm == Approx(reference_norm).epsilon(1e-14));
    for (Eigen::Index i = 0; i < n; ++i) {
      REQUIRE(stepper->candidate()[i] == x_new[i]);
      REQUIRE(stepper->error_estimate()[i] == err[i]);
    }
    if (my_norm > 1) {  // rejected: both retry with half the step
      h *= 0.5;
      continue;
    }
    stepper->accept(t + h, {});
    for (double theta : {0.1, 0.5, 0.93}) {
      reference.calc_state(t + theta * h, dense, x, dxdt, t, x_new, dxdt_new, t + h);
      stepper->interpolate(t + theta * h, mine);
      for (Eigen::Index i = 0; i < n; ++i) REQUIRE(mine[i] == dense[i]);
    }
    x.swap(x_new);
    dxdt.swap(dxdt_new);
    t += h;
    for (Eigen::Index i = 0; i < n; ++i) REQUIRE(stepper->derivative()[i] == dxdt[i]);
    h *= 1.3;
  }
}

}  // namespace

TEST_CASE("Dormand-Prince steps equal Boost.Odeint's runge_kutta_dopri5 bit for bit", "[solve][rk45]") {
  SECTION("HIRES, 8 states") {
    Hires hires;
    check_against_odeint(hires, {1, 0, 0, 0, 0, 0, 0, 0.0057}, 1e-3);
  }
  SECTION("Orego, 3 states") {
    Orego orego;
    check_against_odeint(orego, {1, 2, 3}, 1e-6);
  }
  SECTION("Van der Pol, 2 states") {
    VanDerPol vdp;
    check_against_odeint(vdp, {2, 0}, 1e-7);
  }
}

TEST_CASE("the step controller's powers agree with std::pow to 1e-6", "[solve][controller]") {
  using solve::detail::fast_exp2;
  using solve::detail::fast_log2;
  for (double exponent : {0.17, -0.04, 0.25, -0.25}) {
    for (double x = 1e-300; x < 1e10; x *= 1.37) {
      INFO("x = " << x << ", exponent = " << exponent);
      CHECK(fast_exp2(exponent * fast_log2(x)) == Approx(std::pow(x, exponent)).epsilon(1e-6));
    }
  }
  CHECK(fast_log2(1.0) == 0.0);
  CHECK(fast_log2(0.5) == -1.0);
  CHECK(fast_exp2(0.0) == 1.0);
  CHECK(fast_log2(0.0) == Approx(-1022.0));  // below the normal range: the least normal number
}
