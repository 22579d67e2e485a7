// The condition-pair plan of a PEtab problem (sbml/petab_plan.hpp) and the
// sharing of preequilibration steady states that it allows.
//
// The problem below is X' = a·u − k·X (X(0) = 0), u set by the condition.
// Preequilibration `pre` (u = 2) ends at X = 2a/k; after it, `washout`
// (u = 0) gives X = (2a/k)·e^(−kt), `steady` (u = 1) gives
// (a/k)·(1 + e^(−kt)), and `reset` (u = 1, X set to 1) gives
// a/k + (1 − a/k)·e^(−kt); `steady` without preequilibration gives
// (a/k)·(1 − e^(−kt)). Simulations are checked against these within 1e-7
// (rel_tol 1e-10), the gradient against central differences (step 1e-6) of
// the closed-form llh within 1e-6 relative.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <sstream>
#include <string>

#include "core/error.hpp"
#include "io/csv_reader.hpp"
#include "sbml/petab.hpp"
#include "sbml/petab_plan.hpp"
#include "scenario/scenario_fixture.hpp"

using exvivo::sbml::plan_condition_pairs;

namespace {

exvivo::io::CsvTable table(const std::string& text) {
  std::istringstream in(text);
  return exvivo::io::read_csv(in, "measurements.tsv");
}

constexpr const char* production_model = R"(<?xml version="1.0" encoding="UTF-8"?>
<sbml xmlns="http://www.sbml.org/sbml/level3/version2/core" level="3" version="2">
  <model id="production">
    <listOfCompartments>
      <compartment id="cell" size="1" spatialDimensions="3" constant="true"/>
    </listOfCompartments>
    <listOfSpecies>
      <species id="X" compartment="cell" initialConcentration="0" hasOnlySubstanceUnits="false"
               boundaryCondition="false" constant="false"/>
    </listOfSpecies>
    <listOfParameters>
      <parameter id="a" value="1" constant="true"/>
      <parameter id="k" value="1" constant="true"/>
      <parameter id="u" value="1" constant="true"/>
    </listOfParameters>
    <listOfReactions>
      <reaction id="production" reversible="false">
        <listOfProducts><speciesReference species="X" stoichiometry="1" constant="true"/></listOfProducts>
        <kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML">
          <apply><times/><ci>a</ci><ci>u</ci></apply></math></kineticLaw>
      </reaction>
      <reaction id="degradation" reversible="false">
        <listOfReactants><speciesReference species="X" stoichiometry="1" constant="true"/></listOfReactants>
        <kineticLaw><math xmlns="http://www.w3.org/1998/Math/MathML">
          <apply><times/><ci>k</ci><ci>X</ci></apply></math></kineticLaw>
      </reaction>
    </listOfReactions>
  </model>
</sbml>
)";

/// The measurement rows: preequilibration, simulation, time, measurement.
struct Row {
  std::string pre, sim;
  double t, m;
};

/// The problem above in `dir`, preequilibrations named by `pre(row index)`.
template <class Pre>
std::string write_problem(const exvivo::test::TempDir& dir, const std::vector<Row>& rows, Pre&& pre) {
  dir.write("model.xml", production_model);
  dir.write("parameters.tsv",
            "parameterId\tparameterScale\tlowerBound\tupperBound\tnominalValue\testimate\n"
            "a\tlin\t0.1\t10\t1.5\t1\n"
            "k\tlog10\t0.01\t10\t0.5\t1\n");
  dir.write("conditions.tsv",
            "conditionId\tu\tX\n"
            "pre\t2\tNaN\npre_1\t2\tNaN\npre_2\t2\tNaN\npre_3\t2\tNaN\n"
            "washout\t0\tNaN\nsteady\t1\tNaN\nreset\t1\t1\n");
  dir.write("observables.tsv", "observableId\tobservableFormula\tnoiseFormula\nobs_x\tX\t0.1\n");
  std::string m = "observableId\tpreequilibrationConditionId\tsimulationConditionId\ttime\tmeasurement\n";
  for (std::size_t r = 0; r < rows.size(); ++r)
    m += "obs_x\t" + (rows[r].pre.empty() ? std::string() : pre(r)) + "\t" + rows[r].sim + "\t" +
         (std::isinf(rows[r].t) ? std::string("inf") : std::to_string(rows[r].t)) + "\t" + std::to_string(rows[r].m) +
         "\n";
  dir.write("measurements.tsv", m);
  return dir.write("problem.yaml",
                   "format_version: 1\nparameter_file: parameters.tsv\nproblems:\n"
                   "  - condition_files: [conditions.tsv]\n    measurement_files: [measurements.tsv]\n"
                   "    observable_files: [observables.tsv]\n    sbml_files: [model.xml]\n");
}

