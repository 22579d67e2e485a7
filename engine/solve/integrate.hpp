#pragma once
// integrate(): the model-independent core of solve(). Integrates an OdeSystem
// from t0 to the last sample time through a schedule of events, and returns
// the state at every sample time.
//
// Methods (SolverOptions::method):
//   "rk45"        Dormand–Prince 5(4) (Boost.Odeint's runge_kutta_dopri5 arithmetic), PI
//                 step-size control, 4th-order dense output. Non-stiff problems.
//   "rosenbrock"  = "rodas4": Rosenbrock 4(3), stiffly accurate, L-stable, with
//                 the analytic Jacobian of the system (finite differences when it
//                 has none), one LU of (I/(hγ) − J) per step, Gustafsson step-size
//                 control, 3rd-order dense output. Stiff problems.
//   "auto"        starts with rk45 and switches to rodas4 for the rest of the run
//                 when a stiffness test in the spirit of Hairer's DOPRI5 fires:
//                 every 4th accepted step, h·ρ(J) is estimated by 3 matrix-free
//                 power iterations (rhs differences) started from the step's
//                 error estimate; 5 estimates above 2.5 (before 3 in a row
//                 below) mean rk45's step is held near its stability boundary
//                 (≈3.3), and the run switches. Non-stiff runs pay ~0.75 rhs
//                 evaluations per step for the test. Stats.method then reads
//                 "rk45+rodas4". Measured on the bundled models
//                 (bench/README.md): auto is within ~10% of the faster of rk45
//                 and rodas4 on each, and 10-25% faster than rodas4 alone on
//                 HIRES and ROBER, whose initial transients are non-stiff.
//                 It also switches at once, redoing the trial, where the
//                 explicit stepper itself says a trial needs the stiff method
//                 (Stepper::needs_stiff_method(): the staggered sensitivity
//                 stepper's sensitivities far stiffer than the state).
//
// Error control: a step is accepted when the weighted RMS norm of its local
// error estimate, with weights abs_tol_i + rel_tol·max(|x_i(t)|, |x_i(t+h)|),
// is ≤ 1 (as in Hairer's codes and CVODE). The first step size follows Hairer's
// algorithm (HNW I §II.4) unless SolverOptions::initial_step is set; steps never
// exceed max_step (when > 0) and never cross an event or the final time.
//
// Events: the integrator stops exactly at every event time, applies the
// event's actions in order (add / set / scale one component), and restarts
// (fresh initial step, no history). A sample at an event time reports the state
// after that time's event unless before_event is set. Samples at other times
// come from the stepper's dense output. Event and sample times are compared
// exactly: the caller passes the same double for both.
//
// Switches (OdeSystem::switches(); a compiled model's comparisons, min and
// max of t and the state in f): f is smooth as long as no test g_k(t, x) < 0
// changes value. The end of every trial step is checked. When a test has
// changed there, the first time it does is bracketed by two adjacent doubles
// lo < hi: on the trial's dense output when the trial passes the error test
// (it is accepted for that and undone), else on the tangent x + τ·f(t, x) of
// the old f (exact for tests of t alone). The step is retried to end at lo,
// so that none of its stages sees the new f. When the tangent from there (or
// the next trial) puts the change within 16 ulps, the integration restarts
// at hi (fresh initial step) from the tangent's state there, with the test's
// new value as its reference; a change further on is left to the next trial.
// A test that is exactly 0 at a segment's start (equal operands, e.g.
// max(a, b) with a = b = 0) takes its reference from the first accepted
// step. A switch that keeps changing back within two steps of its last
// change (the flow pushes the state back across it: sliding along it) is
// stepped across as if f were smooth there from its third such change until
// the next event. Samples at hi report the state
// after the restart. Forward sensitivities are continuous across a switch
// (only a restart; no jump is applied, also where f itself jumps).
//
// Non-negativity (OdeSystem::nonnegative(); true for compiled models): the
// exact solution cannot cross 0 in component i where the system is
// quasi-positive, i.e. f_i ≥ 0 whenever x_i = 0 (concentrations: nothing is
// removed from an empty compartment). When an acceptable trial step takes a
// component from x_i ≥ 0 to x_i < 0, f is evaluated at the trial point with
// x_i set to 0 (once per such component); where f_i ≥ 0 there, the negative
// value is numerical error: below −abs_tol_i the step is rejected and retried
// with half the step, above it x_i is set to 0. Components with f_i < 0 at 0 (genuinely signed states,
// such as the Van der Pol oscillator's) are left untouched. Interpolated
// samples of a component that is ≥ 0 at both ends of its step are clamped at
// 0. So concentrations are never reported below 0, and signed states are not
// distorted.
//
// Failures end the integration with a status and a message naming the time,
// the step size and the component, e.g.
//   "At t = 12.5 h (step 1.2e-14 h): species IL10 became NaN"
// keeping the samples computed before (completed):
//   max_steps       accepted + rejected steps exceed max_steps
//   step_underflow  the step size fell below 10 eps |t| (or a component keeps
//                   going below −abs_tol)
//   non_finite      the state or its derivative became NaN/inf and shrinking
//                   the step does not help
//   timeout         wall clock exceeded options.timeout seconds (checked every
//                   16 step attempts)
//   error           malformed input: samples before t0 or unsorted, event
//                   times not strictly increasing, an event action on a
//                   component that does not exist. (Events before t0 or after
//                   the last sample are ignored.)
// Nothing here throws for numerical trouble; SolverOptions::validate() throws
// OptionError for bad options.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "solve/ode_system.hpp"
#include "solve/options.hpp"
#include "solve/run.hpp"
#include "solve/solution.hpp"

