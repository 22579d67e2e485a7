// Dormand–Prince 5(4) with Hairer's 4th-order dense output. The arithmetic is
// Boost.Odeint's runge_kutta_dopri5 (which this stepper used until it was the
// largest cost after the right-hand side), operation for operation: the same
// coefficients, the same products dt·b_ij formed once per step, the same
// left-to-right sums, so the stages, states, error estimates and dense output
// are bit-identical to odeint's. Written out here so that the stage
// combinations are flat loops over raw arrays that the compiler vectorises
// (with an AVX2 clone chosen at run time; no FMA, so every machine computes
// the same bits), and so that the error estimate and its weighted norm are
// one pass instead of two. The norm's sum of squares runs in four
// interleaved partial sums (one vector register) rather than ErrorNorm's
// single chain of dependent additions, which cost 4–5 % of a leukocyte
// cohort's CPU time: it may differ from ErrorNorm's in the last bits.
#include <algorithm>
#include <cmath>
#include <limits>

#include "solve/stepper.hpp"
#include "core/vector_loop.hpp"

// The stage loops run over the state at a length known only at run time;
// GCC's -O2 vectorises such loops only with the dynamic cost model
// (element-wise operations: the same bits either way).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=dynamic")
#endif

namespace exvivo::solve::detail {
namespace {

using Index = Eigen::Index;

// Stage combinations out = x + a1·k1 + a2·k2 + ... (odeint's scale_sumN with
// the leading factor 1.0, an exact product that is left out).
EXVIVO_VECTOR_LOOP void combine1(Index n, double* __restrict out, const double* __restrict x, double a1,
                                 const double* __restrict k1) {
  for (Index i = 0; i < n; ++i) out[i] = x[i] + a1 * k1[i];
}

EXVIVO_VECTOR_LOOP void combine2(Index n, double* __restrict out, const double* __restrict x, double a1,
                                 const double* __restrict k1, double a2, const double* __restrict k2) {
  for (Index i = 0; i < n; ++i) out[i] = x[i] + a1 * k1[i] + a2 * k2[i];
}

EXVIVO_VECTOR_LOOP void combine3(Index n, double* __restrict out, const double* __restrict x, double a1,
                                 const double* __restrict k1, double a2, const double* __restrict k2, double a3,
                                 const double* __restrict k3) {
  for (Index i = 0; i < n; ++i) out[i] = x[i] + a1 * k1[i] + a2 * k2[i] + a3 * k3[i];
}

EXVIVO_VECTOR_LOOP void combine4(Index n, double* __restrict out, const double* __restrict x, double a1,
                                 const double* __restrict k1, double a2, const double* __restrict k2, double a3,
                                 const double* __restrict k3, double a4, const double* __restrict k4) {
  for (Index i = 0; i < n; ++i) out[i] = x[i] + a1 * k1[i] + a2 * k2[i] + a3 * k3[i] + a4 * k4[i];
}

EXVIVO_VECTOR_LOOP void combine5(Index n, double* __restrict out, const double* __restrict x, double a1,
                                 const double* __restrict k1, double a2, const double* __restrict k2, double a3,
                                 const double* __restrict k3, double a4, const double* __restrict k4, double a5,
                                 const double* __restrict k5) {
  for (Index i = 0; i < n; ++i) out[i] = x[i] + a1 * k1[i] + a2 * k2[i] + a3 * k3[i] + a4 * k4[i] + a5 * k5[i];
}

EXVIVO_VECTOR_LOOP void combine6(Index n, double* __restrict out, const double* __restrict x, double a1,
                                 const double* __restrict k1, double a2, const double* __restrict k2, double a3,
                                 const double* __restrict k3, double a4, const double* __restrict k4, double a5,
                                 const double* __restrict k5, double a6, const double* __restrict k6) {
  for (Index i = 0; i < n; ++i)
    out[i] = x[i] + a1 * k1[i] + a2 * k2[i] + a3 * k3[i] + a4 * k4[i] + a5 * k5[i] + a6 * k6[i];
}

/// The embedded error estimate e = Σ d_j·k_j (odeint's scale_sum6) and the
/// sum of the squared weighted components (e_i / w_i)² of ErrorNorm, in one
/// pass. The sum runs in four interleaved partial sums (components i ≡ 0, 1,
/// 2, 3 mod 4, added as ((s0 + s1) + (s2 + s3)) + the tail), one vector
/// register wide, instead of ErrorNorm's single chain of n dependent
/// additions: the same terms, rounded in another order (the norm may differ
/// from ErrorNorm's in its last bits). Counts the negative components of
/// x_new into `negative` (for the integrator's non-negativity check).
EXVIVO_VECTOR_LOOP double error_and_weights(Index n, double* __restrict err, const double* __restrict k1,
                                            const double* __restrict k3, const double* __restrict k4,
                                            const double* __restrict k5, const double* __restrict k6,
                                            const double* __restrict k7, const double* d, const double* __restrict x,
                                            const double* __restrict x_new, const double* __restrict abs_tol,
                                            double rel_tol, long& negative) {
  const double d1 = d[0], d3 = d[1], d4 = d[2], d5 = d[3], d6 = d[4], d7 = d[5];
  const auto square = [&](Index i) {
    const double e = d1 * k1[i] + d3 * k3[i] + d4 * k4[i] + d5 * k5[i] + d6 * k6[i] + d7 * k7[i];
    err[i] = e;
    const double w = std::max(abs_tol[i] + rel_tol * std::max(std::abs(x[i]), std::abs(x_new[i])),
                              std::numeric_limits<double>::min());
    const double r = e / w;
    return r * r;
  };
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  Index i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += square(i);
    s1 += square(i + 1);
    s2 += square(i + 2);
    s3 += square(i + 3);
  }
  double sum = (s0 + s1) + (s2 + s3);
  for (; i < n; ++i) sum += square(i);
  long negatives = 0;
  for (Index j = 0; j < n; ++j) negatives += x_new[j] < 0 ? 1 : 0;
  negative = negatives;
  return sum;
}

/// Σ v_i² in four interleaved partial sums, like error_and_weights.
EXVIVO_VECTOR_LOOP double sum_of_squares(Index n, const double* __restrict v) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  Index i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += v[i] * v[i];
    s1 += v[i + 1] * v[i + 1];
    s2 += v[i + 2] * v[i + 2];
    s3 += v[i + 3] * v[i + 3];
  }
  double sum = (s0 + s1) + (s2 + s3);
  for (; i < n; ++i) sum += v[i] * v[i];
  return sum;
}

