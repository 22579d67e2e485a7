// Fit files end to end on the one-compartment model: loading and its errors,
// the objective's Jacobian against finite differences, recovery of known
// parameters with per-donor blocks, and the output files of run_fit.
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

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

// Two donors clearing a 10 ng/mL dose on top of C0: C(t) = (C0 + 10) exp(-k t).
std::string scenario_text() {
  return "scenario: fit_decay\n"
         "model: " + test::one_compartment_model() + "\n"
         "solver: {method: rosenbrock, rel_tol: 1e-9, abs_tol: 1e-12}\n"
         "donors:\n"
         "  - id: slow\n"
         "    preset: low\n"
         "  - id: fast\n"
         "    preset: high\n"
         "arms:\n"
         "  - id: dosed\n"
         "    protocol:\n"
         "      - {at: 0 h, add: {C: 10 ng/mL}}\n"
         "samples:\n"
         "  times: [0 h, 2 h, 4 h, 8 h, 12 h, 24 h]\n";
}

const double true_k[2] = {0.08, 0.3};
const double true_C0 = 2.0;

std::string data_text() {
  std::ostringstream out;
  out.precision(17);
  out << "donor\tarm\tobservable\ttime\tmeasurement\treplicate\n";
  const char* donors[2] = {"slow", "fast"};
  for (int d = 0; d < 2; ++d)
    for (double t : {1.0, 3.0, 6.0, 10.0, 20.0})
      out << donors[d] << "\tdosed\tC_ng\t" << t << "\t" << (true_C0 + 10) * std::exp(-true_k[d] * t) << "\tA\n";
  return out.str();
}

std::string fit_text(const std::string& extra = "") {
  return "fit: decay_fit\n"
         "scenario: scenario.yaml\n"
         "data: data.tsv\n"
         "estimate:\n"
         "  k_el: {bounds: [0.01, 1], scale: log10, per_donor: true}\n"
         "  C0:   {bounds: [0.1, 10000], unit: pg/mL, scale: log10}\n"
         "starts: 4\n"
         "seed: 11\n" + extra;
}

struct Files : test::FitFiles {
  explicit Files(const std::string& fit_yaml = fit_text(), const std::string& data = data_text())
      : FitFiles({{"scenario.yaml", scenario_text()}, {"data.tsv", data}}, fit_yaml) {}
};

// C cleared first-order, read out under normal (σ depending on s_rel and the
// state), lognormal and proportional noise, plus `more_observables`.
std::string noisy_decay_model(const std::string& more_observables = "") {
  return "# C cleared first-order, read out under several noise models.\n"
         "model: noisy_decay\n"
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
         "  C_prop: {formula: C, unit: ng/mL, noise: {distribution: proportional, sigma: 0.1}}\n"
         "  C_norm: {formula: C, unit: ng/mL, noise: {distribution: normal, sigma: s_rel * C + 0.1}}\n"
         "  C_log:  {formula: C, unit: ng/mL, noise: {distribution: lognormal, sigma: 0.2}}\n" +
         more_observables;
}

const char* noisy_scenario =
    "scenario: noisy\nmodel: model.yaml\n"
    "solver: {method: rosenbrock, rel_tol: 1e-10, abs_tol: 1e-13}\n"
    "samples: {times: [0 h, 10 h]}\n";

}  // namespace

TEST_CASE("fit file: estimates, units of bounds, per-donor layout", "[fit][problem]") {
  Files f;
  const fit::FitProblem p = fit::load_fit_problem(f.fit);
  REQUIRE(p.spec.estimates.size() == 2);
  CHECK(p.spec.estimates[0].per_donor);
  CHECK_THAT(p.spec.estimates[1].lower, Catch::WithinRel(1e-4, 1e-12));  // 0.1 pg/mL in ng/mL
  CHECK(p.scenarios[0].data.rows.size() == 10);
  CHECK_THAT(p.scenarios[0].context.horizon, Catch::WithinAbs(24, 0));
  const fit::Objective o(p);
  REQUIRE(o.size() == 3);
  CHECK(o.entries()[0].label == "k_el[slow]");
  CHECK(o.entries()[1].label == "k_el[fast]");
  CHECK(o.entries()[2].label == "C0");
  CHECK_FALSE(p.spec.start_from_model);
  for (const auto& e : p.spec.estimates)  // the start of `start_from_model`: the model file's value
    CHECK(e.model_value == p.scenarios[0].scenario->model->parameters()[e.parameter].value);
  Files from_model(fit_text("start_from_model: true\n"));
  CHECK(fit::load_fit_problem(from_model.fit).spec.start_from_model);

  // A donor without measurements gets no per-donor entry.
  Files only_slow(fit_text(), "donor\tarm\tobservable\ttime\tmeasurement\nslow\tdosed\tC_ng\t1\t5\n");
  const fit::FitProblem q = fit::load_fit_problem(only_slow.fit);
  const fit::Objective oq(q);
  REQUIRE(oq.size() == 2);
  CHECK(oq.entries()[0].label == "k_el[slow]");
  CHECK(oq.theta_index(0, 1) == fit::Objective::no_entry);
  solve::Run run;
  run.parameters = {0.5, 0.0};  // k_el, C0 of the fast donor's preset
  oq.apply((VectorXd(2) << -1, 0).finished(), 0, 1, run);
  CHECK_THAT(run.parameters[0], Catch::WithinAbs(0.5, 0));
  CHECK_THAT(run.parameters[1], Catch::WithinAbs(1, 1e-15));
}

