// The bundled v2 scenarios of models/leukocyte_exvivo.yaml, run from their
// files through the public pipeline (load_scenario -> RunPlan -> solve): the
// washed two-hit drug-reversal assay, the anti-PD-L1 assay and the patient
// trajectory D1/D3/D7. Each test runs every (donor, arm) of the file and checks
// the direction the scenario's header comment states, with its sources.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <string>
#include <utility>

#include "leukocyte_well.hpp"

using namespace exvivo;

namespace {

/// Every run of a scenario file, looked up by donor, arm, observable and time
/// (a sample written `T h-` is looked up with before = true).
class ScenarioRuns {
 public:
  explicit ScenarioRuns(const std::string& file) : s_(scenario::load_scenario(std::string(EXVIVO_SOURCE_DIR) + "/scenarios/" + file)) {
    const scenario::RunPlan plan(s_);
    for (std::size_t r = 0; r < plan.size(); ++r) {
      auto sol = solve::solve(plan.make_run(r), s_.solver);
      INFO(file << " run " << r << ": " << sol.message);
      REQUIRE(sol.ok());
      runs_.emplace(std::make_pair(plan.donor_id(r), plan.arm_id(r)), std::move(sol));
    }
  }

  double operator()(const std::string& donor, const std::string& arm, const std::string& observable, double time_h,
                    bool before = false) const {
    const auto it = runs_.find({donor, arm});
    if (it == runs_.end()) FAIL("no run for donor " << donor << ", arm " << arm);
    const auto& sol = it->second;
    const auto o = s_.model->observable_index(observable);
    if (!o) FAIL("no observable " << observable);
    for (std::size_t i = 0; i < sol.samples.size(); ++i)
      if (sol.samples[i].before_event == before && std::abs(sol.samples[i].time - time_h) < 1e-9)
        return sol.observables(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(*o));
    FAIL("time " << time_h << " h" << (before ? "-" : "") << " was not sampled");
    return 0;
  }

 private:
  scenario::Scenario s_;
  std::map<std::pair<std::string, std::string>, solve::Solution> runs_;
};

}  // namespace

TEST_CASE("two-hit assay: the first LPS hit tolerises, GM-CSF after the wash restores the second hit",
          "[models][scenarios]") {
  const ScenarioRuns runs("two_hit_drug_reversal.yaml");
  for (const char* donor : {"healthy", "septic"}) {
    INFO(donor);
    // TNF secreted in response to the second hit, 48 -> 52 h.
    auto second_hit = [&](const std::string& arm) {
      return runs(donor, arm, "TNF_secreted_pg", 52) - runs(donor, arm, "TNF_secreted_pg", 48, true);
    };
    const double naive = second_hit("no_first_hit"), tolerant = second_hit("tolerant");
    const double gmcsf = second_hit("tolerant_gmcsf"), ifng = second_hit("tolerant_ifng");
    INFO("second-hit TNF (pg/mL): naive " << naive << ", tolerant " << tolerant << ", +GM-CSF " << gmcsf
                                          << ", +IFN-g " << ifng);
    CHECK(tolerant < 0.5 * naive);  // endotoxin tolerance lasts beyond the wash
    CHECK(gmcsf > 2 * tolerant);    // GM-CSF restores LPS signalling
    CHECK(ifng > tolerant);         // IFN-gamma too, weakly (a1 at its lower bound)
    // The wash removes the first hit's cytokines: what the first hit secreted
    // (hundreds of pg/mL just before the wash) is not carried over.
    CHECK(runs(donor, "tolerant", "TNF_secreted_pg", 24, true) > 100.0);
    CHECK(runs(donor, "tolerant", "TNF_secreted_pg", 24) == 0.0);
    // Both drugs raise mHLA-DR of tolerant monocytes.
    CHECK(runs(donor, "tolerant_gmcsf", "mHLA_DR", 48, true) > runs(donor, "tolerant", "mHLA_DR", 48, true));
    CHECK(runs(donor, "tolerant_ifng", "mHLA_DR", 48, true) > runs(donor, "tolerant", "mHLA_DR", 48, true));
  }
}

TEST_CASE("anti-PD-L1 assay: blockade raises TNF, IL-6 and IFN-gamma, lowers IL-10 and apoptosis",
          "[models][scenarios]") {
  const ScenarioRuns runs("anti_pdl1_assay.yaml");
  for (const char* donor : {"septic", "paralysed"}) {
    INFO(donor);
    CHECK(runs(donor, "lps_anti_pdl1", "TNF_pg", 24) > runs(donor, "lps", "TNF_pg", 24));
    CHECK(runs(donor, "lps_anti_pdl1", "IL6_pg", 24) > runs(donor, "lps", "IL6_pg", 24));
    CHECK(runs(donor, "lps_anti_pdl1", "IL10_pg", 24) < runs(donor, "lps", "IL10_pg", 24));
    CHECK(runs(donor, "beads_anti_pdl1", "pct_apoptotic_lymph", 72) < runs(donor, "beads", "pct_apoptotic_lymph", 72));
    CHECK(runs(donor, "beads_anti_pdl1", "IFNG_release_pg", 72) > runs(donor, "beads", "IFNG_release_pg", 72));
    CHECK(runs(donor, "beads_anti_pdl1", "pct_EdU_pos", 72) >= runs(donor, "beads", "pct_EdU_pos", 72));
    CHECK(runs(donor, "lps", "PDL1_fold", 24) > 1.0);  // LPS raises monocyte PD-L1
  }
}

TEST_CASE("patient trajectory: mHLA-DR and LPS-TNF recover by D7 in survivors, not in persistent immunosuppression",
          "[models][scenarios]") {
  const ScenarioRuns runs("patient_trajectory.yaml");
  const double d3 = runs("d3", "baseline", "mHLA_DR", 0), recovering = runs("d7_recovering", "baseline", "mHLA_DR", 0);
  CHECK(recovering > d3);
  CHECK(runs("d7_persistent", "baseline", "mHLA_DR", 0) < 8000);
  CHECK(runs("d7_recovering", "lps", "TNF_pg", 4) > runs("d3", "lps", "TNF_pg", 4));
  CHECK(runs("d7_recovering", "lps", "TNF_pg", 4) > runs("d7_persistent", "lps", "TNF_pg", 4));
  for (const char* day : {"d1", "d3", "d7_recovering", "d7_persistent"}) {
    INFO(day);
    CHECK(runs(day, "gmcsf", "mHLA_DR", 24) > 2 * runs(day, "baseline", "mHLA_DR", 24));  // GM-CSF acts at every day
  }
}
