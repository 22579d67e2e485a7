#include <catch2/catch.hpp>

#include <limits>
#include <string>

#include "core/check.hpp"
#include "core/error.hpp"
#include "core/error_message.hpp"

using exvivo::OptionError;
using exvivo::ScenarioError;
using exvivo::SourceLocation;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// The message of the OptionError thrown by `check`, or "no error".
template <class F>
std::string option_error(F check) {
  return exvivo::test::message_of<OptionError>(check);
}

}  // namespace

TEST_CASE("check_finite", "[core][check]") {
  using exvivo::check_finite;
  CHECK(option_error([] { check_finite<OptionError>("x", 1.5); }) == "no error");
  CHECK(option_error([] { check_finite<OptionError>("x", 3L); }) == "no error");
  CHECK(option_error([] { check_finite<OptionError>("solver.timeout", kNaN); }) ==
        "solver.timeout: must be finite, got nan");
  CHECK(option_error([] { check_finite<OptionError>("solver.timeout", -kInf); }) ==
        "solver.timeout: must be finite, got -inf");
}

TEST_CASE("check_positive and check_nonnegative", "[core][check]") {
  using exvivo::check_nonnegative;
  using exvivo::check_positive;
  CHECK(option_error([] { check_positive<OptionError>("x", 1e-300); }) == "no error");
  CHECK(option_error([] { check_positive<OptionError>("x", kInf); }) == "no error");
  CHECK(option_error([] { check_positive<OptionError>("solver.rel_tol", -1.0); }) ==
        "solver.rel_tol: must be positive, got -1");
  CHECK(option_error([] { check_positive<OptionError>("solver.rel_tol", 0.0); }) ==
        "solver.rel_tol: must be positive, got 0");
  CHECK(option_error([] { check_positive<OptionError>("solver.rel_tol", kNaN); }) ==
        "solver.rel_tol: must be positive, got nan");
  CHECK(option_error([] { check_positive<OptionError>("solver.max_steps", 0L); }) ==
        "solver.max_steps: must be positive, got 0");
  CHECK(option_error([] { check_nonnegative<OptionError>("x", 0.0); }) == "no error");
  CHECK(option_error([] { check_nonnegative<OptionError>("x", -1e-9); }) ==
        "x: must be non-negative, got -1e-09");
  CHECK(option_error([] { exvivo::check_positive_finite<OptionError>("x", kInf); }) ==
        "x: must be finite, got inf");
  CHECK(option_error([] { exvivo::check_nonnegative_finite<OptionError>("x", -2.0); }) ==
        "x: must be non-negative, got -2");
}

TEST_CASE("range checks show the interval", "[core][check]") {
  using exvivo::check_in_open_range;
  using exvivo::check_in_range;
  CHECK(option_error([] { check_in_range<OptionError>("r", 1.0, -1.0, 1.0); }) == "no error");
  CHECK(option_error([] { check_in_range<OptionError>("r", 1.5, -1.0, 1.0); }) ==
        "r: must be in [-1, 1], got 1.5");
  CHECK(option_error([] { check_in_open_range<OptionError>("solver.rel_tol", 1.0, 0.0, 1.0); }) ==
        "solver.rel_tol: must be in (0, 1), got 1");
  CHECK(option_error([] { check_in_open_range<OptionError>("t", kNaN, 0.0, 1.0); }) ==
        "t: must be in (0, 1), got nan");
  CHECK(option_error([] { check_in_range<OptionError>("threads", 0, 1, 64); }) ==
        "threads: must be in [1, 64], got 0");
  // Integer bounds with a double value: the bounds take the value's type.
  CHECK(option_error([] { check_in_range<OptionError>("r", -1.25, -1, 1); }) ==
        "r: must be in [-1, 1], got -1.25");
  CHECK(option_error([] {
          exvivo::check_less_or_equal<OptionError>("solver.initial_step", 1.0, 0.5, "solver.max_step");
        }) == "solver.initial_step: must be <= solver.max_step (0.5), got 1");
  CHECK(option_error([] { exvivo::check_less_or_equal<OptionError>("n", 3, 2); }) ==
        "n: must be <= 2, got 3");
}

TEST_CASE("size and membership checks", "[core][check]") {
  CHECK(option_error([] { exvivo::check_size<OptionError>("bounds", 3, 2); }) ==
        "bounds: must have 2 entries, got 3");
  CHECK(option_error([] { exvivo::check_size<OptionError>("x", 2, 1); }) ==
        "x: must have 1 entry, got 2");
  CHECK(option_error([] { exvivo::check_size_one_of<OptionError>("abs_tol", 2, {1, 3}); }) ==
        "abs_tol: must have 1 or 3 entries, got 2");
  CHECK(option_error([] { exvivo::check_size_one_of<OptionError>("abs_tol", 2, {1, 1}); }) ==
        "abs_tol: must have 1 entry, got 2");
  CHECK(option_error([] { exvivo::check_size_one_of<OptionError>("abs_tol", 3, {1, 3}); }) ==
        "no error");
  CHECK(option_error([] { exvivo::check_nonempty<OptionError>("arms", 0); }) ==
        "arms: must not be empty");
  const std::vector<std::string> methods{"auto", "rk45", "rosenbrock"};
  CHECK(option_error([&] { exvivo::check_one_of<OptionError>("solver.method", "rk45", methods); }) ==
        "no error");
  CHECK(option_error([&] { exvivo::check_one_of<OptionError>("solver.method", "rk54", methods); }) ==
        "solver.method: must be one of auto, rk45 or rosenbrock, got 'rk54' (did you mean 'rk45'?)");
  CHECK(option_error([&] { exvivo::check_one_of<OptionError>("solver.method", "euler", methods); }) ==
        "solver.method: must be one of auto, rk45 or rosenbrock, got 'euler'");
}

TEST_CASE("checks throw the requested Error subclass at the given location", "[core][check]") {
  try {
    exvivo::check_positive<ScenarioError>("cohort.n", -3, SourceLocation{"s.yaml", 12, 6});
    FAIL("no exception");
  } catch (const ScenarioError& e) {
    CHECK(std::string(e.what()) == "s.yaml:12:6: cohort.n: must be positive, got -3");
  }
}
