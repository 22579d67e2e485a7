// Rodas4 for the forward-sensitivity system (sensitivity_system.hpp): the
// method and coefficients of engine/solve's Rodas4 (Hairer & Wanner, RODAS),
// applied to z = (x, S) with the stage matrix's block structure used: one
// n × n Jacobian and one LU per step, shared by the state and every
// sensitivity column (as CVODES's simultaneous corrector shares its Newton
// matrix). Each stage
//   K_x = M⁻¹ R_x,     K_c = M⁻¹ (R_c + (C·K_x)_c),    M = I/(hγ) − J(t_n, x_n)
// where C·v is the derivative of the sensitivity right-hand side along v at
// (t_n, x_n, S_n), taken as a forward difference: one sensitivity right-hand
// side per stage. With the exact C this is Rodas4 on the augmented system
// (order 4, the same error control), not an approximation of it.
//
// The difference must not straddle a switch of f (a kink such as
// max(x − c, 0), a piecewise): ∂f/∂x jumps there, and a quotient across it
// carries that jump of J·S divided by the probe's step, an error that does
// not shrink with h. The integrator restarts at every crossing, so a step
// never straddles one, but right after a restart (or while a state grazes a
// threshold) the state lies within the probe's relative step of 1.5e-8 of
// the kink. So it went in PEtab's Smith_BMCSystBiol2013 at rel_tol 1e-10,
// abs_tol 1e-12 (condition figure2B__0_0__1_5em11): PI345P3 grazes
// pip3_basal, the kink of Akt's and PKC's phosphorylation; after the restart
// at t = 10.79239126365 (PI345P3 − pip3_basal = 8.8e-11) the probe went to
// −1.6e-8, and the error estimate stayed at 0.65 (the sensitivities of PKC,
// PKC_P and Akt to k8) for every h from 3e-13 to 1e-12: 11,500 steps shorter
// than 1e-9 up to t = 10.79239129, 13,253 steps in all against 1,378 up to
// the graze (the code of an earlier round ended there in a step size
// underflow). The probe therefore goes to the side where every switch keeps
// its sign (that of J at the step's start), backwards if need be, closer if
// both sides cross.
#include <cmath>
#include <limits>
#include <vector>

#include "fit/sensitivity_system.hpp"
#include "solve/rodas4_coefficients.hpp"
#include "solve/stepper.hpp"

namespace exvivo::fit {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

using namespace solve::detail::rodas4;  // the method's coefficients

class SensitivityRodas4 final : public SensitivityStepper {
 public:
  SensitivityRodas4(SensitivitySystem& system, const solve::detail::ErrorNorm& norm, solve::SolveStats& stats)
      : SensitivityStepper(system, norm, stats),
        N_(static_cast<Index>(system.size())),
        jac_(n_, n_),
        matrix_(n_, n_),
        lu_(n_),
        ds_(nk_),
        ds_probe_(nk_) {
    for (auto* v : {&dfdt_, &k1_, &k2_, &k3_, &k4_, &k5_, &k6_, &stage_, &rhs_, &q1_, &q2_, &probe_})
      v->setZero(N_);
  }

  const char* name() const override { return "rodas4"; }
  int order() const override { return 4; }

  void reset(double t, const VectorXd& x) override {
    start(t, x);
    have_derivative_ = true;
    have_jacobian_ = false;
    have_switches_ = false;
    lu_h_ = 0;
  }

  double try_step(double h) override {
    if (!have_derivative_) {
      rhs(t_, x_, dxdt_);
      have_derivative_ = true;
    }
    if (!have_jacobian_) {
      ++stats_.jacobian_evals;
      sys_.state_jacobian(t_, x_.data(), jac_.data());
      // ∂f/∂t of the whole system by a forward difference in t, as in RODAS.
      const double delta =
          std::sqrt(std::numeric_limits<double>::epsilon() * std::max(1e-5, std::abs(t_)));
      rhs(t_ + delta, x_, dfdt_);
      dfdt_ = (dfdt_ - dxdt_) / delta;
      have_jacobian_ = true;
      lu_h_ = 0;
    }
    if (h != lu_h_) {
      matrix_ = -jac_;
      matrix_.diagonal().array() += 1.0 / (h * gamma);
      lu_.compute(matrix_);
      ++stats_.lu_decompositions;
      lu_h_ = h;
    }
    const double inv_h = 1.0 / h;

    rhs_ = dxdt_ + (h * d1) * dfdt_;
    solve_stage(rhs_, k1_);

    stage_ = x_ + a21 * k1_;
    rhs(t_ + c2 * h, stage_, rhs_);
    rhs_ += (c21 * inv_h) * k1_ + (h * d2) * dfdt_;
    solve_stage(rhs_, k2_);

    stage_ = x_ + a31 * k1_ + a32 * k2_;
    rhs(t_ + c3 * h, stage_, rhs_);
    rhs_ += inv_h * (c31 * k1_ + c32 * k2_) + (h * d3) * dfdt_;
    solve_stage(rhs_, k3_);

    stage_ = x_ + a41 * k1_ + a42 * k2_ + a43 * k3_;
    rhs(t_ + c4 * h, stage_, rhs_);
    rhs_ += inv_h * (c41 * k1_ + c42 * k2_ + c43 * k3_) + (h * d4) * dfdt_;
    solve_stage(rhs_, k4_);

    stage_ = x_ + a51 * k1_ + a52 * k2_ + a53 * k3_ + a54 * k4_;
    rhs(t_ + h, stage_, rhs_);
    rhs_ += inv_h * (c51 * k1_ + c52 * k2_ + c53 * k3_ + c54 * k4_);
    solve_stage(rhs_, k5_);

    stage_ += k5_;  // embedded solution
    rhs(t_ + h, stage_, rhs_);
    rhs_ += inv_h * (c61 * k1_ + c62 * k2_ + c63 * k3_ + c64 * k4_ + c65 * k5_);
    solve_stage(rhs_, k6_);

    x_new_ = stage_ + k6_;
    x_err_ = k6_;
    return norm_(x_err_, x_, x_new_);
  }

