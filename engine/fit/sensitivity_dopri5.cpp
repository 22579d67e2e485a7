// The explicit stepper for the forward-sensitivity system (sensitivity_system.hpp),
// staggered: the state takes Dormand–Prince 5(4) steps as in a plain solve
// (error control and the stiffness test on the state), and each step that
// passes the state's error test carries the sensitivities, which obey the
// linear ODE
//   S' = J(t, x(t))·S + ∂f/∂p(t, x(t)),
// across it by the classical 4th-order Runge–Kutta method, with x(t) at the
// midpoint from the step's dense output. J and ∂f/∂p are evaluated twice per
// step (midpoint and end) and the sparse products J·S four times, instead of
// J, ∂f/∂p and J·S at all six stages of every trial; rejected trials cost no
// sensitivity work, and Dormand–Prince's vector operations stay n long. As
// with CVODES's default (errconS off), the sensitivities take no part in the
// step-size control; their accuracy follows the state's steps (RK4, local
// error O(h⁵)). RK4's stability interval (−2.785, 0) is shorter than
// Dormand–Prince's (−3.3, 0): where h·ρ(J) exceeds 2.5 — ρ from the stiffness
// test's power iteration, which this stepper runs itself after more than 4
// accepted steps without one (method rk45; auto runs it every 4) — the step
// is split into 2, 4, … substeps for S. Dense output of S: cubic Hermite from
// S and S' at both ends.
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <boost/numeric/odeint/external/eigen/eigen.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

#include "fit/sensitivity_system.hpp"
#include "solve/stepper.hpp"

namespace exvivo::fit {
namespace {

namespace odeint = boost::numeric::odeint;
using Eigen::Index;
using Eigen::VectorXd;
using State = VectorXd;
using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowMajorMap = Eigen::Map<RowMajor>;
using ConstRowMajorMap = Eigen::Map<const RowMajor>;
using OdeintDopri5 = odeint::runge_kutta_dopri5<State, double, State, double, odeint::vector_space_algebra>;

// RK4's stability interval on the negative real axis is (−2.785, 0);
// Dormand–Prince's reaches −3.3. Substeps keep h·ρ below this, with a margin
// for the estimate's error.
constexpr double rk4_stable_h_lambda = 2.5;
constexpr int max_substeps = 256;
constexpr int radius_every = 4;  // accepted steps between estimates of ρ(J)

/// Whether every entry is finite: v·0 is 0 for finite v and NaN for ±inf and
/// NaN, so one vectorised sum decides (Eigen's allFinite() tests entry by entry).
bool all_finite(const VectorXd& v) { return (v.array() * 0.0).sum() == 0.0; }

/// odeint's system concept for the state part: f(x, dxdt, t).
struct StateFunction {
  SensitivitySystem* system;
  long* rhs_evals;
  void operator()(const State& x, State& dxdt, double t) const {
    ++*rhs_evals;
    system->state_rhs(t, x.data(), dxdt.data());
  }
};

class SensitivityDopri5 final : public solve::detail::Stepper {
 public:
  SensitivityDopri5(SensitivitySystem& system, const solve::detail::ErrorNorm& norm, solve::SolveStats& stats)
      : Stepper(system, norm, stats), sys_(system), n_(system.num_states()), k_(system.num_columns()), nk_(n_ * k_) {
    for (auto* v : {&xa_, &fa_, &xb_, &fb_, &xp_, &fp_, &xerr_, &xm_, &probe_, &probe_f_}) v->setZero(n_);
    for (auto* v : {&s_, &k1_, &k2_, &k3_, &k4_, &stage_}) v->setZero(nk_);
    dxdt_old_.setZero(n_ + nk_);
  }

  const char* name() const override { return "rk45"; }
  int order() const override { return 5; }

