#include "cvode_runner.hpp"

#include <stdexcept>

#include <cvode/cvode.h>
#include <nvector/nvector_serial.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

namespace exvivo::bench {
namespace {

int rhs(realtype t, N_Vector y, N_Vector ydot, void* user_data) {
  static_cast<solve::OdeSystem*>(user_data)->rhs(t, N_VGetArrayPointer(y),
                                                 N_VGetArrayPointer(ydot));
  return 0;
}

int jacobian(realtype t, N_Vector y, N_Vector, SUNMatrix J, void* user_data, N_Vector,
             N_Vector, N_Vector) {
  // SUNDenseMatrix stores column-major with leading dimension n, as OdeSystem does.
  static_cast<solve::OdeSystem*>(user_data)->jacobian(t, N_VGetArrayPointer(y), SM_DATA_D(J));
  return 0;
}

}  // namespace

CvodeSolver::CvodeSolver(solve::OdeSystem& system) : system_(system) {
  const auto n = static_cast<sunindextype>(system.size());
  SUNContext context = nullptr;
  if (SUNContext_Create(nullptr, &context) != 0) throw std::runtime_error("SUNContext_Create failed");
  context_ = context;
  N_Vector y = N_VNew_Serial(n, context);
  N_VConst(0.0, y);
  y_ = y;
  memory_ = CVodeCreate(CV_BDF, context);
  SUNMatrix matrix = SUNDenseMatrix(n, n, context);
  matrix_ = matrix;
  SUNLinearSolver linear_solver = SUNLinSol_Dense(y, matrix, context);
  linear_solver_ = linear_solver;
  CVodeInit(memory_, rhs, 0.0, y);
  CVodeSetUserData(memory_, &system_);
  CVodeSetLinearSolver(memory_, linear_solver, matrix);
  CVodeSetJacFn(memory_, jacobian);
  CVodeSetMaxNumSteps(memory_, 10000000);
}

CvodeSolver::~CvodeSolver() {
  CVodeFree(&memory_);
  SUNLinSolFree(static_cast<SUNLinearSolver>(linear_solver_));
  SUNMatDestroy(static_cast<SUNMatrix>(matrix_));
  N_VDestroy(static_cast<N_Vector>(y_));
  auto context = static_cast<SUNContext>(context_);
  SUNContext_Free(&context);
}

CvodeResult CvodeSolver::solve(const Eigen::VectorXd& x0, double t_end, double rel_tol,
                               double abs_tol) {
  auto y = static_cast<N_Vector>(y_);
  const auto n = static_cast<sunindextype>(system_.size());
  for (sunindextype i = 0; i < n; ++i) NV_Ith_S(y, i) = x0[i];
  CVodeReInit(memory_, 0.0, y);
  CVodeSStolerances(memory_, rel_tol, abs_tol);
  realtype t = 0;
  CvodeResult result;
  result.ok = CVode(memory_, t_end, y, &t, CV_NORMAL) >= 0;
  result.x.resize(static_cast<Eigen::Index>(n));
  for (sunindextype i = 0; i < n; ++i) result.x[i] = NV_Ith_S(y, i);
  long value = 0;
  CVodeGetNumSteps(memory_, &value);
  result.steps = value;
  CVodeGetNumRhsEvals(memory_, &value);
  result.rhs_evals = value;
  CVodeGetNumJacEvals(memory_, &value);
  result.jacobian_evals = value;
  CVodeGetNumLinSolvSetups(memory_, &value);
  result.lu_decompositions = value;
  return result;
}

}  // namespace exvivo::bench
