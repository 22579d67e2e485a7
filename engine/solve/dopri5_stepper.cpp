// Dormand–Prince 5(4) through Boost.Odeint. odeint provides the stages, the
// embedded error estimate and the dense output; error norm and step-size
// control are ours (weighted RMS norm, see error_norm.hpp), so we drive
// odeint's error stepper directly instead of its controlled_runge_kutta.
// odeint's Eigen adapter needs odeint's own headers first.
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <boost/numeric/odeint/external/eigen/eigen.hpp>

#include <algorithm>
#include <cmath>

#include "solve/stepper.hpp"

namespace exvivo::solve::detail {
namespace {

namespace odeint = boost::numeric::odeint;
using State = Eigen::VectorXd;
using OdeintDopri5 = odeint::runge_kutta_dopri5<State, double, State, double,
                                                 odeint::vector_space_algebra>;

/// odeint's system concept: f(x, dxdt, t).
struct SystemFunction {
  OdeSystem* system;
  long* rhs_evals;
  void operator()(const State& x, State& dxdt, double t) const {
    ++*rhs_evals;
    system->rhs(t, x.data(), dxdt.data());
  }
};

class Dopri5Stepper final : public Stepper {
 public:
  Dopri5Stepper(OdeSystem& system, const ErrorNorm& norm, SolveStats& stats)
      : Stepper(system, norm, stats) {
    const auto n = static_cast<Eigen::Index>(system.size());
    dxdt_old_.setZero(n);
    dxdt_new_.setZero(n);
    probe_.setZero(n);
    probe_dxdt_.setZero(n);
  }

  const char* name() const override { return "rk45"; }
  int order() const override { return 5; }

  void reset(double t, const Eigen::VectorXd& x) override {
    t_ = t_old_ = t;
    x_ = x;
    x_old_ = x;
    rhs(t_, x_, dxdt_);
    dxdt_old_ = dxdt_;
    stepper_ = OdeintDopri5();  // drop odeint's internal stage storage
  }

  double try_step(double h) override {
    h_ = h;
    stepper_.do_step(SystemFunction{&system_, &stats_.rhs_evals}, x_, dxdt_, t_, x_new_,
                     dxdt_new_, h, x_err_);
    return norm_(x_err_, x_, x_new_);
  }

  void accept(double t_new, const std::vector<Eigen::Index>& set_to_zero) override {
    // Three-way swaps, no copies: the old x_new_ and dxdt_new_ buffers are
    // overwritten by the next trial.
    x_old_.swap(x_);
    x_.swap(x_new_);
    dxdt_old_.swap(dxdt_);
    dxdt_.swap(dxdt_new_);
    t_old_ = t_;
    t_ = t_new;
    if (!set_to_zero.empty()) {
      for (Eigen::Index i : set_to_zero) x_[i] = 0;
      rhs(t_, x_, dxdt_);  // keep FSAL consistent with the changed state
    }
  }

  void interpolate(double t, Eigen::VectorXd& x) override {
    stepper_.calc_state(t, x, x_old_, dxdt_old_, t_old_, x_, dxdt_, t_);
  }

  /// Hairer's DOPRI5 test estimates h·|λ| for the eigenvalue that limits the
  /// step from two nearby states. We refine that idea into a matrix-free power
  /// iteration, J·v ≈ (f(x + δv) − f(x)) / δ. The first check starts from the
  /// step's error estimate (dominated by the stiff directions when stability
  /// limits h) and iterates 3 times; later checks continue from the previous
  /// check's vector, whose direction changes slowly along a solution, so one
  /// iteration (one rhs evaluation) keeps refining the same estimate.
  double stiffness_estimate() override {
    const bool warm = direction_.size() == x_.size() && direction_.allFinite() && direction_.norm() > 0;
    if (!warm) direction_ = x_err_;
    double length = direction_.norm();
    if (!(length > 0) || !std::isfinite(length)) return 0;
    const double x_scale = std::max(x_.norm(), 1e-8);
    double radius = 0;
    for (int iteration = 0; iteration < (warm ? 1 : 3); ++iteration) {
      const double delta = 1e-7 * x_scale;
      probe_ = x_ + (delta / length) * direction_;
      rhs(t_, probe_, probe_dxdt_);
      direction_ = (probe_dxdt_ - dxdt_) / delta;  // ≈ J·v for the unit vector v
      radius = direction_.norm();
      if (!(radius > 0) || !std::isfinite(radius)) {
        direction_.resize(0);
        return 0;
      }
      length = radius;
    }
    return (t_ - t_old_) * radius;
  }

 private:
  OdeintDopri5 stepper_;
  double h_ = 0;
  Eigen::VectorXd dxdt_old_, dxdt_new_, probe_, probe_dxdt_;
  Eigen::VectorXd direction_;  ///< power-iteration vector of the last stiffness check (empty: none yet)
};

}  // namespace

std::unique_ptr<Stepper> make_dopri5(OdeSystem& system, const ErrorNorm& norm, SolveStats& stats) {
  return std::make_unique<Dopri5Stepper>(system, norm, stats);
}

}  // namespace exvivo::solve::detail
