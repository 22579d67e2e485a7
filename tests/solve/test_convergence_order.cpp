// Convergence order of each stepper: with tolerances so loose that no step is
// rejected and max_step = initial_step = h, the integrators run at fixed step
// h; the global error at t = 1 must fall like h^p (slope of log error against
// log h fitted by least squares over h = 0.2 ... 0.0125).
#include <catch2/catch.hpp>

#include <cmath>

#include "solve/integrate.hpp"
#include "solve/reference_problems.hpp"
#include "solve/solve_test_helpers.hpp"

using namespace exvivo;
using namespace exvivo::testing;

namespace {

/// x' = -x + sin(t) (explicitly time dependent: exercises Rodas' ∂f/∂t terms);
/// x(t) = (x0 + 1/2) e^{-t} + (sin t − cos t)/2.
class Forced final : public solve::OdeSystem {
 public:
  std::size_t size() const override { return 1; }
  bool has_analytic_jacobian() const override { return true; }
  void rhs(double t, const double* x, double* f) override { f[0] = -x[0] + std::sin(t); }
  void jacobian(double, const double*, double* J) override { J[0] = -1; }
  static double exact(double t, double x0) {
    return (x0 + 0.5) * std::exp(-t) + 0.5 * (std::sin(t) - std::cos(t));
  }
};

double fitted_slope(const std::vector<double>& h, const std::vector<double>& error) {
  double mx = 0, my = 0;
  const double n = static_cast<double>(h.size());
  for (std::size_t i = 0; i < h.size(); ++i) {
    mx += std::log(h[i]) / n;
    my += std::log(error[i]) / n;
  }
  double sxy = 0, sxx = 0;
  for (std::size_t i = 0; i < h.size(); ++i) {
    sxy += (std::log(h[i]) - mx) * (std::log(error[i]) - my);
    sxx += (std::log(h[i]) - mx) * (std::log(h[i]) - mx);
  }
  return sxy / sxx;
}

solve::SolverOptions fixed_step(const std::string& method, double h) {
  auto options = tolerances(method, 0.5, 1e6);
  options.initial_step = h;
  options.max_step = h;
  return options;
}

/// Global error at t_end (end point) or at an off-grid sample (dense output).
template <class System, class Exact>
std::vector<double> errors(const std::string& method, const std::vector<double>& steps,
                           const Eigen::VectorXd& x0, double t_sample, Exact exact) {
  std::vector<double> result;
  for (double h : steps) {
    System system;
    const auto r = solve::integrate(system, x0, 0, {}, sample_times({t_sample, 1.0}),
                                    fixed_step(method, h));
    REQUIRE(r.ok());
    REQUIRE(r.stats.rejected_steps == 0);
    const Eigen::VectorXd approx = r.states.row(t_sample == 1.0 ? 1 : 0).transpose();
    result.push_back((approx - exact(t_sample)).norm());
  }
  return result;
}

const std::vector<double> steps = {0.2, 0.1, 0.05, 0.025, 0.0125};

}  // namespace

TEST_CASE("DOPRI5 converges with order 5 at step ends", "[solve][order]") {
  const auto e = errors<Linear2>("rk45", steps, to_vector(std::array<double, 2>{1, 0}), 1.0,
                                 [](double t) { return to_vector(Linear2::exact(t, 1, 0)); });
  const double slope = fitted_slope(steps, e);
  INFO("slope " << slope);
  CHECK(slope > 4.7);
  CHECK(slope < 5.5);
}

TEST_CASE("Rodas4 converges with order 4 at step ends", "[solve][order]") {
  SECTION("autonomous linear system") {
    const auto e = errors<Linear2>("rodas4", steps, to_vector(std::array<double, 2>{1, 0}), 1.0,
                                   [](double t) { return to_vector(Linear2::exact(t, 1, 0)); });
    const double slope = fitted_slope(steps, e);
    INFO("slope " << slope);
    CHECK(slope > 3.7);
    CHECK(slope < 4.6);
  }
  SECTION("time-dependent forcing (∂f/∂t terms)") {
    const auto e = errors<Forced>("rodas4", steps, Eigen::VectorXd::Constant(1, 2.0), 1.0,
                                  [](double t) { return Eigen::VectorXd::Constant(1, Forced::exact(t, 2.0)); });
    const double slope = fitted_slope(steps, e);
    INFO("slope " << slope);
    CHECK(slope > 3.7);
    CHECK(slope < 4.6);
  }
}

TEST_CASE("dense output converges with the interpolant's order between steps", "[solve][order]") {
  // t = 0.2·(1/3)+... : a point inside a step for every h of the sweep.
  const double t_inside = 0.7 / 3.0;
  auto exact = [](double t) { return to_vector(Linear2::exact(t, 1, 0)); };
  const auto rk = errors<Linear2>("rk45", steps, to_vector(std::array<double, 2>{1, 0}), t_inside, exact);
  const auto ro = errors<Linear2>("rodas4", steps, to_vector(std::array<double, 2>{1, 0}), t_inside, exact);
  INFO("rk45 slope " << fitted_slope(steps, rk) << ", rodas4 slope " << fitted_slope(steps, ro));
  CHECK(fitted_slope(steps, rk) > 3.7);  // DOPRI5's continuous extension: order 4
  CHECK(fitted_slope(steps, ro) > 2.7);  // Rodas4's: order 3
}
