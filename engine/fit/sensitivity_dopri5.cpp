// The explicit stepper for the forward-sensitivity system (sensitivity_system.hpp),
// staggered: the state takes Dormand–Prince 5(4) steps as in a plain solve —
// by engine/solve's own Dormand–Prince stepper (make_dopri5) on the state
// alone, so error control, stiffness test and arithmetic are a plain solve's
// — and each step that passes the state's error test carries the
// sensitivities, which obey the linear ODE
//   S' = J(t, x(t))·S + ∂f/∂p(t, x(t)),
// across it by the classical 4th-order Runge–Kutta method, with x(t) at the
// midpoint from the step's dense output. J and ∂f/∂p are evaluated twice per
// step (midpoint and end) and the sparse products J·S four times, instead of
// J, ∂f/∂p and J·S at all six stages of every trial; rejected trials cost no
// sensitivity work, and Dormand–Prince's vector operations stay n long. As
// with CVODES's default (errconS off), the sensitivities take no part in the
// step-size control; their accuracy follows the state's steps (RK4, local
// error O(h⁵)). RK4's stability interval (−2.785, 0) is shorter than
// Dormand–Prince's (−3.3, 0): where h·ρ(J) exceeds 2.5 the step is split
// into 2, 4, … substeps for S. ρ comes from three estimates: the state
// stepper's stiffness test (which this stepper runs itself after more than 4
// accepted steps without one: method rk45; auto runs it every 4), and the
// sensitivities' own: a power iteration on J over the rows of S at a
// segment's start and every 8 steps (power_iteration), and what every
// substep reads off its stages (stiffness_of_stages). The state's test follows the state's directions
// only, and S can be much stiffer than x: a fast reaction whose reactant
// is absent (x = 0 there, exactly, all along) while S is not 0 in it. So it
// went in PEtab's Isensee_JCB2018 (AC:Fsk dissociating at 1.4e4 /s with no
// forskolin; the state's test saw ρ ≈ 1.6 /s): RK4 at the state's steps sent
// S to −inf. A substep whose stages show h·ρ beyond RK4's stability
// boundary is not used: the step starts over with the substeps the new ρ
// asks for. More than 4 of them (h·ρ > 10) with method auto, or more than
// 256 with rk45, and the trial is given up: auto goes on with the block
// Rodas4 from the current point (needs_stiff_method(), for the rest of the
// run as after its own stiffness switch), rk45 retries with a 5× smaller
// step. Dense output of S: cubic Hermite from S and S' at both ends.
//
// The integrator accepts every trial whose error norm is ≤ 1 (a sensitivity
// system is not non-negative), so the state stepper accepts such a trial at
// once, for its dense output at the RK4 stages; when S then turns non-finite
// (the trial is rejected after all) the state stepper restarts at the
// current point.
//
// S and its stages stay in the row order of the generated products (the rows
// that can be non-zero, columns interleaved; sensitivity_system.hpp), the
// stages written straight into the products' input; the
// system's column order (z = (x, S_0, …)) is made once per accepted step, for
// the integrator's state(), and at the samples.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <utility>

#include "fit/sensitivity_system.hpp"
#include "core/vector_loop.hpp"
#include "solve/stepper.hpp"

