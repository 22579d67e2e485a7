// Calibration targets of MODEL.md §5 for the monocyte side of
// models/leukocyte_exvivo.yaml (V1–V3, V5–V8, V13). Each test runs the
// target's protocol through the scenario pipeline and checks the band of
// §5; models/README.md lists the values these runs give.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "leukocyte_well.hpp"

using exvivo::test::half_max_dose;
using exvivo::test::simulate;
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

Well pbmc(const std::string& preset, std::vector<std::string> protocol = {}, const std::string& set = "") {
  return Well{preset, "pbmc", set, std::move(protocol)};
}

}  // namespace

TEST_CASE("V1: baseline mHLA-DR and %HLA-DR+ of healthy and septic whole blood", "[models][calibration][V1]") {
  const auto healthy = simulate(whole_blood("healthy"), {4});
  const auto septic = simulate(whole_blood("septic"), {4});
  for (double t : {0.0, 4.0}) {
    INFO("t = " << t << " h");
    CHECK(healthy("mHLA_DR", t) > 15000);
    CHECK(healthy("pct_DR_pos", t) >= 85);
    CHECK(septic("mHLA_DR", t) >= 3000);
    CHECK(septic("mHLA_DR", t) <= 8000);
    CHECK(septic("pct_DR_pos", t) >= 10);
    CHECK(septic("pct_DR_pos", t) <= 50);
  }
}

TEST_CASE("V2: LPS-induced TNF in whole blood, septic and paralysed donors", "[models][calibration][V2]") {
  const auto healthy = simulate(whole_blood("healthy", {add_at(0, "LPS: 10 ng/mL")}), {3, 4});
  const auto septic = simulate(whole_blood("septic", {add_at(0, "LPS: 10 ng/mL")}), {3, 4});
  for (double t : {3.0, 4.0}) {
    INFO("t = " << t << " h, H " << healthy("TNF_pg", t) << " pg/mL, S " << septic("TNF_pg", t) << " pg/mL");
    CHECK(healthy("TNF_pg", t) >= 700);
    CHECK(healthy("TNF_pg", t) <= 7000);
    const double ratio = septic("TNF_pg", t) / healthy("TNF_pg", t);
    CHECK(ratio >= 0.05);
    CHECK(ratio <= 0.30);
  }
  // Hall 2011 format: whole blood diluted 11-fold, final LPS ~0.45 ng/mL, 4 h.
  const auto paralysed = simulate(whole_blood("paralysed", {add_at(0, "LPS: 0.45 ng/mL")}, "dilution: 11"), {4});
  INFO("P (Hall format) " << paralysed("TNF_pg", 4) << " pg/mL");
  CHECK(paralysed("TNF_pg", 4) >= 10);
  CHECK(paralysed("TNF_pg", 4) <= 200);
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
  CHECK(t_tnf_peak >= 1.5);
  CHECK(t_tnf_peak <= 3.0);
  CHECK(lps("TNF_pg", 72) < 0.5 * tnf_peak);
  CHECK(lps("IL10_pg", 5) - none("IL10_pg", 5) < 0.1 * rise_peak);
  CHECK(lps("IL10_pg", 10) - none("IL10_pg", 10) >= 0.1 * rise_peak);
  CHECK(t_rise_peak >= 24);
  CHECK(t_rise_peak <= 48);

  // (b) TNF added to whole blood without LPS decays with a 15-22 min half-life.
  const auto tnf = simulate(whole_blood("healthy", {add_at(0, "TNF: 1 ng/mL")}), {1});
  const double half_life_min = 60 * std::log(2.0) / std::log(tnf("TNF_pg", 0) / tnf("TNF_pg", 1));
  INFO("TNF half-life " << half_life_min << " min");
  CHECK(half_life_min >= 15);
  CHECK(half_life_min <= 22);
}

