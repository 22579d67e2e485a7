// Fits over several scenarios (`scenarios:` in the fit file) and ratio rows
// (`ratio_to` in the measurement table): θ layout with per-donor parameters
// shared across scenarios, the objective's Jacobian against central finite
// differences (quotient rule of ratio rows, also censored and across donors),
// and the errors of the new keys and columns.
#include <cmath>
#include <string>

#include <catch2/catch.hpp>

#include "fit/fit_fixture.hpp"
#include "fit/fit_problem.hpp"
#include "fit/objective.hpp"
#include "fit/run_fit.hpp"
#include "io/csv_reader.hpp"
#include "scenario/scenario_fixture.hpp"

using namespace exvivo;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

// C cleared first-order from C0 plus doses, read out under three noise models;
// the normal one has a σ that depends on s_rel and on the state. `rate` names
// the rate constant (k_el; another name makes a model without k_el).
std::string decay_model(const std::string& rate = "k_el") {
  return "# C cleared first-order: C' = -" + rate +
         " C, C(0) = C0; three readouts of C.\n"
         "model: decay3\n"
         "time_unit: h\n"
         "parameters:\n"
         "  " +
         rate +
         ": {value: 0.2, unit: 1/h, bounds: [0.01, 1], scale: log10}\n"
         "  C0: {value: 5, unit: ng/mL, bounds: [0.1, 100], scale: log}\n"
         "  s_rel: {value: 0.05, unit: 1, bounds: [0.001, 1], scale: log10}\n"
         "species:\n"
         "  C: {initial: C0, unit: ng/mL}\n"
         "odes:\n"
         "  C: -" +
         rate +
         " * C\n"
         "observables:\n"
         "  C_log:  {formula: C, unit: ng/mL, noise: {distribution: lognormal, sigma: 0.2}}\n"
         "  C_norm: {formula: C, unit: ng/mL, noise: {distribution: normal, sigma: s_rel * C + 0.1}}\n"
         "  C_prop: {formula: C, unit: ng/mL, noise: {distribution: proportional, sigma: 0.1}}\n"
         "donor_presets:\n"
         "  slow: {" +
         rate +
         ": 0.1}\n"
         "  fast: {" +
         rate + ": 0.4}\n";
}

// Scenario a: donors slow and fast, two doses. Scenario b: donors fast (the
// same donor as in a) and other, a second dose at 12 h.
const char* scenario_a =
    "scenario: sa\nmodel: model.yaml\n"
    "solver: {method: rosenbrock, rel_tol: 1e-10, abs_tol: 1e-13}\n"
    "donors:\n  - {id: slow, preset: slow}\n  - {id: fast, preset: fast}\n"
    "arms:\n"
    "  - {id: low, protocol: [{at: 0 h, add: {C: 5 ng/mL}}]}\n"
    "  - {id: high, protocol: [{at: 0 h, add: {C: 20 ng/mL}}]}\n"
    "samples: {times: [0 h, 24 h]}\n";
const char* scenario_b =
    "scenario: sb\nmodel: model.yaml\n"
    "solver: {method: rosenbrock, rel_tol: 1e-10, abs_tol: 1e-13}\n"
    "donors:\n  - {id: other, preset: slow}\n  - {id: fast, preset: fast}\n"
    "arms:\n"
    "  - {id: redose, protocol: [{at: 0 h, add: {C: 10 ng/mL}}, {at: 12 h, add: {C: 10 ng/mL}}]}\n"
    "samples: {times: [0 h, 24 h]}\n";

// Exact, censored and ratio rows; ratios to another arm, to another donor,
// to the state just before an event, censored ratios, a ratio with an sd.
const char* data_a =
    "donor\tarm\tobservable\ttime\tmeasurement\tsd\tlower\tupper\tratio_to\n"
    "slow\tlow\tC_log\t2\t8\t\t\t\t\n"
    "slow\thigh\tC_log\t2\t19\t\t\t\t\n"
    "slow\thigh\tC_log\t2\t2.6\t\t\t\tslow:low:2\n"
    "fast\thigh\tC_norm\t3\t0.5\t\t\t\tslow:high:3\n"
    "fast\tlow\tC_norm\t4\t\t\t0.1\t0.6\tfast:high:1\n"
    "fast\tlow\tC_prop\t6\t0.3\t\t\t\tfast:low:1\n"
    "slow\tlow\tC_prop\t8\t\t\t\t0.7\tslow:low:1 h\n"
    "slow\tlow\tC_log\t10\t0.4\t0.3\t\t\tfast:low:10\n"
    "fast\thigh\tC_norm\t5\t6\t\t\t\t\n";
