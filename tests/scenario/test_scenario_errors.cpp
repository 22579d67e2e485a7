// Every kind of malformed scenario gets a located message (file:line:col, key
// path, what was expected, a suggestion where one exists).
#include <catch2/catch.hpp>

#include "scenario/scenario.hpp"
#include "scenario_fixture.hpp"

using namespace exvivo;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

namespace {

/// Loads `body` (appended after a valid header) and returns the error message.
std::string error_of(const std::string& body, const std::string& head = "") {
  test::TempDir dir;
  const std::string text =
      head.empty() ? "scenario: bad\nmodel: " + test::one_compartment_model() + "\n" + body : head + body;
  const auto file = dir.write("bad.yaml", text);
  try {
    (void)scenario::load_scenario(file);
  } catch (const ScenarioError& e) {
    std::string msg = e.what();
    // Strip the temporary directory so messages can be compared exactly.
    const auto pos = msg.find("bad.yaml");
    return pos == std::string::npos ? msg : msg.substr(pos);
  }
  return "no error";
}

const std::string samples = "samples: {times: [0, 1]}\n";

}  // namespace

TEST_CASE("scenario errors name file, line, column, key path and a suggestion", "[scenario][errors]") {
  CHECK_THAT(error_of(samples + "protocl: []\n"),
             Equals("bad.yaml:4:1: protocl: unknown key 'protocl' (expected one of: scenario, description, model, "
                    "culture, solver, set, donors, arms, protocol, samples, sweep, cohort, output) (did you mean "
                    "'protocol'?)"));
  CHECK_THAT(error_of(samples + "arms:\n  - id: x\n    protocol:\n      - {at: 0 h, add: {CC: 1 ng/mL}}\n"),
             Equals("bad.yaml:7:25: arms[0].protocol[0].add.CC: unknown species 'CC' (did you mean 'C'?)"));
  CHECK_THAT(error_of(samples + "protocol:\n  - {at: 1 h, add: {C: 10 furlongs}}\n"),
             Contains("bad.yaml:5:24: protocol[0].add.C: cannot convert 'furlongs' to 'ng/mL'"));
  CHECK_THAT(error_of(samples + "protocol:\n  - {at: -1 h, add: {C: 1}}\n"),
             Equals("bad.yaml:5:10: protocol[0].at: event time must not be negative, got '-1 h'"));
  CHECK_THAT(error_of(samples + "protocol:\n  - {at: 1 ng/mL, add: {C: 1}}\n"),
             Equals("bad.yaml:5:10: protocol[0].at: expected a time such as '24 h' or '30 min', got '1 ng/mL'"));
  CHECK_THAT(error_of("samples: {times: [0 h, 2 h, 1 h]}\n"),
             Equals("bad.yaml:3:29: samples.times[2]: sample times must increase: 1 h comes after 2 h"));
  CHECK_THAT(error_of("samples: {times: [-1 h, 2 h]}\n"),
             Equals("bad.yaml:3:19: samples.times[0]: sample times must not be negative, got -1 h"));
  CHECK_THAT(error_of("samples: {times: [0, 1], observables: [C_nG]}\n"),
             Equals("bad.yaml:3:40: samples.observables[0]: unknown observable 'C_nG' (did you mean 'C_ng'?)"));
  CHECK_THAT(error_of(samples + "donors:\n  - {id: a, preset: hihg}\n"),
             Equals("bad.yaml:5:21: donors[0].preset: unknown donor preset 'hihg' (the model defines: high, low) "
                    "(did you mean 'high'?)"));
  CHECK_THAT(error_of(samples + "culture: fast_mediun\n"),
             Equals("bad.yaml:4:10: culture: unknown culture 'fast_mediun' (the model defines: fast_medium) (did "
                    "you mean 'fast_medium'?)"));
  CHECK_THAT(error_of(samples + "set: {k_e: 1}\n"),
             Equals("bad.yaml:4:7: set.k_e: unknown parameter or species 'k_e' (did you mean 'k_el'?)"));
  CHECK_THAT(error_of(samples + "protocol:\n  - {at: 1 h, add: {C: $dos}}\nsweep:\n  factors:\n    dose: {values: [1]}\n"),
             Equals("bad.yaml:5:24: protocol[0].add.C: '$dos' is not a sweep factor (add it under sweep.factors) "
                    "(did you mean 'dose'?)"));
  CHECK_THAT(error_of(samples + "sweep:\n  factors:\n    k_e: {values: [1]}\n"),
             Equals("bad.yaml:6:10: sweep.factors.k_e: factor 'k_e' is neither a model parameter nor used as "
                    "'$k_e' in the scenario (did you mean 'k_el'?)"));
  CHECK_THAT(error_of(samples + "sweep:\n  n: 10\n  factors:\n    k_el: {values: [1]}\n"),
             Contains("bad.yaml:5:6: sweep.n: 'n' is for lhs, sobol and random designs"));
  CHECK_THAT(error_of(samples + "sweep:\n  factors:\n    k_el: {range: [0.1, 1]}\n"),
             Contains("bad.yaml:6:19: sweep.factors.k_el.range: a 'range' factor needs design lhs, sobol or random"));
  CHECK_THAT(error_of(samples + "protocol:\n  - {at: 1 h, add: {C: 1}, wash: true}\n"),
             Equals("bad.yaml:5:5: protocol[0]: an event needs exactly one of add, set, scale or wash, got 2"));
  CHECK_THAT(error_of(samples + "donors:\n  - {id: a}\n  - {id: a}\n"),
             Equals("bad.yaml:6:10: donors[1].id: duplicate donor id 'a'"));
  CHECK_THAT(error_of(samples + "solver: {rel_tol: -1}\n"), Contains("bad.yaml:4:9: solver: "));
  CHECK_THAT(error_of(samples + "solver: {rel_tol: -1}\n"), Contains("rel_tol"));
  CHECK_THAT(error_of("samples: {times: [0, 1]\n"), Contains("bad.yaml:4:1: invalid YAML"));
  CHECK_THAT(error_of("", "scenario: bad\nmodel: nowhere.yaml\n"),
             Contains("bad.yaml:2:8: model: model file '"));
  CHECK_THAT(error_of("", "scenario: bad\n"), Equals("bad.yaml:1:1: missing key 'model'"));
  CHECK_THAT(error_of(samples + "protocol:\n  - {at: 1 h-, add: {C: 1}}\n"),
             Contains("bad.yaml:5:10: protocol[0].at: '1 h-': the '-' suffix (just before an event) is only allowed "
                      "for sample times"));
}
