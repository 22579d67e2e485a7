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

TEST_CASE("OREGO at t = 360 matches the test-set reference to 7 digits", "[solve][reference]") {
  SECTION("rodas4") { check_reference<Orego>("rodas4", 1e-11, 1e-11); }
  SECTION("auto") { check_reference<Orego>("auto", 1e-11, 1e-11); }
}

namespace {

/// `auto` on a stiff problem at tight tolerances: it must succeed, agree with
/// the reference where the reference exceeds the noise floor (1e3·abs_tol),
/// and not take more than 3× the step attempts of rodas4 alone (a stiffness
/// switch that comes late, or never, shows up as hundreds of thousands of
/// Dormand–Prince steps).
template <class Problem>
void check_auto_switches(double rel_tol, double abs_tol) {
  Problem problem;
  const auto run = [&](const std::string& method) {
    auto options = tolerances(method, rel_tol, abs_tol);
    options.max_steps = 2'000'000;
    options.timeout = 0;
    return solve::integrate(problem, to_vector(Problem::x0), 0, {}, sample_times({Problem::t_reference}), options);
  };
  const auto automatic = run("auto");
  const auto rodas4 = run("rodas4");
  INFO(automatic.message);
  REQUIRE(automatic.ok());
  REQUIRE(rodas4.ok());
  const long attempts_auto = automatic.stats.steps + automatic.stats.rejected_steps;
  const long attempts_rodas4 = rodas4.stats.steps + rodas4.stats.rejected_steps;
  INFO("auto (" << automatic.stats.method << "): " << attempts_auto << " attempts; rodas4: " << attempts_rodas4);
  CHECK(attempts_auto <= 3 * attempts_rodas4);
  for (std::size_t i = 0; i < Problem::reference.size(); ++i) {
    if (!(std::abs(Problem::reference[i]) > 1e3 * abs_tol)) continue;
    const double value = automatic.states(0, static_cast<Eigen::Index>(i));
    INFO("component " << i << ": " << value << " vs " << Problem::reference[i]);
    CHECK(significant_digits(value, Problem::reference[i]) >= 6.0);
  }
}

}  // namespace

TEST_CASE("auto switches to the stiff method on every stiff test-set problem at tight tolerances",
          "[solve][reference][auto]") {
  SECTION("HIRES") { check_auto_switches<Hires>(1e-11, 1e-16); }
  SECTION("ROBER") { check_auto_switches<Rober>(1e-11, 1e-16); }
  SECTION("VDPOL") { check_auto_switches<VanDerPol>(1e-11, 1e-16); }
  SECTION("OREGO") { check_auto_switches<Orego>(1e-11, 1e-16); }
  SECTION("E5") { check_auto_switches<E5>(1e-11, 1.11e-24); }
}