const char* data_b =
    "donor\tarm\tobservable\ttime\tmeasurement\tlower\tupper\tratio_to\n"
    "fast\tredose\tC_log\t6\t2.5\t\t\t\n"
    "other\tredose\tC_norm\t12\t3\t\t\t\n"
    "other\tredose\tC_log\t12\t1.8\t\t\tother:redose:12 h-\n"
    "other\tredose\tC_prop\t20\t\t\t2\tfast:redose:20\n";

std::string fit_text(const std::string& estimate = "  k_el: {per_donor: true}\n  C0: {}\n  s_rel: {}\n") {
  return "fit: two\n"
         "scenarios:\n"
         "  - {scenario: a.yaml, data: a.tsv}\n"
         "  - {scenario: b.yaml, data: b.tsv}\n"
         "estimate:\n" +
         estimate + "starts: 2\nseed: 5\n";
}

struct Files : test::FitFiles {
  explicit Files(const std::string& fit_yaml = fit_text(), const std::string& a = data_a, const std::string& b = data_b)
      : FitFiles(
            {{"model.yaml", decay_model()}, {"a.yaml", scenario_a}, {"b.yaml", scenario_b}, {"a.tsv", a}, {"b.tsv", b}},
            fit_yaml) {}
};

}  // namespace

TEST_CASE("several scenarios share estimates; a donor id is one donor across scenarios",
          "[fit][problem][multi_scenario]") {
  Files f;
  const fit::FitProblem p = fit::load_fit_problem(f.fit);
  REQUIRE(p.scenarios.size() == 2);
  CHECK(p.num_rows() == 13);
  CHECK(p.donors == std::vector<std::string>{"slow", "fast", "other"});
  CHECK(p.scenarios[1].donor == std::vector<std::size_t>{2, 1});  // other, fast
  const fit::Objective o(p);
  REQUIRE(o.size() == 5);
  CHECK(o.entries()[0].label == "k_el[slow]");
  CHECK(o.entries()[1].label == "k_el[fast]");
  CHECK(o.entries()[2].label == "k_el[other]");
  CHECK(o.entries()[3].label == "C0");
  CHECK(o.entries()[4].label == "s_rel");
  // The per-donor value of `fast` is applied in both scenarios.
  solve::Run run;
  run.parameters = {0.0, 0.0, 0.0};
  const VectorXd theta = (VectorXd(5) << -1, -0.5, -0.8, std::log(3.0), -1.3).finished();
  o.apply(theta, 1, 1, run);
  CHECK_THAT(run.parameters[0], Catch::WithinRel(std::pow(10.0, -0.5), 1e-15));
  o.apply(theta, 1, 0, run);
  CHECK_THAT(run.parameters[0], Catch::WithinRel(std::pow(10.0, -0.8), 1e-15));
}