TEST_CASE("objective Jacobian equals central differences of the residuals", "[fit][problem][gradient]") {
  Files f;
  const fit::FitProblem p = fit::load_fit_problem(f.fit);
  const fit::Objective o(p);
  const VectorXd theta = (VectorXd(3) << std::log10(0.1), std::log10(0.2), std::log10(5.0)).finished();
  VectorXd r;
  MatrixXd J;
  REQUIRE(o.residuals(theta, r, &J));
  const MatrixXd fd = test::finite_difference_jacobian(o, theta, 1e-5);
  for (Eigen::Index j = 0; j < 3; ++j)
    for (Eigen::Index i = 0; i < r.size(); ++i) {
      CAPTURE(i, j);
      CHECK_THAT(J(i, j), Catch::WithinRel(fd(i, j), 1e-5) || Catch::WithinAbs(fd(i, j), 1e-6));
    }
  // Block structure: rows of donor `slow` (first five) do not depend on k_el[fast].
  for (Eigen::Index i = 0; i < 5; ++i) CHECK(J(i, 1) == 0.0);
  // nllh = ½‖r‖² + constant equals the sum of PEtab row nllhs.
  double sum = 0;
  for (const auto& row : o.predict(theta)) sum += row.nllh;
  VectorXd r_plain;
  REQUIRE(o.residuals(theta, r_plain, nullptr));
  CHECK_THAT(0.5 * r_plain.squaredNorm() + o.constant(), Catch::WithinRel(sum, 1e-10));
  CHECK_THAT(0.5 * r.squaredNorm() + o.constant(), Catch::WithinRel(sum, 1e-6));
}

TEST_CASE("run_fit recovers per-donor rates and writes every output", "[fit][run_fit]") {
  // k_el is per_donor: profiled for each donor.
  Files f(fit_text("uncertainty: {fim: true, profile: [C0, k_el]}\n"));
  fit::FitOptions options;
  options.out_dir = (f.dir.path / "out").string();
  const fit::FitReport report = fit::run_fit(f.fit, options);
  CHECK(report.ok());
  CHECK(report.starts == 4);

  const auto estimates = io::read_csv_file(f.dir.path / "out" / "estimates.csv");
  REQUIRE(estimates.header == std::vector<std::string>{"parameter", "donor", "value", "scale", "lower95", "upper95", "method"});
  REQUIRE(estimates.row_count() == 3);
  CHECK(estimates.get(0, "donor") == "slow");
  CHECK_THAT(estimates.get_double(0, "value"), Catch::WithinRel(true_k[0], 1e-6));
  CHECK_THAT(estimates.get_double(1, "value"), Catch::WithinRel(true_k[1], 1e-6));
  CHECK_THAT(estimates.get_double(2, "value"), Catch::WithinRel(true_C0, 1e-6));
  CHECK(estimates.get(0, "method") == "profile");
  CHECK(estimates.get(1, "method") == "profile");
  CHECK(estimates.get(2, "method") == "profile");
  for (std::size_t r = 0; r < 3; ++r) {
    CHECK(estimates.get_double(r, "lower95") < estimates.get_double(r, "value"));
    CHECK(estimates.get_double(r, "upper95") > estimates.get_double(r, "value"));
  }

  const auto starts = io::read_csv_file(f.dir.path / "out" / "starts.csv");
  CHECK(starts.header.at(5) == "k_el[slow]");
  REQUIRE(starts.row_count() == 4);
  for (std::size_t r = 1; r < 4; ++r) CHECK(starts.get_double(r - 1, "nllh") <= starts.get_double(r, "nllh"));
  CHECK_THAT(starts.get_double(0, "nllh"), Catch::WithinRel(report.best_nllh, 1e-12));

  const auto residuals = io::read_csv_file(f.dir.path / "out" / "residuals.csv");
  REQUIRE(residuals.row_count() == 10);
  for (std::size_t r = 0; r < 10; ++r) CHECK_THAT(residuals.get_double(r, "residual"), Catch::WithinAbs(0, 1e-5));
  CHECK(residuals.get(0, "replicate") == "A");

  const auto profiles = io::read_csv_file(f.dir.path / "out" / "profiles.csv");
  CHECK(profiles.row_count() >= 5);
  double min_nllh = 1e300;
  for (std::size_t r = 0; r < profiles.row_count(); ++r) min_nllh = std::min(min_nllh, profiles.get_double(r, "nllh"));
  CHECK_THAT(min_nllh, Catch::WithinRel(report.best_nllh, 1e-9));
  std::set<std::string> profiled;
  for (std::size_t r = 0; r < profiles.row_count(); ++r) profiled.insert(profiles.get(r, "parameter"));
  CHECK(profiled == std::set<std::string>{"C0", "k_el[fast]", "k_el[slow]"});

  const auto tc = io::read_csv_file(f.dir.path / "out" / "fit_timecourses.csv");
  CHECK(tc.header ==
        std::vector<std::string>{"run", "donor", "arm", "sample", "time", "side", "observable", "value", "scenario"});
  CHECK(tc.row_count() == 2 * 6 * 3);  // donors × sample times × observables

  std::ifstream json_file(f.dir.path / "out" / "fit.json");
  const auto j = nlohmann::json::parse(json_file);
  CHECK(j["fit"] == "decay_fit");
  CHECK(j["starts"] == 4);
  CHECK(j["starts_at_best"].get<int>() >= 1);
  CHECK(j["starts_at_best"].get<int>() <= 4);
  CHECK_THAT(j["estimates"]["k_el[fast]"].get<double>(), Catch::WithinRel(true_k[1], 1e-6));
}