/// X of a row in closed form (see the top of the file).
double closed_form(const Row& row, double a, double k) {
  const double e = std::isinf(row.t) ? 0 : std::exp(-k * row.t);
  if (row.pre.empty()) return a / k * (1 - e);  // steady without preequilibration
  if (row.sim == "washout") return 2 * a / k * e;
  if (row.sim == "steady") return a / k * (1 + e);
  return a / k + (1 - a / k) * e;  // reset
}

double closed_form_llh(const std::vector<Row>& rows, double a, double k) {
  constexpr double sigma = 0.1;
  double llh = 0;
  for (const Row& row : rows) {
    const double r = row.m - closed_form(row, a, k);
    llh += -0.5 * std::log(2 * M_PI * sigma * sigma) - 0.5 * r * r / (sigma * sigma);
  }
  return llh;
}

const double inf = std::numeric_limits<double>::infinity();

// Pairs (pre, washout), (pre, steady), (pre, reset), ("", steady): three
// share the preequilibration `pre`; `reset` sets X after it (the shared
// steady state's sensitivities must not be changed by that).
const std::vector<Row> rows{{"pre", "washout", 1, 2.3},  {"pre", "washout", 3, 0.9}, {"pre", "steady", 2, 4.1},
                            {"pre", "steady", inf, 3.1}, {"pre", "reset", 1, 2.0},   {"", "steady", 2, 1.9},
                            {"pre", "washout", 0.5, 4.5}};

exvivo::solve::SolverOptions tight() {
  exvivo::solve::SolverOptions s;
  s.rel_tol = 1e-10;
  s.abs_tol = {1e-12};
  return s;
}

}  // namespace

TEST_CASE("PEtab plan: pairs in table order, their rows and times, shared preequilibrations", "[petab_plan]") {
  const auto plan =
      plan_condition_pairs(table("observableId\tpreequilibrationConditionId\tsimulationConditionId\ttime\tmeasurement\n"
                                 "o\tpre\tc2\t1\t0\n"
                                 "o\t\tc1\t0.5\t0\n"
                                 "o\tpre\tc1\tinf\t0\n"
                                 "o\tpre\tc2\t1\t0\n"
                                 "o\tNaN\tc1\t2\t0\n"
                                 "o\tother\tc1\t3\t0\n"
                                 "o\tpre\tc1\t0\t0\n"));
  REQUIRE(plan.pairs.size() == 4);
  const auto& p = plan.pairs;
  CHECK(p[0].preequilibration == "pre");
  CHECK(p[0].simulation == "c2");
  CHECK(p[0].rows == std::vector<std::size_t>{0, 3});
  CHECK(p[0].finite_times == std::set<double>{1});
  CHECK_FALSE(p[0].steady_state);
  CHECK(p[1].preequilibration.empty());  // empty and NaN both mean none
  CHECK(p[1].simulation == "c1");
  CHECK_FALSE(p[1].preequilibration_index);
  CHECK(p[1].rows == std::vector<std::size_t>{1, 4});
  CHECK(p[1].finite_times == std::set<double>{0.5, 2});
  CHECK(p[2].preequilibration == "pre");
  CHECK(p[2].simulation == "c1");
  CHECK(p[2].rows == std::vector<std::size_t>{2, 6});
  CHECK(p[2].finite_times == std::set<double>{0});
  CHECK(p[2].steady_state);
  CHECK(p[3].preequilibration == "other");
  CHECK(plan.preequilibrations == std::vector<std::string>{"pre", "other"});
  REQUIRE(p[0].preequilibration_index);
  REQUIRE(p[2].preequilibration_index);
  REQUIRE(p[3].preequilibration_index);
  CHECK(*p[0].preequilibration_index == 0);
  CHECK(*p[2].preequilibration_index == 0);
  CHECK(*p[3].preequilibration_index == 1);
  // Sorted by (preequilibration, simulation): ("", c1), (other, c1), (pre, c1), (pre, c2).
  CHECK(plan.evaluation_order == std::vector<std::size_t>{1, 3, 2, 0});
  CHECK(plan.time == std::vector<double>{1, 0.5, inf, 1, 2, 3, 0});
}

