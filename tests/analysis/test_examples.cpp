// The bundled analyses (scenarios/analysis_*.yaml) run as they are and write
// their outputs; their results are checked against what the model implies
// (tests/answers/ pins their values).
#include <filesystem>

#include <catch2/catch.hpp>

#include "analysis/run_analysis.hpp"
#include "analysis_fixture.hpp"

using namespace exvivo;
using namespace exvivo::analysis;

namespace {

AnalysisReport run_example(const std::string& name, const exvivo::test::TempDir& dir) {
  AnalysisOptions options;
  options.out_dir = (dir.path / name).string();
  return run_analysis(std::string(EXVIVO_SOURCE_DIR) + "/scenarios/" + name + ".yaml", options);
}

}  // namespace

TEST_CASE("example: GM-CSF sensitivity (Sobol) of mHLA-DR and TNF", "[analysis][examples]") {
  exvivo::test::TempDir dir;
  const AnalysisReport r = run_example("analysis_gmcsf_sensitivity", dir);
  CHECK(r.ok());
  REQUIRE(r.sensitivity.size() == 6);
  auto row = [&](const std::string& output_prefix, const std::string& parameter) {
    for (const auto& s : r.sensitivity)
      if (s.output.rfind(output_prefix, 0) == 0 && s.parameter == parameter) return s;
    FAIL("no sensitivity row " << output_prefix << " / " << parameter);
    return SensitivityRow{};
  };
  for (const auto& s : r.sensitivity) {
    INFO(s.output << " " << s.parameter << ": S1 " << s.s1 << ", ST " << s.st);
    CHECK(s.s1 <= s.st + 0.05);  // first-order effect within the total effect
  }
  // mHLA-DR at 24 h: the efficacy E_GM explains most of the variance.
  CHECK(row("mHLA_DR", "E_GM").st > 0.5);
  CHECK(row("mHLA_DR", "E_GM").st > row("mHLA_DR", "K_GM").st);
  // LPS-TNF: E_GM acts on CIITA only, so it has no effect on TNF; the
  // receptor occupancy (K_GM, k_GM) carries it.
  CHECK(row("TNF_pg", "E_GM").st < 0.01);
  CHECK(row("TNF_pg", "K_GM").st > 0.2);
  CHECK(row("TNF_pg", "k_GM").st > 0.2);
  CHECK(std::filesystem::exists(dir.path / "analysis_gmcsf_sensitivity" / "sensitivity.csv"));
}

TEST_CASE("example: baseline markers of GM-CSF response in the virtual cohort", "[analysis][examples]") {
  exvivo::test::TempDir dir;
  const AnalysisReport r = run_example("analysis_gmcsf_responders", dir);
  CHECK(r.ok());
  REQUIRE(r.biomarkers.size() == 8);
  for (std::size_t i = 0; i < r.biomarkers.size(); ++i) {
    const BiomarkerRow& b = r.biomarkers[i];
    INFO(b.biomarker << ": auc " << b.auc << " [" << b.auc_ci.lower << ", " << b.auc_ci.upper << "]");
    if (i > 0) CHECK(b.auc <= r.biomarkers[i - 1].auc);
    CHECK(b.auc_ci.lower <= b.auc);
    CHECK(b.auc <= b.auc_ci.upper);
    // The reported AUC is the area under the reported ROC curve (trapezoids
    // from (fpr 0, tpr 0) to (1, 1)).
    REQUIRE(b.curve.size() >= 2);
    double area = 0;
    for (std::size_t k = 1; k < b.curve.size(); ++k)
      area += (b.curve[k - 1].specificity - b.curve[k].specificity) *
              (b.curve[k - 1].sensitivity + b.curve[k].sensitivity) / 2;
    CHECK_THAT(area, Catch::WithinAbs(b.auc, 1e-9));
  }
  // Baseline mHLA-DR predicts who reaches 8,000 AB/C, higher is better;
  // high plasma IL-10 (the suppressive milieu) predicts non-response.
  CHECK((r.biomarkers[0].biomarker == "HLA0" || r.biomarkers[0].biomarker.rfind("mHLA_DR", 0) == 0));
  CHECK(r.biomarkers[0].auc > 0.9);
  CHECK(r.biomarkers[0].higher);
  for (const auto& b : r.biomarkers)
    if (b.biomarker == "IL10_plasma") CHECK_FALSE(b.higher);
  CHECK(std::filesystem::exists(dir.path / "analysis_gmcsf_responders" / "biomarkers.csv"));
}

TEST_CASE("example: sampling times and doses for K_GM and E_GM", "[analysis][examples]") {
  exvivo::test::TempDir dir;
  const AnalysisReport r = run_example("analysis_gmcsf_sampling_design", dir);
  CHECK(r.ok());
  REQUIRE(r.design.size() == 10);
  CHECK(r.design[0].times.size() == 3);
  CHECK(r.design[0].doses.size() == 2);
  CHECK(std::isfinite(r.design[0].criterion));
  CHECK(r.design[0].criterion >= r.design[9].criterion);
  CHECK(std::filesystem::exists(dir.path / "analysis_gmcsf_sampling_design" / "design.csv"));
}
