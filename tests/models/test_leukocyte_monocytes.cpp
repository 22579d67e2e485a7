// Calibration targets of MODEL.md §5 for the monocyte side of
// models/leukocyte_exvivo.yaml (V1–V3, V5–V8, V13). Each test runs the
// target's protocol through the scenario pipeline and checks the band of
// §5 with check_band, which also writes the rows of the "Simulated values"
// table in models/README.md (tools/calibration_table.sh).
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "leukocyte_well.hpp"

using exvivo::test::above;
using exvivo::test::at_least;
using exvivo::test::below;
using exvivo::test::between;
using exvivo::test::check_band;
using exvivo::test::check_near;
using exvivo::test::half_max_dose;
using exvivo::test::simulate;
using exvivo::test::table_number;
using exvivo::test::Well;

namespace {

std::string add_at(double t_h, const std::string& amounts) {
  std::ostringstream out;
  out << "{at: " << t_h << " h, add: {" << amounts << "}}";
  return out.str();
}

Well whole_blood(const std::string& preset, std::vector<std::string> protocol = {}, const std::string& set = "") {
  return Well{preset, "whole_blood", set, std::move(protocol)};
}

/// "4 h", for table labels.
std::string hours(double t_h) { return table_number(t_h) + " h"; }

Well pbmc(const std::string& preset, std::vector<std::string> protocol = {}, const std::string& set = "") {
  return Well{preset, "pbmc", set, std::move(protocol)};
}

}  // namespace

TEST_CASE("V1: baseline mHLA-DR and %HLA-DR+ of healthy and septic whole blood", "[models][calibration][V1]") {
  const auto healthy = simulate(whole_blood("healthy"), {4});
  const auto septic = simulate(whole_blood("septic"), {4});
  for (double t : {0.0, 4.0}) {
    check_band("V1", "H mHLA-DR " + hours(t), healthy("mHLA_DR", t), above(15000));
    check_band("V1", "H %DR+ " + hours(t), healthy("pct_DR_pos", t), at_least(85));
  }
  for (double t : {0.0, 4.0}) {
    check_band("V1", "S mHLA-DR " + hours(t), septic("mHLA_DR", t), between(3000, 8000));
    check_band("V1", "S %DR+ " + hours(t), septic("pct_DR_pos", t), between(10, 50));
  }
}

TEST_CASE("V2: LPS-induced TNF in whole blood, septic and paralysed donors", "[models][calibration][V2]") {
  const auto healthy = simulate(whole_blood("healthy", {add_at(0, "LPS: 10 ng/mL")}), {3, 4});
  const auto septic = simulate(whole_blood("septic", {add_at(0, "LPS: 10 ng/mL")}), {3, 4});
  for (double t : {3.0, 4.0})
    check_band("V2", "H TNF " + hours(t) + " (pg/mL)", healthy("TNF_pg", t), between(700, 7000));
  for (double t : {3.0, 4.0})
    check_band("V2", "S/H TNF " + hours(t), septic("TNF_pg", t) / healthy("TNF_pg", t), between(0.05, 0.30));
  // Hall 2011 format: whole blood diluted 11-fold, final LPS ~0.45 ng/mL, 4 h.
  const auto paralysed = simulate(whole_blood("paralysed", {add_at(0, "LPS: 0.45 ng/mL")}, "dilution: 11"), {4});
  check_band("V2", "P Hall format (d=11, LPS 0.45) TNF 4 h (pg/mL)", paralysed("TNF_pg", 4), between(10, 200));
}

