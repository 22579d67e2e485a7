// State-triggered protocol steps (`when:`) against the closed form of the
// one-compartment model (dC/dt = −k_el·C): with C(0) = 20 ng/mL and
// `when: "C < 5"` adding 10 ng/mL, the step fires at t1 = ln(20/5)/k_el,
// C jumps to 15 and falls below 5 again at t1 + ln(15/5)/k_el, and so on.
// Solver rel_tol 1e-10; values checked to 1e-7 relative. Also: a trigger on
// an observable, a step triggered at t = 0, combination with a timed step,
// and the messages for bad triggers (key path, exit 2 as ScenarioError).
#include <catch2/catch.hpp>

#include <cmath>

#include "core/error.hpp"
#include "scenario/run_plan.hpp"
#include "scenario/scenario.hpp"
#include "scenario_fixture.hpp"
#include "solve/solve.hpp"

using namespace exvivo;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;

namespace {

scenario::Scenario load(const test::TempDir& dir, const std::string& protocol, const std::string& times) {
  const std::string text = "scenario: state_events\nmodel: " + test::one_compartment_model() +
                           "\nsolver: {method: rosenbrock, rel_tol: 1e-10, abs_tol: 1e-14}\n"
                           "set: {C0: 20 ng/mL, k_el: 0.1}\nprotocol:\n" +
                           protocol + "samples:\n  times: " + times + "\n";
  return scenario::load_scenario(dir.write("s.yaml", text));
}

double C(const scenario::Scenario& s, const solve::Solution& sol, std::size_t k) {
  return sol.states(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(*s.model->species_index("C")));
}

solve::Solution solve_run(const scenario::Scenario& s) {
  const scenario::RunPlan plan(s);
  auto sol = solve::solve(plan.make_run(0), s.solver);
  REQUIRE(sol.ok());
  return sol;
}

}  // namespace

TEST_CASE("a state-triggered add fires where the closed form crosses the threshold", "[scenario][state_events]") {
  const test::TempDir dir;
  const double k = 0.1, t1 = std::log(4.0) / k, t2 = t1 + std::log(3.0) / k;
  const auto s = load(dir, "  - {when: \"C < 5\", add: {C: 10 ng/mL}}\n", "[10 h, 20 h, 30 h]");
  const auto sol = solve_run(s);
  // 10 h: before t1 = 13.86 h; 20 h: after one step; 30 h: after the second (t2 = 24.85 h).
  CHECK_THAT(C(s, sol, 0), WithinRel(20 * std::exp(-k * 10), 1e-7));
  CHECK_THAT(C(s, sol, 1), WithinRel(15 * std::exp(-k * (20 - t1)), 1e-7));
  CHECK_THAT(C(s, sol, 2), WithinRel(15 * std::exp(-k * (30 - t2)), 1e-7));
}

TEST_CASE("state triggers on observables, at t = 0, and together with timed steps", "[scenario][state_events]") {
  const test::TempDir dir;
  const double k = 0.1;
  SECTION("observable C_pM (pM) and a timed add before the crossing") {
    // 5 ng/mL = 5e6/17000 pM; a timed add of 10 ng/mL at 5 h delays the crossing.
    const auto s = load(dir,
                        "  - {at: 5 h, add: {C: 10 ng/mL}}\n"
                        "  - {when: \"C_pM < 5e6 / 17000\", set: {C: 15 ng/mL}}\n",
                        "[5 h-, 5 h, 30 h]");
    const auto sol = solve_run(s);
    const double c5 = 20 * std::exp(-k * 5) + 10;
    const double t1 = 5 + std::log(c5 / 5) / k;
    CHECK_THAT(C(s, sol, 0), WithinRel(20 * std::exp(-k * 5), 1e-7));
    CHECK_THAT(C(s, sol, 1), WithinRel(c5, 1e-7));
    CHECK_THAT(C(s, sol, 2), WithinRel(15 * std::exp(-k * (30 - t1)), 1e-7));
  }
  SECTION("a trigger that is true at t = 0 fires at t = 0") {
    const auto s = load(dir, "  - {when: \"C > 10\", scale: {C: 0.5}}\n", "[0 h, 10 h]");
    const auto sol = solve_run(s);
    CHECK_THAT(C(s, sol, 0), WithinRel(10.0, 1e-12));
    CHECK_THAT(C(s, sol, 1), WithinRel(10 * std::exp(-k * 10), 1e-7));
  }
}

TEST_CASE("bad triggers are refused with the step's key path", "[scenario][state_events]") {
  const test::TempDir dir;
  const auto fails = [&](const std::string& protocol, const std::string& message) {
    INFO(protocol);
    CHECK_THROWS_AS(load(dir, protocol, "[1 h]"), ScenarioError);
    CHECK_THROWS_WITH(load(dir, protocol, "[1 h]"), Contains(message));
  };
  fails("  - {when: \"C\", add: {C: 1}}\n",
        "protocol[0].when: a trigger compares two quantities with <, <=, > or >=, got 'C'");
  fails("  - {when: \"Cx < 5\", add: {C: 1}}\n", "unknown name 'Cx' in the trigger 'Cx < 5'");
  fails("  - {when: \"Cx < 5\", add: {C: 1}}\n", "did you mean 'C'");
  fails("  - {when: \"C < \", add: {C: 1}}\n", "protocol[0].when");
  fails("  - {when: \"C < 5\", at: 1 h, add: {C: 1}}\n", "either 'at' (a time) or 'when' (a trigger), not both");
  fails("  - {add: {C: 1}}\n", "an event needs 'at' (a time, at: 24 h) or 'when'");
}
