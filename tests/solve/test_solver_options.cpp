// SolverOptions::validate: every field is rejected with the check_* message
// shape (core/check.hpp) naming it.
#include <catch2/catch.hpp>

#include <limits>
#include <string>

#include "core/error.hpp"
#include "solve/options.hpp"

using exvivo::solve::SolverOptions;

namespace {

std::string validation_error(const SolverOptions& options, std::size_t n_species = 3) {
  try {
    options.validate(n_species);
  } catch (const exvivo::OptionError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("default and per-species solver options are valid", "[solve][options]") {
  CHECK(validation_error(SolverOptions{}) == "no error");
  SolverOptions per_species;
  per_species.abs_tol = {1e-9, 0, 1e-3};
  per_species.method = "rosenbrock";
  per_species.timeout = 0;
  per_species.initial_step = 1e-4;
  per_species.max_step = 0.5;
  CHECK(validation_error(per_species) == "no error");
  for (const auto& method : exvivo::solve::known_methods()) {
    SolverOptions o;
    o.method = method;
    CHECK(validation_error(o) == "no error");
  }
}

TEST_CASE("invalid solver options name the field and the value", "[solve][options]") {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  constexpr double kInf = std::numeric_limits<double>::infinity();
  SolverOptions o;

  // The method list grows with solve(); the message lists all of them.
  const auto& methods = exvivo::solve::known_methods();
  std::string listed;
  for (std::size_t i = 0; i < methods.size(); ++i)
    listed += (i == 0 ? "" : i + 1 == methods.size() ? " or " : ", ") + methods[i];
  o = {};
  o.method = "rk54";
  CHECK(validation_error(o) ==
        "solver.method: must be one of " + listed + ", got 'rk54' (did you mean 'rk45'?)");
  o = {};
  o.rel_tol = -1;
  CHECK(validation_error(o) == "solver.rel_tol: must be in (0, 1), got -1");
  o.rel_tol = 1;
  CHECK(validation_error(o) == "solver.rel_tol: must be in (0, 1), got 1");
  o.rel_tol = kNaN;
  CHECK(validation_error(o) == "solver.rel_tol: must be in (0, 1), got nan");
  o = {};
  o.abs_tol = {1e-9, 1e-9};
  CHECK(validation_error(o) == "solver.abs_tol: must have 1 or 3 entries, got 2");
  o.abs_tol = {};
  CHECK(validation_error(o) == "solver.abs_tol: must have 1 or 3 entries, got 0");
  CHECK(validation_error(o, 1) == "solver.abs_tol: must have 1 entry, got 0");
  o.abs_tol = {1e-9, -1e-9, 1e-9};
  CHECK(validation_error(o) == "solver.abs_tol[1]: must be non-negative, got -1e-09");
  o.abs_tol = {kInf};
  CHECK(validation_error(o) == "solver.abs_tol[0]: must be finite, got inf");
  o = {};
  o.max_steps = 0;
  CHECK(validation_error(o) == "solver.max_steps: must be positive, got 0");
  o = {};
  o.timeout = kNaN;
  CHECK(validation_error(o) == "solver.timeout: must be finite, got nan");
  o = {};
  o.initial_step = -1;
  CHECK(validation_error(o) == "solver.initial_step: must be non-negative, got -1");
  o = {};
  o.max_step = kInf;
  CHECK(validation_error(o) == "solver.max_step: must be finite, got inf");
  o = {};
  o.initial_step = 1;
  o.max_step = 0.5;
  CHECK(validation_error(o) == "solver.initial_step: must be <= solver.max_step (0.5), got 1");
}
