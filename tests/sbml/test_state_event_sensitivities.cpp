// Forward sensitivities across scenario `when:` steps
// (fit/state_event_sensitivities.hpp) on the one-compartment model
// dC/dt = −k·C, C(0) = C0, with `when: "C < 5"` adding 10 ng/mL: the step
// fires at t1 = ln(C0/5)/k, after which C = 15·exp(−k(t − t1)), so
//
//   dC/dk  = −t·C          (−(t − t1)·C without the event-time term)
//   dC/dC0 = C/C0
//
// checked to 1e-6 relative at solver rel_tol 1e-10. Set and scale steps, a
// trigger on a parameter-dependent observable and a timed step before the
// crossing are checked against central differences of plain solves
// (h = 1e-6 relative; agreement to 1e-5 relative + 1e-9 absolute).
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "fit/sensitivity.hpp"
#include "scenario/run_plan.hpp"
#include "scenario/scenario.hpp"
#include "scenario/scenario_fixture.hpp"
#include "solve/solve.hpp"

using namespace exvivo;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

scenario::Scenario load(const test::TempDir& dir, const std::string& protocol, const std::string& times) {
  const std::string text = "scenario: state_event_sensitivities\nmodel: " + test::one_compartment_model() +
                           "\nsolver: {method: rosenbrock, rel_tol: 1e-10, abs_tol: 1e-14}\n"
                           "set: {C0: 20 ng/mL, k_el: 0.1}\nprotocol:\n" +
                           protocol + "samples:\n  times: " + times + "\n";
  return scenario::load_scenario(dir.write("s.yaml", text));
}

struct Setup {
  scenario::Scenario s;
  solve::Run run;
  std::size_t k, c0, C;
};

Setup setup(const test::TempDir& dir, const std::string& protocol, const std::string& times) {
  Setup out{load(dir, protocol, times), {}, 0, 0, 0};
  out.run = scenario::RunPlan(out.s).make_run(0);
  out.k = *out.s.model->parameter_index("k_el");
  out.c0 = *out.s.model->parameter_index("C0");
  out.C = *out.s.model->species_index("C");
  return out;
}

/// Central difference of C at every sample by model parameter p.
std::vector<double> central_difference(const Setup& u, std::size_t p) {
  const double v = u.run.parameters[p], h = 1e-6 * std::fabs(v);
  solve::Run up = u.run, down = u.run;
  up.parameters[p] = v + h;
  down.parameters[p] = v - h;
  const auto a = solve::solve(up, u.s.solver), b = solve::solve(down, u.s.solver);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  std::vector<double> d;
  for (Eigen::Index r = 0; r < a.states.rows(); ++r)
    d.push_back((a.states(r, static_cast<Eigen::Index>(u.C)) - b.states(r, static_cast<Eigen::Index>(u.C))) / (2 * h));
  return d;
}

void check_against_differences(const Setup& u) {
  const auto sens = fit::solve_with_sensitivities(u.run, {u.k, u.c0}, u.s.solver);
  REQUIRE(sens.ok());
  const auto plain = solve::solve(u.run, u.s.solver);
  REQUIRE(plain.ok());
  for (std::size_t c = 0; c < 2; ++c) {
    const auto fd = central_difference(u, c == 0 ? u.k : u.c0);
    for (std::size_t r = 0; r < fd.size(); ++r) {
      const auto row = static_cast<Eigen::Index>(r);
      INFO("parameter " << (c == 0 ? "k_el" : "C0") << ", sample " << r);
      CHECK_THAT(sens.states(row, static_cast<Eigen::Index>(u.C)),
                 WithinRel(plain.states(row, static_cast<Eigen::Index>(u.C)), 1e-9));
      const double g = sens.state_sensitivities[r](static_cast<Eigen::Index>(u.C), static_cast<Eigen::Index>(c));
      CHECK_THAT(g, WithinAbs(fd[r], 1e-5 * std::fabs(fd[r]) + 1e-9));
    }
  }
}

}  // namespace

TEST_CASE("sensitivities jump at a when: step as the closed form says", "[sbml][state_events][sensitivities]") {
  const test::TempDir dir;
  const Setup u = setup(dir, "  - {when: \"C < 5\", add: {C: 10 ng/mL}}\n", "[10 h, 20 h]");
  const double k = 0.1, C0 = 20, t1 = std::log(C0 / 5) / k;
  const auto sens = fit::solve_with_sensitivities(u.run, {u.k, u.c0}, u.s.solver);
  REQUIRE(sens.ok());
  const auto C = static_cast<Eigen::Index>(u.C);
  // 10 h: before the step (C = C0·exp(−k t)); 20 h: after it (t1 = 13.86 h).
  const double c10 = C0 * std::exp(-k * 10), c20 = 15 * std::exp(-k * (20 - t1));
  CHECK_THAT(sens.states(0, C), WithinRel(c10, 1e-7));
  CHECK_THAT(sens.states(1, C), WithinRel(c20, 1e-7));
  CHECK_THAT(sens.state_sensitivities[0](C, 0), WithinRel(-10 * c10, 1e-6));
  CHECK_THAT(sens.state_sensitivities[0](C, 1), WithinRel(c10 / C0, 1e-6));
  CHECK_THAT(sens.state_sensitivities[1](C, 0), WithinRel(-20 * c20, 1e-6));
  CHECK_THAT(sens.state_sensitivities[1](C, 1), WithinRel(c20 / C0, 1e-6));
  // The observables and their sensitivities come with the pieces.
  const auto C_pM = static_cast<Eigen::Index>(*u.s.model->observable_index("C_pM"));
  CHECK_THAT(sens.observables(1, C_pM), WithinRel(c20 * 1e6 / 17000, 1e-7));
  CHECK_THAT(sens.observable_sensitivities[1](C_pM, 0), WithinRel(-20 * c20 * 1e6 / 17000, 1e-6));
}

TEST_CASE("sensitivities across when: steps equal central differences", "[sbml][state_events][sensitivities]") {
  const test::TempDir dir;
  SECTION("set, firing twice") {
    check_against_differences(setup(dir, "  - {when: \"C < 5\", set: {C: 12 ng/mL}}\n", "[5 h, 12 h, 20 h, 30 h]"));
  }
  SECTION("scale") {
    check_against_differences(setup(dir, "  - {when: \"C < 8\", scale: {C: 3}}\n", "[5 h, 10 h, 20 h]"));
  }
  SECTION("a trigger on an observable, after a timed step; samples at the step time") {
    check_against_differences(setup(dir,
                                    "  - {at: 5 h, add: {C: 10 ng/mL}}\n"
                                    "  - {when: \"C_pM < 5e6 / 17000\", add: {C: 15 ng/mL}}\n",
                                    "[5 h-, 5 h, 25 h, 40 h]"));
  }
  SECTION("a trigger true at t = 0") {
    check_against_differences(setup(dir, "  - {when: \"C > 10\", scale: {C: 0.5}}\n", "[0 h, 10 h]"));
  }
}