namespace exvivo::fit {
namespace {

using Eigen::Index;

/// out = s + a·k (an RK4 stage's S).
EXVIVO_VECTOR_LOOP void rk4_stage(Index m, double* __restrict out, const double* __restrict s, double a,
                                  const double* __restrict k) {
  for (Index i = 0; i < m; ++i) out[i] = s[i] + a * k[i];
}

/// RK4's S at the end of a step, s + a·(k1 + 2·k2 + 2·k3 + k4) summed left to
/// right, into out and out2 (out may be s: substeps); returns whether every
/// value is finite (v·0 is NaN for ±inf and NaN; an integer "or" of the
/// tests, which vectorises where a floating-point sum would not).
EXVIVO_VECTOR_LOOP bool rk4_update(Index m, double* out, double* out2, const double* s, double a,
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

/// stiffness_of_stages's sums over RK4's stages k1, k2, k3 (row order: `rows`
/// rows of Stride interleaved columns), each row scaled by weight[r]: per
/// column c, ‖k2 − k1‖² into sums[c], ‖k3 − k2‖² into sums[Stride + c] and
/// ‖k1‖² into sums[2·Stride + c]; in the same pass RK4's last stage,
/// out = s + a·k3 (as rk4_stage). The column count is a template parameter
/// so that the sums stay in registers (one vector each for up to 4 columns).
template <int Stride>
inline __attribute__((always_inline)) void stage_sums(Index rows, const double* __restrict weight,
                                                      const double* __restrict k1, const double* __restrict k2,
                                                      const double* __restrict k3, double* __restrict sums,
                                                      const double* __restrict s, double a, double* __restrict out) {
  // A row's Stride columns as one vector (GCC's vector extension): the sums
  // per column in registers, each added to in row order as written.
  typedef double Row __attribute__((vector_size(Stride * sizeof(double))));
  Row uu = {}, ww = {}, kk = {};
  for (Index r = 0; r < rows; ++r) {
    Row x, y, z, start;
    std::memcpy(&x, k1 + r * Stride, sizeof(Row));
    std::memcpy(&y, k2 + r * Stride, sizeof(Row));
    std::memcpy(&z, k3 + r * Stride, sizeof(Row));
    std::memcpy(&start, s + r * Stride, sizeof(Row));
    const Row stage = start + a * z;
    std::memcpy(out + r * Stride, &stage, sizeof(Row));
    const Row g = Row{} + weight[r];
    const Row u = g * (y - x), w = g * (z - y), v = g * x;
    uu += u * u;
    ww += w * w;
    kk += v * v;
  }
  std::memcpy(sums, &uu, sizeof(Row));
  std::memcpy(sums + Stride, &ww, sizeof(Row));
  std::memcpy(sums + Index{2} * Stride, &kk, sizeof(Row));
}

#define EXVIVO_STAGE_SUMS(N)                                                                                       \
  EXVIVO_VECTOR_LOOP void stage_sums_##N(Index rows, const double* weight, const double* k1, const double* k2,     \
                                         const double* k3, double* sums, const double* s, double a, double* out) { \
    stage_sums<N>(rows, weight, k1, k2, k3, sums, s, a, out);                                                      \
  }
EXVIVO_STAGE_SUMS(2)
EXVIVO_STAGE_SUMS(4)
EXVIVO_STAGE_SUMS(8)
#undef EXVIVO_STAGE_SUMS

/// stage_sums for any (even) stride, the sums in memory.
EXVIVO_VECTOR_LOOP void stage_sums_any(Index rows, Index stride, const double* __restrict weight,
                                       const double* __restrict k1, const double* __restrict k2,
                                       const double* __restrict k3, double* __restrict sums, const double* __restrict s,
                                       double a, double* __restrict out) {
  double* uu = sums;
  double* ww = sums + stride;
  double* kk = sums + 2 * stride;
  for (Index c = 0; c < 3 * stride; ++c) sums[c] = 0;
  for (Index r = 0; r < rows; ++r) {
    const Index o = r * stride;
    const double g = weight[r];
    for (Index c = 0; c < stride; ++c) {
      out[o + c] = s[o + c] + a * k3[o + c];
      const double x = g * k1[o + c], u = g * (k2[o + c] - k1[o + c]), w = g * (k3[o + c] - k2[o + c]);
      uu[c] += u * u;
      ww[c] += w * w;
      kk[c] += x * x;
    }
  }
}

void stage_differences(Index rows, Index stride, const double* weight, const double* k1, const double* k2,
                       const double* k3, double* sums, const double* s, double a, double* out) {
  switch (stride) {
    case 2: return stage_sums_2(rows, weight, k1, k2, k3, sums, s, a, out);
    case 4: return stage_sums_4(rows, weight, k1, k2, k3, sums, s, a, out);
    case 8: return stage_sums_8(rows, weight, k1, k2, k3, sums, s, a, out);
    default: return stage_sums_any(rows, stride, weight, k1, k2, k3, sums, s, a, out);
  }
}

/// power_iteration's input, S + ν·V per column (row order, `rows` rows of
/// Stride columns, row r weighted by g[r]), into in, with ν_c =
/// max(1, ‖g·S_c‖, h·‖g·S'_c‖)·f_c into nu[c]: V·f (f per column) a
/// perturbation of weighted norm ~1, scaled up to S and to what S' adds in a
/// step so that products(S + ν·V) − S' = J·ν·V keeps its digits (its
/// rounding is ~ε·(‖J‖·‖S‖ + ‖S'‖)).
template <int Stride>
inline __attribute__((always_inline)) void power_input_fixed(Index rows, const double* __restrict g,
                                                             const double* __restrict s, const double* __restrict ds,
                                                             const double* __restrict v, const double* __restrict f,
                                                             double h, double* __restrict in, double* __restrict nu) {
  typedef double Row __attribute__((vector_size(Stride * sizeof(double))));
  Row ss = {}, dd = {};
  for (Index r = 0; r < rows; ++r) {
    Row a, b;
    std::memcpy(&a, s + r * Stride, sizeof(Row));
    std::memcpy(&b, ds + r * Stride, sizeof(Row));
    const Row weight = Row{} + g[r], u = weight * a, w = weight * b;
    ss += u * u;
    dd += w * w;
  }
  double sc[Stride], dc[Stride];  // (GCC cannot subscript a vector type that depends on Stride)
  std::memcpy(sc, &ss, sizeof(Row));
  std::memcpy(dc, &dd, sizeof(Row));
  for (int c = 0; c < Stride; ++c) sc[c] = std::max(std::max(1.0, std::sqrt(sc[c])), h * std::sqrt(dc[c])) * f[c];
  Row scale;
  std::memcpy(&scale, sc, sizeof(Row));
  for (Index r = 0; r < rows; ++r) {
    Row a, b;
    std::memcpy(&a, s + r * Stride, sizeof(Row));
    std::memcpy(&b, v + r * Stride, sizeof(Row));
    const Row sum = a + scale * b;
    std::memcpy(in + r * Stride, &sum, sizeof(Row));
  }
  std::memcpy(nu, &scale, sizeof(Row));
}

/// power_iteration's step after products(S + ν·V) into out: J·V' = out − S'
/// (V' = ν·V) into out, and per column ‖g·V'‖² into sums[c] and ‖g·J·V'‖²
/// into sums[Stride + c].
template <int Stride>
inline __attribute__((always_inline)) void power_sums_fixed(Index rows, const double* __restrict g,
                                                            const double* __restrict nu, const double* __restrict v,
                                                            const double* __restrict ds, double* __restrict out,
                                                            double* __restrict sums) {
  typedef double Row __attribute__((vector_size(Stride * sizeof(double))));
  Row scale, vv = {}, ww = {};
  std::memcpy(&scale, nu, sizeof(Row));
  for (Index r = 0; r < rows; ++r) {
    Row a, b, c;
    std::memcpy(&a, v + r * Stride, sizeof(Row));
    std::memcpy(&b, ds + r * Stride, sizeof(Row));
    std::memcpy(&c, out + r * Stride, sizeof(Row));
    const Row jv = c - b, weight = Row{} + g[r], u = weight * (scale * a), w = weight * jv;
    std::memcpy(out + r * Stride, &jv, sizeof(Row));
    vv += u * u;
    ww += w * w;
  }
  std::memcpy(sums, &vv, sizeof(Row));
  std::memcpy(sums + Stride, &ww, sizeof(Row));
}

#define EXVIVO_POWER_KERNELS(N)                                                                                 \
  EXVIVO_VECTOR_LOOP void power_input_##N(Index rows, const double* g, const double* s, const double* ds,       \
                                          const double* v, const double* f, double h, double* in, double* nu) { \
    power_input_fixed<N>(rows, g, s, ds, v, f, h, in, nu);                                                      \
  }                                                                                                             \
  EXVIVO_VECTOR_LOOP void power_sums_##N(Index rows, const double* g, const double* nu, const double* v,        \
                                         const double* ds, double* out, double* sums) {                         \
    power_sums_fixed<N>(rows, g, nu, v, ds, out, sums);                                                         \
  }
