// Calibration target V9 of MODEL.md §5 (IL-7 on septic T cells, Venet 2012 and
// 2017) for models/leukocyte_exvivo.yaml, with both TCR stimuli (beads 1:1 and
// PHA 5 ug/mL) in PBMC. Ratios are IL-7 arm / no-IL-7 arm at the same time.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "leukocyte_well.hpp"

using exvivo::test::Readout;
using exvivo::test::simulate;
using exvivo::test::Well;

namespace {

const std::vector<double> read_times = {0.5, 24, 48, 72, 96};

Readout pbmc_arm(const std::string& preset, const std::string& additions) {
  return simulate(Well{preset, "pbmc", "", {"{at: 0 h, add: {" + additions + "}}"}}, read_times);
}

}  // namespace

TEST_CASE("V9: IL-7 restores STAT5, Bcl-2, IFN-gamma and proliferation of septic T cells; rapamycin blocks it",
          "[models][calibration][V9]") {
  for (const std::string stimulus : {"BEADS: 1 beads/cell", "PHA: 5 ug/mL"}) {
    INFO("stimulus " << stimulus);
    const auto septic = pbmc_arm("septic", stimulus);
    const auto septic_il7 = pbmc_arm("septic", stimulus + ", IL7: 10 ng/mL");
    const auto septic_il7_high = pbmc_arm("septic", stimulus + ", IL7: 100 ng/mL");
    const auto septic_il7_rapa = pbmc_arm("septic", stimulus + ", IL7: 10 ng/mL, RAPA: 100 nM");
    const auto healthy = pbmc_arm("healthy", stimulus);

    CHECK(septic_il7("pSTAT5_fold", 0.5) / septic("pSTAT5_fold", 0.5) >= 2);
    for (double t : {24.0, 48.0}) {
      INFO("t = " << t << " h");
      CHECK(septic_il7("BCL2_fold", t) / septic("BCL2_fold", t) >= 1.2);
    }
    for (double t : {48.0, 72.0}) {
      INFO("t = " << t << " h");
      CHECK(septic_il7("IFNG_release_pg", t) > septic("IFNG_release_pg", t));
    }

    const double edu_septic = septic("pct_EdU_pos", 96), edu_il7 = septic_il7("pct_EdU_pos", 96);
    const double edu_healthy = healthy("pct_EdU_pos", 96);
    INFO("EdU+ at 96 h: H " << edu_healthy << " %, S " << edu_septic << " %, S+IL-7 " << edu_il7 << " %, S+IL-7 100 "
                            << septic_il7_high("pct_EdU_pos", 96) << " %, S+IL-7+rapa "
                            << septic_il7_rapa("pct_EdU_pos", 96) << " %");
    CHECK(edu_healthy >= 50);  // assumed healthy day-4 proliferation, MODEL.md §4 cross-checks
    CHECK(edu_healthy <= 80);
    CHECK(edu_septic < edu_healthy);
    CHECK(edu_il7 / edu_septic >= 1.3);
    CHECK(edu_il7 <= 1.2 * edu_healthy);
    CHECK(septic_il7_high("pct_EdU_pos", 96) >= edu_il7);
    CHECK(septic_il7_rapa("pct_EdU_pos", 96) <= 1.1 * edu_septic);
  }
}
