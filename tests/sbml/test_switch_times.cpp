// switch_times (sbml/switch_times.hpp): the times at which a model's switch
// functions change sign at a fixed state, bracketed by adjacent doubles,
// against the closed-form roots of the switches; and the PEtab steady-state
// check that looks between them, on a model whose conservation law is broken
// only while an input is on, between two switch times.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "model/compiled_model.hpp"
#include "sbml/petab.hpp"
#include "sbml/switch_times.hpp"
#include "scenario/scenario_fixture.hpp"

namespace {

// y switches on at t = t_in (g = t − t_in: exactly 0 at the double t_in),
// z is on while t² − 7t + 12 < 0 (roots 3 and 4), e switches at t_early,
// below the first grid point t_end·1e-9, and late after t_end; w's switch
// depends on the state only, which switch_times holds fixed (no change), and
// q's roots 6 and 6.0001 lie in one interval of the grid (an even number of
// changes: not seen).
constexpr const char* switch_model = R"(model: switch_times
time_unit: h
parameters:
  t_in: {value: 3.7, unit: h}
  t_early: {value: 3e-8, unit: h}
  t_late: {value: 500, unit: h}
  x_on: {value: 2, unit: 1}
species:
  x: {initial: 0, unit: 1}
  y: {initial: 0, unit: 1}
  z: {initial: 0, unit: 1}
  e: {initial: 0, unit: 1}
  late: {initial: 0, unit: 1}
  w: {initial: 0, unit: 1}
  q: {initial: 0, unit: 1}
odes:
  x: 0
  y: piecewise(0, t < t_in, 1)
  z: piecewise(1, t^2 - 7*t + 12 < 0, 0)
  e: piecewise(0, t < t_early, 1)
  late: piecewise(0, t < t_late, 1)
  w: piecewise(0, x < x_on, 1)
  q: piecewise(1, (t - 6) * (t - 6.0001) < 0, 0)
)";

}  // namespace

TEST_CASE("switch_times brackets each sign change of a time switch by adjacent doubles", "[switch_times]") {
  const auto model = exvivo::model::load_model_from_string(switch_model, "switch_times.yaml");
  REQUIRE(model.num_switches() == 6);
  auto ws = model.make_workspace();
  const std::vector<double> p = model.default_parameters();
  model.set_parameters(p.data(), ws);
  Eigen::VectorXd x = Eigen::VectorXd::Zero(7);
  x[0] = 1;  // below x_on: w's switch is negative and stays so
  const double t_end = 100;
  const std::vector<double> found = exvivo::sbml::switch_times(model, t_end, x, ws);
  REQUIRE(found.size() == 8);
  const auto below = [](double t) { return std::nextafter(t, 0.0); };
  const auto above = [](double t) { return std::nextafter(t, 1e300); };
  // t − t_early and t − t_in are negative before the root and exactly 0 at it.
  CHECK(found[0] == below(3e-8));
  CHECK(found[1] == 3e-8);
  CHECK(found[4] == below(3.7));
  CHECK(found[5] == 3.7);
  // The quadratic's roots 3 and 4, up to its rounding near them (a few
  // ulps), by a pair of adjacent doubles each.
  for (const auto& [k, root] : {std::pair{2, 3.0}, std::pair{6, 4.0}}) {
    INFO("root " << root);
    CHECK(std::fabs(found[static_cast<std::size_t>(k)] - root) <= 8 * std::numeric_limits<double>::epsilon() * root);
    CHECK(found[static_cast<std::size_t>(k) + 1] == above(found[static_cast<std::size_t>(k)]));
  }
  // Up to t_late only: then its change is found too.
  const std::vector<double> longer = exvivo::sbml::switch_times(model, 1000, x, ws);
  REQUIRE(longer.size() == 10);
  CHECK(longer[8] == below(500));
  CHECK(longer[9] == 500);
  // No time, nothing to look at.
  CHECK(exvivo::sbml::switch_times(model, 0, x, ws).empty());
}

