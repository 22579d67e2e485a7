// Switch functions of compiled models (CompiledModel::switches): which
// comparisons, min and max of f become switches, and solve() restarting at a
// state-dependent piecewise rate and at a time-dependent input.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "model/compiled_model.hpp"
#include "solve/solve.hpp"
#include "solve/solve_test_helpers.hpp"

using namespace exvivo;
using namespace exvivo::testing;
using Catch::Matchers::WithinRel;

namespace {

// x grows at rate 1 until it reaches x_on = 2, then at rate 50 (a piecewise
// of the state); y is fed from t = t_in = 3 on (a piecewise of t) at a rate
// 1e4; z decays at max(x, y) − min(x, 2) ≥ 0, a kink each. p_only is a
// comparison of parameters only (no switch), obs a comparison that only an
// observable uses (no switch either: it does not affect the integration).
constexpr const char* switch_model = R"(model: switches
time_unit: h
parameters:
  x_on: {value: 2, unit: 1}
  t_in: {value: 3, unit: h}
  a: {value: 1, unit: 1}
species:
  x: {initial: 0, unit: 1}
  y: {initial: 0, unit: 1}
  z: {initial: 1, unit: 1}
assignments:
  p_only: piecewise(1, a > 0.5, 2)
odes:
  x: piecewise(1, x < x_on, 50) * p_only
  y: piecewise(0, t < t_in, 1e4)
  z: -0.01 * (max(x, y) - min(x, 2)) * z
observables:
  obs: {formula: "x > 5", unit: 1}
)";

const model::CompiledModel& switch_model_compiled() {
  static const model::CompiledModel m = model::load_model_from_string(switch_model, "switches.yaml");
  return m;
}

double x_exact(double t) { return t < 2 ? t : 2 + 50 * (t - 2); }
double y_exact(double t) { return t < 3 ? 0 : 1e4 * (t - 3); }

}  // namespace

TEST_CASE("compiled switches: comparisons, min and max of t and the state in f", "[solve][switches]") {
  const model::CompiledModel& m = switch_model_compiled();
  // x < x_on, t < t_in, max(x, y), min(x, 2); not a > 0.5 (parameters only)
  // nor the observable's x > 5.
  REQUIRE(m.num_switches() == 4);
  auto ws = m.make_workspace();
  std::vector<double> g(m.num_switches());
  const double x[3] = {1.5, 4, 1};
  m.switches(2.5, x, ws, g.data());
  // x − x_on, t − t_in, and ± (y − x), ± (2 − x) (min and max order their
  // operands canonically): compared by magnitude.
  std::vector<double> magnitudes, expected = {0.5, 0.5, 0.5, 2.5};
  for (const double v : g) magnitudes.push_back(std::abs(v));
  std::sort(magnitudes.begin(), magnitudes.end());
  for (std::size_t k = 0; k < expected.size(); ++k) CHECK_THAT(magnitudes[k], WithinRel(expected[k], 1e-15));
}

TEST_CASE("solve() restarts at a state and a time switch of a model and stays exact", "[solve][switches]") {
  const model::CompiledModel& m = switch_model_compiled();
  const std::string method = GENERATE("rk45", "rodas4", "auto");
  INFO(method);
  solve::Run run;
  run.model = &m;
  run.parameters = m.default_parameters();
  const std::vector<double> times = {1, 2, 2.5, 3, 3.5, 4};
  run.samples = sample_times(times);
  const solve::Solution s = solve::solve(run, tolerances(method, 1e-10, 1e-12));
  REQUIRE(s.ok());
  for (std::size_t i = 0; i < times.size(); ++i) {
    INFO("t = " << times[i]);
    const auto r = static_cast<Eigen::Index>(i);
    CHECK_THAT(s.states(r, 0), WithinRel(x_exact(times[i]), 1e-9));
    if (times[i] > 3)
      CHECK_THAT(s.states(r, 1), WithinRel(y_exact(times[i]), 1e-9));
    else
      CHECK(std::abs(s.states(r, 1)) <= 1e-9);
  }
}