EXVIVO_POWER_KERNELS(2)
EXVIVO_POWER_KERNELS(4)
EXVIVO_POWER_KERNELS(8)
#undef EXVIVO_POWER_KERNELS

void power_input(Index rows, Index stride, const double* g, const double* s, const double* ds, const double* v,
                 const double* f, double h, double* in, double* nu) {
  switch (stride) {
    case 2: return power_input_2(rows, g, s, ds, v, f, h, in, nu);
    case 4: return power_input_4(rows, g, s, ds, v, f, h, in, nu);
    case 8: return power_input_8(rows, g, s, ds, v, f, h, in, nu);
    default: break;
  }
  for (Index c = 0; c < 2 * stride; ++c) nu[c] = 0;  // the sums, then ν
  for (Index r = 0; r < rows; ++r)
    for (Index c = 0; c < stride; ++c) {
      const double u = g[r] * s[r * stride + c], w = g[r] * ds[r * stride + c];
      nu[c] += u * u;
      nu[stride + c] += w * w;
    }
  for (Index c = 0; c < stride; ++c)
    nu[c] = std::max(std::max(1.0, std::sqrt(nu[c])), h * std::sqrt(nu[stride + c])) * f[c];
  for (Index r = 0; r < rows; ++r)
    for (Index c = 0; c < stride; ++c) in[r * stride + c] = s[r * stride + c] + nu[c] * v[r * stride + c];
}

