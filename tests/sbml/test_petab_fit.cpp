// `exvivo fit PROBLEM.yaml` on a PEtab problem (tests/sbml/data/petab_decay:
// X' = −k·X, X(0) = x0, observable X with estimated σ, data from
// 2·e^(−0.5 t) plus fixed perturbations of ±0.02).
//
// Checked against the conditions of the maximum-likelihood estimate, which do
// not depend on how it was found: the gradient of llh vanishes (|g| < 1e-3 on
// the parameter scales), σ equals sqrt(mean r²) of the residuals there
// (relative 1e-4), and k, x0 are within 1 % of the values the data were made
// from.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

#include "fit/run_fit.hpp"
#include "fit/uncertainty.hpp"
#include "io/csv_reader.hpp"
#include "sbml/petab.hpp"
#include "sbml/petab_fit.hpp"
#include "scenario/scenario_fixture.hpp"

namespace fs = std::filesystem;

namespace {

/// The fit settings both tests use: 4 starts on 2 threads at tight tolerances.
exvivo::sbml::PetabFitOptions fit_options(const std::string& out_dir) {
  exvivo::sbml::PetabFitOptions options;
  options.out_dir = out_dir;
  options.starts = 4;
  options.threads = 2;
  options.solver.rel_tol = 1e-8;
  options.solver.abs_tol = {1e-12};
  return options;
}

}  // namespace

TEST_CASE("PEtab fit reaches the maximum-likelihood estimate", "[petab_fit]") {
  const std::string yaml = fs::path(EXVIVO_SOURCE_DIR) / "tests" / "sbml" / "data" / "petab_decay" / "problem.yaml";
  REQUIRE(exvivo::sbml::is_petab_problem(yaml));
  const auto options = fit_options((fs::temp_directory_path() / "exvivo_test_petab_fit").string());
  fs::remove_all(options.out_dir);
  const auto report = exvivo::sbml::run_petab_fit(yaml, options);
  REQUIRE(report.ok());

  const auto estimates = exvivo::io::read_csv_file((fs::path(options.out_dir) / "estimates.csv").string());
  std::map<std::string, double> values;
  for (const auto& row : estimates.rows)
    values[row[estimates.column("parameter")]] = std::stod(row[estimates.column("value")]);
  REQUIRE(values.size() == 3);
  CHECK(std::fabs(values["k"] / 0.5 - 1) < 0.01);
  CHECK(std::fabs(values["x0"] / 2 - 1) < 0.01);

  const auto e = exvivo::sbml::evaluate_petab(yaml, values, options.solver, true);
  CHECK(-e.llh == Approx(report.best_nllh).epsilon(1e-8));
  for (const auto& [id, g] : e.gradient) {
    INFO(id << ": d llh / dθ = " << g);
    CHECK(std::fabs(g) < 1e-3);
  }
  double sum = 0;
  for (std::size_t r = 0; r < e.simulation.size(); ++r) {
    const double m = std::stod(e.measurement_rows[r][3]);
    sum += (m - e.simulation[r]) * (m - e.simulation[r]);
  }
  CHECK(values["sigma"] == Approx(std::sqrt(sum / static_cast<double>(e.simulation.size()))).epsilon(1e-4));

  // Nothing profiled: no profiles.csv (not an empty one).
  CHECK_FALSE(fs::exists(fs::path(options.out_dir) / "profiles.csv"));
  // fit_timecourses.csv: the one condition on 101 evenly spaced times from 0
  // to the last measured time (8) and at the measured times, each equal to
  // the solution x0·e^(−k t) at the estimates (relative 1e-6; rel_tol 1e-8).
  const auto tc = exvivo::io::read_csv_file((fs::path(options.out_dir) / "fit_timecourses.csv").string());
  std::set<double> times;
  for (std::size_t r = 0; r < tc.row_count(); ++r) {
    const double t = tc.get_double(r, "time");
    INFO("t = " << t);
    times.insert(t);
    CHECK(tc.get(r, "run") == "0");
    CHECK(tc.get(r, "arm") == "c0");
    CHECK(tc.get(r, "observable") == "obs_x");
    CHECK(tc.get_double(r, "value") == Approx(values["x0"] * std::exp(-values["k"] * t)).epsilon(1e-6));
  }
  std::set<double> expected_times{0, 0.5, 1, 2, 3, 4, 6, 8};
  for (int i = 0; i <= 100; ++i) expected_times.insert(8.0 * i / 100);
  CHECK(times == expected_times);
  CHECK(tc.row_count() == expected_times.size());
}

