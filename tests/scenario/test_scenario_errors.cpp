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
                    "culture, solver, set, donors, arms, protocol, samples, sweep, cohort, output, allow_out_of_bounds) (did you mean "
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

// Issue 15: values are checked where they become known, also when given
// through a placeholder, `set` or `scale`; bounds unless allowed; reserved ids.
TEST_CASE("values given through placeholders, set and scale are checked", "[scenario][errors][issue15]") {
  CHECK_THAT(error_of(samples + "arms:\n  - id: x\n    protocol:\n      - {at: 0 h, add: {C: $dose}}\n"
                                "sweep: {factors: {dose: {values: [1, -5], unit: ng/mL}}}\n"),
             Equals("bad.yaml:8:25: sweep.factors.dose: the amount added to species 'C' must not be negative, got "
                    "'$dose' (used at arms[0].protocol[0].add.C, line 7) = -5 ng/mL"));
  CHECK_THAT(error_of(samples + "protocol: [{at: 1 h, set: {C: -5 ng/mL}}]\n"),
             Equals("bad.yaml:4:31: protocol[0].set.C: the value set for species 'C' must not be negative, got -5 ng/mL"));
  CHECK_THAT(error_of(samples + "protocol: [{at: 1 h, scale: {C: $f}}]\nsweep: {factors: {f: {values: [2, -1]}}}\n"),
             Equals("bad.yaml:5:22: sweep.factors.f: a scale factor must not be negative, got '$f' (used at "
                    "protocol[0].scale.C, line 4) = -1"));
  CHECK_THAT(error_of(samples + "set: {C: -1 nM}\n"),
             Contains("set.C: the value set for species 'C' must not be negative, got -17"));
  CHECK_THAT(error_of(samples + "protocol: [{at: $t, add: {C: 1}}]\nsweep: {factors: {t: {values: [1, -2], unit: h}}}\n"),
             Contains("sweep.factors.t: event time must not be negative, got '$t'"));
}

TEST_CASE("parameter values outside the model's bounds are errors unless allowed", "[scenario][errors][issue15]") {
  CHECK_THAT(error_of(samples + "set: {k_el: -5}\n"),
             Equals("bad.yaml:4:13: set.k_el: -5 1/h is outside the bounds [0.001, 10] of parameter 'k_el' (write "
                    "'allow_out_of_bounds: true' in the scenario to run it anyway)"));
  CHECK_THAT(error_of(samples + "donors: [{id: d, set: {k_el: 1e30}}]\n"),
             Contains("donors[0].set.k_el: 1e+30 1/h is outside the bounds [0.001, 10]"));
  CHECK_THAT(error_of(samples + "sweep: {design: lhs, n: 4, factors: {k_el: {range: [0.01, 20]}}}\n"),
             Contains("sweep.factors.k_el: 20 1/h is outside the bounds [0.001, 10]"));
  CHECK_THAT(error_of(samples + "sweep: {factors: {k_el: {values: [1, 2], unit: 1/min}}}\n"),
             Contains("sweep.factors.k_el: 60 1/h is outside the bounds [0.001, 10]"));

  test::TempDir dir;
  const auto file = dir.write("ok.yaml", "scenario: ok\nmodel: " + test::one_compartment_model() + "\n" + samples +
                                             "allow_out_of_bounds: true\nset: {k_el: 20}\n");
  const auto s = scenario::load_scenario(file);
  REQUIRE(s.warnings.size() == 1);
  CHECK_THAT(s.warnings[0], Contains("set.k_el: 20 1/h is outside the bounds [0.001, 10] of parameter 'k_el' "
                                     "(allowed by allow_out_of_bounds)"));
}

TEST_CASE("listed donors may not take the ids of cohort members", "[scenario][errors][issue15]") {
  for (const char* id : {"cohort_0002", "cohort_1", "cohort"})
    CHECK_THAT(error_of(samples + "donors: [{id: " + std::string(id) + "}]\n"),
               Contains("donors[0].id: donor id '" + std::string(id) + "' is reserved"));
  CHECK(error_of(samples + "donors: [{id: cohort_a}]\n") == "no error");
}

TEST_CASE("limits: sample times and sweep size are checked before any run", "[scenario][errors][issue15]") {
  CHECK_THAT(error_of("samples: {times: {from: 0 h, to: 200000 h, every: 1 h}}\n"),
             Equals("bad.yaml:3:18: samples.times: 200001 sample times is too many (the limit is 100000 per scenario)"));
  CHECK_THAT(error_of(samples + "sweep: {design: random, n: 20000000, factors: {k_el: {range: [0.01, 1]}}}\n"),
             Contains("sweep.n: expected a whole number from 1 to 10000000"));
}

