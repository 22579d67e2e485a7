// Invariants of models/leukocyte_exvivo.yaml that hold for any protocol:
// non-negativity, tracer and cell bookkeeping, an untreated healthy well at
// rest, unit consistency of the readouts, and parameters inside their
// documented bounds with a source.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "leukocyte_well.hpp"

using namespace exvivo;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

struct Trajectory {
  std::shared_ptr<const model::CompiledModel> model;
  solve::Solution solution;
  double state(const std::string& name, std::size_t row) const {
    return solution.states(static_cast<Eigen::Index>(row), static_cast<Eigen::Index>(*model->species_index(name)));
  }
  double observable(const std::string& name, std::size_t row) const {
    return solution.observables(static_cast<Eigen::Index>(row), static_cast<Eigen::Index>(*model->observable_index(name)));
  }
  std::size_t rows() const { return solution.completed; }
};

/// Samples every 2 h to `end_h`.
Trajectory run(const test::Well& well, double end_h) {
  std::vector<double> times;
  for (double t = 2; t <= end_h; t += 2) times.push_back(t);
  const auto s = test::load_scenario_text(test::scenario_text(well, times));
  const scenario::RunPlan plan(s);
  auto sol = solve::solve(plan.make_run(0), s.solver);
  INFO(sol.message);
  REQUIRE(sol.ok());
  return Trajectory{s.model, std::move(sol)};
}

/// Every agent, a wash and a second LPS challenge: the busiest protocol.
const std::vector<std::string> everything = {
    "{at: 0 h, add: {IFNG: 10 ng/mL, GMCSF: 10 ng/mL, IL7: 10 ng/mL, PHA: 5 ug/mL, LPS: 10 ng/mL}}",
    "{at: 0 h, add: {OKT3: 50 ng/mL, BEADS: 1, IL12: 0.1 ng/mL, AIL10: 1 ug/mL, RAPA: 1 nM}}",
    "{at: 24 h, wash: true}",
    "{at: 30 h, add: {LPS: 10 ng/mL, IL10: 10 ng/mL}}"};

}  // namespace

TEST_CASE("no state goes negative under any agent, a wash and repeated LPS", "[models][invariants]") {
  for (const char* preset : {"healthy", "septic", "paralysed"})
    for (const char* culture : {"whole_blood", "pbmc"}) {
      INFO(preset << " " << culture);
      const auto tr = run(test::Well{preset, culture, "", everything}, 120);
      CHECK(tr.solution.states.topRows(static_cast<Eigen::Index>(tr.rows())).minCoeff() >= 0.0);
    }
}

TEST_CASE("the endogenous IFN-gamma tracer equals total IFN-gamma unless IFN-gamma is added", "[models][invariants]") {
  const auto stimulated = run(test::Well{"healthy", "pbmc", "", {"{at: 0 h, add: {BEADS: 1, IL12: 0.1 ng/mL}}"}}, 72);
  for (std::size_t i = 0; i < stimulated.rows(); ++i)
    CHECK_THAT(stimulated.state("IFNG_endo", i),
               WithinRel(stimulated.state("IFNG", i), 1e-6) || WithinAbs(stimulated.state("IFNG", i), 1e-12));
  const auto dosed = run(test::Well{"healthy", "pbmc", "", {"{at: 0 h, add: {BEADS: 1, IFNG: 10 ng/mL}}"}}, 72);
  for (std::size_t i = 0; i < dosed.rows(); ++i) CHECK(dosed.state("IFNG_endo", i) <= dosed.state("IFNG", i));
}