TEST_CASE(
    "ratio rows predict sim(row)/sim(reference); the Jacobian of a multi-scenario objective "
    "with ratio, censored and interval rows equals central differences",
    "[fit][problem][gradient][multi_scenario][ratio]") {
  Files f;
  const fit::FitProblem p = fit::load_fit_problem(f.fit);
  const fit::Objective o(p);
  const VectorXd theta =
      (VectorXd(5) << std::log10(0.12), std::log10(0.35), std::log10(0.2), std::log(4.0), std::log10(0.08)).finished();
  const auto pred = o.predict(theta);
  // Row 2 (slow high / slow low at 2 h) is the ratio of rows 1 and 0.
  CHECK_THAT(pred[2].simulation, Catch::WithinRel(pred[1].simulation / pred[0].simulation, 1e-12));
  // Closed form: C(t) = (C0 + dose) exp(-k t) in scenario a.
  const double c_fast_high_3 = 24.0 * std::exp(-0.35 * 3), c_slow_high_3 = 24.0 * std::exp(-0.12 * 3);
  CHECK_THAT(pred[3].simulation, Catch::WithinRel(c_fast_high_3 / c_slow_high_3, 1e-7));
  // The normal ratio row's σ is the model's σ at the row divided by the reference.
  CHECK_THAT(pred[3].sigma, Catch::WithinRel((0.08 * c_fast_high_3 + 0.1) / c_slow_high_3, 1e-7));
  // Lognormal ratio rows keep the model's σ (of a log ratio); an sd replaces it.
  CHECK_THAT(pred[2].sigma, Catch::WithinRel(0.2, 1e-12));
  CHECK_THAT(pred[7].sigma, Catch::WithinRel(0.3, 1e-12));
  // '12 h-' as a reference: the state just before the second dose, so the row
  // at 12 h (after it) over 12 h- is (C + 10)/C.
  const double before = 14.0 * std::exp(-0.2 * 12);
  CHECK_THAT(pred[11].simulation, Catch::WithinRel((before + 10) / before, 1e-7));

  VectorXd r;
  MatrixXd J;
  REQUIRE(o.residuals(theta, r, &J));
  const MatrixXd fd = test::finite_difference_jacobian(o, theta, 1e-5);
  for (Eigen::Index j = 0; j < J.cols(); ++j)
    for (Eigen::Index i = 0; i < r.size(); ++i) {
      CAPTURE(i, j);
      CHECK_THAT(J(i, j), Catch::WithinRel(fd(i, j), 1e-5) || Catch::WithinAbs(fd(i, j), 1e-7));
    }
  // A ratio across donors depends on both donors' rates; a row of scenario b's
  // donor `fast` depends on the k_el[fast] it shares with scenario a.
  CHECK(std::abs(J(3, 0)) > 0);
  CHECK(std::abs(J(3, 1)) > 0);
  CHECK(std::abs(J(9, 1)) > 0);
  CHECK(J(9, 0) == 0.0);
  // The normal ratio row's σ depends on θ: it has a sigma residual.
  CHECK(std::abs(J(r.size() / 2 + 3, 4)) > 0);

  double sum = 0;
  for (const auto& row : pred) sum += row.nllh;
  VectorXd r_plain;
  REQUIRE(o.residuals(theta, r_plain, nullptr));
  CHECK_THAT(0.5 * r_plain.squaredNorm() + o.constant(), Catch::WithinRel(sum, 1e-10));
}

TEST_CASE("a multi-scenario fit with ratio rows runs and reports each row's scenario",
          "[fit][run_fit][multi_scenario]") {
  Files f;
  fit::FitOptions options;
  options.out_dir = (f.dir.path / "out").string();
  options.threads = 1;
  const fit::FitReport report = fit::run_fit(f.fit, options);
  CHECK(report.best_status != "failed");
  const auto residuals = io::read_csv_file(f.dir.path / "out" / "residuals.csv");
  REQUIRE(residuals.row_count() == 13);
  CHECK(residuals.get(0, "scenario") == "sa");
  CHECK(residuals.get(12, "scenario") == "sb");
  CHECK(residuals.get(2, "ratio_to") == "slow:low:2");
  CHECK(residuals.get(0, "ratio_to").empty());
  CHECK_THAT(residuals.get_double(4, "lower"), Catch::WithinRel(0.1, 1e-15));  // an interval ratio row
  CHECK_THAT(residuals.get_double(4, "upper"), Catch::WithinRel(0.6, 1e-15));
  CHECK(residuals.get(0, "lower") == "NaN");
  const auto tc = io::read_csv_file(f.dir.path / "out" / "fit_timecourses.csv");
  // Scenario a: 2 donors × 2 arms, b: 2 donors × 1 arm, runs numbered across scenarios.
  CHECK(tc.get(tc.row_count() - 1, "run") == "5");
  CHECK(tc.get(tc.row_count() - 1, "scenario") == "sb");
}

