#include "solve/options.hpp"

#include <string>

#include "core/check.hpp"
#include "core/error.hpp"

namespace exvivo::solve {

// The one list of method names accepted by SolverOptions::method; extend it
// when solve() gains a method.
const std::vector<std::string>& known_methods() {
  static const std::vector<std::string> methods{"auto", "rk45", "rosenbrock", "rodas4"};
  return methods;
}

const std::vector<std::string>& known_evaluators() {
  static const std::vector<std::string> evaluators{"native", "interpreter"};
  return evaluators;
}

void SolverOptions::validate(std::size_t n_species) const {
  check_one_of<OptionError>("solver.method", method, known_methods());
  check_one_of<OptionError>("solver.evaluator", evaluator, known_evaluators());
  check_in_open_range<OptionError>("solver.rel_tol", rel_tol, 0.0, 1.0);
  check_size_one_of<OptionError>("solver.abs_tol", abs_tol.size(), {1, n_species});
  for (std::size_t i = 0; i < abs_tol.size(); ++i)
    check_nonnegative_finite<OptionError>("solver.abs_tol[" + std::to_string(i) + "]", abs_tol[i]);
  check_positive<OptionError>("solver.max_steps", max_steps);
  check_finite<OptionError>("solver.timeout", timeout);
  check_nonnegative_finite<OptionError>("solver.initial_step", initial_step);
  check_nonnegative_finite<OptionError>("solver.max_step", max_step);
  if (max_step > 0)
    check_less_or_equal<OptionError>("solver.initial_step", initial_step, max_step, "solver.max_step");
}

}  // namespace exvivo::solve
