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

#include <cmath>
#include <filesystem>

#include "io/csv_reader.hpp"
#include "sbml/petab.hpp"
#include "sbml/petab_fit.hpp"

namespace fs = std::filesystem;

TEST_CASE("PEtab fit reaches the maximum-likelihood estimate", "[petab_fit]") {
  const std::string yaml = fs::path(EXVIVO_SOURCE_DIR) / "tests" / "sbml" / "data" / "petab_decay" / "problem.yaml";
  REQUIRE(exvivo::sbml::is_petab_problem(yaml));
  exvivo::sbml::PetabFitOptions options;
  options.out_dir = (fs::temp_directory_path() / "exvivo_test_petab_fit").string();
  fs::remove_all(options.out_dir);
  options.starts = 4;
  options.threads = 2;
  options.solver.rel_tol = 1e-8;
  options.solver.abs_tol = {1e-12};
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