/// out = (a − b) / delta, element-wise; returns Σ out_i² as sum_of_squares.
EXVIVO_VECTOR_LOOP double difference_quotient(Index n, double* __restrict out, const double* __restrict a,
                                              const double* __restrict b, double delta) {
  for (Index i = 0; i < n; ++i) out[i] = (a[i] - b[i]) / delta;
  return sum_of_squares(n, out);
}

// Butcher tableau (Dormand & Prince 1980), written as odeint writes it.
constexpr double a2 = 1.0 / 5, a3 = 3.0 / 10, a4 = 4.0 / 5, a5 = 8.0 / 9;
constexpr double b21 = 1.0 / 5;
constexpr double b31 = 3.0 / 40, b32 = 9.0 / 40;
constexpr double b41 = 44.0 / 45, b42 = -56.0 / 15, b43 = 32.0 / 9;
constexpr double b51 = 19372.0 / 6561, b52 = -25360.0 / 2187, b53 = 64448.0 / 6561, b54 = -212.0 / 729;
constexpr double b61 = 9017.0 / 3168, b62 = -355.0 / 33, b63 = 46732.0 / 5247, b64 = 49.0 / 176, b65 = -5103.0 / 18656;
constexpr double c1 = 35.0 / 384, c3 = 500.0 / 1113, c4 = 125.0 / 192, c5 = -2187.0 / 6784, c6 = 11.0 / 84;
constexpr double dc1 = c1 - 5179.0 / 57600, dc3 = c3 - 7571.0 / 16695, dc4 = c4 - 393.0 / 640,
                 dc5 = c5 - -92097.0 / 339200, dc6 = c6 - 187.0 / 2100, dc7 = -1.0 / 40;

