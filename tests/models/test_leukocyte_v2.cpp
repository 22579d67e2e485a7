// Calibration targets V18-V24 of MODEL.md §5b (model v2) for
// models/leukocyte_exvivo.yaml: IFN-gamma x10 on healthy monocytes, IFN-gamma
// suppressing LPS-induced IL-10, CD127 repressed by the TCR, septic monocyte
// death in culture, PD-L1 blockade, time since shock onset, lymphocyte death
// in culture. Each test runs the target's protocol through the scenario
// pipeline and checks the band with check_band, which also writes the rows of
// the "Simulated values" table in models/README.md (tools/calibration_table.sh).
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "leukocyte_well.hpp"

using exvivo::test::above;
using exvivo::test::at_least;
using exvivo::test::at_most;
using exvivo::test::below;
using exvivo::test::between;
using exvivo::test::check_band;
using exvivo::test::simulate;
using exvivo::test::Well;

namespace {

std::string add_at(double t_h, const std::string& amounts) {
  std::ostringstream out;
  out << "{at: " << t_h << " h, add: {" << amounts << "}}";
  return out.str();
}

Well pbmc(const std::string& preset, std::vector<std::string> protocol = {}) {
  return Well{preset, "pbmc", "", std::move(protocol)};
}

Well whole_blood(const std::string& preset, std::vector<std::string> protocol = {}) {
  return Well{preset, "whole_blood", "", std::move(protocol)};
}

}  // namespace

TEST_CASE("V18: IFN-gamma 100 ng/mL raises healthy monocyte HLA-DR 6-15x by 96 h", "[models][calibration][V18]") {
  const double treated = simulate(pbmc("healthy", {add_at(0, "IFNG: 100 ng/mL")}), {96})("mHLA_DR", 96);
  const double untreated = simulate(pbmc("healthy"), {96})("mHLA_DR", 96);
  check_band("V18", "H PBMC IFN-g 100 ng/mL mHLA-DR 96 h fold", treated / untreated, between(6, 15));
}

TEST_CASE("V19: IFN-gamma suppresses LPS-induced IL-10 in healthy PBMC", "[models][calibration][V19]") {
  const double with_ifn =
      simulate(pbmc("healthy", {add_at(0, "LPS: 10 ng/mL, IFNG: 10 ng/mL")}), {24})("IL10_pg", 24);
  const double lps_only = simulate(pbmc("healthy", {add_at(0, "LPS: 10 ng/mL")}), {24})("IL10_pg", 24);
  check_band("V19", "H PBMC LPS+IFN-g / LPS IL-10 24 h", with_ifn / lps_only, at_most(0.6));
}

TEST_CASE("V20: TCR stimulation represses CD127 and the IL-7 response of T cells", "[models][calibration][V20]") {
  const std::string beads = add_at(0, "BEADS: 1 beads/cell"), il7 = add_at(48, "IL7: 10 ng/mL");
  const auto stimulated = simulate(pbmc("healthy", {beads}), {48, 48.5});
  const auto stimulated_il7 = simulate(pbmc("healthy", {beads, il7}), {48.5});
  const auto resting = simulate(pbmc("healthy"), {48.5});
  const auto resting_il7 = simulate(pbmc("healthy", {il7}), {48.5});
  check_band("V20", "H PBMC beads CD127_fold 48 h", stimulated("CD127_fold", 48), at_most(0.3));
  const double rise_stimulated = stimulated_il7("S5T", 48.5) - stimulated("S5T", 48.5);
  const double rise_resting = resting_il7("S5T", 48.5) - resting("S5T", 48.5);
  check_band("V20", "IL-7 at 48 h: pSTAT5 rise beads / resting", rise_stimulated / rise_resting, at_most(0.5));
}

TEST_CASE("V21: septic monocytes die faster in culture; GM-CSF reverses it", "[models][calibration][V21]") {
  const double septic = simulate(pbmc("septic"), {48})("mono_viability", 48);
  const double healthy = simulate(pbmc("healthy"), {48})("mono_viability", 48);
  const double septic_gm = simulate(pbmc("septic", {add_at(0, "GMCSF: 10 ng/mL")}), {48})("mono_viability", 48);
  check_band("V21", "PBMC viability 48 h S/H", septic / healthy, at_most(0.85));
  check_band("V21", "S PBMC GM-CSF / none viability 48 h", septic_gm / septic, at_least(1.2));
}