void power_sums(Index rows, Index stride, const double* g, const double* nu, const double* v, const double* ds,
                double* out, double* sums) {
  switch (stride) {
    case 2: return power_sums_2(rows, g, nu, v, ds, out, sums);
    case 4: return power_sums_4(rows, g, nu, v, ds, out, sums);
    case 8: return power_sums_8(rows, g, nu, v, ds, out, sums);
    default: break;
  }
  for (Index c = 0; c < 2 * stride; ++c) sums[c] = 0;
  for (Index r = 0; r < rows; ++r)
    for (Index c = 0; c < stride; ++c) {
      const Index i = r * stride + c;
      out[i] -= ds[i];
      const double u = g[r] * (nu[c] * v[i]), w = g[r] * out[i];
      sums[c] += u * u;
      sums[stride + c] += w * w;
    }
}

/// Whether every value of v is finite (as rk4_update's test).
EXVIVO_VECTOR_LOOP bool all_finite(Index m, const double* __restrict v) {
  long nonfinite = 0;
  for (Index i = 0; i < m; ++i) {
    const double zero = v[i] * 0.0;
    nonfinite |= static_cast<long>(zero != zero);
  }
  return nonfinite == 0;
}

using Eigen::VectorXd;

// RK4's stability interval on the negative real axis is (−2.785, 0);
// Dormand–Prince's reaches −3.3. Substeps keep h·ρ below this, with a margin
// for the estimate's error.
constexpr double rk4_stable_h_lambda = 2.5;
constexpr int max_substeps = 256;
// The limit for ρ from the sensitivities' own estimates (power_iteration,
// stiffness_of_stages), which measure J itself: just inside RK4's stability
// boundary (2.785 on the real axis, 2.83 on the imaginary one). On the
// leukocyte model they read 2.2-2.25 /h where ρ(J) = 2.3 and the state's
// test 2.0, at steps of 1.15 h: RK4 is stable there, and substeps from 2.5
// on would change nothing but the cost.
constexpr double rk4_unstable_h_lambda = 2.75;
// With method auto a Rodas4 takes over beyond this many: a step of the state
// that its sensitivities need more substeps for is stiff for them.
constexpr int auto_max_substeps = 4;
// The error norm a trial gets when its sensitivities need more substeps than
// allowed (rk45): the step controller's largest cut (a factor 5).
constexpr double stiff_rejection = 1e10;
// stiffness_of_stages trusts a column's k2 − k1 from this much above the
// rounding of k1 (1e4 ulps: the ratio then holds to ~1e-4).
constexpr double stage_noise = 1e4 * std::numeric_limits<double>::epsilon();
// Accepted steps between the state stepper's own estimates of ρ(J) (method
// rk45; auto's integrator runs them as often), and between the
// sensitivities' power iterations.
constexpr int radius_every = 4;
constexpr int power_every = 8;

/// The state part of a SensitivitySystem as an OdeSystem of its own: f(t, x).
class StateSystem final : public solve::OdeSystem {
 public:
  explicit StateSystem(SensitivitySystem& system) : system_(system) {}
  std::size_t size() const override { return static_cast<std::size_t>(system_.num_states()); }
  void rhs(double t, const double* x, double* dxdt) override { system_.state_rhs(t, x, dxdt); }
  std::string state_name(std::size_t i) const override { return system_.state_name(i); }
  std::string time_unit() const override { return system_.time_unit(); }

 private:
  SensitivitySystem& system_;
};