TEST_CASE("PEtab plan: a time that is no number is an error at its line", "[petab_plan]") {
  for (const std::string bad : {"soon", "", "NaN"}) {
    INFO("time '" << bad << "'");
    CHECK_THROWS_WITH(
        plan_condition_pairs(
            table("observableId\tsimulationConditionId\ttime\tmeasurement\no\tc\t1\t0\no\tc\t" + bad + "\t0\n")),
        "measurements.tsv:3: time: expected a number or inf");
  }
}

TEST_CASE("PEtab evaluation solves a shared preequilibration once, to the last bit of solving it per pair",
          "[petab_plan]") {
  exvivo::test::TempDir shared_dir, separate_dir;
  const std::string shared = write_problem(shared_dir, rows, [](std::size_t) { return std::string("pre"); });
  // The same problem with one identical preequilibration condition per
  // simulation condition, named so that the pairs sort as above.
  const std::string separate = write_problem(separate_dir, rows, [](std::size_t r) {
    return std::string(rows[r].sim == "reset" ? "pre_1" : rows[r].sim == "steady" ? "pre_2" : "pre_3");
  });
  const exvivo::sbml::PetabProblem a(shared, tight()), b(separate, tight());
  const double a_value = 1.5, k = 0.5;
  for (const bool gradient : {false, true}) {
    INFO("gradient " << gradient);
    const auto x = a.evaluate({}, gradient), y = b.evaluate({}, gradient);
    CHECK(x.preequilibrations == 1);
    CHECK(y.preequilibrations == 3);
    CHECK(x.llh == y.llh);
    CHECK(x.chi2 == y.chi2);
    CHECK(x.simulation == y.simulation);
    CHECK(x.gradient == y.gradient);
    CHECK(x.residuals == y.residuals);
    CHECK(x.residual_jacobian == y.residual_jacobian);
    for (std::size_t r = 0; r < rows.size(); ++r) {
      INFO("row " << r);
      CHECK(x.simulation[r] == Approx(closed_form(rows[r], a_value, k)).epsilon(1e-7));
    }
    CHECK(x.llh == Approx(closed_form_llh(rows, a_value, k)).epsilon(1e-7));
    if (gradient) {
      // d llh / d a (lin) and d llh / d log10 k, by central differences of the closed form.
      constexpr double h = 1e-6;
      const double da = (closed_form_llh(rows, a_value + h, k) - closed_form_llh(rows, a_value - h, k)) / (2 * h);
      const double dk = (closed_form_llh(rows, a_value, k * std::pow(10.0, h)) -
                         closed_form_llh(rows, a_value, k * std::pow(10.0, -h))) /
                        (2 * h);
      CHECK(x.gradient.at("a") == Approx(da).epsilon(1e-6));
      CHECK(x.gradient.at("k") == Approx(dk).epsilon(1e-6));
    }
  }
  // The time courses share it too: the same curves as with one preequilibration per pair.
  const auto tx = a.timecourses({{"a", 1.2}}, 5), ty = b.timecourses({{"a", 1.2}}, 5);
  REQUIRE(tx.size() == 4);
  REQUIRE(ty.size() == 4);
  for (std::size_t c = 0; c < tx.size(); ++c) {
    INFO("curve " << c);
    CHECK(tx[c].pair == c);
    CHECK(tx[c].simulation == ty[c].simulation);
    CHECK(tx[c].times == ty[c].times);
    CHECK(tx[c].values == ty[c].values);
    CHECK(tx[c].error.empty());
    for (std::size_t i = 0; i < tx[c].times.size(); ++i) {
      const Row row{tx[c].preequilibration, tx[c].simulation, tx[c].times[i], 0};
      CHECK(tx[c].values[i] == Approx(closed_form(row, 1.2, k)).epsilon(1e-7).margin(1e-12));
    }
  }
  // Pairs in the order they first appear: (pre, washout), (pre, steady), (pre, reset), ("", steady).
  CHECK(tx[0].simulation == "washout");
  CHECK(tx[1].simulation == "steady");
  CHECK(tx[2].simulation == "reset");
  CHECK(tx[3].preequilibration.empty());
}
