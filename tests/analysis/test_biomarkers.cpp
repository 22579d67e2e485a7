// Biomarker ranking over a virtual cohort: a marker that determines the
// response has AUC 1, an unrelated one about 0.5; readout markers, directions.
#include <cmath>

#include <catch2/catch.hpp>

#include "analysis/analysis_spec.hpp"
#include "analysis/run_analysis.hpp"
#include "analysis_fixture.hpp"

using namespace exvivo;
using namespace exvivo::analysis;
using exvivo::test::close_to;

namespace {

/// Decay whose rate k is a donor parameter; `spare` is a donor parameter the
/// dynamics ignore.
const char* const marker_model =
    "model: marker\ntime_unit: h\n"
    "parameters:\n"
    "  k: {value: 0.5, unit: 1/h, donor: true, bounds: [0.01, 10], scale: log10}\n"
    "  spare: {value: 1, unit: 1, donor: true, bounds: [0.001, 1000], scale: log10}\n"
    "species:\n  x: {initial: 1 + 0 * spare, unit: 1}\n"
    "odes:\n  x: -k * x\n"
    "observables:\n  x_obs: {formula: x, unit: 1, noise: {distribution: normal, sigma: 0.01}}\n";

const char* const cohort_scenario =
    "scenario: marker_cohort\nmodel: marker.yaml\n"
    "cohort:\n  n: 60\n  seed: 3\n  distributions:\n"
    "    k: {lognormal: {median: 0.5, gsd: 1.6}}\n"
    "    spare: {lognormal: {median: 1, gsd: 2}}\n"
    "arms:\n  - id: control\n  - id: spike\n    protocol:\n      - {at: 0 h, add: {x: 1}}\n"
    "samples: {times: [2 h]}\n";

}  // namespace

TEST_CASE("biomarkers: the parameter that decides the response has AUC 1", "[analysis][biomarkers]") {
  exvivo::test::TempDir dir;
  dir.write("marker.yaml", marker_model);
  dir.write("scenario.yaml", cohort_scenario);
  // Responders: x(2 h) < exp(−1), i.e. k > 0.5.
  const std::string file = dir.write("analysis.yaml",
                                     "analysis: markers\nscenario: scenario.yaml\n"
                                     "biomarkers:\n"
                                     "  candidates: [spare, k, {observable: x_obs, time: 1 h, arm: control}]\n"
                                     "  response: {observable: x_obs, time: 2 h, arm: control, below: 0.36787944117144233}\n"
                                     "  bootstrap: 100\n  seed: 2\n");
  AnalysisOptions options;
  options.out_dir = (dir.path / "out").string();
  const AnalysisReport report = run_analysis(file, options);
  CHECK(report.ok());
  REQUIRE(report.biomarkers.size() == 3);
  // Sorted by AUC: k and x(1 h) separate perfectly, spare does not.
  CHECK(report.biomarkers[2].biomarker == "spare");
  CHECK(report.biomarkers[2].auc < 0.8);
  for (std::size_t i = 0; i < 2; ++i) {
    const BiomarkerRow& row = report.biomarkers[i];
    INFO(row.biomarker);
    CHECK_THAT(row.auc, close_to(1, 1e-12));
    CHECK_THAT(row.sensitivity, close_to(1, 0));
    CHECK_THAT(row.specificity, close_to(1, 0));
    CHECK_THAT(row.auc_ci.lower, close_to(1, 1e-12));
    if (row.biomarker == "k") {
      CHECK(row.higher);
      CHECK(row.threshold > 0.5);  // the smallest responder's k
    } else {
      CHECK(row.biomarker == "x_obs@1h/control");
      CHECK_FALSE(row.higher);     // a faster decay leaves less x at 1 h
      CHECK(row.threshold < std::exp(-0.5));
    }
  }
  CHECK(exvivo::test::first_line(dir.path / "out" / "biomarkers.csv") ==
        "biomarker,auc,auc_lo,auc_hi,threshold,sensitivity,specificity,direction");
  CHECK(exvivo::test::first_line(dir.path / "out" / "roc.csv") == "biomarker,threshold,sensitivity,specificity,fpr,tpr");
}