class SensitivityDopri5 final : public SensitivityStepper {
 public:
  // The state stepper's error norm is the system's: its weights of the first
  // n components are the state's.
  SensitivityDopri5(SensitivitySystem& system, const solve::detail::ErrorNorm& norm, solve::SolveStats& stats,
                    bool stiff_fallback)
      : SensitivityStepper(system, norm, stats),
        state_system_(system),
        state_(solve::detail::make_dopri5(state_system_, norm, stats)),
        max_substeps_(stiff_fallback ? auto_max_substeps : max_substeps),
        stiff_fallback_(stiff_fallback),
        bytes_n_(static_cast<std::size_t>(n_) * sizeof(double)) {
    const auto& rows = system.product_rows();
    row_floor_.resize(static_cast<Index>(rows.size()));
    row_weights_.setZero(static_cast<Index>(rows.size()));
    for (std::size_t r = 0; r < rows.size(); ++r)
      row_floor_[static_cast<Index>(r)] =
          std::max(norm.abs_tol(static_cast<Index>(rows[r])) / norm.rel_tol(), std::numeric_limits<double>::min());
    for (auto* v : {&xm_, &xs_}) v->setZero(n_);
    for (auto* v : {&s_, &ds_, &s_old_, &ds_old_, &s_new_, &ds_new_, &k2_, &k3_, &k4_, &rows_, &power_, &power_out_})
      v->setZero(system.product_size());
  }

  const char* name() const override { return "rk45"; }
  int order() const override { return 5; }

  void reset(double t, const VectorXd& z) override {
    start(t, z);
    xs_ = z.head(n_);
    state_->reset(t, xs_);
    load_current();
    // S's structural zeros 0 in x_ and x_old_, which accept() leaves as they are.
    sys_.to_columns(s_.data(), x_.data() + n_);
    x_old_ = x_;
    s_old_ = s_;
    ds_old_ = ds_;
    radius_ = 0;
    radius_s_ = 0;
    radius_p_ = 0;
    power_stale_ = true;  // estimate before the first step (warm after a solve's first)
    needs_stiff_ = false;
    steps_since_radius_ = radius_every;  // estimate after the first step
  }

  double try_step(double h) override {
    needs_stiff_ = false;
    const double err = state_->try_step(h);
    // (std::memcpy: a third of the instructions of Eigen's SSE2 copy of these n values.)
    std::memcpy(x_new_.data(), state_->candidate().data(), bytes_n_);
    // The error estimate is read only after a failed trial (the integrator's messages).
    const auto keep_error = [&] { std::memcpy(x_err_.data(), state_->error_estimate().data(), bytes_n_); };
    if (!(err <= 1)) {  // rejected (or non-finite): no sensitivity work
      keep_error();
      return err;
    }
    const double t0 = t_;
    state_->accept(t0 + h, {});
    const Advance advance = advance_sensitivities(t0, t0 + h);
    if (advance == Advance::ok) return err;
    keep_error();
    // The trial is undone: the state stepper goes back to the current point.
    xs_ = x_.head(n_);
    state_->reset(t0, xs_);
    if (advance == Advance::stiff || stiff_fallback_) {
      // Sensitivities too stiff for the substeps allowed (or, which their
      // test should have prevented, non-finite): auto goes on with Rodas4,
      // rk45 retries with a smaller step (the controller's largest cut).
      needs_stiff_ = stiff_fallback_;
      return stiff_rejection;
    }
    // For the integrator's verdict and message: the trial's S, and S' at
    // the current point (which accept() leaves in ds_ only).
    sys_.to_columns(s_new_.data(), x_new_.data() + n_);
    sys_.to_columns(ds_.data(), dxdt_.data() + n_);
    return std::numeric_limits<double>::quiet_NaN();
  }

  bool needs_stiff_method() const override { return needs_stiff_; }

  void accept(double t_new, const std::vector<Index>& set_to_zero) override {
    s_old_.swap(s_);
    s_.swap(s_new_);
    ds_old_.swap(ds_);
    ds_.swap(ds_new_);
    x_old_.swap(x_);  // previous_state()
    std::memcpy(x_.data(), state_->state().data(), bytes_n_);
    sys_.scatter_rows(s_.data(), x_.data() + n_);
    // S' stays in ds_ (the integrator reads derivative() after reset() and failed trials).
    std::memcpy(dxdt_.data(), state_->derivative().data(), bytes_n_);
    t_old_ = t_;
    t_ = t_new;
    if (!set_to_zero.empty()) {
      for (Index i : set_to_zero) x_[i] = 0;
      rhs(t_, x_, dxdt_);
      load_current();
      xs_ = x_.head(n_);
      state_->reset(t_, xs_);
    }
    // Unless the integrator's stiffness test (auto) keeps ρ current, estimate
    // it every few steps for the substeps of the sensitivities.
    if (++steps_since_radius_ > radius_every) stiffness_estimate();
  }

