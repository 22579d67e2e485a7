#pragma once
// Engine-internal one-step methods with error estimate and dense output, in
// the shape of odeint's controlled + dense-output stepper concepts: try a step,
// accept it, interpolate inside the last accepted step. Step-size control and
// events live in integrate.cpp.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "solve/error_norm.hpp"
#include "solve/ode_system.hpp"
#include "solve/solution.hpp"

namespace exvivo::solve::detail {

class Stepper {
 public:
  virtual ~Stepper() = default;

  /// "rk45", "rodas4".
  virtual const char* name() const = 0;
  /// Order p of the propagated solution (used by the initial step guess).
  virtual int order() const = 0;

  /// Starts at (t, x), forgetting all history (start of a run, after an event,
  /// after a method switch). Evaluates f(t, x), available as derivative().
  virtual void reset(double t, const Eigen::VectorXd& x) = 0;

  /// Tries a step of size h from the current point and returns the weighted
  /// RMS norm of its local error estimate (≤ 1: acceptable; NaN or inf when the
  /// trial produced non-finite values). The candidate is candidate().
  virtual double try_step(double h) = 0;

  /// Makes the last trial the current point, at time t_new (= t + h up to the
  /// rounding the caller chooses, e.g. exactly an event time), and prepares the
  /// dense output over [previous_time(), time()]. The components listed in
  /// `set_to_zero` (tiny numerical negatives, see integrate.cpp) are set to 0.
  virtual void accept(double t_new, const std::vector<Eigen::Index>& set_to_zero) = 0;

  /// State at t ∈ [previous_time(), time()] (dense output of the last accepted step).
  virtual void interpolate(double t, Eigen::VectorXd& x) = 0;

  /// h·|λ| estimate of the dominant eigenvalue along the last accepted step
  /// (Hairer's stiffness test); negative when the method does not provide one.
  virtual double stiffness_estimate() { return -1; }

  /// After try_step(): whether the trial found the problem beyond this
  /// method in a way that a smaller step does not cheaply cure (the staggered
  /// sensitivity stepper: sensitivities far stiffer than the state). Method
  /// auto then discards the trial and goes on with its stiff method from the
  /// current point.
  virtual bool needs_stiff_method() const { return false; }

  double time() const { return t_; }
  double previous_time() const { return t_old_; }
  const Eigen::VectorXd& state() const { return x_; }
  /// State at previous_time().
  const Eigen::VectorXd& previous_state() const { return x_old_; }
  const Eigen::VectorXd& candidate() const { return x_new_; }
  /// Whether candidate() has a component below 0 (a stepper may have counted
  /// them while forming it).
  virtual bool candidate_has_negative() const { return x_new_.size() > 0 && x_new_.minCoeff() < 0; }
  /// f(time(), state()) when the method keeps it (after reset() it always does).
  const Eigen::VectorXd& derivative() const { return dxdt_; }
  /// The error estimate of the last trial (for failure messages).
  const Eigen::VectorXd& error_estimate() const { return x_err_; }

 protected:
  Stepper(OdeSystem& system, const ErrorNorm& norm, SolveStats& stats)
      : system_(system), norm_(norm), stats_(stats), plain_rhs_(system.rhs_function()) {
    const auto n = static_cast<Eigen::Index>(system.size());
    x_.setZero(n);
    x_new_.setZero(n);
    dxdt_.setZero(n);
    x_err_.setZero(n);
    x_old_.setZero(n);
  }

  void rhs(double t, const Eigen::VectorXd& x, Eigen::VectorXd& dxdt) {
    ++stats_.rhs_evals;
    if (plain_rhs_.function != nullptr && &x != &dxdt) {  // distinct vectors: no overlap
      plain_rhs_.context[0] = t;
      plain_rhs_.function(plain_rhs_.context, x.data(), dxdt.data());
    } else {
      system_.rhs(t, x.data(), dxdt.data());
    }
  }

  OdeSystem& system_;
  const ErrorNorm& norm_;
  SolveStats& stats_;
  OdeSystem::PlainFunction plain_rhs_;  ///< system_.rhs_function()
  double t_ = 0, t_old_ = 0;
  Eigen::VectorXd x_, x_new_, dxdt_, x_err_, x_old_;
};

/// Dormand–Prince 5(4) with Boost.Odeint's runge_kutta_dopri5 arithmetic (bit
/// for bit) and its 4th-order dense output.
std::unique_ptr<Stepper> make_dopri5(OdeSystem& system, const ErrorNorm& norm, SolveStats& stats);

/// Rodas4 (Hairer & Wanner, stiffly accurate Rosenbrock 4(3), 6 stages, one LU
/// of (I/(hγ) − J) per step, 3rd-order dense output).
std::unique_ptr<Stepper> make_rodas4(OdeSystem& system, const ErrorNorm& norm, SolveStats& stats);

}  // namespace exvivo::solve::detail