namespace {

/// The files of a directory (the output directory's own manifest left out).
std::set<std::string> files_in(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename() != "exvivo-output.json") names.insert(e.path().filename().string());
  return names;
}

std::string first_line(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

std::vector<std::string> json_keys(const fs::path& file) {
  std::ifstream in(file);
  const auto j = nlohmann::ordered_json::parse(in);
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  return keys;
}

/// estimates.csv as parameter -> {value, lower95, upper95}.
std::map<std::string, std::array<double, 3>> read_estimates(const fs::path& dir) {
  const auto t = exvivo::io::read_csv_file((dir / "estimates.csv").string());
  std::map<std::string, std::array<double, 3>> out;
  for (const auto& row : t.rows)
    out[row[t.column("parameter")]] = {std::stod(row[t.column("value")]), std::stod(row[t.column("lower95")]),
                                       std::stod(row[t.column("upper95")])};
  return out;
}

}  // namespace

// Review of issue 14: a PEtab fit wrote its own estimates, starts and
// fit.json. It now goes through the fit file's writer: the same files, the
// same columns and the same fit.json keys (after the provenance head), and
// every value in linear space whatever the parameter's scale.
TEST_CASE("PEtab fit writes a fit file's outputs, values in linear space on every scale", "[petab_fit]") {
  exvivo::test::TempDir tmp;
  const fs::path source = fs::path(EXVIVO_SOURCE_DIR);

  exvivo::fit::FitOptions scenario_options;
  scenario_options.out_dir = (tmp.path / "scenario_fit").string();
  scenario_options.threads = 2;
  REQUIRE(exvivo::fit::run_fit((source / "tests" / "fit" / "data" / "decay_fit.yaml").string(), scenario_options).ok());

  // petab_decay with k on lin, x0 on log and sigma on log10.
  const fs::path decay = source / "tests" / "sbml" / "data" / "petab_decay";
  for (const char* f : {"conditions.tsv", "measurements.tsv", "model.xml", "observables.tsv", "problem.yaml"})
    fs::copy_file(decay / f, tmp.path / f);
  tmp.write("parameters.tsv",
            "parameterId\tparameterScale\tlowerBound\tupperBound\tnominalValue\testimate\n"
            "k\tlin\t0.01\t10\t1\t1\n"
            "x0\tlog\t0.1\t100\t1\t1\n"
            "scale\tlin\t0.1\t10\t1\t0\n"
            "sigma\tlog10\t0.001\t10\t0.1\t1\n");
  const std::string yaml = (tmp.path / "problem.yaml").string();
  auto options = fit_options((tmp.path / "petab_fit").string());
  options.profile = {"k"};  // as decay_fit.yaml profiles C0: both write profiles.csv
  const auto report = exvivo::sbml::run_petab_fit(yaml, options);
  REQUIRE(report.ok());

  const fs::path scenario_dir = scenario_options.out_dir, petab_dir = options.out_dir;
  std::set<std::string> expected = files_in(scenario_dir);
  expected.insert("simulations.tsv");
  CHECK(files_in(petab_dir) == expected);
  for (const std::string& f : files_in(scenario_dir)) {
    if (f == "fit.json") continue;
    INFO(f);
    const auto header = [&](const fs::path& dir) {
      std::string line = first_line(dir / f);
      // starts.csv: fixed columns, then one per estimated parameter (its own).
      if (f == "starts.csv") line = line.substr(0, line.find(",wall_ms,") + 8);
      return line;
    };
    CHECK(header(petab_dir) == header(scenario_dir));
  }
  // fit.json: the scenario fit's keys from `measurements` to `estimates`, in order.
  const auto scenario_keys = json_keys(scenario_dir / "fit.json"), petab_keys = json_keys(petab_dir / "fit.json");
  const auto from = [](const std::vector<std::string>& keys) {
    const auto a = std::find(keys.begin(), keys.end(), "measurements");
    const auto b = std::find(keys.begin(), keys.end(), "estimates");
    REQUIRE(b != keys.end());
    return std::vector<std::string>(a, b + 1);
  };
  CHECK(from(petab_keys) == from(scenario_keys));
  CHECK(petab_keys.front() == "fit");

  // The same maximum as on the log10 scales of the first test (k 0.5, x0 2):
  // checked by the likelihood at the written linear values.
  const auto estimates = read_estimates(petab_dir);
  REQUIRE(estimates.size() == 3);
  const auto methods = exvivo::io::read_csv_file((petab_dir / "estimates.csv").string());
  for (std::size_t r = 0; r < methods.row_count(); ++r)
    CHECK(methods.get(r, "method") == (methods.get(r, "parameter") == "k" ? "profile" : "fim"));
  CHECK(std::fabs(estimates.at("k")[0] / 0.5 - 1) < 0.01);
  CHECK(std::fabs(estimates.at("x0")[0] / 2 - 1) < 0.01);
  std::map<std::string, double> values;
  for (const auto& [id, v] : estimates) {
    INFO(id);
    values[id] = v[0];
    CHECK(v[1] < v[0]);
    CHECK(v[0] < v[2]);
  }
  const auto e = exvivo::sbml::evaluate_petab(yaml, values, options.solver, true);
  CHECK(-e.llh == Approx(report.best_nllh).epsilon(1e-8));
  for (const auto& [id, g] : e.gradient) {
    INFO(id << ": d llh / dθ = " << g);
    CHECK(std::fabs(g) < 1e-3);
  }
  // starts.csv's best row and fit.json's estimates hold the same linear values.
  const auto starts = exvivo::io::read_csv_file((petab_dir / "starts.csv").string());
  std::ifstream in(petab_dir / "fit.json");
  const auto fit_json = nlohmann::json::parse(in);
  for (const auto& [id, v] : values) {
    INFO(id);
    CHECK(std::stod(starts.rows.front()[starts.column(id)]) == Approx(v).epsilon(1e-12));
    CHECK(fit_json["estimates"][id].get<double>() == Approx(v).epsilon(1e-12));
  }
  // residuals.csv: one row per measurement, the simulation at the estimate
  // (within the solver's tolerance: `e` integrated with sensitivities, whose
  // step sizes differ), and its nllh column sums to the best nllh.
  const auto residuals = exvivo::io::read_csv_file((petab_dir / "residuals.csv").string());
  REQUIRE(residuals.rows.size() == e.simulation.size());
  double nllh = 0;
  for (std::size_t r = 0; r < e.simulation.size(); ++r) {
    CHECK(std::stod(residuals.rows[r][residuals.column("simulation")]) == Approx(e.simulation[r]).epsilon(1e-6));
    nllh += std::stod(residuals.rows[r][residuals.column("nllh")]);
  }
  CHECK(nllh == Approx(report.best_nllh).epsilon(1e-10));

  // profiles.csv: k's profile. With k fixed, x0 and σ have closed forms
  // (h = x0·e^(−k t) is linear in x0; σ² = RSS/n), so the profile is
  // nllh(k) = n/2·(log(2π·RSS(k)/n) + 1) with x0 = Σ m e / Σ e², e = e^(−k t).
  const auto profile = exvivo::io::read_csv_file((petab_dir / "profiles.csv").string());
  REQUIRE(profile.row_count() >= 5);
  std::vector<double> t, m;
  for (std::size_t r = 0; r < e.measurement_rows.size(); ++r) {
    t.push_back(std::stod(e.measurement_rows[r][2]));
    m.push_back(std::stod(e.measurement_rows[r][3]));
  }
  const auto profile_nllh = [&](double k) {
    double me = 0, ee = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
      me += m[i] * std::exp(-k * t[i]);
      ee += std::exp(-2 * k * t[i]);
    }
    double rss = 0;
    for (std::size_t i = 0; i < t.size(); ++i) rss += std::pow(m[i] - me / ee * std::exp(-k * t[i]), 2);
    const double n = static_cast<double>(t.size());
    return 0.5 * n * (std::log(2 * M_PI * rss / n) + 1);
  };
  double lowest = 1e300, highest = -1e300;
  for (std::size_t r = 0; r < profile.row_count(); ++r) {
    CHECK(profile.get(r, "parameter") == "k");
    const double k = profile.get_double(r, "value"), value = profile.get_double(r, "nllh");
    INFO("k = " << k);
    CHECK(value == Approx(profile_nllh(k)).margin(1e-6));
    lowest = std::min(lowest, value);
    highest = std::max(highest, value);
  }
  CHECK(lowest == Approx(report.best_nllh).margin(1e-6));
  CHECK(highest > report.best_nllh + exvivo::fit::profile_threshold_95);  // the profile reaches past the 95 % level
  // Its interval ends where the profile crosses best + 1.92 (interpolated linearly between
  // points): there the closed form is at that level too, within 0.01.
  for (const double bound : {estimates.at("k")[1], estimates.at("k")[2]})
    CHECK(profile_nllh(bound) == Approx(report.best_nllh + exvivo::fit::profile_threshold_95).margin(0.01));
}

