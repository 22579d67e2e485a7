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
//
// S and its stages stay in the row order of the generated products (the rows
// that can be non-zero, columns interleaved; sensitivity_system.hpp), the
// stages written straight into the products' input; the
// system's column order (z = (x, S_0, …)) is made once per accepted step, for
// the integrator's state(), and at the samples.
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <boost/numeric/odeint/external/eigen/eigen.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "fit/sensitivity_system.hpp"
#include "solve/stepper.hpp"

// The RK4 vector work in one copy for AVX2 machines and one for any x86-64,
// chosen when the program loads (GCC's function multi-versioning, as the
// plain Dormand–Prince stepper's loops; element-wise IEEE operations without
// FMA give the same bits either way).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(__SANITIZE_THREAD__)
#define EXVIVO_SENSITIVITY_LOOP __attribute__((target_clones("avx2", "default"), noinline))
#else
#define EXVIVO_SENSITIVITY_LOOP
#endif

namespace exvivo::fit {
namespace {

using Eigen::Index;

/// out = s + a·k (an RK4 stage's S).
EXVIVO_SENSITIVITY_LOOP void rk4_stage(Index m, double* __restrict out, const double* __restrict s, double a,
                                       const double* __restrict k) {
  for (Index i = 0; i < m; ++i) out[i] = s[i] + a * k[i];
}

/// RK4's S at the end of a step, s + a·(k1 + 2·k2 + 2·k3 + k4) summed left to
/// right, into out and out2 (out may be s: substeps); returns whether every
/// value is finite (v·0 is NaN for ±inf and NaN; an integer "or" of the
/// tests, which vectorises where a floating-point sum would not).
EXVIVO_SENSITIVITY_LOOP bool rk4_update(Index m, double* out, double* out2, const double* s, double a,
                                        const double* __restrict k1, const double* __restrict k2,
                                        const double* __restrict k3, const double* __restrict k4) {
  long nonfinite = 0;
  for (Index i = 0; i < m; ++i) {
    const double v = s[i] + a * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    out[i] = v;
    out2[i] = v;
    const double zero = v * 0.0;
    nonfinite |= static_cast<long>(zero != zero);
  }
  return nonfinite == 0;
}

/// Whether every value of v is finite (as rk4_update's test).
EXVIVO_SENSITIVITY_LOOP bool all_finite(Index m, const double* __restrict v) {
  long nonfinite = 0;
  for (Index i = 0; i < m; ++i) {
    const double zero = v[i] * 0.0;
    nonfinite |= static_cast<long>(zero != zero);
  }
  return nonfinite == 0;
}

namespace odeint = boost::numeric::odeint;
using Eigen::VectorXd;
using State = VectorXd;
using OdeintDopri5 = odeint::runge_kutta_dopri5<State, double, State, double, odeint::vector_space_algebra>;

// RK4's stability interval on the negative real axis is (−2.785, 0);
// Dormand–Prince's reaches −3.3. Substeps keep h·ρ below this, with a margin
// for the estimate's error.
constexpr double rk4_stable_h_lambda = 2.5;
constexpr int max_substeps = 256;
constexpr int radius_every = 4;  // accepted steps between estimates of ρ(J)

/// odeint's system concept for the state part: f(x, dxdt, t).
struct StateFunction {
  SensitivitySystem* system;
  long* rhs_evals;
  void operator()(const State& x, State& dxdt, double t) const {
    ++*rhs_evals;
    system->state_rhs(t, x.data(), dxdt.data());
  }
};

class SensitivityDopri5 final : public SensitivityStepper {
 public:
  SensitivityDopri5(SensitivitySystem& system, const solve::detail::ErrorNorm& norm, solve::SolveStats& stats)
      : SensitivityStepper(system, norm, stats) {
    for (auto* v : {&xa_, &fa_, &xb_, &fb_, &xp_, &fp_, &xerr_, &xm_, &probe_, &probe_f_}) v->setZero(n_);
    for (auto* v : {&s_, &ds_, &s_old_, &ds_old_, &s_new_, &ds_new_, &k2_, &k3_, &k4_, &rows_})
      v->setZero(system.product_size());
  }

  const char* name() const override { return "rk45"; }
  int order() const override { return 5; }

  void reset(double t, const VectorXd& z) override {
    start(t, z);
    load_current();
    s_old_ = s_;
    ds_old_ = ds_;
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
    if (!(err <= 1)) return err;  // rejected (or non-finite): no sensitivity work
    if (!advance_sensitivities(t_ + h)) {
      // For the integrator's verdict and message: the trial's S, and S' at
      // the current point (which accept() leaves in ds_ only).
      sys_.to_columns(s_new_.data(), x_new_.data() + n_);
      sys_.to_columns(ds_.data(), dxdt_.data() + n_);
      return std::numeric_limits<double>::quiet_NaN();
    }
    return err;
  }

