#pragma once
// Solves an exvivo OdeSystem with Boost.Odeint's own stiff stepper,
// rosenbrock4 (the same Rodas4 coefficients, uBLAS matrices and LU) with its
// controller (max-norm error control) — the alternative to the engine's Eigen
// Rodas4 that the design asked to measure.
#include <Eigen/Dense>

#include "solve/ode_system.hpp"

namespace exvivo::bench {

struct OdeintResult {
  Eigen::VectorXd x;
  long steps = 0;  ///< accepted + rejected steps of the controlled stepper
};

OdeintResult odeint_rosenbrock4_solve(solve::OdeSystem& system, const Eigen::VectorXd& x0,
                                      double t_end, double rel_tol, double abs_tol);

}  // namespace exvivo::bench
