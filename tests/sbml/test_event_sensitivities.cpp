// Sensitivities across SBML events (sensitivities_with_events) against the
// analytic derivatives of x' = −k·x, x(0) = 1:
// - state trigger x < c with x ← x + a fires at τ = ln(1/c)/k, so for
//   τ < t < the next crossing x(t) = (c + a)/c · e^(−k t): the jump includes
//   the event-time term f·τ_p;
// - time trigger t ≥ T with x ← a: x(t) = a·e^(−k (t − T)) for t > T.
// Each with the methods auto, rk45 (staggered explicit sensitivities) and
// rodas4 (sensitivities in the error control).
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "sbml/event_sensitivities.hpp"
#include "sbml_event_model.hpp"

using Catch::Matchers::WithinRel;
using exvivo::test::math;

namespace {

struct Result {
  double x;
  double dk, dc, da, dT;
};

/// x and its sensitivities by k, c, a, T at time t, with `method`.
Result solve_at(const std::string& name, const std::string& event, double t, const std::string& method) {
  using exvivo::test::parameter;
  const exvivo::test::EventModel m(name,
                                   parameter("x", 1, false) + parameter("k", 1, true) + parameter("c", 0.5, true) +
                                       parameter("a", 2, true) + parameter("T", 0.7, true),
                                   "x", "<apply><times/><apply><minus/><ci>k</ci></apply><ci>x</ci></apply>", event);
  exvivo::solve::Run run;
  run.model = &m.model;
  run.parameters = m.model.default_parameters();
  run.samples = {{t, false}};
  exvivo::solve::SolverOptions solver;
  solver.method = method;
  solver.rel_tol = 1e-10;
  solver.abs_tol = {1e-12};
  const std::vector<std::size_t> columns{*m.model.parameter_index("k"), *m.model.parameter_index("c"),
                                         *m.model.parameter_index("a"), *m.model.parameter_index("T")};
  const Eigen::MatrixXd initial = Eigen::MatrixXd::Zero(1, 4);
  const auto r = exvivo::sbml::sensitivities_with_events(run, m.events, columns, initial, solver);
  REQUIRE(r.ok());
  const auto& S = r.state_sensitivities[0];
  return {r.states(0, 0), S(0, 0), S(0, 1), S(0, 2), S(0, 3)};
}

}  // namespace

TEST_CASE("sensitivities jump at a state-triggered event (with the event-time term)", "[sbml][events]") {
  const std::string event =
      R"(<event id="E" useValuesFromTriggerTime="true"><trigger initialValue="false" persistent="true">)" +
      math("<apply><lt/><ci>x</ci><ci>c</ci></apply>") +
      R"(</trigger><listOfEventAssignments><eventAssignment variable="x">)" +
      math("<apply><plus/><ci>x</ci><ci>a</ci></apply>") + "</eventAssignment></listOfEventAssignments></event>";
  const double t = 1.5, k = 1, c = 0.5, a = 2;
  const std::string method = GENERATE(as<std::string>(), "auto", "rk45", "rodas4");
  INFO("method " << method);
  const Result r = solve_at("state_event_sensitivity", event, t, method);
  const double x = (c + a) / c * std::exp(-k * t);
  CHECK_THAT(r.x, WithinRel(x, 1e-7));
  CHECK_THAT(r.dk, WithinRel(-t * x, 1e-6));
  CHECK_THAT(r.dc, WithinRel(-a / (c * c) * std::exp(-k * t), 1e-6));
  CHECK_THAT(r.da, WithinRel(std::exp(-k * t) / c, 1e-6));
  CHECK(std::fabs(r.dT) < 1e-12);
}

TEST_CASE("sensitivities jump at a time-triggered event with a parameter time", "[sbml][events]") {
  const std::string event =
      R"(<event id="E" useValuesFromTriggerTime="true"><trigger initialValue="false" persistent="true">)" +
      math(
          R"(<apply><geq/><csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/time">time</csymbol><ci>T</ci></apply>)") +
      R"(</trigger><listOfEventAssignments><eventAssignment variable="x">)" + math("<ci>a</ci>") +
      "</eventAssignment></listOfEventAssignments></event>";
  const double t = 1.5, k = 1, a = 2, T = 0.7;
  const std::string method = GENERATE(as<std::string>(), "auto", "rk45", "rodas4");
  INFO("method " << method);
  const Result r = solve_at("time_event_sensitivity", event, t, method);
  const double x = a * std::exp(-k * (t - T));
  CHECK_THAT(r.x, WithinRel(x, 1e-7));
  CHECK_THAT(r.dk, WithinRel(-(t - T) * x, 1e-6));
  CHECK_THAT(r.da, WithinRel(x / a, 1e-6));
  CHECK_THAT(r.dT, WithinRel(k * x, 1e-6));
  CHECK(std::fabs(r.dc) < 1e-12);
}