namespace exvivo::solve {

namespace detail {
class Stepper;
class ErrorNorm;
}  // namespace detail

struct IntegrationResult {
  Status status = Status::ok;
  std::string message;        ///< empty when ok
  std::size_t completed = 0;  ///< samples computed
  Eigen::MatrixXd states;     ///< samples × size(); rows past `completed` are NaN
  SolveStats stats;

  bool ok() const { return status == Status::ok; }
};

/// Integrates dx/dt = f(t, x), x(t0) = x0, to the last sample time. `events`
/// sorted by time (at most one Event per time); `samples` sorted by
/// (time, !before_event), all ≥ t0. Validates `options` (throws OptionError).
IntegrationResult integrate(OdeSystem& system, const Eigen::VectorXd& x0, double t0,
                            const std::vector<Event>& events,
                            const std::vector<SampleTime>& samples,
                            const SolverOptions& options);

/// Makes the stepper used where integrate() would use Rodas4 (method rosenbrock,
/// or auto after its stiffness switch). For systems with a structure that a
/// dedicated Rosenbrock stepper exploits (engine/fit's forward-sensitivity
/// system: one LU of the state's stage matrix serves every sensitivity column).
/// The stepper must follow solve/stepper.hpp's contract.
using StepperFactory = std::function<std::unique_ptr<detail::Stepper>(
    OdeSystem& system, const detail::ErrorNorm& norm, SolveStats& stats)>;

/// As above, with `rosenbrock` making the stiff method's stepper (empty: Rodas4)
/// and `explicit_rk` the one used where integrate() would use Dormand–Prince
/// (method rk45, or auto before its switch; empty: Dormand–Prince; named
/// "rk45", with a stiffness_estimate() and needs_stiff_method() for auto).
IntegrationResult integrate(OdeSystem& system, const Eigen::VectorXd& x0, double t0, const std::vector<Event>& events,
                            const std::vector<SampleTime>& samples, const SolverOptions& options,
                            const StepperFactory& rosenbrock, const StepperFactory& explicit_rk = StepperFactory{});

}  // namespace exvivo::solve