TEST_CASE("run_fit output does not depend on the thread count", "[fit][run_fit]") {
  Files f;
  const auto run = [&](int threads) {
    fit::FitOptions options;
    options.out_dir = (f.dir.path / ("t" + std::to_string(threads))).string();
    options.threads = threads;
    fit::run_fit(f.fit, options);
    const auto t = io::read_csv_file(std::filesystem::path(options.out_dir) / "starts.csv");
    std::vector<std::string> rows;
    for (std::size_t r = 0; r < t.row_count(); ++r) {
      std::string line;
      for (const auto& c : t.header)
        if (c != "wall_ms") line += t.get(r, c) + ",";
      rows.push_back(line);
    }
    return rows;
  };
  CHECK(run(1) == run(2));
}

TEST_CASE("objective Jacobian with state-dependent sigmas, proportional noise and sd overrides",
          "[fit][problem][gradient]") {
  test::TempDir dir;
  dir.write("model.yaml",
            noisy_decay_model(
                "  C_log10: {formula: C, unit: ng/mL, noise: {distribution: log10normal, sigma: s_rel + 0.05}}\n"
                "  C_lap:  {formula: C, unit: ng/mL, noise: {distribution: laplace, sigma: s_rel * C + 0.1}}\n"));
  dir.write("scenario.yaml", noisy_scenario);
  dir.write("data.csv", "donor,arm,observable,time,measurement,sd\n"
                        "default,default,C_log10,2,3.4,\n"
                        "default,default,C_log10,7,0.9,0.05\n"
                        "default,default,C_lap,3,2.6,\n"
                        "default,default,C_lap,6,1.2,0.2\n"
                        "default,default,C_prop,1,4.1,\n"
                        "default,default,C_prop,3,2.9,0.4\n"
                        "default,default,C_norm,2,3.3,\n"
                        "default,default,C_norm,5,1.9,\n"
                        "default,default,C_log,4,2.6,\n"
                        "default,default,C_log,8,1.1,0.3\n");
  const std::string fit_file = dir.write(
      "fit.yaml", "fit: noisy\nscenario: scenario.yaml\ndata: data.csv\n"
                  "estimate: {k_el: {}, C0: {}, s_rel: {}}\n");
  const fit::FitProblem p = fit::load_fit_problem(fit_file);
  const fit::Objective o(p);
  const VectorXd theta = (VectorXd(3) << std::log10(0.15), std::log(4.0), std::log10(0.08)).finished();
  VectorXd r;
  MatrixXd J;
  REQUIRE(o.residuals(theta, r, &J));
  const MatrixXd fd = test::finite_difference_jacobian(o, theta, 1e-5);
  for (Eigen::Index j = 0; j < 3; ++j)
    for (Eigen::Index i = 0; i < r.size(); ++i) {
      CAPTURE(i, j);
      CHECK_THAT(J(i, j), Catch::WithinRel(fd(i, j), 1e-5) || Catch::WithinAbs(fd(i, j), 1e-7));
    }
  const Eigen::Index m = r.size() / 2;  // rows: 4 log10normal/laplace first, then the 6 below
  CHECK(std::abs(J(m + 4 + 2, 2)) > 0);  // the sigma residual of a C_norm row depends on s_rel
  CHECK(J(m + 4 + 1, 0) == 0.0);         // an sd row's sigma residual is constant
  CHECK(std::abs(J(m + 0, 2)) > 0);      // log10normal sigma s_rel + 0.05
  CHECK(std::abs(J(m + 2, 2)) > 0);      // laplace scale s_rel·C + 0.1
  double sum = 0;
  for (const auto& row : o.predict(theta)) sum += row.nllh;
  VectorXd r_plain;
  REQUIRE(o.residuals(theta, r_plain, nullptr));
  CHECK_THAT(0.5 * r_plain.squaredNorm() + o.constant(), Catch::WithinRel(sum, 1e-10));
}