  void reset(double t, const VectorXd& z) override {
    t_ = t_old_ = t;
    x_ = z;
    x_old_ = z;
    rhs(t_, x_, dxdt_);
    dxdt_old_ = dxdt_;
    xa_ = z.head(n_);
    fa_ = dxdt_.head(n_);
    xp_ = xa_;
    fp_ = fa_;
    stepper_ = OdeintDopri5();
    direction_.resize(0);
    radius_ = 0;
    steps_since_radius_ = radius_every;  // estimate after the first step
  }

  double try_step(double h) override {
    stepper_.do_step(StateFunction{&sys_, &stats_.rhs_evals}, xa_, fa_, t_, xb_, fb_, h, xerr_);
    x_new_.head(n_) = xb_;
    x_err_.head(n_) = xerr_;
    const double err = norm_(xerr_, xa_, xb_);
    x_new_.tail(nk_) = x_.tail(nk_);
    if (!(err <= 1)) return err;  // rejected (or non-finite): no sensitivity work
    advance_sensitivities(t_ + h);
    to_columns(s_, x_new_.data() + n_);
    if (!all_finite(s_) || !all_finite(k1_)) return std::numeric_limits<double>::quiet_NaN();
    return err;
  }

  void accept(double t_new, const std::vector<Index>& set_to_zero) override {
    xp_ = xa_;
    fp_ = fa_;
    x_old_ = x_;
    dxdt_old_ = dxdt_;
    x_.head(n_) = xb_;
    to_columns(s_, x_.data() + n_);
    dxdt_.head(n_) = fb_;
    to_columns(k1_, dxdt_.data() + n_);
    xa_ = xb_;
    fa_ = fb_;
    t_old_ = t_;
    t_ = t_new;
    if (!set_to_zero.empty()) {
      for (Index i : set_to_zero) x_[i] = 0;
      rhs(t_, x_, dxdt_);
      xa_ = x_.head(n_);
      fa_ = dxdt_.head(n_);
    }
    // Unless the integrator's stiffness test (auto) keeps ρ current, estimate
    // it every few steps for the substeps of the sensitivities.
    if (++steps_since_radius_ > radius_every) radius_ = spectral_radius();
  }

  void interpolate(double t, VectorXd& z) override {
    dense_state(t, xp_, fp_, t_old_, t_);
    z.head(n_) = xm_;
    const double h = t_ - t_old_, s = (t - t_old_) / h, s2 = s * s, s3 = s2 * s;
    z.tail(nk_) = (2 * s3 - 3 * s2 + 1) * x_old_.tail(nk_) + ((s3 - 2 * s2 + s) * h) * dxdt_old_.tail(nk_) +
                  (3 * s2 - 2 * s3) * x_.tail(nk_) + ((s3 - s2) * h) * dxdt_.tail(nk_);
  }

  /// Dormand–Prince's test (solve/dopri5_stepper.cpp) on the state alone;
  /// the estimate also sets the sensitivities' substeps.
  double stiffness_estimate() override {
    radius_ = spectral_radius();
    return (t_ - t_old_) * radius_;
  }

 private:
  /// S from the system's layout (columns S_c one after the other) to the
  /// interleaved one of SensitivitySystem::columns() (S_cj at j·k + c), and back.
  void to_rows(const double* columns, VectorXd& rows) const {
    RowMajorMap(rows.data(), n_, k_) = Eigen::Map<const Eigen::MatrixXd>(columns, n_, k_);
  }
  void to_columns(const VectorXd& rows, double* columns) const {
    Eigen::Map<Eigen::MatrixXd>(columns, n_, k_) = ConstRowMajorMap(rows.data(), n_, k_);
  }

  /// The state at t in the step from (t0, xa0, fa0) to (t1, xb_, fb_) into
  /// xm_ (Dormand–Prince's dense output of the last step tried).
  void dense_state(double t, const VectorXd& xa0, const VectorXd& fa0, double t0, double t1) {
    stepper_.calc_state(t, xm_, xa0, fa0, t0, xb_, fb_, t1);
  }

