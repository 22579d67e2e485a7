// SBML events simulated by solve_with_events: event times against analytic
// ones, firing at t0, simultaneous events in document order.
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "sbml_event_model.hpp"
#include "solve/event_driver.hpp"

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using exvivo::test::assign;
using exvivo::test::event;

namespace {

/// x' = -x, x(0) = 1, with the given events; returns x and y at `times`.
std::vector<std::array<double, 2>> simulate(const std::string& name, const std::string& events,
                                            const std::vector<double>& times) {
  using exvivo::test::parameter;
  const exvivo::test::EventModel m(name, parameter("x", 1, false) + parameter("y", 0, false), "x",
                                   "<apply><minus/><ci>x</ci></apply>", events);
  exvivo::solve::Run run;
  run.model = &m.model;
  run.parameters = m.model.default_parameters();
  for (const double t : times) run.samples.push_back({t, false});
  exvivo::solve::SolverOptions solver;
  solver.rel_tol = 1e-10;
  solver.abs_tol = {1e-12};
  const auto solution = exvivo::solve::solve_with_events(run, m.events, solver);
  REQUIRE(solution.ok());
  std::vector<std::array<double, 2>> out;
  for (std::size_t k = 0; k < times.size(); ++k)
    out.push_back(
        {solution.states(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(*m.model.species_index("x"))),
         solution.states(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(*m.model.species_index("y")))});
  return out;
}

}  // namespace

TEST_CASE("a state-triggered event fires where the trigger crosses", "[sbml][events]") {
  // x < 0.5 first at t = ln 2; x is reset to 1 and y counts the firings.
  const auto r = simulate("state_event",
                          event("E1", "<apply><lt/><ci>x</ci><cn>0.5</cn></apply>",
                                assign("x", "<cn>1</cn>") + assign("y", "<apply><plus/><ci>y</ci><cn>1</cn></apply>")),
                          {0.5, 1.0, 2.0});
  const double ln2 = std::log(2.0);
  CHECK_THAT(r[0][0], WithinRel(std::exp(-0.5), 1e-8));
  CHECK(r[0][1] == 0.0);
  CHECK_THAT(r[1][0], WithinRel(std::exp(-(1.0 - ln2)), 1e-8));
  CHECK(r[1][1] == 1.0);
  // Fires again at 2 ln 2 ≈ 1.386: at t = 2, x = exp(-(2 - 2 ln 2)).
  CHECK_THAT(r[2][0], WithinRel(std::exp(-(2.0 - 2 * ln2)), 1e-8));
  CHECK(r[2][1] == 2.0);
}

TEST_CASE("time triggers fire at the output time they name; initialValue false fires at t0", "[sbml][events]") {
  const std::string time = R"(<csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/time">time</csymbol>)";
  const auto r = simulate("time_events",
                          event("at_t0", "<true/>", assign("y", "<cn>10</cn>"), false) +
                              event("at_1", "<apply><geq/>" + time + "<cn>1</cn></apply>", assign("x", "<cn>3</cn>")),
                          {0.0, 1.0, 1.5});
  CHECK(r[0][1] == 10.0);  // fired at t0, reported after it
  CHECK(r[1][0] == 3.0);   // the output at t = 1 reports the state after the event
  CHECK_THAT(r[2][0], WithinRel(3 * std::exp(-0.5), 1e-8));
}

TEST_CASE("simultaneous events execute in document order", "[sbml][events]") {
  // Both fire when x < 0.5 and take their values at the trigger time
  // (useValuesFromTriggerTime): E_a sets y = 1, then E_b sets y to its
  // trigger-time value + 5 = 5; executed in the other order y would be 1.
  const std::string lt = "<apply><lt/><ci>x</ci><cn>0.5</cn></apply>";
  const auto r = simulate("simultaneous",
                          event("E_a", lt, assign("y", "<cn>1</cn>")) +
                              event("E_b", lt, assign("y", "<apply><plus/><ci>y</ci><cn>5</cn></apply>")),
                          {1.0});
  CHECK(r[0][1] == 5.0);  // E_b ran last with y from the trigger time (0 + 5)
}
