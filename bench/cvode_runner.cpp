#include "cvode_runner.hpp"

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

CvodeResult cvode_solve(solve::OdeSystem& system, const Eigen::VectorXd& x0, double t_end,
                        double rel_tol, double abs_tol) {
  CvodeResult result;
  const auto n = static_cast<sunindextype>(system.size());
  SUNContext context = nullptr;
  SUNContext_Create(nullptr, &context);
  N_Vector y = N_VNew_Serial(n, context);
  for (sunindextype i = 0; i < n; ++i) NV_Ith_S(y, i) = x0[i];
  void* memory = CVodeCreate(CV_BDF, context);
  SUNMatrix matrix = SUNDenseMatrix(n, n, context);
  SUNLinearSolver linear_solver = SUNLinSol_Dense(y, matrix, context);
  CVodeInit(memory, rhs, 0.0, y);
  CVodeSStolerances(memory, rel_tol, abs_tol);
  CVodeSetUserData(memory, &system);
  CVodeSetLinearSolver(memory, linear_solver, matrix);
  CVodeSetJacFn(memory, jacobian);
  CVodeSetMaxNumSteps(memory, 10000000);
  realtype t = 0;
  const int flag = CVode(memory, t_end, y, &t, CV_NORMAL);
  result.ok = flag >= 0;
  result.x.resize(static_cast<Eigen::Index>(n));
  for (sunindextype i = 0; i < n; ++i) result.x[i] = NV_Ith_S(y, i);
  long value = 0;
  CVodeGetNumSteps(memory, &value);
  result.steps = value;
  CVodeGetNumRhsEvals(memory, &value);
  result.rhs_evals = value;
  CVodeGetNumJacEvals(memory, &value);
  result.jacobian_evals = value;
  CVodeGetNumLinSolvSetups(memory, &value);
  result.lu_decompositions = value;
  CVodeFree(&memory);
  SUNLinSolFree(linear_solver);
  SUNMatDestroy(matrix);
  N_VDestroy(y);
  SUNContext_Free(&context);
  return result;
}

}  // namespace exvivo::bench