TEST_CASE("errors of the scenarios key and of ratio_to are located", "[fit][problem][errors][multi_scenario]") {
  const auto message = [](const std::string& fit_yaml, const std::string& a = data_a) {
    return Files(fit_yaml, a).load_error();
  };
  const std::string est = "estimate: {k_el: {}}\n";
  CHECK(message("fit: f\nscenario: a.yaml\nscenarios: [{scenario: a.yaml, data: a.tsv}]\n" + est) ==
        "fit.yaml:2:11: scenario: give either 'scenarios' (a list of {scenario, data}) or 'scenario' and "
        "'data', not both");
  CHECK(message("fit: f\nscenarios: []\n" + est) ==
        "fit.yaml:2:12: scenarios: must name at least one {scenario: FILE, data: TABLE}");
  CHECK(message("fit: f\nscenarios: a.yaml\n" + est) ==
        "fit.yaml:2:12: scenarios: expected a list of {scenario: FILE, data: TABLE}, got 'a.yaml'");
  CHECK(message("fit: f\nscenarios: [{scenario: a.yaml}]\n" + est) ==
        "fit.yaml:2:13: scenarios[0]: missing key 'data'");
  CHECK(message("fit: f\nscenarios: [{scenario: a.yaml, data: a.tsv, weight: 2}]\n" + est) ==
        "fit.yaml:2:45: scenarios[0].weight: unknown key 'weight' (expected one of: scenario, data)");
  CHECK(message("fit: f\nscenarios:\n  - {scenario: a.yaml, data: a.tsv}\n  - {scenario: c.yaml, data: b.tsv}\n" + est)
            .find("fit.yaml:4:16: scenarios[1].scenario: scenario file '") == 0);
  CHECK(message("fit: f\nscenarios:\n  - {scenario: a.yaml, data: a.tsv}\n  - {scenario: b.yaml, data: c.tsv}\n" + est)
            .find("fit.yaml:4:30: scenarios[1].data: data file '") == 0);
  CHECK(message("fit: f\n" + est) ==
        "fit.yaml:1:1: missing key 'scenario' (with 'data'), or 'scenarios' (a list of {scenario, data})");

  const std::string fit = fit_text("  k_el: {}\n");
  const std::string head = "donor\tarm\tobservable\ttime\tmeasurement\tratio_to\n";
  CHECK(message(fit, head + "slow\tlow\tC_log\t2\t1\tslow:low\n") ==
        "a.tsv:2:6: column 'ratio_to': expected 'donor:arm:time' naming the reference sample (same scenario "
        "and observable), such as 'septic:control:24 h', got 'slow:low'");
  CHECK(message(fit, head + "slow\tlow\tC_log\t2\t1\tslo:low:2\n") ==
        "a.tsv:2:6: column 'ratio_to': 'slo:low:2': unknown donor 'slo' of this scenario (did you mean 'slow'?)");
  CHECK(message(fit, head + "slow\tlow\tC_log\t2\t1\tother:low:2\n") ==
        "a.tsv:2:6: column 'ratio_to': 'other:low:2': unknown donor 'other' of this scenario");
  CHECK(message(fit, head + "slow\tlow\tC_log\t2\t1\tslow:hihg:2\n") ==
        "a.tsv:2:6: column 'ratio_to': 'slow:hihg:2': unknown arm 'hihg' of this scenario (did you mean 'high'?)");
  CHECK(message(fit, head + "slow\tlow\tC_log\t2\t1\tslow:high:30 h\n") ==
        "a.tsv:2:6: column 'ratio_to': 'slow:high:30 h': time 30 is outside the simulated interval [0, 24]");
  CHECK(message(fit, head + "slow\tlow\tC_log\t2\t1\tslow:high:2 d\n") ==
        "a.tsv:2:6: column 'ratio_to': 'slow:high:2 d': time 48 is outside the simulated interval [0, 24]");
  CHECK(message(fit, head + "slow\tlow\tC_log\t2\t1\tslow:high:soon\n") ==
        "a.tsv:2:6: column 'ratio_to': 'slow:high:soon': expected a time such as '24 h' or '30 min', got 'soon'");
  CHECK(message(fit, head + "slow\tlow\tC_log\t2\t1\tslow:high:2 ng/mL\n") ==
        "a.tsv:2:6: column 'ratio_to': 'slow:high:2 ng/mL': expected a time such as '24 h' or '30 min', got '2 "
        "ng/mL'");
  CHECK(message(fit, head + "slow\tlow\tC_log\t2\t1\tslow:low:2 h\n") ==
        "a.tsv:2:6: column 'ratio_to': 'slow:low:2 h' is the row's own sample (the ratio would always be 1)");
}

TEST_CASE("every scenario's model must have the estimated parameters", "[fit][problem][errors][multi_scenario]") {
  Files f(fit_text("  k_el: {}\n"));
  f.dir.write("model_b.yaml", decay_model("k_out"));
  std::string b = scenario_b;
  b.replace(b.find("model.yaml"), 10, "model_b.yaml");
  f.dir.write("b.yaml", b);
  try {
    fit::load_fit_problem(f.fit);
    FAIL("no error");
  } catch (const ScenarioError& e) {
    const std::string m = e.what();
    CHECK(m.substr(m.find("fit.yaml"))
              .find("fit.yaml:6:3: estimate.k_el: unknown parameter 'k_el' of model 'decay3' "
                    "(the model of scenarios[1], '") == 0);
  }
}