TEST_CASE("an empty list of observables is an error, not empty outputs", "[scenario][errors][issue15]") {
  CHECK_THAT(error_of("samples: {times: [0, 1], observables: []}\n"),
             Equals("bad.yaml:3:39: samples.observables: expected at least one observable (leave 'observables' out "
                    "to write all)"));
}

TEST_CASE("a scenario's errors are reported together", "[scenario][errors][issue15]") {
  const std::string msg = error_of(samples + "culture: fsat\ndonors: [{id: d, preset: lo}]\n");
  CHECK_THAT(msg, Contains("culture: unknown culture 'fsat'"));
  CHECK_THAT(msg, Contains("donors[0].preset: unknown donor preset 'lo'"));
  CHECK_THAT(msg, Contains("(2 errors)"));
}

TEST_CASE("values that overflow when converted are errors, not failed runs", "[scenario][errors][issue15]") {
  CHECK_THAT(error_of(samples + "set: {C: 1e300 kg/nL}\n"),
             Equals("bad.yaml:4:10: set.C: the value is too large: it overflows when converted to the unit of its target"));
  CHECK_THAT(error_of("samples: {times: {from: 0 h, to: 1e308 d, every: 1 h}}\n"),
             Contains("samples.times.to: time '1e308 d' is too large"));
}

// Issue 17: every message of the scenario reader has a test asserting it.
TEST_CASE("every scenario reader message: events, solver, donors, arms, samples", "[scenario][errors][issue17]") {
  CHECK_THAT(
      error_of(samples + "protocol:\n  - {at: 1 h, add: {C: $}}\n"),
      Equals("bad.yaml:5:24: protocol[0].add.C: '$' is not a valid placeholder: '$' must be followed by a name"));
  CHECK_THAT(error_of(samples + "solver: {timeout: 5 ng/mL}\n"),
             Equals("bad.yaml:4:19: solver.timeout: expected a duration such as '10 s', got '5 ng/mL'"));
  CHECK_THAT(error_of(samples + "solver: {abs_tol: [1e-9, 1e-9, 1e-9]}\n"),
             Equals("bad.yaml:4:19: solver.abs_tol: expected one tolerance or 2 (one per species), got 3"));
  CHECK_THAT(error_of(samples + "donors: []\n"), Equals("bad.yaml:4:9: donors: expected at least one donor"));
  CHECK_THAT(error_of(samples + "arms: []\n"), Equals("bad.yaml:4:7: arms: expected at least one arm"));
  CHECK_THAT(error_of(samples + "arms:\n  - {id: a}\n  - {id: a}\n"),
             Equals("bad.yaml:6:10: arms[1].id: duplicate arm id 'a'"));
  CHECK_THAT(error_of(samples + "protocol:\n  - {at: 1 h, wash: false}\n"),
             Equals("bad.yaml:5:21: protocol[0].wash: 'wash: false' does nothing; remove the event"));
  const std::string decay = "scenario: bad\nmodel: " + std::string(EXVIVO_SOURCE_DIR) + "/models/decay.yaml\n";
  CHECK_THAT(error_of(samples + "protocol:\n  - {at: 1 h, wash: true}\n", decay),
             Equals("bad.yaml:5:21: protocol[0].wash: the model marks no species 'soluble: true', so a wash removes "
                    "nothing; list the species: wash: [A, B]"));
  CHECK_THAT(error_of("samples: {times: {values: [0, 1], unit: ng/mL}}\n"),
             Equals("bad.yaml:3:41: samples.times.unit: expected a time unit (s, min, h, d), got 'ng/mL'"));
  CHECK_THAT(error_of("samples: {times: {values: [0 h, 1 h], unit: h}}\n"),
             Equals("bad.yaml:3:28: samples.times.values[0]: give bare numbers here (the unit is 'h'), got '0 h'"));
  CHECK_THAT(error_of("samples: {times: {from: 5 h, to: 1 h, every: 1 h}}\n"),
             Equals("bad.yaml:3:34: samples.times.to: must not be before 'from'"));
  CHECK_THAT(error_of("samples: {times: []}\n"),
             Equals("bad.yaml:3:18: samples.times: expected at least one sample time"));
}