  /// S across the trial step [t_, t1] into s_, and S' at t1 into k1_, in m
  /// RK4 substeps: m = 1 unless h·ρ(J) (the latest estimate of ρ) leaves
  /// RK4's stability interval, then the least power of 2 that brings each
  /// substep within it.
  void advance_sensitivities(double t1) {
    const double t0 = t_, h = t1 - t0;
    int m = 1;
    while (m < max_substeps && (h / m) * radius_ > rk4_stable_h_lambda) m *= 2;
    to_rows(x_.data() + n_, s_);
    to_rows(dxdt_.data() + n_, k1_);
    for (int q = 0; q < m; ++q) {
      const double ta = t0 + h * q / m, hs = h / m;
      const double tb = q + 1 == m ? t1 : t0 + h * (q + 1) / m;
      dense_state(ta + 0.5 * hs, xa_, fa_, t0, t1);
      sys_.prepare_columns(ta + 0.5 * hs, xm_.data());
      stage_ = s_ + (0.5 * hs) * k1_;
      sys_.columns(stage_.data(), k2_.data());
      stage_ = s_ + (0.5 * hs) * k2_;
      sys_.columns(stage_.data(), k3_.data());
      if (q + 1 == m)
        xm_ = xb_;
      else
        dense_state(tb, xa_, fa_, t0, t1);
      sys_.prepare_columns(tb, xm_.data());
      stage_ = s_ + hs * k3_;
      sys_.columns(stage_.data(), k4_.data());
      s_ += (hs / 6) * (k1_ + 2 * k2_ + 2 * k3_ + k4_);
      sys_.columns(s_.data(), k1_.data());
      stats_.rhs_evals += 2;
    }
  }

  /// ρ(J) at the current point by matrix-free power iteration on the state's
  /// f (J·v ≈ (f(x + δv) − f(x))/δ): 3 iterations from the step's error
  /// estimate, or 1 continuing from the previous vector, as in Dormand–Prince's
  /// stiffness test. 0 when it cannot tell.
  double spectral_radius() {
    steps_since_radius_ = 0;
    const bool warm = direction_.size() == n_ && direction_.allFinite() && direction_.norm() > 0;
    if (!warm) direction_ = xerr_;
    double length = direction_.norm();
    if (!(length > 0) || !std::isfinite(length)) return 0;
    const double x_scale = std::max(xa_.norm(), 1e-8);
    double radius = 0;
    for (int iteration = 0; iteration < (warm ? 1 : 3); ++iteration) {
      const double delta = 1e-7 * x_scale;
      probe_ = xa_ + (delta / length) * direction_;
      ++stats_.rhs_evals;
      sys_.state_rhs(t_, probe_.data(), probe_f_.data());
      direction_ = (probe_f_ - fa_) / delta;
      radius = direction_.norm();
      if (!(radius > 0) || !std::isfinite(radius)) {
        direction_.resize(0);
        return 0;
      }
      length = radius;
    }
    return radius;
  }

  SensitivitySystem& sys_;
  Index n_, k_, nk_;
  OdeintDopri5 stepper_;
  VectorXd xa_, fa_, xb_, fb_, xp_, fp_, xerr_, xm_, probe_, probe_f_, direction_;
  VectorXd s_, k1_, k2_, k3_, k4_, stage_, dxdt_old_;
  double radius_ = 0;  ///< latest estimate of ρ(J) (0: none yet)
  int steps_since_radius_ = 0;
};

}  // namespace

solve::StepperFactory make_sensitivity_dopri5(SensitivitySystem& system) {
  return [&system](solve::OdeSystem&, const solve::detail::ErrorNorm& norm,
                   solve::SolveStats& stats) -> std::unique_ptr<solve::detail::Stepper> {
    return std::make_unique<SensitivityDopri5>(system, norm, stats);
  };
}

}  // namespace exvivo::fit