TEST_CASE("objective Jacobian with censored and interval rows under every noise model",
          "[fit][problem][gradient][censored]") {
  test::TempDir dir;
  dir.write("model.yaml", noisy_decay_model());
  dir.write("scenario.yaml", noisy_scenario);
  // Left-censored (below an LLOQ), right-censored, intervals, an sd override
  // and exact rows mixed; measurement empty where only the bounds are known.
  dir.write("data.csv", "donor,arm,observable,time,measurement,sd,lower,upper\n"
                        "default,default,C_prop,1,,,,4.5\n"
                        "default,default,C_prop,3,2.9,,2.5,3.1\n"
                        "default,default,C_norm,2,,,3.0,\n"
                        "default,default,C_norm,5,1.9,0.3,1.5,2.0\n"
                        "default,default,C_norm,6,1.7,,,\n"
                        "default,default,C_log,4,,,,2.0\n"
                        "default,default,C_log,8,1.1,,0.9,1.6\n");
  const std::string fit_file = dir.write(
      "fit.yaml", "fit: noisy\nscenario: scenario.yaml\ndata: data.csv\n"
                  "estimate: {k_el: {}, C0: {}, s_rel: {}}\n");
  const fit::FitProblem p = fit::load_fit_problem(fit_file);
  const fit::Objective o(p);
  const VectorXd theta = (VectorXd(3) << std::log10(0.15), std::log(4.0), std::log10(0.08)).finished();
  VectorXd r;
  MatrixXd J;
  REQUIRE(o.residuals(theta, r, &J));
  const MatrixXd fd = test::finite_difference_jacobian(o, theta, 1e-5);
  for (Eigen::Index j = 0; j < 3; ++j)
    for (Eigen::Index i = 0; i < r.size(); ++i) {
      CAPTURE(i, j);
      CHECK_THAT(J(i, j), Catch::WithinRel(fd(i, j), 1e-5) || Catch::WithinAbs(fd(i, j), 1e-7));
    }
  CHECK(std::abs(J(2, 2)) > 0);  // a censored C_norm row depends on s_rel through its σ
  CHECK(r[7 + 0] == 0.0);         // censored rows have no sigma residual
  double sum = 0;
  for (const auto& row : o.predict(theta)) sum += row.nllh;
  VectorXd r_plain;
  REQUIRE(o.residuals(theta, r_plain, nullptr));
  CHECK_THAT(0.5 * r_plain.squaredNorm() + o.constant(), Catch::WithinRel(sum, 1e-10));
  // A fit with these rows converges (the optimizer sees only ½‖r‖²).
  fit::FitOptions options;
  options.out_dir = (dir.path / "out").string();
  options.threads = 1;
  CHECK(fit::run_fit(fit_file, options).ok());
}