TEST_CASE("V5: IFN-gamma restores HLA-DR and LPS-TNF of septic monocytes", "[models][calibration][V5]") {
  SECTION("(a) septic PBMC with IFN-gamma 500 U/mL: %DR+ up at 24 h, 65-97 % at 48 h; healthy stays >= 90 %") {
    const auto septic = simulate(pbmc("septic", {add_at(0, "IFNG: 28 ng/mL")}, "HLA0: 5630 AB/C"), {24, 48});
    const auto healthy = simulate(pbmc("healthy", {add_at(0, "IFNG: 28 ng/mL")}), {24, 48});
    INFO("S %DR+ " << septic("pct_DR_pos", 0) << " -> " << septic("pct_DR_pos", 24) << " -> "
                   << septic("pct_DR_pos", 48));
    CHECK_THAT(septic("pct_DR_pos", 0), Catch::Matchers::WithinAbs(32, 4));
    CHECK(septic("pct_DR_pos", 24) > septic("pct_DR_pos", 0));
    CHECK(septic("pct_DR_pos", 48) >= 65);
    CHECK(septic("pct_DR_pos", 48) <= 97);
    CHECK(healthy("pct_DR_pos", 24) >= 90);
    CHECK(healthy("pct_DR_pos", 48) >= 90);
  }
  SECTION("(b) IFN-gamma 10 ng/mL, LPS at 24 h: septic TNF >= 1.5x untreated but below healthy + IFN-gamma") {
    const std::string lps = add_at(24, "LPS: 10 ng/mL"), ifn = add_at(0, "IFNG: 10 ng/mL");
    const double septic_ifn = simulate(whole_blood("septic", {ifn, lps}), {28})("TNF_pg", 28);
    const double septic_none = simulate(whole_blood("septic", {lps}), {28})("TNF_pg", 28);
    const double healthy_ifn = simulate(whole_blood("healthy", {ifn, lps}), {28})("TNF_pg", 28);
    INFO("S+IFN " << septic_ifn << ", S " << septic_none << ", H+IFN " << healthy_ifn << " pg/mL");
    CHECK(septic_ifn >= 1.5 * septic_none);
    CHECK(septic_ifn < healthy_ifn);
  }
  SECTION("(c) IFN-gamma 100 U/mL in septic whole blood raises mHLA-DR 3-10x by 72 h") {
    const double treated = simulate(whole_blood("septic", {add_at(0, "IFNG: 100 IU/mL")}), {72})("mHLA_DR", 72);
    const double untreated = simulate(whole_blood("septic"), {72})("mHLA_DR", 72);
    INFO("fold " << treated / untreated);
    CHECK(treated / untreated >= 3);
    CHECK(treated / untreated <= 10);
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
  INFO("half-max S1 " << stat1_half << " ng/mL, mHLA-DR " << hla_dr_half << " ng/mL");
  CHECK(stat1_half >= 2);
  CHECK(stat1_half <= 10);
  CHECK((stat1[5] - stat1[0]) / (stat1[7] - stat1[0]) >= 0.75);  // 17 ng/mL = 1 nM saturates binding
  CHECK(hla_dr_half >= 0.1);
  CHECK(hla_dr_half <= 10);
}

TEST_CASE("V7: GM-CSF restores mHLA-DR and LPS-TNF in septic and paralysed whole blood",
          "[models][calibration][V7]") {
  const std::string gm = add_at(0, "GMCSF: 10 ng/mL");
  for (const std::string preset : {"septic", "paralysed"}) {
    INFO(preset);
    const auto treated = simulate(whole_blood(preset, {gm}), {6, 24});
    const auto untreated = simulate(whole_blood(preset), {6, 24});
    const double fold6 = treated("mHLA_DR", 6) / untreated("mHLA_DR", 6);
    const double fold24 = treated("mHLA_DR", 24) / untreated("mHLA_DR", 24);
    INFO("mHLA-DR fold " << fold6 << " at 6 h, " << fold24 << " at 24 h");
    CHECK(fold6 >= 1.15);
    CHECK(fold24 >= 2);
    CHECK(fold24 <= 8);

    const std::string lps24 = add_at(24, "LPS: 10 ng/mL"), lps6 = add_at(6, "LPS: 10 ng/mL");
    const double tnf_fold_24 = simulate(whole_blood(preset, {gm, lps24}), {28})("TNF_pg", 28) /
                               simulate(whole_blood(preset, {lps24}), {28})("TNF_pg", 28);
    const double tnf_fold_6 = simulate(whole_blood(preset, {gm, lps6}), {10})("TNF_pg", 10) /
                              simulate(whole_blood(preset, {lps6}), {10})("TNF_pg", 10);
    INFO("LPS-TNF fold " << tnf_fold_24 << " (LPS at 24 h), " << tnf_fold_6 << " (LPS at 6 h)");
    CHECK(tnf_fold_24 >= (preset == "paralysed" ? 5.0 : 2.0));
    CHECK(tnf_fold_6 > 1);
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
    const double half = half_max_dose(doses, *response);
    const double at_10 = ((*response)[6] - response->front()) / (response->back() - response->front());
    INFO((response == &stat5 ? "S5" : "mHLA-DR") << ": half-max " << half << " ng/mL, 10 ng/mL gives " << at_10
                                                 << " of max");
    CHECK(half >= 0.3);
    CHECK(half <= 1.5);
    CHECK(at_10 >= 0.85);
  }
}

TEST_CASE("V13: monocyte survival in healthy PBMC without factors and with GM-CSF", "[models][calibration][V13]") {
  const auto none = simulate(pbmc("healthy"), {24, 48, 192});
  const auto gm = simulate(pbmc("healthy", {add_at(0, "GMCSF: 10 ng/mL")}), {24, 48, 192});
  INFO("viability without factors " << none("mono_viability", 48) << " % at 48 h, " << none("mono_viability", 192)
                                    << " % at 192 h; with GM-CSF " << gm("mono_viability", 192) << " %");
  CHECK(none("mono_viability", 48) >= 40);
  CHECK(none("mono_viability", 48) <= 75);
  CHECK(none("mono_viability", 192) < none("mono_viability", 48));
  for (double t : {24.0, 48.0, 192.0}) CHECK(gm("mono_viability", t) > none("mono_viability", t));
  CHECK(gm("mono_viability", 192) / none("mono_viability", 192) >= 1.5);
}