  void interpolate(double t, VectorXd& z) override {
    state_->interpolate(t, xm_);
    z.head(n_) = xm_;
    const double h = t_ - t_old_, s = (t - t_old_) / h, s2 = s * s, s3 = s2 * s;
    rows_ = (2 * s3 - 3 * s2 + 1) * s_old_ + ((s3 - 2 * s2 + s) * h) * ds_old_ + (3 * s2 - 2 * s3) * s_ +
            ((s3 - s2) * h) * ds_;
    sys_.to_columns(rows_.data(), z.data() + n_);
  }

  /// The state stepper's test (Dormand–Prince's power iteration on the state
  /// alone); ρ from it also sets the sensitivities' substeps.
  double stiffness_estimate() override {
    steps_since_radius_ = 0;
    const double h_lambda = state_->stiffness_estimate();
    const double h = state_->time() - state_->previous_time();
    radius_ = h_lambda > 0 && h > 0 ? h_lambda / h : 0;
    return h_lambda;
  }

 private:
  enum class Advance { ok, non_finite, stiff };

  /// S, S' at the current point in row order from x_ and dxdt_.
  void load_current() {
    sys_.to_rows(x_.data() + n_, s_.data());
    sys_.to_rows(dxdt_.data() + n_, ds_.data());
  }

  /// S across the step [t0, t1] that the state stepper has just accepted
  /// into s_new_, and S' at t1 into ds_new_, in m RK4 substeps: the least
  /// power of 2 that keeps (h/m)·ρ within RK4's stability interval, ρ the
  /// larger of the state's estimate and the sensitivities' own (radius_s_).
  /// Each substep measures the latter from its stages (see stiffness_of_stages);
  /// a substep outside the interval makes it larger and the step starts over
  /// with more substeps. The stages are written into the products' input.
  Advance advance_sensitivities(double t0, double t1) {
    const double h = t1 - t0;
    const Index size = sys_.product_size();
    double* stage = sys_.product_input();
    if (power_stale_) {  // the first step since reset(): J at the start
      power_stale_ = false;
      steps_since_power_ = 0;
      sys_.prepare_columns(t0, x_.data());
      radius_p_ = power_iteration(x_.data(), s_.data(), ds_.data(), h);
    }
    for (;;) {
      // The state's estimate with its margin; the sensitivities' own up to
      // the boundary (they measure J itself, to within a few per cent).
      const double radius_s = std::max(radius_s_, radius_p_);
      const auto unstable_at = [&](int m) {
        return (h / m) * radius_ > rk4_stable_h_lambda || (h / m) * radius_s > rk4_unstable_h_lambda;
      };
      int m = 1;
      while (m < max_substeps_ && unstable_at(m)) m *= 2;
      if (unstable_at(m)) return Advance::stiff;
      const double* s = s_.data();    // S at the substep's start
      const double* k1 = ds_.data();  // and S' there
      bool finite = true, unstable = false;
      for (int q = 0; q < m && !unstable; ++q) {
        const double ta = t0 + h * q / m, hs = h / m;
        const double tb = q + 1 == m ? t1 : t0 + h * (q + 1) / m;
        state_->interpolate(ta + 0.5 * hs, xm_);
        sys_.prepare_columns(ta + 0.5 * hs, xm_.data());
        rk4_stage(size, stage, s, 0.5 * hs, k1);
        sys_.products(k2_.data());
        rk4_stage(size, stage, s, 0.5 * hs, k2_.data());
        sys_.products(k3_.data());
        const double rho = stiffness_of_stages(hs, s, k1);  // and the stage s + hs·k3
        if (hs * rho > rk4_unstable_h_lambda) {
          radius_s_ = std::max(radius_s_, rho);
          unstable = true;
          break;
        }
        // The end's state: the step's own (q + 1 == m) or its dense output.
        const double* xb = state_->state().data();
        if (q + 1 < m) {
          state_->interpolate(tb, xm_);
          xb = xm_.data();
        }
        sys_.prepare_columns(tb, xb);
        sys_.products(k4_.data());
        finite = rk4_update(size, s_new_.data(), stage, s, hs / 6, k1, k2_.data(), k3_.data(), k4_.data());
        sys_.products(ds_new_.data());
        s = s_new_.data();
        k1 = ds_new_.data();
        stats_.rhs_evals += 2;
      }
      if (unstable) continue;  // again, with the substeps the new ρ asks for
      if (!finite || !all_finite(size, ds_new_.data())) return Advance::non_finite;
      // Every few steps, ρ for the next ones from J at the end, which the
      // last substep has just prepared.
      if (++steps_since_power_ >= power_every) {
        steps_since_power_ = 0;
        radius_p_ = power_iteration(state_->state().data(), s_new_.data(), ds_new_.data(), h);
      }
      return Advance::ok;
    }
  }

