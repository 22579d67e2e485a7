// Calibration target V14 of MODEL.md §5: virtual cohorts of 500 septic and 500
// healthy donors drawn as in MODEL.md §2d (value = typical·exp(σ·z); TOL0 and
// AN0 logit-normal; healthy TOL0 = AN0 = 0 without spread), whole blood with
// LPS 10 ng/mL at 0 h. Checks the baseline %HLA-DR+ distribution of septic
// donors and the 10th–90th percentile of healthy LPS-TNF at 4 h; check_band
// and check_near also write the rows of the "Simulated values" table in
// models/README.md (tools/calibration_table.sh).
//
// The cohort is the engine's: a scenario `cohort:` section with these spreads
// around the preset's values, sampled by the scenario's run plan (fixed seed),
// so this test checks the sampler the bundled cohort scenarios use.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "leukocyte_well.hpp"

using namespace exvivo;

namespace {

struct Spread {
  double healthy, septic;  ///< σ of the log-normal (or logit-normal) spread
};

const std::map<std::string, Spread> log_normal_spread = {
    {"HLA0", {0.3, 0.6}},      {"Mono0", {0.5, 0.5}},     {"Lympho0", {0.35, 0.75}}, {"CD4_pct", {0.2, 0.2}},
    {"Treg_pct", {0.3, 0.3}},  {"NK_pct", {0.3, 0.3}},    {"IL10_plasma", {1.2, 1.2}}, {"IL6_plasma", {0.8, 0.8}},
    {"CD127_0", {0.3, 0.3}},   {"GMR0", {0.3, 0.3}},      {"Apop0_pct", {0.3, 0.3}}};
const std::map<std::string, Spread> logit_normal_spread = {{"TOL0", {1.0, 1.0}}, {"AN0", {1.0, 1.0}}};

struct Cohort {
  std::vector<double> baseline_pct_dr_pos;
  std::vector<double> tnf_4h;
};

/// The well's scenario with its one donor replaced by a cohort of `n` members
/// of `preset` with the spreads above (values in the model's units).
std::string cohort_scenario_text(const std::string& preset, int n, std::uint64_t seed) {
  const std::string well =
      test::scenario_text(test::Well{preset, "whole_blood", "", {"{at: 0 h, add: {LPS: 10 ng/mL}}"}}, {4});
  const auto typical = test::load_scenario_text(well);
  const auto& preset_values = typical.model->donor_presets().at(preset);
  const bool healthy = preset == "healthy";
  std::ostringstream cohort;
  cohort.precision(17);
  cohort << "cohort:\n  n: " << n << "\n  seed: " << seed << "\n  preset: " << preset << "\n  distributions:\n";
  for (const auto& [name, spread] : log_normal_spread)
    cohort << "    " << name << ": {lognormal: {median: " << preset_values.at(name)
           << ", sigma: " << (healthy ? spread.healthy : spread.septic) << "}}\n";
  for (const auto& [name, spread] : logit_normal_spread)
    if (preset_values.at(name) > 0)  // healthy TOL0 = AN0 = 0: no spread
      cohort << "    " << name << ": {logitnormal: {median: " << preset_values.at(name) << ", sigma: " << spread.septic
             << "}}\n";
  const auto donors = well.find("donors:"), arms = well.find("arms:");
  REQUIRE(donors != std::string::npos);
  REQUIRE(arms != std::string::npos);
  return well.substr(0, donors) + cohort.str() + well.substr(arms);
}

Cohort simulate_cohort(const std::string& preset, int n, std::uint64_t seed) {
  const auto s = test::load_scenario_text(cohort_scenario_text(preset, n, seed));
  const scenario::RunPlan plan(s);
  REQUIRE(plan.size() == static_cast<std::size_t>(n));
  const auto& model = *s.model;
  const auto pct_dr_pos = static_cast<Eigen::Index>(*model.observable_index("pct_DR_pos"));
  const auto tnf = static_cast<Eigen::Index>(*model.observable_index("TNF_pg"));
  const auto hla0 = *model.parameter_index("HLA0");
  Cohort cohort;
  std::vector<double> hla0_values;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const solve::Run run = plan.make_run(i);
    hla0_values.push_back(run.parameters[hla0]);
    const auto sol = solve::solve(run, s.solver);
    INFO("cohort member " << i << ": " << sol.message);
    REQUIRE(sol.ok());
    cohort.baseline_pct_dr_pos.push_back(sol.observables(0, pct_dr_pos));
    cohort.tnf_4h.push_back(sol.observables(1, tnf));
  }
  // The members differ (a cohort that repeated the typical donor would pass
  // nothing below by accident).
  std::sort(hla0_values.begin(), hla0_values.end());
  CHECK(hla0_values.back() > 1.5 * hla0_values.front());
  return cohort;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const double pos = p / 100 * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(pos);
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

}  // namespace

TEST_CASE("V14: septic cohort %HLA-DR+ split around 30 %; healthy LPS-TNF spread", "[models][calibration][V14]") {
  const int n = 500;
  const auto septic = simulate_cohort("septic", n, 7);
  std::vector<double> low, high;
  for (double v : septic.baseline_pct_dr_pos) (v < 30 ? low : high).push_back(v);
  const double fraction_low = static_cast<double>(low.size()) / n;
  test::check_band("V14", "S cohort (n=500): fraction %DR+ <30", fraction_low, test::between(0.30, 0.70));
  test::check_near("V14", "S subgroup <30 %: median %DR+", median(low), 15, 10);
  test::check_near("V14", "S subgroup >=30 %: median %DR+", median(high), 56, 10);

  const auto healthy = simulate_cohort("healthy", n, 8);
  const double p10 = percentile(healthy.tnf_4h, 10), p90 = percentile(healthy.tnf_4h, 90);
  test::check_band("V14", "H cohort (n=500): LPS-TNF 4 h P10 (pg/mL)", p10, test::at_least(500));
  test::check_band("V14", "H cohort: LPS-TNF 4 h P90 (pg/mL)", p90, test::at_most(4000));
}
