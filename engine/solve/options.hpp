#pragma once
// Solver options (DESIGN.md §7). YAML key = C++ field = CLI flag.
#include <cstddef>
#include <string>
#include <vector>

namespace exvivo::solve {

struct SolverOptions {
  /// "auto" (stiff detection / rule), "rk45" (Dormand–Prince 5(4)), "rosenbrock"
  /// (stiff, analytic Jacobian) or any other method solve() documents.
  std::string method = "auto";
  double rel_tol = 1e-6;
  std::vector<double> abs_tol = {1e-9};  ///< one value, or one per species
  long max_steps = 100000;               ///< accepted + rejected steps per run
  double timeout = 10;                   ///< wall-clock seconds per run; <= 0: none
  double initial_step = 0;               ///< 0: chosen automatically
  double max_step = 0;                   ///< 0: unlimited
  /// How model equations are evaluated: "native" (compiled C, see
  /// model/native_code.hpp; falls back to the interpreter with a warning when
  /// no C compiler works) or "interpreter" (the reference implementation).
  std::string evaluator = "native";

  /// Throws OptionError naming the bad field. n_species checks abs_tol's length.
  void validate(std::size_t n_species) const;
};

/// The method names SolverOptions::method accepts (defined in options.cpp: the
/// one list to extend when solve() gains a method).
const std::vector<std::string>& known_methods();
/// The names SolverOptions::evaluator accepts.
const std::vector<std::string>& known_evaluators();

}  // namespace exvivo::solve