class Dopri5Stepper final : public Stepper {
 public:
  Dopri5Stepper(OdeSystem& system, const ErrorNorm& norm, SolveStats& stats)
      : Stepper(system, norm, stats), n_(static_cast<Index>(system.size())) {
    for (Eigen::VectorXd* v :
         {&dxdt_old_, &dxdt_new_, &probe_, &probe_dxdt_, &x_tmp_, &k2_, &k3_, &k4_, &k5_, &k6_, &abs_tol_})
      v->setZero(n_);
    for (Index i = 0; i < n_; ++i) abs_tol_[i] = norm.abs_tol(i);
  }

  const char* name() const override { return "rk45"; }
  int order() const override { return 5; }

  void reset(double t, const Eigen::VectorXd& x) override {
    t_ = t_old_ = t;
    x_ = x;
    x_old_ = x;
    rhs(t_, x_, dxdt_);
    dxdt_old_ = dxdt_;
  }

  double try_step(double h) override {
    const double t = t_;
    const double* x = x_.data();
    const double* k1 = dxdt_.data();
    double* tmp = x_tmp_.data();
    combine1(n_, tmp, x, h * b21, k1);
    rhs(t + h * a2, x_tmp_, k2_);
    combine2(n_, tmp, x, h * b31, k1, h * b32, k2_.data());
    rhs(t + h * a3, x_tmp_, k3_);
    combine3(n_, tmp, x, h * b41, k1, h * b42, k2_.data(), h * b43, k3_.data());
    rhs(t + h * a4, x_tmp_, k4_);
    combine4(n_, tmp, x, h * b51, k1, h * b52, k2_.data(), h * b53, k3_.data(), h * b54, k4_.data());
    rhs(t + h * a5, x_tmp_, k5_);
    combine5(n_, tmp, x, h * b61, k1, h * b62, k2_.data(), h * b63, k3_.data(), h * b64, k4_.data(), h * b65,
             k5_.data());
    rhs(t + h, x_tmp_, k6_);
    combine5(n_, x_new_.data(), x, h * c1, k1, h * c3, k3_.data(), h * c4, k4_.data(), h * c5, k5_.data(), h * c6,
             k6_.data());
    rhs(t + h, x_new_, dxdt_new_);
    const double d[6] = {h * dc1, h * dc3, h * dc4, h * dc5, h * dc6, h * dc7};
    const double sum =
        error_and_weights(n_, x_err_.data(), k1, k3_.data(), k4_.data(), k5_.data(), k6_.data(), dxdt_new_.data(), d, x,
                          x_new_.data(), abs_tol_.data(), norm_.rel_tol(), negative_);
    return n_ == 0 ? 0.0 : std::sqrt(sum / static_cast<double>(n_));
  }

  bool candidate_has_negative() const override { return negative_ > 0; }

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