  void accept(double t_new, const std::vector<Index>& set_to_zero) override {
    q1_ = d21 * k1_ + d22 * k2_ + d23 * k3_ + d24 * k4_ + d25 * k5_;
    q2_ = d31 * k1_ + d32 * k2_ + d33 * k3_ + d34 * k4_ + d35 * k5_;
    x_old_.swap(x_);
    x_ = x_new_;
    for (Index i : set_to_zero) x_[i] = 0;
    t_old_ = t_;
    t_ = t_new;
    have_derivative_ = false;
    have_jacobian_ = false;
    have_switches_ = false;
  }

  void interpolate(double t, VectorXd& x) override {
    const double s = (t - t_old_) / (t_ - t_old_);
    const double s1 = 1.0 - s;
    x = s1 * x_old_ + s * (x_ + s1 * (q1_ + s * q2_));
  }

 private:
  /// K = (I/(hγ) − A)⁻¹ R for the block lower triangular A (see the top).
  void solve_stage(const VectorXd& R, VectorXd& K) {
    K.head(n_) = lu_.solve(R.head(n_));
    if (k_ == 0) return;
    const auto v = K.head(n_);
    // Step along v of about sqrt(eps) relative to each component's scale
    // (|x_i| or, near 0, abs_tol/rel_tol).
    double largest = 0;
    for (Index i = 0; i < n_; ++i) {
      const double scale = std::abs(x_[i]) + norm_.abs_tol(i) / norm_.rel_tol();
      largest = std::max(largest, std::abs(v[i]) / scale);
    }
    Eigen::Map<const VectorXd> ds_here(dxdt_.data() + n_, nk_);
    if (largest > 0 && std::isfinite(largest)) {
      const double epsilon = probe_step(std::sqrt(std::numeric_limits<double>::epsilon()) / largest, v);
      sys_.sensitivity_rhs(t_, probe_.data(), ds_probe_.data());
      ds_ = R.tail(nk_) + (ds_probe_ - ds_here) / epsilon;
    } else {
      ds_ = R.tail(nk_);
    }
    // Column by column: Eigen's blocked triangular solve for an n × k
    // right-hand side costs twice k vector solves at these sizes.
    auto columns = sys_.columns_of(K);
    for (Index c = 0; c < k_; ++c) columns.col(c) = lu_.solve(ds_.segment(c * n_, n_));
  }

  /// The probe x + ε·v of solve_stage into probe_ (the rest of z as x_),
  /// with ε = `step` unless that changes the sign of a switch of f (see the
  /// top): then −step, or a step 8, 64, … 4096 times smaller in either
  /// direction, whichever first keeps every sign; `step` if none does.
  /// Returns the ε used.
  template <class V>
  double probe_step(double step, const V& v) {
    const auto place = [&](double epsilon) {
      probe_ = x_;
      probe_.head(n_) += epsilon * v;
    };
    const std::size_t switches = sys_.num_switches();
    if (switches == 0) {
      place(step);
      return step;
    }
    if (!have_switches_) {  // g at the step's start, once per step
      switches_here_.resize(switches);
      switches_probe_.resize(switches);
      sys_.switches(t_, x_.data(), switches_here_.data());
      have_switches_ = true;
    }
    for (double size = step; size >= step / 4096; size /= 8)
      for (const double epsilon : {size, -size}) {
        place(epsilon);
        sys_.switches(t_, probe_.data(), switches_probe_.data());
        bool same = true;
        for (std::size_t j = 0; j < switches && same; ++j) same = (switches_probe_[j] < 0) == (switches_here_[j] < 0);
        if (same) return epsilon;
      }
    place(step);
    return step;
  }

  Index N_;
  bool have_derivative_ = false, have_jacobian_ = false;
  bool have_switches_ = false;  ///< switches_here_ holds g(t_, x_)
  std::vector<double> switches_here_, switches_probe_;
  double lu_h_ = 0;
  MatrixXd jac_, matrix_;
  Eigen::PartialPivLU<MatrixXd> lu_;
  VectorXd ds_, ds_probe_;
  VectorXd dfdt_, k1_, k2_, k3_, k4_, k5_, k6_, stage_, rhs_, q1_, q2_, probe_;
};

}  // namespace

solve::StepperFactory make_sensitivity_rodas4(SensitivitySystem& system) {
  return [&system](solve::OdeSystem&, const solve::detail::ErrorNorm& norm, solve::SolveStats& stats)
             -> std::unique_ptr<solve::detail::Stepper> {
    return std::make_unique<SensitivityRodas4>(system, norm, stats);
  };
}

}  // namespace exvivo::fit