namespace {
// Bound fraction b = C/(C + K) of a decaying C, read out in percent and as a
// fraction under logit-normal noise (σ of the percent readout depends on θ).
const char* logit_model =
    "# C cleared first-order; bound fraction C/(C + K) read out as % and as a fraction.\n"
    "model: bound\n"
    "time_unit: h\n"
    "parameters:\n"
    "  k_el: {value: 0.2, unit: 1/h, bounds: [0.01, 1], scale: log10}\n"
    "  K: {value: 3, unit: ng/mL, bounds: [0.1, 100], scale: log}\n"
    "  s_logit: {value: 0.2, unit: 1, bounds: [0.01, 1], scale: log10}\n"
    "species:\n"
    "  C: {initial: 0, unit: ng/mL}\n"
    "odes:\n"
    "  C: -k_el * C\n"
    "observables:\n"
    "  pct_bound: {formula: 100 * C / (C + K), unit: \"%\", noise: {distribution: logitnormal, sigma: s_logit}}\n"
    "  bound: {formula: C / (C + K), unit: 1, noise: {distribution: logitnormal, sigma: 0.3}}\n"
    "  C_obs: {formula: C, unit: ng/mL, noise: {distribution: lognormal, sigma: 0.1}}\n";
const char* logit_scenario =
    "scenario: bound\nmodel: model.yaml\n"
    "solver: {method: rosenbrock, rel_tol: 1e-10, abs_tol: 1e-13}\n"
    "donors: [{id: d1}, {id: d2}]\n"
    "arms: [{id: dosed, protocol: [{at: 0 h, add: {C: 10 ng/mL}}]}]\n"
    "samples: {times: [0 h, 24 h]}\n";
}  // namespace

TEST_CASE(
    "logit-normal rows (percent and fraction, exact, censored, interval) and a noise column: "
    "the Jacobian equals central differences",
    "[fit][problem][gradient][logitnormal]") {
  test::TempDir dir;
  dir.write("model.yaml", logit_model);
  dir.write("s.yaml", logit_scenario);
  // The `noise` column: a C_obs row read as normal with an absolute sd, a
  // pct_bound row as logitnormal with its own sd (same distribution: sd optional).
  dir.write("d.tsv",
            "donor\tarm\tobservable\ttime\tmeasurement\tsd\tlower\tupper\tnoise\n"
            "d1\tdosed\tpct_bound\t1\t70\t\t\t\t\n"
            "d1\tdosed\tpct_bound\t6\t\t\t\t40\t\n"
            "d1\tdosed\tpct_bound\t10\t\t\t20\t45\t\n"
            "d2\tdosed\tpct_bound\t2\t\t\t60\t\t\n"
            "d2\tdosed\tbound\t3\t0.5\t\t\t\t\n"
            "d2\tdosed\tbound\t12\t\t\t0\t0.3\t\n"
            "d2\tdosed\tpct_bound\t8\t35\t0.5\t\t\tlogitnormal\n"
            "d1\tdosed\tC_obs\t4\t5\t0.4\t\t\tnormal\n");
  const std::string fit_file = dir.write("fit.yaml",
                                         "fit: logit\nscenario: s.yaml\ndata: d.tsv\n"
                                         "estimate: {k_el: {per_donor: true}, K: {}, s_logit: {}}\nstarts: 2\n");
  const fit::FitProblem p = fit::load_fit_problem(fit_file);
  const fit::Objective o(p);
  REQUIRE(o.size() == 4);
  const VectorXd theta = (VectorXd(4) << std::log10(0.15), std::log10(0.25), std::log(4.0), std::log10(0.3)).finished();
  VectorXd r;
  MatrixXd J;
  REQUIRE(o.residuals(theta, r, &J));
  const MatrixXd fd = test::finite_difference_jacobian(o, theta, 1e-5);
  for (Eigen::Index j = 0; j < J.cols(); ++j)
    for (Eigen::Index i = 0; i < r.size(); ++i) {
      CAPTURE(i, j);
      CHECK_THAT(J(i, j), Catch::WithinRel(fd(i, j), 1e-5) || Catch::WithinAbs(fd(i, j), 1e-7));
    }
  const auto pred = o.predict(theta);
  // Row 0: nllh of the closed form b = C/(C + K), C = 10 exp(−0.15 t).
  const double C = 10 * std::exp(-0.15 * 1), b = C / (C + 4.0);
  const double z = (std::log(b / (1 - b)) - std::log(0.7 / 0.3)) / 0.3;
  CHECK_THAT(pred[0].nllh, Catch::WithinRel(0.5 * std::log(2 * M_PI * 0.09) + std::log(70 * 0.3) + 0.5 * z * z, 1e-7));
  CHECK(std::abs(J(r.size() / 2, 3)) > 0);                  // the exact pct row's σ = s_logit has a sigma residual
  CHECK_THAT(pred[7].sigma, Catch::WithinRel(0.4, 1e-15));  // the normal row with its sd
  double sum = 0;
  for (const auto& row : pred) sum += row.nllh;
  VectorXd r_plain;
  REQUIRE(o.residuals(theta, r_plain, nullptr));
  CHECK_THAT(0.5 * r_plain.squaredNorm() + o.constant(), Catch::WithinRel(sum, 1e-10));
}

