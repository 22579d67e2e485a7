// The bundled analyses (scenarios/analysis_*.yaml) run as they are and write
// their outputs; their results are checked for plausibility, not values.
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
  for (const auto& row : r.sensitivity) {
    INFO(row.output << " " << row.parameter);
    CHECK(std::isfinite(row.s1));
    CHECK(row.st >= -0.05);
    CHECK(row.st <= 1.2);
  }
  CHECK(std::filesystem::exists(dir.path / "analysis_gmcsf_sensitivity" / "sensitivity.csv"));
}

TEST_CASE("example: baseline markers of GM-CSF response in the virtual cohort", "[analysis][examples]") {
  exvivo::test::TempDir dir;
  const AnalysisReport r = run_example("analysis_gmcsf_responders", dir);
  CHECK(r.ok());
  REQUIRE(r.biomarkers.size() == 8);
  for (std::size_t i = 0; i < r.biomarkers.size(); ++i) {
    CHECK(r.biomarkers[i].auc >= 0.5);
    if (i > 0) CHECK(r.biomarkers[i].auc <= r.biomarkers[i - 1].auc);
  }
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
