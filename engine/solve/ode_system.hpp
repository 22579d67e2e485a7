#pragma once
// OdeSystem: the right-hand side dx/dt = f(t, x) that every stepper works on,
// independent of the model layer (tests and benchmarks hand-code it; real runs
// wrap a CompiledModel in a ModelOdeSystem, see model_ode_system.hpp).
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace exvivo::solve {

class OdeSystem {
 public:
  virtual ~OdeSystem() = default;

  /// Number of state variables n.
  virtual std::size_t size() const = 0;

  /// dxdt = f(t, x); x and dxdt have length size(). Must not allocate on the
  /// hot path and must not throw for finite input (return NaN/inf instead:
  /// the integrator turns that into Status::non_finite).
  virtual void rhs(double t, const double* x, double* dxdt) = 0;

  /// f as a plain C function, when the system has one (a compiled model's
  /// native code; else `function` is nullptr): function(context, x, dxdt)
  /// computes rhs(t, x, dxdt) once context[0] = t; x and dxdt must not
  /// overlap. The steppers call it on their innermost path instead of the
  /// virtual rhs() and the layers behind it (bench/README.md). Valid as
  /// long as the system. switches_function(): the same for switches().
  struct PlainFunction {
    void (*function)(const double* context, const double* x, double* out) = nullptr;
    double* context = nullptr;
  };
  virtual PlainFunction rhs_function() { return {}; }
  virtual PlainFunction switches_function() { return {}; }

  /// J = ∂f/∂x at (t, x), dense column-major n×n (J[i + n*j] = ∂f_i/∂x_j).
  /// The default uses forward differences of rhs() (n extra evaluations);
  /// override it when an analytic Jacobian is known.
  virtual void jacobian(double t, const double* x, double* J);

  /// The entries (row, col) of ∂f/∂x that can be non-zero, when known (a
  /// compiled model's); nullptr: treat J as dense. Stiff steppers then factor
  /// their Newton matrices with a sparse LU (solve/sparse_lu.hpp).
  virtual const std::vector<std::pair<int, int>>* jacobian_pattern() const { return nullptr; }
  /// ∂f/∂x at the entries of jacobian_pattern(), in its order. Called only
  /// when jacobian_pattern() is not nullptr.
  virtual void jacobian_nonzeros(double t, const double* x, double* values);

  /// True when jacobian() is exact (not the finite-difference default).
  virtual bool has_analytic_jacobian() const { return false; }

  /// True when f does not depend on t explicitly. Rosenbrock methods then skip
  /// the ∂f/∂t term (one rhs evaluation per step fewer).
  virtual bool autonomous() const { return false; }

  /// True when every state is a concentration or amount that cannot be
  /// negative: the integrator then rejects steps that end below −abs_tol and
  /// clips the remaining tiny negatives to 0 (see integrate.hpp).
  virtual bool nonnegative() const { return false; }

  /// Switch functions g_k(t, x): f is smooth as long as no test g_k < 0
  /// changes value (a compiled model's comparisons, min and max of t and the
  /// state). The integrator checks the tests at the end of every trial step
  /// and restarts where one changes (see integrate.hpp).
  virtual std::size_t num_switches() const { return 0; }
  /// g(t, x) into g (length num_switches()); x as for rhs().
  virtual void switches(double t, const double* x, double* g);

  /// Name used in failure messages: "species IL10"; the default is "x[3]".
  virtual std::string state_name(std::size_t i) const;

  /// Time unit for failure messages ("h"); empty for unit-less systems.
  virtual std::string time_unit() const { return {}; }
};

}  // namespace exvivo::solve