namespace {

// A ⇌ B (k1·A, k2·B) conserves A + B, except that an input u feeds A while
// t_on ≤ t < t_off. From A = 1, B = 0 the steady state is
// A* = (1 + u·(t_off − t_on))·k2/(k1 + k2), so d A*/du = (t_off − t_on)·k2/(k1 + k2).
// The steady state's Jacobian has the conservation law A + B, whose total
// the linear steady-state solve would carry over from t = 0 (d total/du = 0);
// the check refuses that solve only because it looks between the switch
// times 2.5 and 3.5, where Γ·f = u ≠ 0 (t = 0, the decades 1 and 10 and the
// midpoint of [0, t] all miss the window), and the sensitivities are then
// integrated instead.
constexpr const char* window_model = R"(<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
  <model id="window">
    <listOfCompartments>
      <compartment id="cell" size="1" spatialDimensions="3" constant="true"/>
    </listOfCompartments>
    <listOfSpecies>
      <species id="A" compartment="cell" initialConcentration="1" hasOnlySubstanceUnits="false"
               boundaryCondition="false" constant="false"/>
      <species id="B" compartment="cell" initialConcentration="0" hasOnlySubstanceUnits="false"
               boundaryCondition="false" constant="false"/>
    </listOfSpecies>
    <listOfParameters>
      <parameter id="k1" value="1" constant="true"/>
      <parameter id="k2" value="2" constant="true"/>
      <parameter id="u" value="0.5" constant="true"/>
      <parameter id="t_on" value="2.5" constant="true"/>
      <parameter id="t_off" value="3.5" constant="true"/>
    </listOfParameters>
    <listOfReactions>
      <reaction id="forward" reversible="false">
        <listOfReactants><speciesReference species="A" stoichiometry="1" constant="true"/></listOfReactants>
        <listOfProducts><speciesReference species="B" stoichiometry="1" constant="true"/></listOfProducts>
        <kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML">
          <apply><times/><ci>k1</ci><ci>A</ci></apply></math></kineticLaw>
      </reaction>
      <reaction id="backward" reversible="false">
        <listOfReactants><speciesReference species="B" stoichiometry="1" constant="true"/></listOfReactants>
        <listOfProducts><speciesReference species="A" stoichiometry="1" constant="true"/></listOfProducts>
        <kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML">
          <apply><times/><ci>k2</ci><ci>B</ci></apply></math></kineticLaw>
      </reaction>
      <reaction id="input" reversible="false">
        <listOfProducts><speciesReference species="A" stoichiometry="1" constant="true"/></listOfProducts>
        <kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML">
          <piecewise>
            <piece><ci>u</ci>
              <apply><and/>
                <apply><geq/><csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/time">t</csymbol><ci>t_on</ci></apply>
                <apply><lt/><csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/time">t</csymbol><ci>t_off</ci></apply>
              </apply>
            </piece>
            <otherwise><cn>0</cn></otherwise>
          </piecewise></math></kineticLaw>
      </reaction>
    </listOfReactions>
  </model>
</sbml>
)";

}  // namespace

TEST_CASE("PEtab steady state: an input between two switch times breaks the conservation law it checks",
          "[switch_times]") {
  exvivo::test::TempDir dir;
  dir.write("model.xml", window_model);
  dir.write("parameters.tsv",
            "parameterId\tparameterScale\tlowerBound\tupperBound\tnominalValue\testimate\n"
            "u\tlin\t0\t10\t0.5\t1\n");
  dir.write("conditions.tsv", "conditionId\nc0\n");
  dir.write("observables.tsv", "observableId\tobservableFormula\tnoiseFormula\nobs_a\tA\t0.1\n");
  dir.write("measurements.tsv", "observableId\tsimulationConditionId\ttime\tmeasurement\nobs_a\tc0\tinf\t1.2\n");
  const std::string yaml =
      dir.write("problem.yaml",
                "format_version: 1\nparameter_file: parameters.tsv\nproblems:\n"
                "  - condition_files: [conditions.tsv]\n    measurement_files: [measurements.tsv]\n"
                "    observable_files: [observables.tsv]\n    sbml_files: [model.xml]\n");
  exvivo::solve::SolverOptions solver;
  solver.rel_tol = 1e-10;
  solver.abs_tol = {1e-12};
  const exvivo::sbml::PetabProblem problem(yaml, solver);
  const double u = 0.5, k1 = 1, k2 = 2, window = 1, sigma = 0.1, m = 1.2;
  const double a_steady = (1 + u * window) * k2 / (k1 + k2);
  const double da_du = window * k2 / (k1 + k2);
  const auto e = problem.evaluate({}, true);
  CHECK(e.simulation[0] == Approx(a_steady).epsilon(1e-8));
  // d llh / du = (m − A*)/σ² · d A*/du = 13.33…; the linear solve would give 0.
  CHECK(e.gradient.at("u") == Approx((m - a_steady) / (sigma * sigma) * da_du).epsilon(1e-5));
}
