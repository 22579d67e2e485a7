// Calibration target V9 of MODEL.md §5 (IL-7 on septic T cells, Venet 2012 and
// 2017) for models/leukocyte_exvivo.yaml, with both TCR stimuli (beads 1:1 and
// PHA 5 ug/mL) in PBMC. Ratios are IL-7 arm / no-IL-7 arm at the same time.
// check_band also writes the rows of the "Simulated values" table in
// models/README.md (tools/calibration_table.sh).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "leukocyte_well.hpp"

using exvivo::test::above;
using exvivo::test::at_least;
using exvivo::test::at_most;
using exvivo::test::below;
using exvivo::test::between;
using exvivo::test::check_band;
using exvivo::test::Readout;
using exvivo::test::simulate;
using exvivo::test::table_number;
using exvivo::test::Well;

namespace {

const std::vector<double> read_times = {0.5, 24, 48, 72, 96};

Readout pbmc_arm(const std::string& preset, const std::string& additions) {
  return simulate(Well{preset, "pbmc", "", {"{at: 0 h, add: {" + additions + "}}"}}, read_times);
}

}  // namespace

TEST_CASE("V9: IL-7 restores STAT5, Bcl-2, IFN-gamma and proliferation of septic T cells; rapamycin blocks it",
          "[models][calibration][V9]") {
  struct Stimulus {
    std::string label, additions;
  };
  for (const auto& [label, stimulus] : {Stimulus{"beads", "BEADS: 1 beads/cell"}, Stimulus{"PHA", "PHA: 5 ug/mL"}}) {
    const std::string row = label + ": ";
    const auto septic = pbmc_arm("septic", stimulus);
    const auto septic_il7 = pbmc_arm("septic", stimulus + ", IL7: 10 ng/mL");
    const auto septic_il7_high = pbmc_arm("septic", stimulus + ", IL7: 100 ng/mL");
    const auto septic_il7_rapa = pbmc_arm("septic", stimulus + ", IL7: 10 ng/mL, RAPA: 100 nM");
    const auto healthy = pbmc_arm("healthy", stimulus);

    check_band("V9", row + "S IL-7 pSTAT5 fold 0.5 h", septic_il7("pSTAT5_fold", 0.5) / septic("pSTAT5_fold", 0.5),
               at_least(2));
    for (double t : {24.0, 48.0})
      check_band("V9", row + "S IL-7 BCL2 ratio " + table_number(t) + " h",
                 septic_il7("BCL2_fold", t) / septic("BCL2_fold", t), at_least(1.2));
    for (double t : {48.0, 72.0})
      check_band("V9", row + "S IL-7 IFN-g release ratio " + table_number(t) + " h",
                 septic_il7("IFNG_release_pg", t) / septic("IFNG_release_pg", t), above(1));

    const double edu_septic = septic("pct_EdU_pos", 96), edu_il7 = septic_il7("pct_EdU_pos", 96);
    const double edu_healthy = healthy("pct_EdU_pos", 96);
    // Assumed healthy day-4 proliferation, MODEL.md §4 cross-checks.
    check_band("V9", row + "H EdU+ 96 h (%) [assumed 50-80]", edu_healthy, between(50, 80));
    check_band("V9", row + "S EdU+ 96 h (%), below H", edu_septic, below(edu_healthy));
    check_band("V9", row + "S IL-7 EdU+ ratio 96 h", edu_il7 / edu_septic, at_least(1.3));
    check_band("V9", row + "S IL-7 EdU+ 96 h (%), at most 1.2 H", edu_il7, at_most(1.2 * edu_healthy));
    check_band("V9", row + "S IL-7 100 vs 10 EdU+", septic_il7_high("pct_EdU_pos", 96) / edu_il7, at_least(1));
    check_band("V9", row + "S IL-7+rapa EdU+ / S no IL-7", septic_il7_rapa("pct_EdU_pos", 96) / edu_septic,
               at_most(1.1));
  }
}
