#include <catch2/catch.hpp>

#include <cmath>

#include "scenario/run_plan.hpp"
#include "scenario/scenario.hpp"
#include "scenario_fixture.hpp"

using namespace exvivo;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {
std::string header() { return "scenario: dosing\nmodel: " + test::one_compartment_model() + "\n"; }
}  // namespace

TEST_CASE("a scenario expands into numbered runs: donors, then arms, then sweep samples", "[scenario]") {
  test::TempDir dir;
  const auto file = dir.write("s.yaml", header() + R"(
set: {k_el: 6 1/d}
donors:
  - id: a
    preset: low
  - id: b
    preset: high
    set: {k_el: 0.2 1/h, C: 2 ng/mL}
arms:
  - id: control
  - id: dosed
    protocol:
      - {at: 2 h, add: {C: $dose}}
protocol:
  - {at: 120 min, wash: true}
samples:
  times: [0 h, 2 h-, 2 h, 4 h]
sweep:
  factors:
    dose: {values: [1, 10, 100], unit: ug/mL}
    C0: {values: [0, 5]}
)");
  const auto s = scenario::load_scenario(file);
  const scenario::RunPlan plan(s);
  REQUIRE(plan.size() == 2 * 2 * 6);
  CHECK(plan.samples_per_arm() == 6);
  const auto k = plan.key(17);  // donor 1 (b), arm 0 (control), sample 5
  CHECK(k.donor == 1);
  CHECK(k.arm == 0);
  CHECK(k.sample == 5);
  CHECK(plan.donor_id(17) == "b");
  CHECK(plan.arm_id(17) == "control");
  // Grid: first factor slowest.
  CHECK(plan.factor_values(0) == std::vector<double>{1, 0});
  CHECK(plan.factor_values(1) == std::vector<double>{1, 5});
  CHECK(plan.factor_values(5) == std::vector<double>{100, 5});

  const std::size_t k_el = *s.model->parameter_index("k_el");
  const std::size_t C0 = *s.model->parameter_index("C0");
  // Donor a: preset low (0.05), then scenario set 6 1/d = 0.25 1/h wins.
  const auto run_a = plan.make_run(0);
  CHECK_THAT(run_a.parameters[k_el], WithinRel(0.25, 1e-12));
  // Donor b: donor set (0.2 1/h) comes after scenario set; C initial override 2 ng/mL.
  const auto run_b = plan.make_run(13);  // donor b, arm control, sample 1 (dose 1, C0 5)
  CHECK_THAT(run_b.parameters[k_el], WithinRel(0.2, 1e-12));
  CHECK_THAT(run_b.parameters[C0], WithinRel(5.0, 1e-12));
  REQUIRE(run_b.initial_overrides.size() == 1);
  CHECK(run_b.initial_overrides[0].first == *s.model->species_index("C"));
  CHECK_THAT(run_b.initial_overrides[0].second, WithinRel(2.0, 1e-12));

  // Dosed arm, sample 4 (dose 100 ug/mL = 1e5 ng/mL): the arm's add precedes the common wash at 2 h.
  const auto run = plan.make_run(6 + 4);
  REQUIRE(run.events.size() == 1);
  CHECK_THAT(run.events[0].time, WithinRel(2.0, 1e-12));
  REQUIRE(run.events[0].actions.size() == 2);
  CHECK(run.events[0].actions[0].kind == solve::EventAction::Kind::add);
  CHECK_THAT(run.events[0].actions[0].value, WithinRel(1e5, 1e-12));
  CHECK(run.events[0].actions[1].kind == solve::EventAction::Kind::set);  // the wash
  CHECK(run.events[0].actions[1].value == 0.0);
  // Samples: 2 h- before 2 h.
  REQUIRE(run.samples.size() == 4);
  CHECK(run.samples[1].before_event);
  CHECK(!run.samples[2].before_event);
}

TEST_CASE("implicit donor and arm, sample time forms and solver options", "[scenario]") {
  test::TempDir dir;
  SECTION("from/to/every in minutes converts to the model's hours") {
    const auto s = scenario::load_scenario(dir.write("s.yaml", header() + R"(
solver: {method: rk45, rel_tol: 1e-8, abs_tol: {default: 1e-10, C: 1e-12}, timeout: 2 min, max_steps: 500}
samples:
  times: {from: 0 h, to: 90 min, every: 30 min}
  observables: [C_pM]
)"));
    REQUIRE(s.donors.size() == 1);
    CHECK(s.donors[0].id == "default");
    REQUIRE(s.arms.size() == 1);
    CHECK(s.arms[0].id == "default");
    REQUIRE(s.samples.size() == 4);
    CHECK_THAT(s.samples[3].time, WithinRel(1.5, 1e-12));
    CHECK(s.observables == std::vector<std::size_t>{*s.model->observable_index("C_pM")});
    CHECK(s.solver.method == "rk45");
    CHECK_THAT(s.solver.timeout, WithinRel(120.0, 1e-12));
    CHECK(s.solver.max_steps == 500);
    REQUIRE(s.solver.abs_tol.size() == 2);
    CHECK_THAT(s.solver.abs_tol[*s.model->species_index("C")], WithinRel(1e-12, 1e-12));
    CHECK(s.output.dir == "results/dosing");
  }
  SECTION("values with a unit") {
    const auto s = scenario::load_scenario(dir.write("s.yaml", header() + R"(
samples:
  times: {values: [0, 30, 60], unit: min}
)"));
    REQUIRE(s.samples.size() == 3);
    CHECK_THAT(s.samples[2].time, WithinRel(1.0, 1e-12));
  }
}
