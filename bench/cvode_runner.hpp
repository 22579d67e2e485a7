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

/// CVODE memory for one system, created once and re-initialised per solve
/// (CVodeReInit): the cheapest way to run many solves of one model with CVODE,
/// so the comparison does not charge CVODE for its set-up.
class CvodeSolver {
 public:
  explicit CvodeSolver(solve::OdeSystem& system);
  ~CvodeSolver();
  CvodeSolver(const CvodeSolver&) = delete;
  CvodeSolver& operator=(const CvodeSolver&) = delete;

  /// Integrates from (0, x0) to t_end with scalar tolerances.
  CvodeResult solve(const Eigen::VectorXd& x0, double t_end, double rel_tol, double abs_tol);

 private:
  solve::OdeSystem& system_;
  void* context_ = nullptr;  // SUNContext
  void* memory_ = nullptr;
  void* y_ = nullptr;        // N_Vector
  void* matrix_ = nullptr;   // SUNMatrix
  void* linear_solver_ = nullptr;
};

}  // namespace exvivo::bench