TEST_CASE("V3: TNF peaks 1.5-3 h after LPS, IL-10 appears late and peaks at 24-48 h; TNF half-life",
          "[models][calibration][V3]") {
  std::vector<double> times;
  for (int k = 1; k <= 288; ++k) times.push_back(0.25 * k);
  const auto lps = simulate(whole_blood("healthy", {add_at(0, "LPS: 10 ng/mL")}), times);
  const auto none = simulate(whole_blood("healthy"), times);

  double tnf_peak = 0, t_tnf_peak = 0, rise_peak = 0, t_rise_peak = 0;
  for (double t : times) {
    if (lps("TNF_pg", t) > tnf_peak) tnf_peak = lps("TNF_pg", t), t_tnf_peak = t;
    const double rise = lps("IL10_pg", t) - none("IL10_pg", t);
    if (rise > rise_peak) rise_peak = rise, t_rise_peak = t;
  }
  INFO("TNF peak " << tnf_peak << " pg/mL at " << t_tnf_peak << " h; IL-10 rise peak " << rise_peak << " pg/mL at "
                   << t_rise_peak << " h");
  check_band("V3", "a: TNF peak time (h)", t_tnf_peak, between(1.5, 3.0));
  check_band("V3", "a: TNF 72 h / peak", lps("TNF_pg", 72) / tnf_peak, below(0.5));
  check_band("V3", "a: IL-10 rise(5 h)/max", (lps("IL10_pg", 5) - none("IL10_pg", 5)) / rise_peak, below(0.1));
  check_band("V3", "a: IL-10 rise(10 h)/max", (lps("IL10_pg", 10) - none("IL10_pg", 10)) / rise_peak, at_least(0.1));
  check_band("V3", "a: IL-10 rise peak time (h)", t_rise_peak, between(24, 48));

  // (b) TNF added to whole blood without LPS decays with a 15-22 min half-life.
  const auto tnf = simulate(whole_blood("healthy", {add_at(0, "TNF: 1 ng/mL")}), {1});
  const double half_life_min = 60 * std::log(2.0) / std::log(tnf("TNF_pg", 0) / tnf("TNF_pg", 1));
  check_band("V3", "b: TNF half-life (min)", half_life_min, between(15, 22));
}

TEST_CASE("V5: IFN-gamma restores HLA-DR and LPS-TNF of septic monocytes", "[models][calibration][V5]") {
  SECTION("(a) septic PBMC with IFN-gamma 500 U/mL: %DR+ up at 24 h, 65-97 % at 48 h; healthy stays >= 90 %") {
    const auto septic = simulate(pbmc("septic", {add_at(0, "IFNG: 28 ng/mL")}, "HLA0: 5630 AB/C"), {24, 48});
    const auto healthy = simulate(pbmc("healthy", {add_at(0, "IFNG: 28 ng/mL")}), {24, 48});
    check_near("V5", "a: S PBMC %DR+ 0 h", septic("pct_DR_pos", 0), 32, 4);
    check_band("V5", "a: S PBMC + IFN-g %DR+ 24 h (up)", septic("pct_DR_pos", 24), above(septic("pct_DR_pos", 0)));
    check_band("V5", "a: S PBMC + IFN-g %DR+ 48 h", septic("pct_DR_pos", 48), between(65, 97));
    for (double t : {24.0, 48.0})
      check_band("V5", "a: H PBMC + IFN-g %DR+ " + hours(t), healthy("pct_DR_pos", t), at_least(90));
  }
  SECTION("(b) IFN-gamma 10 ng/mL, LPS at 24 h: septic TNF >= 1.5x untreated but below healthy + IFN-gamma") {
    const std::string lps = add_at(24, "LPS: 10 ng/mL"), ifn = add_at(0, "IFNG: 10 ng/mL");
    const double septic_ifn = simulate(whole_blood("septic", {ifn, lps}), {28})("TNF_pg", 28);
    const double septic_none = simulate(whole_blood("septic", {lps}), {28})("TNF_pg", 28);
    const double healthy_ifn = simulate(whole_blood("healthy", {ifn, lps}), {28})("TNF_pg", 28);
    INFO("S+IFN " << septic_ifn << ", S " << septic_none << ", H+IFN " << healthy_ifn << " pg/mL");
    check_band("V5", "b: S IFN-g TNF(28 h) fold vs S untreated", septic_ifn / septic_none, at_least(1.5));
    check_band("V5", "b: S+IFN-g TNF vs H+IFN-g", septic_ifn / healthy_ifn, below(1));
  }
  SECTION("(c) IFN-gamma 100 U/mL in septic whole blood raises mHLA-DR 3-10x by 72 h") {
    const double treated = simulate(whole_blood("septic", {add_at(0, "IFNG: 100 IU/mL")}), {72})("mHLA_DR", 72);
    const double untreated = simulate(whole_blood("septic"), {72})("mHLA_DR", 72);
    check_band("V5", "c: S IFN-g 100 U/mL mHLA-DR 72 h fold", treated / untreated, between(3, 10));
  }
}

