// The PEtab v1 test suite (../shared/external/petab-test-suite relative to
// the project root; skipped with a message when absent): llh, chi2 and
// simulations of every case within its solution file's tolerances.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>

#include "io/csv_reader.hpp"
#include "io/yaml_tree.hpp"
#include "sbml/petab.hpp"

namespace fs = std::filesystem;

TEST_CASE("PEtab test suite v1: llh, chi2 and simulations", "[petab_suite]") {
  const fs::path suite = fs::path(EXVIVO_SOURCE_DIR) / ".." / "shared" / "external" / "petab-test-suite" / "v1.0.0" / "sbml";
  if (!fs::exists(suite)) {
    WARN("PEtab test suite not found at " << suite.string() << ": skipped");
    return;
  }
  exvivo::solve::SolverOptions options;
  options.rel_tol = 1e-10;
  options.abs_tol = {1e-12};
  int cases = 0, passed = 0;
  for (int n = 1; n <= 20; ++n) {
    char id[8];
    std::snprintf(id, sizeof id, "%04d", n);
    const fs::path dir = suite / id;
    INFO("case " << id);
    const auto solution = exvivo::io::read_yaml_file((dir / (std::string("_") + id + "_solution.yaml")).string(),
                                                     exvivo::io::InputKind::data);
    const auto result = exvivo::sbml::evaluate_petab((dir / (std::string("_") + id + ".yaml")).string(), {}, options);
    const bool llh_ok = std::fabs(result.llh - solution.at("llh").number()) <= solution.at("tol_llh").number();
    const bool chi2_ok = std::fabs(result.chi2 - solution.at("chi2").number()) <= solution.at("tol_chi2").number();
    const auto expected = exvivo::io::read_csv_file(dir / solution.at("simulation_files").items.at(0).scalar());
    bool simulations_ok = expected.row_count() == result.simulation.size();
    for (std::size_t r = 0; simulations_ok && r < expected.row_count(); ++r) {
      const double want = std::stod(expected.rows[r][expected.column("simulation")]);
      simulations_ok = std::fabs(result.simulation[r] - want) <= solution.at("tol_simulations").number();
    }
    CHECK(llh_ok);
    CHECK(chi2_ok);
    CHECK(simulations_ok);
    ++cases;
    if (llh_ok && chi2_ok && simulations_ok) ++passed;
  }
  std::printf("PEtab test suite v1: %d / %d cases pass (llh, chi2, simulations)\n", passed, cases);
}