// fit_timecourses.csv of a PEtab fit comes from PetabProblem::timecourses: per
// condition pair, each observable measured in it on the grid and at the
// measured times, the steady state for time = inf, after preequilibration,
// and one curve per distinct observableParameters. Checked on X' = −k·X,
// whose solution is known: condition c0 starts at x0 = 2 (k = 0.5); c1 sets
// k = 0.25 and X = 3 after preequilibration in `pre` (X → 0).
TEST_CASE("PEtab time courses: grid, measured times, steady state, observable parameters", "[petab_fit]") {
  exvivo::test::TempDir tmp;
  fs::copy_file(fs::path(EXVIVO_SOURCE_DIR) / "tests" / "sbml" / "data" / "petab_decay" / "model.xml",
                tmp.path / "model.xml");
  tmp.write("problem.yaml",
            "format_version: 1\nparameter_file: parameters.tsv\nproblems:\n  - condition_files: [conditions.tsv]\n"
            "    measurement_files: [measurements.tsv]\n    observable_files: [observables.tsv]\n"
            "    sbml_files: [model.xml]\n");
  tmp.write("parameters.tsv",
            "parameterId\tparameterScale\tlowerBound\tupperBound\tnominalValue\testimate\n"
            "k\tlog10\t0.01\t10\t0.5\t1\n"
            "x0\tlog10\t0.1\t100\t2\t1\n"
            "scale\tlin\t0.1\t10\t1\t0\n");
  tmp.write("conditions.tsv",
            "conditionId\tk\tX\n"
            "c0\tNaN\tNaN\n"
            "pre\tNaN\tNaN\n"
            "c1\t0.25\t3\n");
  tmp.write("observables.tsv",
            "observableId\tobservableFormula\tnoiseFormula\n"
            "obs_x\tscale * X\t0.1\n"
            "obs_y\tobservableParameter1_obs_y * X\t0.1\n");
  tmp.write("measurements.tsv",
            "observableId\tpreequilibrationConditionId\tsimulationConditionId\ttime\tmeasurement\t"
            "observableParameters\n"
            "obs_x\t\tc0\t0\t2\t\n"
            "obs_x\t\tc0\t1\t1.2\t\n"
            "obs_x\t\tc0\t4\t0.3\t\n"
            "obs_y\tpre\tc1\t2\t3.6\t2\n"
            "obs_y\tpre\tc1\t3\t14\t10\n"
            "obs_y\tpre\tc1\t5\t1.7\t2\n"
            "obs_y\tpre\tc1\tinf\t0.01\t2\n");
  exvivo::solve::SolverOptions solver;
  solver.rel_tol = 1e-10;
  solver.abs_tol = {1e-12};
  const exvivo::sbml::PetabProblem problem((tmp.path / "problem.yaml").string(), solver);
  const auto curves = problem.timecourses({{"x0", 2.5}}, 4);
  REQUIRE(curves.size() == 3);
  const double inf = std::numeric_limits<double>::infinity();
  struct Expected {
    std::size_t pair;
    const char* preequilibration;
    const char* simulation;
    const char* observable;
    std::size_t variant;
    std::vector<double> times;
    double x0, k, factor;
  };
  // Grid of 4 points: 0, 4/3, 8/3, 4 for c0 (last measured time 4); 0, 5/3, 10/3, 5 for c1.
  const std::vector<Expected> expected{
      {0, "", "c0", "obs_x", 0, {0, 1, 4.0 / 3, 8.0 / 3, 4}, 2.5, 0.5, 1},
      {1, "pre", "c1", "obs_y", 0, {0, 5.0 / 3, 2, 3, 10.0 / 3, 5, inf}, 3, 0.25, 2},
      {1, "pre", "c1", "obs_y", 1, {0, 5.0 / 3, 2, 3, 10.0 / 3, 5, inf}, 3, 0.25, 10},
  };
  for (std::size_t c = 0; c < curves.size(); ++c) {
    const auto& got = curves[c];
    const Expected& want = expected[c];
    INFO("curve " << c);
    CHECK(got.pair == want.pair);
    CHECK(got.preequilibration == want.preequilibration);
    CHECK(got.simulation == want.simulation);
    CHECK(got.observable == want.observable);
    CHECK(got.variant == want.variant);
    CHECK(got.error.empty());
    REQUIRE(got.times.size() == want.times.size());
    REQUIRE(got.values.size() == want.times.size());
    for (std::size_t i = 0; i < want.times.size(); ++i) {
      INFO("t = " << want.times[i]);
      CHECK(got.times[i] == Approx(want.times[i]).epsilon(1e-15));
      const double exact = want.factor * want.x0 * std::exp(-want.k * want.times[i]);
      CHECK(got.values[i] == Approx(exact).epsilon(1e-7).margin(1e-9));
    }
  }
}

