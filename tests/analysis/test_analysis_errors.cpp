// Every input error of an analysis file, with the exact message text.
#include <catch2/catch.hpp>

#include "analysis/analysis_spec.hpp"
#include "analysis/run_analysis.hpp"
#include "analysis_fixture.hpp"

using namespace exvivo;
using namespace exvivo::analysis;

namespace {

/// Writes a two-arm decay scenario and `text` as analysis.yaml; returns the
/// message load_analysis throws (ScenarioError), or "" when it does not.
std::string load_error(const std::string& text) {
  exvivo::test::TempDir dir;
  dir.write("scenario.yaml", "scenario: decay\nmodel: " + exvivo::test::model_path("decay") +
                                 "\ndonors:\n  - id: slow\n    set: {k: 0.1}\n  - id: fast\n"
                                 "arms:\n  - id: control\n  - id: dosed\n    protocol:\n      - {at: 0 h, add: {x: 1}}\n"
                                 "samples: {times: [1 h, 2 h]}\n");
  const std::string file = dir.write("analysis.yaml", text);
  try {
    (void)load_analysis(file);
  } catch (const ScenarioError& e) {
    const std::string message = e.what();
    const auto at = message.find("analysis.yaml:");
    return at == std::string::npos ? message : message.substr(at);
  }
  return "";
}

const std::string head = "analysis: a\nscenario: scenario.yaml\n";
const std::string sobol_head = head + "sensitivity:\n  parameters:\n";
const std::string output = "  outputs: [{observable: x_obs, time: 1 h, arm: control}]\n";

}  // namespace

TEST_CASE("analysis errors: unknown keys", "[analysis][errors]") {
  CHECK(load_error(head + "sensitivty: {}\n") ==
        "analysis.yaml:3:1: sensitivty: unknown key 'sensitivty' (expected one of: analysis, description, "
        "scenario, sensitivity, biomarkers, design, output) (did you mean 'sensitivity'?)");
  CHECK(load_error(sobol_head + "    k: {range: [0.1, 1], scal: log10}\n" + output) ==
        "analysis.yaml:5:26: sensitivity.parameters.k.scal: unknown key 'scal' (expected one of: range, scale, unit) "
        "(did you mean 'scale'?)");
  CHECK(load_error(head) == "analysis.yaml:1:1: nothing to analyse: give 'sensitivity', 'biomarkers' or 'design'");
}

TEST_CASE("analysis errors: unknown parameter, observable, arm, donor", "[analysis][errors]") {
  CHECK(load_error(sobol_head + "    kk: {range: [0.1, 1]}\n" + output) ==
        "analysis.yaml:5:5: sensitivity.parameters.kk: unknown parameter 'kk' of model 'decay' (did you mean 'k'?)");
  CHECK(load_error(sobol_head + "    k: {range: [0.1, 1]}\n  outputs: [{observable: x_ob, time: 1 h, arm: control}]\n") ==
        "analysis.yaml:6:26: sensitivity.outputs[0].observable: unknown observable 'x_ob' of model 'decay' "
        "(did you mean 'x_obs'?)");
  CHECK(load_error(sobol_head + "    k: {range: [0.1, 1]}\n  outputs: [{observable: x_obs, time: 1 h, arm: dose}]\n") ==
        "analysis.yaml:6:49: sensitivity.outputs[0].arm: unknown arm 'dose' (the scenario has: control, dosed) "
        "(did you mean 'dosed'?)");
  CHECK(load_error(sobol_head + "    k: {range: [0.1, 1]}\n  outputs: [{observable: x_obs, time: 1 h}]\n") ==
        "analysis.yaml:6:13: sensitivity.outputs[0]: missing key 'arm' (the scenario has arms: control, dosed)");
  CHECK(load_error(sobol_head + "    k: {range: [0.1, 1]}\n" + output + "  donor: fats\n") ==
        "analysis.yaml:7:10: sensitivity.donor: unknown donor 'fats' of scenario 'decay' (did you mean 'fast'?)");
  CHECK(load_error(sobol_head + "    k: {range: [0.1, 1]}\n  outputs: [{observable: x_obs, time: 5 ng/mL, arm: control}]\n") ==
        "analysis.yaml:6:39: sensitivity.outputs[0].time: expected a time such as '24 h' or '30 min', got '5 ng/mL'");
}

