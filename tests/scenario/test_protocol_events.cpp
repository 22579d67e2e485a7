// Event semantics against the closed form of the dosed one-compartment model
// (models/one_compartment.yaml): C(t) = C(t_k)·exp(−k_el·(t − t_k)) between
// events. Tolerance: rel_tol 1e-10 in the solver, checked to 1e-7 relative.
#include <catch2/catch.hpp>

#include <cmath>

#include "scenario/run_plan.hpp"
#include "scenario/scenario.hpp"
#include "scenario_fixture.hpp"
#include "solve/solve.hpp"

using namespace exvivo;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

constexpr double tight = 1e-7;

solve::Solution run(const scenario::Scenario& s, std::size_t index) {
  const scenario::RunPlan plan(s);
  auto sol = solve::solve(plan.make_run(index), s.solver);
  REQUIRE(sol.ok());
  return sol;
}

double concentration(const scenario::Scenario& s, const solve::Solution& sol, std::size_t sample) {
  return sol.states(static_cast<Eigen::Index>(sample), static_cast<Eigen::Index>(*s.model->species_index("C")));
}

}  // namespace

TEST_CASE("repeated adds with unit conversion, wash and sampling before/at events match the closed form",
          "[scenario][events]") {
  auto s = scenario::load_scenario(std::string(EXVIVO_SOURCE_DIR) + "/scenarios/one_compartment_dosing.yaml");
  s.solver.rel_tol = 1e-10;
  s.solver.abs_tol = {1e-14};
  for (const char* method : {"rk45", "rosenbrock", "auto"}) {
    s.solver.method = method;
    for (const auto& [donor, k] : {std::pair{0, 0.05}, std::pair{1, 0.5}}) {
      // arm `twice` (index 1), dose sample 1 (10 ng/mL)
      const std::size_t index = (static_cast<std::size_t>(donor) * 2 + 1) * 3 + 1;
      const auto sol = run(s, index);
      const double d = 10;
      const double after12 = d * std::exp(-12 * k) + d;
      const double one_nM = 17.0;  // ng/mL for a 17 kDa protein
      const std::vector<double> expected{
          d,                                  // 0 h (after the add at 0 h)
          d * std::exp(-6 * k),               // 6 h
          d * std::exp(-12 * k),              // 12 h-
          after12,                            // 12 h
          after12 * std::exp(-6 * k),         // 18 h
          after12 * std::exp(-12 * k),        // 24 h-
          0,                                  // 24 h (washed)
          0,                                  // 30 h-
          one_nM,                             // 30 h (1 nM added)
          one_nM * std::exp(-6 * k),          // 36 h
          one_nM * std::exp(-18 * k)};        // 48 h
      INFO("method " << method << ", k_el " << k);
      REQUIRE(sol.completed == expected.size());
      for (std::size_t i = 0; i < expected.size(); ++i) {
        INFO("sample " << i << " at t = " << s.samples[i].time);
        CHECK_THAT(concentration(s, sol, i), WithinRel(expected[i], tight) || WithinAbs(expected[i], 1e-10));
      }
      // cells are not soluble: the wash keeps them
      CHECK_THAT(sol.states(6, static_cast<Eigen::Index>(*s.model->species_index("cells"))), WithinRel(1000.0, 1e-12));
    }
  }
}

TEST_CASE("same-time events: arm events first, then common ones in file order; set and scale", "[scenario][events]") {
  test::TempDir dir;
  const auto file = dir.write("s.yaml", "scenario: order\nmodel: " + test::one_compartment_model() + R"(
solver: {rel_tol: 1e-10, abs_tol: 1e-14}
arms:
  - id: a
    protocol:
      - {at: 5 h, set: {C: 3 ng/mL}}
      - {at: 8 h, scale: {C: 0.5}}
protocol:
  - {at: 0 h, add: {C: 2000 pg/mL}}
  - {at: 5 h, scale: {C: 2}}
  - {at: 5 h, add: {C: 1}}
samples:
  times: [5 h-, 5 h, 8 h-, 8 h, 10 h]
)");
  const auto s = scenario::load_scenario(file);
  const auto sol = run(s, 0);
  const double k = 0.1;
  CHECK_THAT(concentration(s, sol, 0), WithinRel(2 * std::exp(-5 * k), tight));
  CHECK_THAT(concentration(s, sol, 1), WithinRel(7.0, tight));  // set 3, then ×2, then +1
  CHECK_THAT(concentration(s, sol, 2), WithinRel(7 * std::exp(-3 * k), tight));
  CHECK_THAT(concentration(s, sol, 3), WithinRel(3.5 * std::exp(-3 * k), tight));
  CHECK_THAT(concentration(s, sol, 4), WithinRel(3.5 * std::exp(-5 * k), tight));
}