  /// ρ(J) on the rows of S that can be non-zero, at the point the last
  /// prepare_columns() was for (state x, for the weights; S there s and S'
  /// = products(s) ds, row order), by a power iteration on the same
  /// row-weighted J as stiffness_of_stages, from a fixed start with every row
  /// and column in it (3 iterations), later from the last vector (1): J·V =
  /// products(S + V) − S', every column at once (V scaled to S, see
  /// power_input), one products() per iteration. The stages only see the
  /// modes S carries, weighted by their share, so a mode far stiffer than the
  /// rest can still be below their notice when one step multiplies it by
  /// R(hλ) ~ (hλ)⁴/24; this sees it whatever S holds. h: the step's size
  /// (for the scale of V). The largest ‖J·v‖/‖v‖ over the columns.
  double power_iteration(const double* x, const double* s, const double* ds, double h) {
    const Index stride = sys_.product_stride(), size = sys_.product_size(), rows = size / stride;
    if (size == 0) return 0;
    const Index columns = sys_.num_columns();
    const auto& states = sys_.product_rows();
    for (Index r = 0; r < rows; ++r)
      row_weights_[r] = 1 / (std::abs(x[states[static_cast<std::size_t>(r)]]) + row_floor_[r]);
    // Any fixed pattern with all rows present and no structure J could be
    // orthogonal to: signs and sizes that vary with row and column (in the
    // weighted units; power_ holds v in S's own, power_scale_ its factor to
    // weighted norm 1). For every column at the start, later for a column
    // whose last vector was of no use.
    const auto seed = [&](Index c) {
      for (Index r = 0; r < rows; ++r)
        power_[r * stride + c] = (((r * 7 + c * 3) % 5) + 1.0) * ((r + c) % 3 == 0 ? -1 : 1) / row_weights_[r];
      power_scale_[c] = 1;
    };
    if (!power_warm_) {
      power_.setZero();
      power_scale_.setZero(stride);
      for (Index c = 0; c < columns; ++c) seed(c);
    }
    power_norms_.resize(4 * stride);  // the sums, ν (and power_input's sums for other strides)
    double* nu = power_norms_.data() + 2 * stride;
    double* in = sys_.product_input();
    double radius = 0;
    bool reseed = false;
    for (int iteration = 0; iteration < (power_warm_ ? 1 : 3); ++iteration) {
      power_input(rows, stride, row_weights_.data(), s, ds, power_.data(), power_scale_.data(), h, in, nu);
      sys_.products(power_out_.data());
      power_sums(rows, stride, row_weights_.data(), nu, power_.data(), ds, power_out_.data(), power_norms_.data());
      power_.swap(power_out_);  // the next vector: J·v, with the factor to weighted norm 1
      radius = 0;
      reseed = false;
      for (Index c = 0; c < columns; ++c) {
        const double vv = power_norms_[c], ww = power_norms_[stride + c];
        const bool usable = vv > 0 && ww > 0 && std::isfinite(ww);
        if (usable) radius = std::max(radius, std::sqrt(ww / vv));
        reseed = reseed || !usable;
        power_scale_[c] = usable ? 1 / std::sqrt(ww) : 0;
      }
    }
    if (reseed)
      for (Index c = 0; c < columns; ++c)
        if (power_scale_[c] == 0) seed(c);
    stats_.rhs_evals += 1;
    power_warm_ = radius > 0;
    return radius;
  }

