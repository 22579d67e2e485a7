#pragma once
// Solves an exvivo OdeSystem with SUNDIALS CVODE: BDF, Newton iteration with
// the dense direct linear solver (SUNLinSol_Dense) and the system's analytic
// Jacobian — CVODE's standard configuration for small stiff systems.
#include <Eigen/Dense>

#include "solve/ode_system.hpp"

namespace exvivo::bench {

struct CvodeResult {
  bool ok = false;
  Eigen::VectorXd x;  ///< state at t_end
  long steps = 0, rhs_evals = 0, jacobian_evals = 0, lu_decompositions = 0;
};

/// Integrates from (0, x0) to t_end with scalar tolerances. Creates and frees
/// all CVODE memory per call, as exvivo's integrate() does.
CvodeResult cvode_solve(solve::OdeSystem& system, const Eigen::VectorXd& x0, double t_end,
                        double rel_tol, double abs_tol);

}  // namespace exvivo::bench