  /// Hairer, Nørsett & Wanner I, §II.6 (odeint's calc_state, term for term).
  void interpolate(double t, Eigen::VectorXd& x) override {
    const double dt = t_ - t_old_;
    const double theta = (t - t_old_) / dt;
    const double X1 = 5.0 * (2558722523.0 - 31403016.0 * theta) / 11282082432.0;
    const double X3 = 100.0 * (882725551.0 - 15701508.0 * theta) / 32700410799.0;
    const double X4 = 25.0 * (443332067.0 - 31403016.0 * theta) / 1880347072.0;
    const double X5 = 32805.0 * (23143187.0 - 3489224.0 * theta) / 199316789632.0;
    const double X6 = 55.0 * (29972135.0 - 7076736.0 * theta) / 822651844.0;
    const double X7 = 10.0 * (7414447.0 - 829305.0 * theta) / 29380423.0;
    const double theta_m_1 = theta - 1.0;
    const double theta_sq = theta * theta;
    const double A = theta_sq * (3.0 - 2.0 * theta);
    const double B = theta_sq * theta_m_1;
    const double C = theta_sq * theta_m_1 * theta_m_1;
    const double D = theta * theta_m_1 * theta_m_1;
    const double b1_theta = A * c1 - C * X1 + D;
    const double b3_theta = A * c3 + C * X3;
    const double b4_theta = A * c4 - C * X4;
    const double b5_theta = A * c5 + C * X5;
    const double b6_theta = A * c6 - C * X6;
    const double b7_theta = B + C * X7;
    x.resize(n_);
    combine6(n_, x.data(), x_old_.data(), dt * b1_theta, dxdt_old_.data(), dt * b3_theta, k3_.data(), dt * b4_theta,
             k4_.data(), dt * b5_theta, k5_.data(), dt * b6_theta, k6_.data(), dt * b7_theta, dxdt_.data());
  }

  /// Hairer's DOPRI5 test estimates h·|λ| for the eigenvalue that limits the
  /// step from two nearby states. We refine that idea into a matrix-free power
  /// iteration, J·v ≈ (f(x + δv) − f(x)) / δ. The first check starts from the
  /// step's error estimate (dominated by the stiff directions when stability
  /// limits h) and iterates 3 times; later checks continue from the previous
  /// check's vector, whose direction changes slowly along a solution, so one
  /// iteration (one rhs evaluation) keeps refining the same estimate.
  double stiffness_estimate() override {
    // direction_norm_ is ‖direction_‖ from the check that left direction_
    // (finite and > 0, else direction_ was dropped): not recomputed.
    const bool warm = direction_.size() == x_.size();
    if (!warm) {
      direction_ = x_err_;
      direction_norm_ = std::sqrt(sum_of_squares(n_, direction_.data()));
    }
    double length = direction_norm_;
    if (!(length > 0) || !std::isfinite(length)) {
      direction_.resize(0);
      return 0;
    }
    const double x_scale = std::max(std::sqrt(sum_of_squares(n_, x_.data())), 1e-8);
    double radius = 0;
    for (int iteration = 0; iteration < (warm ? 1 : 3); ++iteration) {
      const double delta = 1e-7 * x_scale;
      combine1(n_, probe_.data(), x_.data(), delta / length, direction_.data());
      rhs(t_, probe_, probe_dxdt_);
      // ≈ J·v for the unit vector v
      radius = std::sqrt(difference_quotient(n_, direction_.data(), probe_dxdt_.data(), dxdt_.data(), delta));
      if (!(radius > 0) || !std::isfinite(radius)) {
        direction_.resize(0);
        return 0;
      }
      length = radius;
    }
    direction_norm_ = radius;
    return (t_ - t_old_) * radius;
  }

 private:
  Index n_;
  Eigen::VectorXd dxdt_old_, dxdt_new_, probe_, probe_dxdt_;
  Eigen::VectorXd x_tmp_, k2_, k3_, k4_, k5_, k6_;  ///< stage point and stages 2–6 of the last trial
  long negative_ = 0;                               ///< negative components of the last trial
  Eigen::VectorXd abs_tol_;                         ///< ErrorNorm's per-component abs_tol
  Eigen::VectorXd direction_;  ///< power-iteration vector of the last stiffness check (empty: none yet)
  double direction_norm_ = 0;  ///< its norm
};

}  // namespace

std::unique_ptr<Stepper> make_dopri5(OdeSystem& system, const ErrorNorm& norm, SolveStats& stats) {
  return std::make_unique<Dopri5Stepper>(system, norm, stats);
}

}  // namespace exvivo::solve::detail