TEST_CASE("every scenario reader message: sweeps", "[scenario][errors][issue17]") {
  CHECK_THAT(error_of(samples + "sweep: {design: lhs, factors: {k_el: {range: [0.1, 1]}}}\n"),
             Equals("bad.yaml:4:8: sweep: the 'lhs' design needs 'n', the number of samples"));
  CHECK_THAT(error_of(samples + "sweep: {factors: {}}\n"),
             Equals("bad.yaml:4:18: sweep.factors: expected at least one factor"));
  CHECK_THAT(error_of(samples + "sweep: {factors: {'1x': {values: [1]}}}\n"),
             Equals("bad.yaml:4:19: sweep.factors.1x: '1x' is not a valid factor name"));
  CHECK_THAT(error_of(samples + "sweep: {design: lhs, n: 4, factors: {k_el: {values: [1], range: [0.1, 1]}}}\n"),
             Equals("bad.yaml:4:44: sweep.factors.k_el: give either 'values' or 'range', not both"));
  CHECK_THAT(error_of(samples + "sweep: {factors: {k_el: {values: []}}}\n"),
             Equals("bad.yaml:4:34: sweep.factors.k_el.values: expected at least one value"));
  CHECK_THAT(error_of(samples + "sweep: {design: lhs, n: 4, factors: {k_el: {range: [0.1, 0.5, 1]}}}\n"),
             Equals("bad.yaml:4:52: sweep.factors.k_el.range: expected [lower, upper], got a list of 3 values"));
  CHECK_THAT(error_of(samples + "sweep: {design: lhs, n: 4, factors: {k_el: {range: [1, 0.1]}}}\n"),
             Equals("bad.yaml:4:52: sweep.factors.k_el.range: lower bound 1 must be below upper bound 0.1"));
  CHECK_THAT(error_of(samples + "sweep: {design: lhs, n: 4, factors: {k_el: {range: [0, 1], scale: log}}}\n"),
             Equals("bad.yaml:4:52: sweep.factors.k_el.range: scale log needs a positive lower bound, got 0"));
  CHECK_THAT(error_of(samples + "sweep: {factors: {k_el: {unit: 1/h}}}\n"),
             Equals("bad.yaml:4:25: sweep.factors.k_el: expected 'values' or 'range'"));
  CHECK_THAT(error_of(samples + "donors: [{id: a}, {id: b}]\narms: [{id: x}, {id: y}]\n"
                                "sweep: {design: random, n: 10000000, factors: {k_el: {range: [0.01, 1]}}}\n"
                                "cohort: {n: 100000, distributions: {k_el: {lognormal: {median: 1, sigma: 0.1}}}}\n"),
             Equals("bad.yaml:1:1: 2000040000000 runs (donors × arms × sweep samples) is too many; the limit is "
                    "1000000000000"));
}

TEST_CASE("every scenario reader message: cohorts", "[scenario][errors][issue17]") {
  const std::string cohort = samples + "cohort: {n: 4, distributions: {k_el: ";
  CHECK_THAT(error_of(cohort + "{lognormal: {median: 1, sigma: 0.1}, normal: {mean: 1, sd: 0.1}}}}\n"),
             Equals("bad.yaml:4:38: cohort.distributions.k_el: expected exactly one of lognormal, normal, "
                    "logitnormal, uniform; got 2"));
  CHECK_THAT(error_of(cohort + "{lognormal: {median: 1, sigma: 0.1, gsd: 1.1}}}}\n"),
             Equals("bad.yaml:4:50: cohort.distributions.k_el.lognormal: give either gsd or sigma (gsd = "
                    "exp(sigma)), not both"));
  CHECK_THAT(error_of(cohort + "{lognormal: {median: 1}}}}\n"),
             Equals("bad.yaml:4:50: cohort.distributions.k_el.lognormal: missing key 'gsd' (or 'sigma', with gsd = "
                    "exp(sigma))"));
  CHECK_THAT(error_of(samples + "cohort: {n: 4, distributions: {}}\n"),
             Equals("bad.yaml:4:31: cohort.distributions: expected at least one distribution"));
  CHECK_THAT(error_of(cohort + "{lognormal: {median: 1, sigma: 0.1}}}, correlations: [{between: [k_el], r: 0.5}]}\n"),
             Equals("bad.yaml:4:102: cohort.correlations[0].between: expected two parameter names, got 1"));
  CHECK_THAT(error_of(cohort + "{logitnormal: {median: 2, sigma: 0.1}}}}\n"),
             Equals("bad.yaml:4:38: cohort.distributions.k_el: logitnormal: 'median' must lie strictly between "
                    "lower and upper (0, 1), got 2"));
  CHECK_THAT(error_of(cohort + "{lognormal: {median: 1000, sigma: 0.1}}}}\n"),
             Equals("bad.yaml:4:38: cohort.distributions.k_el: only 0% of the distribution lies within the "
                    "parameter's bounds [0.001, 10]; move the median into the bounds or widen them"));
}