TEST_CASE("V22: PD-L1 blockade raises LPS-TNF, lowers IL-10 and T-cell apoptosis of septic PBMC",
          "[models][calibration][V22]") {
  const std::string lps = add_at(0, "LPS: 10 ng/mL"), block = add_at(0, "APDL1: 10 ug/mL");
  const auto blocked = simulate(pbmc("septic", {lps, block}), {24});
  const auto unblocked = simulate(pbmc("septic", {lps}), {24});
  check_band("V22", "S PBMC LPS TNF 24 h, APDL1 / none", blocked("TNF_pg", 24) / unblocked("TNF_pg", 24),
             at_least(1.2));
  check_band("V22", "S PBMC LPS IL-10 24 h, APDL1 / none", blocked("IL10_pg", 24) / unblocked("IL10_pg", 24),
             at_most(0.9));
  const std::string beads = add_at(0, "BEADS: 1 beads/cell");
  const double apoptosis_blocked = simulate(pbmc("septic", {beads, block}), {72})("pct_apoptotic_lymph", 72);
  const double apoptosis = simulate(pbmc("septic", {beads}), {72})("pct_apoptotic_lymph", 72);
  check_band("V22", "S PBMC beads annexin V+ 72 h, APDL1 / none", apoptosis_blocked / apoptosis, at_most(0.9));
  CHECK(blocked("PDL1_fold", 24) > 1);  // LPS raises monocyte PD-L1
}

TEST_CASE("V23: mHLA-DR and LPS-TNF over time since shock onset", "[models][calibration][V23]") {
  struct Day {
    double hla_dr, tnf;
  };
  auto day = [](const std::string& preset) {
    const double hla_dr = simulate(whole_blood(preset), {4})("mHLA_DR", 0);
    const double tnf = simulate(whole_blood(preset, {add_at(0, "LPS: 10 ng/mL")}), {4})("TNF_pg", 4);
    return Day{hla_dr, tnf};
  };
  const Day d1 = day("septic_d1"), d3 = day("septic_d3"), recovering = day("septic_d7_recovering"),
            persistent = day("septic_d7_persistent");
  check_band("V23", "mHLA-DR 0 h: d7 recovering > d3", recovering.hla_dr, above(d3.hla_dr));
  check_band("V23", "mHLA-DR 0 h: d3 >= 0.8 d1", d3.hla_dr, at_least(0.8 * d1.hla_dr));
  check_band("V23", "LPS-TNF 4 h (pg/mL): d7 recovering > d3", recovering.tnf, above(d3.tnf));
  check_band("V23", "LPS-TNF 4 h (pg/mL): d3 >= 0.8 d1", d3.tnf, at_least(0.8 * d1.tnf));
  check_band("V23", "d7 persistent mHLA-DR 0 h", persistent.hla_dr, below(8000));
}

TEST_CASE("V24: septic lymphocytes die in culture; IL-7 protects", "[models][calibration][V24]") {
  const auto none = simulate(pbmc("septic"), {24, 72});
  const auto il7 = simulate(pbmc("septic", {add_at(0, "IL7: 10 ng/mL")}), {72});
  check_band("V24", "S PBMC annexin V+ 24 h (%), above 0 h", none("pct_apoptotic_lymph", 24),
             above(none("pct_apoptotic_lymph", 0)));
  check_band("V24", "S PBMC annexin V+ 72 h (%), above 24 h", none("pct_apoptotic_lymph", 72),
             above(none("pct_apoptotic_lymph", 24)));
  check_band("V24", "S PBMC IL-7 annexin V+ 72 h (%), below none", il7("pct_apoptotic_lymph", 72),
             below(none("pct_apoptotic_lymph", 72)));
}

// Item 12 of MODEL.md §5b: the assay measurement models the model declares
// (and a fit and the synthetic-data generator use): mHLA-DR within-laboratory
// CV 2-3 % (Demaret 2013), percentages logit-normal, cytokines left-censored
// below an LLOQ of 10 pg/mL.
TEST_CASE("item 12: measurement models of mHLA-DR, percentages and cytokines", "[models][v2][item12]") {
  const auto model = exvivo::model::load_model(exvivo::test::leukocyte_model());
  using Distribution = exvivo::model::NoiseModel::Distribution;
  int percentages = 0, cytokines = 0;
  for (const auto& o : model.observables()) {
    CAPTURE(o.name);
    if (o.name == "mHLA_DR") {
      CHECK(o.noise.distribution == Distribution::lognormal);
      const double cv = std::sqrt(std::exp(std::stod(o.noise.sigma) * std::stod(o.noise.sigma)) - 1);
      CHECK((cv >= 0.02 && cv <= 0.03));
    }
    if (o.name.rfind("pct_", 0) == 0) {
      ++percentages;
      CHECK(o.unit == "%");
      CHECK(o.noise.distribution == Distribution::logitnormal);
    }
    const bool cytokine = o.unit == "pg/mL";
    if (cytokine) {
      ++cytokines;
      CHECK(o.noise.distribution == Distribution::lognormal);
      CHECK(o.lloq == 10.0);
    } else {
      CHECK(std::isnan(o.lloq));
    }
  }
  CHECK(percentages == 3);  // pct_DR_pos, pct_EdU_pos, pct_apoptotic_lymph
  CHECK(cytokines == 7);    // TNF, IL-10, IL-12p40, IL-6, IFN-g release, secreted TNF and IL-10
}
