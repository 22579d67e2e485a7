// Fits over several scenarios (`scenarios:` in the fit file) and ratio rows
// (`ratio_to` in the measurement table): θ layout with per-donor parameters
// shared across scenarios, the objective's Jacobian against central finite
// differences (quotient rule of ratio rows, also censored and across donors),
// and the errors of the new keys and columns.
#include <cmath>
#include <string>

#include <catch2/catch.hpp>

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
// the normal one has a σ that depends on s_rel and on the state.
const char* model_text =
    "# C cleared first-order: C' = -k_el C, C(0) = C0; three readouts of C.\n"
    "model: decay3\n"
    "time_unit: h\n"
    "parameters:\n"
    "  k_el: {value: 0.2, unit: 1/h, bounds: [0.01, 1], scale: log10}\n"
    "  C0: {value: 5, unit: ng/mL, bounds: [0.1, 100], scale: log}\n"
    "  s_rel: {value: 0.05, unit: 1, bounds: [0.001, 1], scale: log10}\n"
    "species:\n"
    "  C: {initial: C0, unit: ng/mL}\n"
    "odes:\n"
    "  C: -k_el * C\n"
    "observables:\n"
    "  C_log:  {formula: C, unit: ng/mL, noise: {distribution: lognormal, sigma: 0.2}}\n"
    "  C_norm: {formula: C, unit: ng/mL, noise: {distribution: normal, sigma: s_rel * C + 0.1}}\n"
    "  C_prop: {formula: C, unit: ng/mL, noise: {distribution: proportional, sigma: 0.1}}\n"
    "donor_presets:\n"
    "  slow: {k_el: 0.1}\n"
    "  fast: {k_el: 0.4}\n";

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

std::string fit_text(const std::string& estimate =
                         "  k_el: {per_donor: true}\n  C0: {}\n  s_rel: {}\n") {
  return "fit: two\n"
         "scenarios:\n"
         "  - {scenario: a.yaml, data: a.tsv}\n"
         "  - {scenario: b.yaml, data: b.tsv}\n"
         "estimate:\n" + estimate + "starts: 2\nseed: 5\n";
}

struct Files {
  test::TempDir dir;
  std::string fit;
  explicit Files(const std::string& fit_yaml = fit_text(), const std::string& a = data_a,
                 const std::string& b = data_b) {
    dir.write("model.yaml", model_text);
    dir.write("a.yaml", scenario_a);
    dir.write("b.yaml", scenario_b);
    dir.write("a.tsv", a);
    dir.write("b.tsv", b);
    fit = dir.write("fit.yaml", fit_yaml);
  }
};

MatrixXd finite_difference_jacobian(const fit::Objective& o, const VectorXd& theta, double h) {
  VectorXd r;
  REQUIRE(o.residuals(theta, r, nullptr));
  MatrixXd fd(r.size(), theta.size());
  for (Eigen::Index j = 0; j < theta.size(); ++j) {
    VectorXd up = theta, down = theta, ru, rd;
    up[j] += h;
    down[j] -= h;
    REQUIRE(o.residuals(up, ru, nullptr));
    REQUIRE(o.residuals(down, rd, nullptr));
    fd.col(j) = (ru - rd) / (2 * h);
  }
  return fd;
}

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

TEST_CASE("ratio rows predict sim(row)/sim(reference); the Jacobian of a multi-scenario objective "
          "with ratio, censored and interval rows equals central differences",
          "[fit][problem][gradient][multi_scenario][ratio]") {
  Files f;
  const fit::FitProblem p = fit::load_fit_problem(f.fit);
  const fit::Objective o(p);
  const VectorXd theta = (VectorXd(5) << std::log10(0.12), std::log10(0.35), std::log10(0.2), std::log(4.0),
                          std::log10(0.08)).finished();
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
  const MatrixXd fd = finite_difference_jacobian(o, theta, 1e-5);
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
  const auto tc = io::read_csv_file(f.dir.path / "out" / "fit_timecourses.csv");
  // Scenario a: 2 donors × 2 arms, b: 2 donors × 1 arm, runs numbered across scenarios.
  CHECK(tc.get(tc.row_count() - 1, "run") == "5");
  CHECK(tc.get(tc.row_count() - 1, "scenario") == "sb");
}

TEST_CASE("errors of the scenarios key and of ratio_to are located", "[fit][problem][errors][multi_scenario]") {
  const auto message = [](const std::string& fit_yaml, const std::string& a = data_a) {
    Files f(fit_yaml, a);
    try {
      fit::load_fit_problem(f.fit);
    } catch (const Error& e) {
      const std::string m = e.what();
      const auto at = m.find(m.find("a.tsv:") != std::string::npos ? "a.tsv:" : "fit.yaml");
      return at == std::string::npos ? m : m.substr(at);
    }
    return std::string("no error");
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
  CHECK(message("fit: f\nscenarios:\n  - {scenario: a.yaml, data: a.tsv}\n  - {scenario: c.yaml, data: b.tsv}\n" +
                est)
            .find("fit.yaml:4:16: scenarios[1].scenario: scenario file '") == 0);
  CHECK(message("fit: f\nscenarios:\n  - {scenario: a.yaml, data: a.tsv}\n  - {scenario: b.yaml, data: c.tsv}\n" +
                est)
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
        "a.tsv:2:6: column 'ratio_to': 'slow:high:soon': expected a time such as 24, 24 h, 30 min or 24 h- "
        "(just before the events at 24 h), got 'soon'");
  CHECK(message(fit, head + "slow\tlow\tC_log\t2\t1\tslow:low:2 h\n") ==
        "a.tsv:2:6: column 'ratio_to': 'slow:low:2 h' is the row's own sample (the ratio would always be 1)");
}

TEST_CASE("every scenario's model must have the estimated parameters", "[fit][problem][errors][multi_scenario]") {
  Files f(fit_text("  k_el: {}\n"));
  std::string model_b = model_text;
  for (auto at = model_b.find("k_el"); at != std::string::npos; at = model_b.find("k_el")) model_b.replace(at, 4, "k_out");
  f.dir.write("model_b.yaml", model_b);
  std::string b = scenario_b;
  b.replace(b.find("model.yaml"), 10, "model_b.yaml");
  f.dir.write("b.yaml", b);
  try {
    fit::load_fit_problem(f.fit);
    FAIL("no error");
  } catch (const ScenarioError& e) {
    const std::string m = e.what();
    CHECK(m.substr(m.find("fit.yaml")).find("fit.yaml:6:3: estimate.k_el: unknown parameter 'k_el' of model 'decay3' "
                                            "(the model of scenarios[1], '") == 0);
  }
}