  void accept(double t_new, const std::vector<Index>& set_to_zero) override {
    xp_.swap(xa_);
    fp_.swap(fa_);
    xa_ = xb_;
    fa_ = fb_;
    s_old_.swap(s_);
    s_.swap(s_new_);
    ds_old_.swap(ds_);
    ds_.swap(ds_new_);
    x_old_.swap(x_);  // previous_state()
    x_.head(n_) = xb_;
    sys_.to_columns(s_.data(), x_.data() + n_);
    dxdt_.head(n_) = fb_;  // S' stays in ds_ (the integrator reads derivative() after reset() and failed trials)
    t_old_ = t_;
    t_ = t_new;
    if (!set_to_zero.empty()) {
      for (Index i : set_to_zero) x_[i] = 0;
      rhs(t_, x_, dxdt_);
      load_current();
    }
    // Unless the integrator's stiffness test (auto) keeps ρ current, estimate
    // it every few steps for the substeps of the sensitivities.
    if (++steps_since_radius_ > radius_every) radius_ = spectral_radius();
  }

  void interpolate(double t, VectorXd& z) override {
    dense_state(t, xp_, fp_, t_old_, t_);
    z.head(n_) = xm_;
    const double h = t_ - t_old_, s = (t - t_old_) / h, s2 = s * s, s3 = s2 * s;
    rows_ = (2 * s3 - 3 * s2 + 1) * s_old_ + ((s3 - 2 * s2 + s) * h) * ds_old_ + (3 * s2 - 2 * s3) * s_ +
            ((s3 - s2) * h) * ds_;
    sys_.to_columns(rows_.data(), z.data() + n_);
  }

  /// Dormand–Prince's test (solve/dopri5_stepper.cpp) on the state alone;
  /// the estimate also sets the sensitivities' substeps.
  double stiffness_estimate() override {
    radius_ = spectral_radius();
    return (t_ - t_old_) * radius_;
  }

 private:
  /// The current point's state parts and S, S' in row order from x_ and dxdt_.
  void load_current() {
    xa_ = x_.head(n_);
    fa_ = dxdt_.head(n_);
    sys_.to_rows(x_.data() + n_, s_.data());
    sys_.to_rows(dxdt_.data() + n_, ds_.data());
  }

  /// The state at t in the step from (t0, xa0, fa0) to (t1, xb_, fb_) into
  /// xm_ (Dormand–Prince's dense output of the last step tried).
  void dense_state(double t, const VectorXd& xa0, const VectorXd& fa0, double t0, double t1) {
    stepper_.calc_state(t, xm_, xa0, fa0, t0, xb_, fb_, t1);
  }

  /// S across the trial step [t_, t1] into s_new_, and S' at t1 into ds_new_,
  /// in m RK4 substeps: m = 1 unless h·ρ(J) (the latest estimate of ρ) leaves
  /// RK4's stability interval, then the least power of 2 that brings each
  /// substep within it. The stages are written into the products' input.
  /// Returns whether S and S' at t1 are finite.
  bool advance_sensitivities(double t1) {
    const double t0 = t_, h = t1 - t0;
    int m = 1;
    while (m < max_substeps && (h / m) * radius_ > rk4_stable_h_lambda) m *= 2;
    const Index size = sys_.product_size();
    double* stage = sys_.product_input();
    const double* s = s_.data();    // S at the substep's start
    const double* k1 = ds_.data();  // and S' there
    bool finite = true;
    for (int q = 0; q < m; ++q) {
      const double ta = t0 + h * q / m, hs = h / m;
      const double tb = q + 1 == m ? t1 : t0 + h * (q + 1) / m;
      // The end's state: the step's own (q + 1 == m) or its dense output.
      const double* xb = xb_.data();
      dense_state(ta + 0.5 * hs, xa_, fa_, t0, t1);
      sys_.prepare_columns(ta + 0.5 * hs, xm_.data());
      rk4_stage(size, stage, s, 0.5 * hs, k1);
      sys_.products(k2_.data());
      rk4_stage(size, stage, s, 0.5 * hs, k2_.data());
      sys_.products(k3_.data());
      if (q + 1 < m) {
        dense_state(tb, xa_, fa_, t0, t1);
        xb = xm_.data();
      }
      sys_.prepare_columns(tb, xb);
      rk4_stage(size, stage, s, hs, k3_.data());
      sys_.products(k4_.data());
      finite = rk4_update(size, s_new_.data(), stage, s, hs / 6, k1, k2_.data(), k3_.data(), k4_.data());
      sys_.products(ds_new_.data());
      s = s_new_.data();
      k1 = ds_new_.data();
      stats_.rhs_evals += 2;
    }
    return finite && all_finite(size, ds_new_.data());
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

  OdeintDopri5 stepper_;
  /// The state at the current point (a), the trial's end (b), the previous
  /// point (p), the dense output (m), f there; the power iteration's probe.
  VectorXd xa_, fa_, xb_, fb_, xp_, fp_, xerr_, xm_, probe_, probe_f_, direction_;
  /// S and S' in row order at the current point, the previous one and the
  /// trial's end; RK4's stages; the dense output.
  VectorXd s_, ds_, s_old_, ds_old_, s_new_, ds_new_, k2_, k3_, k4_, rows_;
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