TEST_CASE("an exact row below its observable's lloq is read as left-censored at the LLOQ", "[fit][problem][censored]") {
  test::TempDir dir;
  dir.write("model.yaml",
            "model: lloq_decay\ntime_unit: h\n"
            "parameters:\n  k_el: {value: 0.2, unit: 1/h, bounds: [0.01, 1], scale: log10}\n"
            "species:\n  C: {initial: 100, unit: pg/mL}\n"
            "odes:\n  C: -k_el * C\n"
            "observables:\n"
            "  C_pg: {formula: C, unit: pg/mL, noise: {distribution: lognormal, sigma: 0.2}, lloq: 10}\n");
  dir.write("scenario.yaml",
            "scenario: lloq\nmodel: model.yaml\n"
            "solver: {method: rosenbrock, rel_tol: 1e-10, abs_tol: 1e-13}\n"
            "samples: {times: [0 h, 24 h]}\n");
  // Rows 1-2: exact readings below the LLOQ (the second with its own normal
  // noise); row 3 above it; row 4 the table's own censoring; row 5 a ratio.
  dir.write("data.csv",
            "donor,arm,observable,time,measurement,sd,lower,upper,noise,ratio_to\n"
            "default,default,C_pg,12,4,,,,,\n"
            "default,default,C_pg,16,3,2,,,normal,\n"
            "default,default,C_pg,2,70,,,,,\n"
            "default,default,C_pg,20,,,,5,,\n"
            "default,default,C_pg,24,0.05,,,,,default:default:0\n");
  dir.write("explicit.csv",
            "donor,arm,observable,time,measurement,sd,lower,upper,noise\n"
            "default,default,C_pg,12,,,,10,\n"
            "default,default,C_pg,16,,2,,10,normal\n"
            "default,default,C_pg,2,70,,,,\n"
            "default,default,C_pg,20,,,,5,\n");
  const fit::FitProblem p = fit::load_fit_problem(
      dir.write("fit.yaml", "fit: lloq\nscenario: scenario.yaml\ndata: data.csv\nestimate: {k_el: {}}\n"));
  const auto& rows = p.scenarios.at(0).data.rows;
  REQUIRE(rows.size() == 5);
  CHECK(rows[0].upper == 10.0);
  CHECK(rows[0].value == 4.0);  // the reading itself stays in the table (residuals.csv shows it)
  CHECK(rows[1].upper == 10.0);
  CHECK_FALSE(rows[2].censored());
  CHECK(rows[3].upper == 5.0);      // the table's own limit is kept
  CHECK_FALSE(rows[4].censored());  // a ratio row is on the ratio's scale
  // The likelihood of the read-as-censored rows equals that of the rows written
  // censored (to the solver's tolerance: data.csv also samples 24 h).
  const fit::FitProblem q = fit::load_fit_problem(
      dir.write("explicit.yaml", "fit: lloq\nscenario: scenario.yaml\ndata: explicit.csv\nestimate: {k_el: {}}\n"));
  const VectorXd theta = VectorXd::Constant(1, std::log10(0.15));
  const auto a = fit::Objective(p).predict(theta), b = fit::Objective(q).predict(theta);
  for (std::size_t i = 0; i < 4; ++i) {
    CAPTURE(i);
    CHECK_THAT(a[i].nllh, Catch::WithinRel(b[i].nllh, 1e-7));
  }
  // Analytic: C(12 h) = 100·exp(−1.8) pg/mL, P(C_pg < 10) = Φ((ln 10 − ln C)/0.2).
  const double z = (std::log(10.0) - std::log(100.0 * std::exp(-0.15 * 12))) / 0.2;
  CHECK_THAT(a[0].nllh, Catch::WithinRel(-std::log(0.5 * std::erfc(-z / std::sqrt(2.0))), 1e-6));
  // laplace noise cannot be censored: a row below the LLOQ with its own laplace noise names the row
  dir.write("laplace.csv", "donor,arm,observable,time,measurement,sd,noise\ndefault,default,C_pg,12,4,1,laplace\n");
  CHECK_THROWS_WITH(
      fit::load_fit_problem(
          dir.write("laplace.yaml", "fit: lloq\nscenario: scenario.yaml\ndata: laplace.csv\nestimate: {k_el: {}}\n")),
      Catch::Contains("laplace.csv:2") && Catch::Contains("below the observable's lloq 10"));
  // A reading of 0 under lognormal noise is below the LLOQ too: censored, not refused.
  dir.write("zero.csv", "donor,arm,observable,time,measurement\ndefault,default,C_pg,12,0\n");
  const fit::FitProblem zero = fit::load_fit_problem(
      dir.write("zero.yaml", "fit: lloq\nscenario: scenario.yaml\ndata: zero.csv\nestimate: {k_el: {}}\n"));
  CHECK(zero.scenarios.at(0).data.rows.at(0).upper == 10.0);
  CHECK_THAT(fit::Objective(zero).predict(theta).at(0).nllh, Catch::WithinRel(a[0].nllh, 1e-7));
}