TEST_CASE("logit-normal and noise-column errors in measurement tables are located",
          "[fit][problem][errors][logitnormal]") {
  const auto message = [](const std::string& rows) {
    const std::string header = "donor\tarm\tobservable\ttime\tmeasurement\tsd\tlower\tupper\tnoise\tratio_to\n";
    return test::FitFiles({{"model.yaml", logit_model}, {"s.yaml", logit_scenario}, {"d.tsv", header + rows}},
                          "fit: logit\nscenario: s.yaml\ndata: d.tsv\nestimate: {k_el: {}}\n")
        .load_error();
  };
  CHECK(message("d1\tdosed\tpct_bound\t1\t100\t\t\t\t\t\n") ==
        "d.tsv:2:5: column 'measurement': observable 'pct_bound' has logitnormal noise on (0, 100) (unit %): "
        "measurements must lie strictly inside, got 100 (a value at a bound can be a censored row: 'upper' or "
        "'lower' instead of 'measurement')");
  CHECK(message("d1\tdosed\tbound\t1\t0\t\t\t\t\t\n") ==
        "d.tsv:2:5: column 'measurement': observable 'bound' has logitnormal noise on (0, 1): measurements must "
        "lie strictly inside, got 0 (a value at a bound can be a censored row: 'upper' or 'lower' instead of "
        "'measurement')");
  CHECK(message("d1\tdosed\tbound\t1\t\t\t1\t\t\t\n") ==
        "d.tsv:2:7: column 'lower': logitnormal noise on (0, 1): lower must be below 1, got 1");
  CHECK(message("d1\tdosed\tpct_bound\t1\t\t\t\t0\t\t\n") ==
        "d.tsv:2:8: column 'upper': logitnormal noise: upper must be positive, got 0");
  CHECK(message("d1\tdosed\tpct_bound\t2\t0.5\t0.2\t\t\t\td1:dosed:1\n") ==
        "d.tsv:2:10: column 'ratio_to': a ratio row cannot have logitnormal noise (a ratio is not a fraction of "
        "100 %); give the row another distribution in a 'noise' column, with an sd");
  CHECK(message("d1\tdosed\tC_obs\t2\t5\t\t\t\tnormal\t\n") ==
        "d.tsv:2:6: column 'sd': the row's noise 'normal' differs from observable 'C_obs''s (lognormal): give "
        "the row a standard deviation on the normal scale ('sd' column)");
  CHECK(message("d1\tdosed\tC_obs\t2\t5\t1\t\t\tgaussian\t\n") ==
        "d.tsv:2:9: column 'noise': must be one of normal, lognormal, log10normal, laplace or logitnormal, got "
        "'gaussian'");
  CHECK(message("d1\tdosed\tC_obs\t2\t5\t1\t\t\tlognormall\t\n") ==
        "d.tsv:2:9: column 'noise': must be one of normal, lognormal, log10normal, laplace or logitnormal, got "
        "'lognormall' (did you mean 'lognormal'?)");
  CHECK(message("d1\tdosed\tC_obs\t2\t5\t1\t\t\tproportional\t\n") ==
        "d.tsv:2:9: column 'noise': must be one of normal, lognormal, log10normal, laplace or logitnormal, got "
        "'proportional'");
  CHECK(message("d1\tdosed\tpct_bound\t2\t50\t\t\t\tlogitnormal\t\n") == "no error");
}
