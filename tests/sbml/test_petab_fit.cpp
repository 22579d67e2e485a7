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
#include <set>

#include <nlohmann/json.hpp>

#include "fit/run_fit.hpp"
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
  const auto options = fit_options((tmp.path / "petab_fit").string());
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
}