TEST_CASE("V6: IFN-gamma dose-response of STAT1 (1 h) and mHLA-DR (24 h) in septic whole blood",
          "[models][calibration][V6]") {
  const std::vector<double> doses = {0, 0.3, 1, 3, 10, 17, 30, 100};
  std::vector<double> stat1, hla_dr;
  for (double dose : doses) {
    const auto well = simulate(whole_blood("septic", {add_at(0, "IFNG: " + std::to_string(dose) + " ng/mL")}), {1, 24});
    stat1.push_back(well("S1", 1));
    hla_dr.push_back(well("mHLA_DR", 24));
  }
  const double stat1_half = half_max_dose(doses, stat1), hla_dr_half = half_max_dose(doses, hla_dr);
  check_band("V6", "S1(1 h) half-max (ng/mL)", stat1_half, between(2, 10));
  // 17 ng/mL = 1 nM saturates binding.
  check_band("V6", "(S1(17)-S1(0))/(S1(100)-S1(0))", (stat1[5] - stat1[0]) / (stat1[7] - stat1[0]), at_least(0.75));
  check_band("V6", "mHLA-DR(24 h) half-max (ng/mL)", hla_dr_half, between(0.1, 10));
}

TEST_CASE("V7: GM-CSF restores mHLA-DR and LPS-TNF in septic and paralysed whole blood",
          "[models][calibration][V7]") {
  const std::string gm = add_at(0, "GMCSF: 10 ng/mL");
  for (const std::string preset : {"septic", "paralysed"}) {
    const std::string donor = preset == "septic" ? "S" : "P";
    const auto treated = simulate(whole_blood(preset, {gm}), {6, 24});
    const auto untreated = simulate(whole_blood(preset), {6, 24});
    const double fold6 = treated("mHLA_DR", 6) / untreated("mHLA_DR", 6);
    const double fold24 = treated("mHLA_DR", 24) / untreated("mHLA_DR", 24);
    check_band("V7", "a: " + donor + " GM-CSF mHLA-DR fold 6 h", fold6, at_least(1.15));
    check_band("V7", "a: " + donor + " GM-CSF mHLA-DR fold 24 h", fold24, between(2, 8));

    const std::string lps24 = add_at(24, "LPS: 10 ng/mL"), lps6 = add_at(6, "LPS: 10 ng/mL");
    const double tnf_fold_24 = simulate(whole_blood(preset, {gm, lps24}), {28})("TNF_pg", 28) /
                               simulate(whole_blood(preset, {lps24}), {28})("TNF_pg", 28);
    const double tnf_fold_6 = simulate(whole_blood(preset, {gm, lps6}), {10})("TNF_pg", 10) /
                              simulate(whole_blood(preset, {lps6}), {10})("TNF_pg", 10);
    check_band("V7", "b: " + donor + " GM-CSF, LPS 24 h, TNF 28 h fold", tnf_fold_24,
               at_least(preset == "paralysed" ? 5.0 : 2.0));
    check_band("V7", "c: " + donor + " GM-CSF, LPS 6 h, TNF 10 h fold", tnf_fold_6, above(1));
  }
}

TEST_CASE("V8: GM-CSF dose-response of STAT5 (1 h) and mHLA-DR (24 h) in septic whole blood",
          "[models][calibration][V8]") {
  const std::vector<double> doses = {0, 0.03, 0.1, 0.3, 1, 3, 10, 30};
  std::vector<double> stat5, hla_dr;
  for (double dose : doses) {
    const auto well = simulate(whole_blood("septic", {add_at(0, "GMCSF: " + std::to_string(dose) + " ng/mL")}), {1, 24});
    stat5.push_back(well("S5", 1));
    hla_dr.push_back(well("mHLA_DR", 24));
  }
  for (const auto* response : {&stat5, &hla_dr}) {
    const std::string readout = response == &stat5 ? "S5(1 h)" : "mHLA-DR(24 h)";
    const double at_10 = ((*response)[6] - response->front()) / (response->back() - response->front());
    check_band("V8", readout + " half-max (ng/mL)", half_max_dose(doses, *response), between(0.3, 1.5));
    check_band("V8", readout + " at 10 ng/mL / max", at_10, at_least(0.85));
  }
}

TEST_CASE("V13: monocyte survival in healthy PBMC without factors and with GM-CSF", "[models][calibration][V13]") {
  const auto none = simulate(pbmc("healthy"), {24, 48, 192});
  const auto gm = simulate(pbmc("healthy", {add_at(0, "GMCSF: 10 ng/mL")}), {24, 48, 192});
  check_band("V13", "no factor viability 48 h (%)", none("mono_viability", 48), between(40, 75));
  check_band("V13", "no factor viability 192 h (%), below 48 h", none("mono_viability", 192),
             below(none("mono_viability", 48)));
  for (double t : {24.0, 48.0, 192.0})
    check_band("V13", "GM-CSF viability " + hours(t) + " (%), above no factor", gm("mono_viability", t),
               above(none("mono_viability", t)));
  check_band("V13", "GM-CSF / none viability 192 h", gm("mono_viability", 192) / none("mono_viability", 192),
             at_least(1.5));
}