TEST_CASE("PEtab problems evaluate through native code, to the interpreter's last bit", "[petab_fit]") {
  const std::string problem =
      (fs::path(EXVIVO_SOURCE_DIR) / "tests" / "sbml" / "data" / "petab_decay" / "problem.yaml").string();
  exvivo::solve::SolverOptions options;
  options.rel_tol = 1e-8;
  options.abs_tol = {1e-12};
  const exvivo::sbml::PetabProblem native(problem, options);
  options.evaluator = "interpreter";
  const exvivo::sbml::PetabProblem interpreted(problem, options);
  REQUIRE(native.native_unavailable().empty());
  CHECK(native.evaluator() == "native");
  CHECK(interpreted.evaluator() == "interpreter");
  const std::map<std::string, double> at{{"k", 0.4}, {"x0", 2.2}};
  const auto a = native.evaluate(at, true);
  const auto b = interpreted.evaluate(at, true);
  CHECK(a.llh == b.llh);
  CHECK(a.chi2 == b.chi2);
  CHECK(a.simulation == b.simulation);
  REQUIRE(a.gradient.size() == b.gradient.size());
  for (const auto& [id, g] : b.gradient) {
    INFO(id);
    CHECK(a.gradient.at(id) == g);
    CHECK(g != 0);
  }
}