TEST_CASE("a PEtab table gives the same rows as the exvivo layout", "[fit][problem]") {
  std::ostringstream petab;
  petab.precision(17);
  petab << "observableId\tsimulationConditionId\ttime\tmeasurement\n";
  const char* donors[2] = {"slow", "fast"};
  for (int d = 0; d < 2; ++d)
    for (double t : {1.0, 3.0, 6.0, 10.0, 20.0})
      petab << "C_ng\t" << donors[d] << ":dosed\t" << t << "\t" << (true_C0 + 10) * std::exp(-true_k[d] * t) << "\n";
  Files own, pe(fit_text(), petab.str());
  const auto a = fit::load_fit_problem(own.fit), b = fit::load_fit_problem(pe.fit);
  CHECK(b.scenarios[0].data.layout == fit::MeasurementTable::Layout::petab);
  REQUIRE(a.scenarios[0].data.rows.size() == b.scenarios[0].data.rows.size());
  for (std::size_t i = 0; i < a.scenarios[0].data.rows.size(); ++i) {
    CHECK(a.scenarios[0].data.rows[i].donor == b.scenarios[0].data.rows[i].donor);
    CHECK(a.scenarios[0].data.rows[i].arm == b.scenarios[0].data.rows[i].arm);
    CHECK_THAT(a.scenarios[0].data.rows[i].value, Catch::WithinRel(b.scenarios[0].data.rows[i].value, 1e-15));
  }
}

TEST_CASE("fit file errors are located", "[fit][problem][errors]") {
  const auto message = [](const std::string& fit_yaml) { return Files(fit_yaml).load_error(); };
  const std::string head = "fit: f\nscenario: scenario.yaml\ndata: data.tsv\n";
  CHECK(message(head + "estimate:\n  k_e: {bounds: [0.01, 1]}\n") ==
        "fit.yaml:5:3: estimate.k_e: unknown parameter 'k_e' of model 'one_compartment' (did you mean 'k_el'?)");
  CHECK(message(head + "estimate:\n  k_el: {bounds: [1, 0.01]}\n") ==
        "fit.yaml:5:18: estimate.k_el.bounds: lower bound 1 must be below upper bound 0.01");
  CHECK(message(head + "estimate:\n  C0: {bounds: [0, 10], scale: log}\n") ==
        "fit.yaml:5:16: estimate.C0.bounds: scale log needs a positive lower bound, got 0");
  CHECK(message(head + "estimate:\n  k_el: {bounds: [0.01, 1], scale: log2}\n") ==
        "fit.yaml:5:36: estimate.k_el.scale: must be one of lin, log or log10, got 'log2' (did you mean 'log'?)");
  CHECK(message(head + "estimate:\n  k_el: {bounds: [0.01, 1], unit: ng/mL}\n") ==
        "fit.yaml:5:35: estimate.k_el.unit: cannot convert 'ng/mL' to '1/h': dimensions g/L and 1/s differ");
  CHECK(message(head + "estimate:\n  k_el: {unit: 1/min}\n") ==
        "fit.yaml:5:16: estimate.k_el.unit: 'unit' applies to 'bounds', which is not given: add bounds: "
        "[lower, upper] or remove 'unit'");
  CHECK(message(head + "estimate:\n  k_el: {}\nuncertainty: {profile: [k_l]}\n") ==
        "fit.yaml:6:25: uncertainty.profile[0]: 'k_l' is not an estimated parameter (did you mean 'k_el'?)");
  CHECK(message(head + "estimate:\n  k_el: {}\noptimizer: {max_iter: 0}\n") ==
        "fit.yaml:6:23: optimizer.max_iter: expected a whole number from 1 to 1000000, got '0'");
  CHECK(message(head + "estimate:\n  k_el: {}\nstart: 3\n") ==
        "fit.yaml:6:1: start: unknown key 'start' (expected one of: fit, description, scenario, data, scenarios, "
        "estimate, starts, start_from_model, seed, optimizer, uncertainty, output) (did you mean 'starts'?)");
  CHECK(message("fit: f\nscenario: nowhere.yaml\ndata: data.tsv\nestimate: {k_el: {}}\n").find(
            "fit.yaml:2:11: scenario: scenario file '") == 0);
}

TEST_CASE("data errors of a fit name the data file", "[fit][problem][errors]") {
  const Files f(fit_text(), "donor\tarm\tobservable\ttime\tmeasurement\nslow\tdosed\tC_ng\t30\t1\n");
  CHECK(f.load_error() == "data.tsv:2:4: column 'time': time 30 is outside the simulated interval [0, 24]");
  CHECK_THROWS_AS(fit::load_fit_problem(f.fit), DataError);
}

TEST_CASE("the bundled fit example recovers the rates it was simulated with", "[fit][run_fit][example]") {
  test::TempDir out;
  fit::FitOptions options;
  options.out_dir = out.path.string();
  const std::string file = std::string(EXVIVO_SOURCE_DIR) + "/tests/fit/data/decay_fit.yaml";
  const fit::FitReport report = fit::run_fit(file, options);
  CHECK(report.ok());
  const auto estimates = io::read_csv_file(out.path / "estimates.csv");
  REQUIRE(estimates.row_count() == 3);
  CHECK_THAT(estimates.get_double(0, "value"), Catch::WithinRel(0.08, 0.01));
  CHECK_THAT(estimates.get_double(1, "value"), Catch::WithinRel(0.3, 0.01));
  CHECK_THAT(estimates.get_double(2, "value"), Catch::WithinRel(2.0, 0.05));
  // Rounding to 3 digits is far below the assumed 10 % noise: the truth lies inside the intervals.
  CHECK(estimates.get_double(1, "lower95") < 0.3);
  CHECK(estimates.get_double(1, "upper95") > 0.3);
}