TEST_CASE("analysis errors: ranges and sizes", "[analysis][errors]") {
  CHECK(load_error(sobol_head + "    k: {range: [1, 1]}\n" + output) ==
        "analysis.yaml:5:16: sensitivity.parameters.k.range: lower bound 1 must be below upper bound 1");
  CHECK(load_error(sobol_head + "    x0: {range: [0, 1], scale: log}\n" + output) ==
        "analysis.yaml:5:17: sensitivity.parameters.x0.range: scale log needs a positive lower bound, got 0");
  // The fit's estimate reader's rules (io::read_parameter_bounds): a unit without a range was ignored.
  CHECK(load_error(sobol_head + "    k: {unit: 1/min}\n" + output) ==
        "analysis.yaml:5:15: sensitivity.parameters.k.unit: 'unit' applies to 'range', which is not given: add "
        "range: [lower, upper] or remove 'unit'");
  CHECK(load_error(sobol_head + "    k: {range: [0.1, 1]}\n" + output + "  method: morris\n  levels: 3\n") ==
        "analysis.yaml:8:11: sensitivity.levels: must be even, got 3");
  CHECK(load_error(sobol_head + "    k: {range: [0.1, 1]}\n" + output + "  method: sobel\n") ==
        "analysis.yaml:7:11: sensitivity.method: must be one of sobol or morris, got 'sobel' (did you mean 'sobol'?)");
}

TEST_CASE("analysis errors: biomarkers and design", "[analysis][errors]") {
  CHECK(load_error(head + "biomarkers:\n  candidates: [k]\n  response: {observable: x_obs, time: 1 h, arm: control, above: 1}\n") ==
        "analysis.yaml:4:3: biomarkers: needs a virtual cohort, but scenario 'decay' has no 'cohort'");
  CHECK(load_error(head + "design:\n  estimate: [k]\n  observables: [x_analytic]\n  choose: {times: {candidates: [1 h], n: 1}}\n") ==
        "analysis.yaml:5:17: design.observables[0]: observable 'x_analytic' has no noise model, so it carries no "
        "Fisher information");
  CHECK(load_error(head + "design:\n  estimate: [k]\n  choose: {times: {candidates: [1 h, 2 h], n: 3}}\n") ==
        "analysis.yaml:5:47: design.choose.times.n: expected a whole number from 1 to 2, got '3'");
  CHECK(load_error(head + "design:\n  estimate: [k]\n  choose: {doses: {factor: dose, candidates: [1], n: 1}}\n") ==
        "analysis.yaml:5:19: design.choose.doses: choosing doses needs a scenario with a grid sweep over a "
        "$placeholder factor; scenario 'decay' has none");
  CHECK(load_error(head + "design:\n  estimate: [k, k]\n  choose: {times: {candidates: [1 h], n: 1}}\n") ==
        "analysis.yaml:4:17: design.estimate[1]: parameter 'k' is listed twice");
}

TEST_CASE("analysis errors: bad options and missing scenario", "[analysis][errors]") {
  AnalysisOptions options;
  options.threads = -1;
  CHECK_THROWS_WITH(options.validate(), "--threads: must be 0 (all cores) or more, got -1");
  exvivo::test::TempDir dir;
  const std::string file = dir.write("analysis.yaml", "analysis: a\nscenario: nowhere.yaml\ndesign: {}\n");
  CHECK_THROWS_WITH(load_analysis(file), Catch::Contains("analysis.yaml:2:11: scenario: scenario file '") &&
                                             Catch::Contains("nowhere.yaml' not found (paths are relative to the analysis file)"));
}