  /// ρ(J) as the substep's stages see it (Hairer's DOPRI5 test, on S). The
  /// stages k2 and k3 share J and ∂f/∂p at the midpoint, so
  /// k3 − k2 = (hs/2)·J·(k2 − k1) exactly: one step of a power iteration
  /// from k2 − k1 ≈ (hs/2)·J·S', in which a mode λ of S weighs about λ²
  /// times its share of S. A stiff mode of S shows here long before it
  /// could spoil S (a share of (ρ_slow/λ)² of S is enough). Norms weighted
  /// per row by 1 / (|x_i| + abs_tol_i/rel_tol): species of very different
  /// magnitudes make J far from normal (on the leukocyte model ‖J‖₂ ≈ 7,500
  /// against ρ(J) ≈ 2.3 /h), and the unweighted ratio measured ‖J‖ there,
  /// not ρ; weighted, it reads 2.4. Per column (S's columns differ in scale
  /// as their parameters do), the largest ‖k3 − k2‖ / ‖k2 − k1‖ · 2/hs over
  /// the columns where k2 − k1 stands above the rounding of k1 (else the
  /// ratio is noise). In the same pass, RK4's last stage s + hs·k3 into the
  /// products' input.
  double stiffness_of_stages(double hs, const double* s, const double* k1) {
    const Index stride = sys_.product_stride();
    stage_norms_.resize(3 * stride);
    stage_differences(sys_.product_size() / stride, stride, row_weights_.data(), k1, k2_.data(), k3_.data(),
                      stage_norms_.data(), s, hs, sys_.product_input());
    double ratio = 0;  // the largest ‖k3 − k2‖² / ‖k2 − k1‖²
    for (Index c = 0; c < stride; ++c) {
      const double uu = stage_norms_[c], ww = stage_norms_[stride + c], kk = stage_norms_[2 * stride + c];
      if (uu > stage_noise * stage_noise * kk && uu > 0 && ww < std::numeric_limits<double>::infinity())
        ratio = std::max(ratio, ww / uu);
    }
    return 2 * std::sqrt(ratio) / hs;
  }

  StateSystem state_system_;
  std::unique_ptr<solve::detail::Stepper> state_;  ///< Dormand–Prince on the state alone
  /// The state at a dense-output time; the state for the state stepper's restarts.
  VectorXd xm_, xs_;
  /// S and S' in row order at the current point, the previous one and the
  /// trial's end; RK4's stages; the dense output.
  VectorXd s_, ds_, s_old_, ds_old_, s_new_, ds_new_, k2_, k3_, k4_, rows_;
  double radius_ = 0;  ///< latest estimate of ρ(J) from the state stepper's test (0: none yet)
  /// The largest ρ(J) the sensitivities' stages have shown since reset() (0: none).
  double radius_s_ = 0;
  /// Most substeps per step: 4 when a Rodas4 follows (auto), else max_substeps.
  int max_substeps_;
  bool stiff_fallback_;          ///< method auto: needs_stiff_method() instead of tiny substeps
  std::size_t bytes_n_;          ///< the state's n values in bytes (for std::memcpy)
  bool needs_stiff_ = false;     ///< the last trial: see needs_stiff_method()
  Eigen::VectorXd stage_norms_;  ///< stiffness_of_stages's sums per column
  /// Per row of the row order: abs_tol / rel_tol of its state, and the
  /// weight 1 / (|x| + that) at the last power_iteration (see
  /// stiffness_of_stages).
  Eigen::VectorXd row_floor_, row_weights_;
  int steps_since_radius_ = 0;
  /// power_iteration's: its latest ρ (0: none), vector and its factors, J·v, sums;
  /// whether the vector is from the last estimate; steps since.
  double radius_p_ = 0;
  Eigen::VectorXd power_, power_scale_, power_out_, power_norms_;
  bool power_warm_ = false, power_stale_ = true;
  int steps_since_power_ = 0;
};

}  // namespace

solve::StepperFactory make_sensitivity_dopri5(SensitivitySystem& system, bool stiff_fallback) {
  return [&system, stiff_fallback](solve::OdeSystem&, const solve::detail::ErrorNorm& norm,
                                   solve::SolveStats& stats) -> std::unique_ptr<solve::detail::Stepper> {
    return std::make_unique<SensitivityDopri5>(system, norm, stats, stiff_fallback);
  };
}

}  // namespace exvivo::fit