TEST_CASE("a fit whose best start did not converge still writes its outputs", "[fit][run_fit]") {
  Files f(fit_text("optimizer: {max_iter: 1}\nuncertainty: {fim: false}\n"));
  fit::FitOptions options;
  options.out_dir = (f.dir.path / "out").string();
  const fit::FitReport report = fit::run_fit(f.fit, options);
  CHECK_FALSE(report.ok());
  CHECK(report.best_status == "max_iter");
  const auto estimates = io::read_csv_file(f.dir.path / "out" / "estimates.csv");
  CHECK(estimates.get(0, "method") == "none");
  CHECK(std::filesystem::exists(f.dir.path / "out" / "fit.json"));
  fit::FitOptions bad;
  bad.threads = -1;
  CHECK_THROWS_MATCHES(fit::run_fit(f.fit, bad), OptionError,
                       Catch::Message("--threads: must be 0 (all cores) or more, got -1"));
}

TEST_CASE("a fit that cannot be evaluated anywhere says why", "[fit][run_fit][errors]") {
  test::TempDir dir;
  dir.write("scenario.yaml", "scenario: undosed\nmodel: " + test::one_compartment_model() +
                                 "\nsamples: {times: [0 h, 4 h]}\n");
  dir.write("data.tsv", "donor\tarm\tobservable\ttime\tmeasurement\ndefault\tdefault\tC_ng\t1\t1\n");
  const std::string fit_file = dir.write(
      "fit.yaml", "fit: hopeless\nscenario: scenario.yaml\ndata: data.tsv\nestimate: {k_el: {}}\nstarts: 2\n");
  fit::FitOptions options;
  options.out_dir = (dir.path / "out").string();
  const fit::FitReport report = fit::run_fit(fit_file, options);
  CHECK_FALSE(report.ok());
  CHECK(report.best_status == "failed");
  REQUIRE(report.error.find("data.tsv:2: ") != std::string::npos);
  CHECK(report.error.substr(report.error.find("data.tsv:2: ")) ==
        "data.tsv:2: simulated C_ng = 0 at t = 1 with sigma 0.1 cannot be compared under lognormal noise");
  std::ifstream json_file(dir.path / "out" / "fit.json");
  CHECK(nlohmann::json::parse(json_file)["error"].get<std::string>() == report.error);
}

TEST_CASE("leukocyte model: the objective's Jacobian equals central differences",
          "[fit][problem][gradient][leukocyte]") {
  test::TempDir dir;
  dir.write("scenario.yaml",
            "scenario: gmcsf_lps\nmodel: " + std::string(EXVIVO_SOURCE_DIR) +
                "/models/leukocyte_exvivo.yaml\n"
                "culture: whole_blood\n"
                "solver: {method: rosenbrock, rel_tol: 1e-9, abs_tol: 1e-12, timeout: 0 s}\n"
                "donors: [{id: septic, preset: septic}, {id: healthy, preset: healthy}]\n"
                "arms:\n  - id: gmcsf\n    protocol: [{at: 0 h, add: {GMCSF: 1 ng/mL}}]\n"
                "protocol: [{at: 24 h, add: {LPS: 10 ng/mL}}]\n"
                "samples: {times: [0 h, 24 h, 28 h]}\n");
  dir.write("data.tsv", "donor\tarm\tobservable\ttime\tmeasurement\n"
                        "septic\tgmcsf\tmHLA_DR\t6\t7000\n"
                        "septic\tgmcsf\tmHLA_DR\t24\t9000\n"
                        "septic\tgmcsf\tTNF_pg\t26\t300\n"
                        "healthy\tgmcsf\tmHLA_DR\t24\t30000\n"
                        "healthy\tgmcsf\tpct_DR_pos\t24\t95\n"
                        "healthy\tgmcsf\tTNF_pg\t28\t800\n");
  const std::string fit_file =
      dir.write("fit.yaml", "fit: leuk\nscenario: scenario.yaml\ndata: data.tsv\n"
                            "estimate: {K_GM: {}, k_T: {}, HLA0: {per_donor: true}}\n");
  const fit::FitProblem p = fit::load_fit_problem(fit_file);
  const fit::Objective o(p);
  REQUIRE(o.size() == 4);
  VectorXd theta = (o.lower() + o.upper()) / 2;
  VectorXd r;
  MatrixXd J;
  REQUIRE(o.residuals(theta, r, &J));
  const MatrixXd fd = test::finite_difference_jacobian(o, theta, 1e-4);
  for (Eigen::Index j = 0; j < 4; ++j)
    for (Eigen::Index i = 0; i < r.size(); ++i) {
      CAPTURE(o.entries()[static_cast<std::size_t>(j)].label, i);
      CHECK_THAT(J(i, j), Catch::WithinRel(fd(i, j), 1e-5) ||
                              Catch::WithinAbs(fd(i, j), 1e-5 * J.col(j).cwiseAbs().maxCoeff() + 1e-9));
    }
  CHECK(J(0, 3) == 0.0);  // septic rows do not depend on HLA0[healthy]
}

