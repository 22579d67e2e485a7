// Published reference solutions of the Bari "Test Set for IVP Solvers"
// (Mazzia, Magherini et al.; Hairer & Wanner II §IV.10), see
// reference_problems.hpp. Tight tolerances must reproduce ≥ 7 significant
// digits of every component.
#include <catch2/catch.hpp>

#include "solve/integrate.hpp"
#include "solve/reference_problems.hpp"
#include "solve/solve_test_helpers.hpp"

using namespace exvivo;
using namespace exvivo::testing;

namespace {

template <class Problem>
void check_reference(const std::string& method, double rel_tol, double abs_tol) {
  Problem problem;
  const auto result = solve::integrate(problem, to_vector(Problem::x0), 0, {},
                                       sample_times({Problem::t_reference}),
                                       tolerances(method, rel_tol, abs_tol));
  INFO(result.message);
  REQUIRE(result.ok());
  INFO("steps " << result.stats.steps << " rejected " << result.stats.rejected_steps);
  for (std::size_t i = 0; i < Problem::reference.size(); ++i) {
    const double value = result.states(0, static_cast<Eigen::Index>(i));
    INFO("component " << i << ": " << value << " vs " << Problem::reference[i]);
    CHECK(significant_digits(value, Problem::reference[i]) >= 7.0);
  }
}

}  // namespace

TEST_CASE("HIRES at t = 321.8122 matches the test-set reference to 7 digits", "[solve][reference]") {
  SECTION("rodas4") { check_reference<Hires>("rodas4", 1e-11, 1e-14); }
  SECTION("auto") { check_reference<Hires>("auto", 1e-11, 1e-14); }
  SECTION("rk45") { check_reference<Hires>("rk45", 1e-11, 1e-14); }
}

TEST_CASE("ROBER at t = 1e11 matches the test-set reference to 7 digits", "[solve][reference]") {
  SECTION("rodas4") { check_reference<Rober>("rodas4", 1e-10, 1e-20); }
  SECTION("auto") { check_reference<Rober>("auto", 1e-10, 1e-20); }
}

TEST_CASE("Van der Pol with eps = 1e-6 at t = 2 matches the test-set reference to 7 digits",
          "[solve][reference]") {
  SECTION("rodas4") { check_reference<VanDerPol>("rodas4", 1e-11, 1e-11); }
}
