#include <catch2/catch.hpp>

#include <cmath>

#include "model/compiled_model.hpp"
#include "model_test_support.hpp"

using namespace exvivo::model;
using exvivo::model::testing::load;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

TEST_CASE("decay model loads and evaluates", "[model]") {
  const CompiledModel m = load(R"(model: decay
time_unit: h
parameters:
  k: {value: 0.5, unit: 1/h}
  x0: 2
species:
  x: {initial: x0}
odes:
  x: -k * x
observables:
  x_obs: {formula: x, noise: {distribution: normal, sigma: 0.1}}
)");
  REQUIRE(m.num_states() == 1);
  REQUIRE(m.num_parameters() == 2);
  auto ws = m.make_workspace();
  double x0 = 0;
  m.initial_state(ws, &x0);
  CHECK_THAT(x0, WithinRel(2.0, 1e-15));
  const double x = 3;
  double dxdt = 0, J = 0;
  m.rhs(0, &x, ws, &dxdt);
  CHECK_THAT(dxdt, WithinRel(-1.5, 1e-15));
  m.jacobian(0, &x, ws, &J);
  CHECK_THAT(J, WithinRel(-0.5, 1e-15));
}