TEST_CASE("biomarkers: fold change between arms as the response", "[analysis][biomarkers]") {
  // spike/control at 2 h = (1 + 1)/1 = 2 for every donor.
  exvivo::test::TempDir dir;
  dir.write("marker.yaml", marker_model);
  dir.write("scenario.yaml", cohort_scenario);
  const std::string head = "analysis: fold\nscenario: scenario.yaml\nbiomarkers:\n  candidates: [k]\n";
  AnalysisOptions options;
  options.out_dir = (dir.path / "out").string();
  const std::string always = dir.write(
      "always.yaml", head + "  response: {observable: x_obs, time: 2 h, arm: spike, vs_arm: control, fold_above: 1.5}\n");
  CHECK_THROWS_WITH(run_analysis(always, options),
                    Catch::Contains("always.yaml:5:13: biomarkers.response: the response "
                                    "'x_obs@2h/spike / x_obs@2h/control > 1.5' is met by all of the 60 cohort members"));
  const std::string never = dir.write(
      "never.yaml", head + "  response: {observable: x_obs, time: 2 h, arm: spike, vs_arm: control, fold_above: 2.5}\n");
  CHECK_THROWS_WITH(run_analysis(never, options), Catch::Contains("is met by none of the 60 cohort members"));
}

TEST_CASE("biomarkers: errors in candidates and response", "[analysis][biomarkers][errors]") {
  exvivo::test::TempDir dir;
  dir.write("marker.yaml", marker_model);
  dir.write("scenario.yaml", cohort_scenario);
  const std::string head = "analysis: bad\nscenario: scenario.yaml\nbiomarkers:\n";
  const std::string response = "  response: {observable: x_obs, time: 2 h, arm: control, below: 0.4}\n";
  const auto message = [&](const std::string& body) {
    const std::string file = dir.write("bad.yaml", head + body);
    try {
      (void)load_analysis(file);
    } catch (const ScenarioError& e) {
      const std::string text = e.what();
      return text.substr(text.find("bad.yaml:"));
    }
    return std::string();
  };
  CHECK(message("  candidates: [k, k]\n" + response) ==
        "bad.yaml:4:19: biomarkers.candidates[1]: candidate 'k' is listed twice");
  CHECK(message("  candidates: [kk]\n" + response) ==
        "bad.yaml:4:16: biomarkers.candidates[0]: unknown parameter 'kk' of model 'marker' (did you mean 'k'?)");
  CHECK(message("  candidates: [k]\n  response: {observable: x_obs, time: 2 h, arm: control, above: 1, below: 2}\n") ==
        "bad.yaml:5:75: biomarkers.response.below: give one of above, below, fold_above, fold_below, not both "
        "'above' and 'below'");
  CHECK(message("  candidates: [k]\n  response: {observable: x_obs, time: 2 h, arm: control}\n") ==
        "bad.yaml:5:13: biomarkers.response: missing the response criterion: one of above, below, fold_above, "
        "fold_below");
  CHECK(message("  candidates: [k]\n  response: {observable: x_obs, time: 2 h, arm: spike, fold_above: 2}\n") ==
        "bad.yaml:5:13: biomarkers.response: 'fold_above' needs 'vs_arm', the arm the fold change is relative to");
  CHECK(message("  candidates: [k]\n  response: {observable: x_obs, time: 2 h, arm: spike, vs_arm: spike, fold_above: 2}\n") ==
        "bad.yaml:5:64: biomarkers.response.vs_arm: 'vs_arm' must differ from 'arm'");
  CHECK(message("  candidates: [k]\n  response: {observable: x_obs, time: 2 h, arm: spike, vs_arm: control, below: 2}\n") ==
        "bad.yaml:5:64: biomarkers.response.vs_arm: 'vs_arm' needs 'fold_above' or 'fold_below' instead of 'below'");
}