TEST_CASE("a measurement at '12 h-' is compared with the state before the event at 12 h",
          "[fit][problem][before_event]") {
  test::TempDir dir;
  std::string scenario = scenario_text();
  scenario.replace(scenario.find("      - {at: 0 h, add: {C: 10 ng/mL}}\n"),
                   std::string("      - {at: 0 h, add: {C: 10 ng/mL}}\n").size(),
                   "      - {at: 0 h, add: {C: 10 ng/mL}}\n      - {at: 12 h, add: {C: 5 ng/mL}}\n");
  dir.write("scenario.yaml", scenario);
  // The same time written four ways; the "-" rows before the second dose.
  dir.write("data.tsv",
            "donor\tarm\tobservable\ttime\tmeasurement\n"
            "slow\tdosed\tC_ng\t12 h-\t4\n"
            "slow\tdosed\tC_ng\t12\t9\n"
            "slow\tdosed\tC_ng\t720 min-\t4\n"
            "slow\tdosed\tC_ng\t12 h\t9\n"
            "slow\tdosed\tC_ng\t6\t7\n");
  const fit::FitProblem p = fit::load_fit_problem(dir.write("fit.yaml", fit_text()));
  REQUIRE(p.scenarios[0].data.rows.size() == 5);
  CHECK(p.scenarios[0].data.rows[0].before_event);
  CHECK_FALSE(p.scenarios[0].data.rows[1].before_event);
  CHECK(p.scenarios[0].data.rows[2].before_event);
  CHECK_THAT(p.scenarios[0].data.rows[2].time, Catch::WithinRel(12.0, 1e-15));
  const fit::Objective o(p);
  const double k = 0.1, C0 = 2.0;
  // θ: k_el[slow] (donor fast has no data), C0 (model unit ng/mL).
  const VectorXd theta = (VectorXd(2) << std::log10(k), std::log10(C0)).finished();
  const auto pred = o.predict(theta);
  const double before = (C0 + 10) * std::exp(-k * 12);
  CHECK_THAT(pred[0].simulation, Catch::WithinRel(before, 1e-6));
  CHECK_THAT(pred[1].simulation, Catch::WithinRel(before + 5, 1e-6));
  CHECK_THAT(pred[2].simulation, Catch::WithinRel(before, 1e-6));
  CHECK_THAT(pred[3].simulation, Catch::WithinRel(before + 5, 1e-6));
  CHECK_THAT(pred[4].simulation, Catch::WithinRel((C0 + 10) * std::exp(-k * 6), 1e-6));
  // Sensitivities through the before/after pair equal central differences.
  VectorXd r;
  MatrixXd J;
  REQUIRE(o.residuals(theta, r, &J));
  const MatrixXd fd = test::finite_difference_jacobian(o, theta, 1e-5);
  for (Eigen::Index j = 0; j < J.cols(); ++j)
    for (Eigen::Index i = 0; i < r.size(); ++i) {
      CAPTURE(i, j);
      CHECK_THAT(J(i, j), Catch::WithinRel(fd(i, j), 1e-5) || Catch::WithinAbs(fd(i, j), 1e-6));
    }

  dir.write("data.tsv", "donor\tarm\tobservable\ttime\tmeasurement\nslow\tdosed\tC_ng\t12 parsecs\t4\n");
  CHECK_THROWS_WITH(fit::load_fit_problem((dir.path / "fit.yaml").string()),
                    Catch::Contains("data.tsv:2:4: column 'time': expected a time such as '24 h' or '30 min', got '12 "
                                    "parsecs'"));
  dir.write("data.tsv", "donor\tarm\tobservable\ttime\tmeasurement\nslow\tdosed\tC_ng\tnoon\t4\n");
  CHECK_THROWS_WITH(
      fit::load_fit_problem((dir.path / "fit.yaml").string()),
      Catch::Contains("data.tsv:2:4: column 'time': expected a time such as '24 h' or '30 min', got 'noon'"));
}