TEST_CASE("cell bookkeeping: PBMC density, monocytes only die, no division without a TCR stimulus",
          "[models][invariants]") {
  for (const char* preset : {"healthy", "septic"}) {
    INFO(preset);
    const auto tr = run(test::Well{preset, "pbmc", "", {"{at: 0 h, add: {IL7: 10 ng/mL, IFNG: 10 ng/mL}}"}}, 96);
    // PBMC format: 1,000 live cells/uL at the start, monocytes plus lymphocytes.
    const double lymphocytes = tr.state("T0", 0) + tr.state("TREG", 0) + tr.state("NK", 0) + tr.state("LO", 0);
    CHECK_THAT(tr.state("M", 0) + lymphocytes, WithinRel(1000.0, 1e-9));
    for (std::size_t i = 1; i < tr.rows(); ++i) {
      CHECK(tr.state("M", i) <= tr.state("M", i - 1));
      CHECK(tr.observable("mono_viability", i) <= 100.0);
    }
    // Without PHA, beads or anti-CD3 no T cell is activated or divides; the
    // same well with beads does both (so the zeros are not zeros everywhere).
    const auto beads =
        run(test::Well{preset, "pbmc", "", {"{at: 0 h, add: {IL7: 10 ng/mL, IFNG: 10 ng/mL, BEADS: 1}}"}}, 96);
    for (const char* s : {"A1", "A2", "A3", "G1", "G2", "G3", "G4", "G5", "G6"}) {
      INFO(s);
      CHECK(tr.state(s, tr.rows() - 1) == 0.0);
      CHECK(beads.state(s, beads.rows() - 1) > 0.0);
    }
    CHECK(tr.observable("pct_EdU_pos", tr.rows() - 1) == 0.0);
    CHECK(beads.observable("pct_EdU_pos", beads.rows() - 1) > 1.0);
  }
}

TEST_CASE("an untreated healthy whole-blood well stays near its initial state over 24 h", "[models][invariants]") {
  const auto tr = run(test::Well{"healthy", "whole_blood", "", {}}, 24);
  const std::size_t last = tr.rows() - 1;
  // Cell-internal states start at the donor's steady state for its own
  // plasma; in culture only the plasma cytokines' slow decay moves them
  // (healthy plasma IL-10 is 3 pg/mL, so the IL-10 signals fall by ~0.01).
  for (const char* s : {"S1", "S5", "NF", "S3", "TOL", "S5T", "S3T"}) {  // signals in [0, 1]
    INFO(s << ": " << tr.state(s, 0) << " -> " << tr.state(s, last));
    CHECK_THAT(tr.state(s, last), WithinAbs(tr.state(s, 0), 0.02));
  }
  for (const char* s : {"CIITA", "DRI", "DRS", "CD86", "BCL2", "CD127"}) {  // levels
    INFO(s << ": " << tr.state(s, 0) << " -> " << tr.state(s, last));
    CHECK_THAT(tr.state(s, last), WithinRel(tr.state(s, 0), 0.05));
  }
  CHECK(tr.observable("TNF_pg", last) < 1.0);  // no stimulus, no TNF
  CHECK_THAT(tr.observable("pct_DR_pos", last), WithinAbs(tr.observable("pct_DR_pos", 0), 2.0));
  CHECK_THAT(tr.observable("pSTAT5_fold", last), WithinAbs(1.0, 0.05));
}

TEST_CASE("readouts are their species in the readout unit", "[models][invariants]") {
  const auto tr = run(test::Well{"healthy", "whole_blood", "", {"{at: 0 h, add: {LPS: 10 ng/mL}}"}}, 48);
  for (std::size_t i = 0; i < tr.rows(); ++i) {
    CHECK_THAT(tr.observable("mHLA_DR", i), WithinRel(tr.state("DRS", i), 1e-12));
    for (const auto& [pg, ng] : {std::pair{"TNF_pg", "TNF"}, std::pair{"IL10_pg", "IL10"}, std::pair{"IL12p40_pg", "IL12P40"}})
      CHECK_THAT(tr.observable(pg, i), WithinRel(1000 * tr.state(ng, i), 1e-12) || WithinAbs(0.0, 1e-12));
  }
}

TEST_CASE("every parameter and preset value lies inside its bounds, and every parameter has a source",
          "[models][invariants]") {
  const auto m = model::load_model(test::leukocyte_model());
  for (const auto& p : m.parameters()) {
    INFO(p.name);
    CHECK_FALSE(p.source.empty());
    if (p.has_bounds) {
      CHECK(p.value >= p.lower);
      CHECK(p.value <= p.upper);
    }
  }
  for (const auto* sets : {&m.donor_presets(), &m.cultures()})
    for (const auto& [name, values] : *sets)
      for (const auto& [key, value] : values)
        if (const auto i = m.parameter_index(key); i && m.parameters()[*i].has_bounds) {
          INFO(name << "." << key << " = " << value);
          CHECK(value >= m.parameters()[*i].lower);
          CHECK(value <= m.parameters()[*i].upper);
        }
}
