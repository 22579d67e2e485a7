// Rodas4: the stiffly accurate Rosenbrock method of order 4(3) of Hairer &
// Wanner (Solving ODEs II, §IV.7, code RODAS), in the formulation where each
// stage solves (I/(hγ) − J) k_i = f(t + c_i h, x + Σ a_ij k_j) + Σ (c_ij/h) k_j
// + h d_i ∂f/∂t. The new solution is the last stage point, the embedded one
// the stage before; their difference k6 is the error estimate. One Jacobian and
// one LU per step; after a rejection the Jacobian is reused and only the LU is
// redone. The LU is dense (Eigen, partial pivoting) unless the system knows its
// Jacobian's sparsity and is large enough for a sparse LU (KLU) to pay.
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "solve/rodas4_coefficients.hpp"
#include "solve/sparse_lu.hpp"
#include "solve/stepper.hpp"

namespace exvivo::solve::detail {
namespace {

using namespace rodas4;  // the method's coefficients

// From this many states on, a system with a known sparsity pattern is
// factored by SparseLu: on the 50-state leukocyte model (337 non-zeros) KLU's
// refactor and solves cost a fraction of a dense 50×50 LU (bench/README.md);
// the small test-set problems (HIRES 8, ROBER 3) stay dense.
constexpr std::size_t sparse_from_states = 20;
// ... and at most this fill of J (beyond it a dense LU is as cheap).
constexpr double sparse_max_density = 0.3;

bool use_sparse(const OdeSystem& system) {
  const auto* pattern = system.jacobian_pattern();
  const std::size_t n = system.size();
  return pattern && n >= sparse_from_states &&
         static_cast<double>(pattern->size()) <= sparse_max_density * static_cast<double>(n * n);
}

class Rodas4Stepper final : public Stepper {
 public:
  Rodas4Stepper(OdeSystem& system, const ErrorNorm& norm, SolveStats& stats)
      : Stepper(system, norm, stats),
        n_(static_cast<Eigen::Index>(system.size())),
        autonomous_(system.autonomous()),
        jac_(use_sparse(system) ? 0 : n_, use_sparse(system) ? 0 : n_),
        matrix_(jac_.rows(), jac_.cols()),
        lu_(jac_.rows()) {
    if (use_sparse(system)) {
      sparse_ = std::make_unique<SparseLu>(system.size(), *system.jacobian_pattern());
      jac_values_.assign(system.jacobian_pattern()->size(), 0.0);
    }
    for (auto* v : {&dfdt_, &k1_, &k2_, &k3_, &k4_, &k5_, &k6_, &stage_, &rhs_, &q1_, &q2_})
      v->setZero(n_);
  }

  const char* name() const override { return "rodas4"; }
  int order() const override { return 4; }

  void reset(double t, const Eigen::VectorXd& x) override {
    t_ = t_old_ = t;
    x_ = x;
    x_old_ = x;
    rhs(t_, x_, dxdt_);
    have_derivative_ = true;
    have_jacobian_ = false;
    lu_h_ = 0;
  }

  double try_step(double h) override {
    if (!have_derivative_) {
      rhs(t_, x_, dxdt_);
      have_derivative_ = true;
    }
    if (!have_jacobian_) {
      ++stats_.jacobian_evals;
      if (sparse_) system_.jacobian_nonzeros(t_, x_.data(), jac_values_.data());
      else system_.jacobian(t_, x_.data(), jac_.data());
      if (!autonomous_) {
        // Forward difference in t as in RODAS: δ = sqrt(eps · max(1e-5, |t|)).
        const double delta =
            std::sqrt(std::numeric_limits<double>::epsilon() * std::max(1e-5, std::abs(t_)));
        rhs(t_ + delta, x_, dfdt_);
        dfdt_ = (dfdt_ - dxdt_) / delta;
      }
      have_jacobian_ = true;
      lu_h_ = 0;
    }
    if (h != lu_h_) {
      ++stats_.lu_decompositions;
      if (sparse_) {
        // A singular Newton matrix: report a failed trial so the step shrinks.
        if (!sparse_->factor(1.0 / (h * gamma), jac_values_.data())) {
          lu_h_ = 0;
          return std::numeric_limits<double>::infinity();
        }
      } else {
        matrix_ = -jac_;
        matrix_.diagonal().array() += 1.0 / (h * gamma);
        lu_.compute(matrix_);
      }
      lu_h_ = h;
    }
    const double inv_h = 1.0 / h;
    const bool with_dfdt = !autonomous_;

    rhs_ = dxdt_;
    if (with_dfdt) rhs_ += (h * d1) * dfdt_;
    solve_into(k1_);

    stage_ = x_ + a21 * k1_;
    rhs(t_ + c2 * h, stage_, rhs_);
    rhs_ += (c21 * inv_h) * k1_;
    if (with_dfdt) rhs_ += (h * d2) * dfdt_;
    solve_into(k2_);

    stage_ = x_ + a31 * k1_ + a32 * k2_;
    rhs(t_ + c3 * h, stage_, rhs_);
    rhs_ += inv_h * (c31 * k1_ + c32 * k2_);
    if (with_dfdt) rhs_ += (h * d3) * dfdt_;
    solve_into(k3_);

    stage_ = x_ + a41 * k1_ + a42 * k2_ + a43 * k3_;
    rhs(t_ + c4 * h, stage_, rhs_);
    rhs_ += inv_h * (c41 * k1_ + c42 * k2_ + c43 * k3_);
    if (with_dfdt) rhs_ += (h * d4) * dfdt_;
    solve_into(k4_);

    stage_ = x_ + a51 * k1_ + a52 * k2_ + a53 * k3_ + a54 * k4_;
    rhs(t_ + h, stage_, rhs_);
    rhs_ += inv_h * (c51 * k1_ + c52 * k2_ + c53 * k3_ + c54 * k4_);
    solve_into(k5_);

    stage_ += k5_;  // embedded solution
    rhs(t_ + h, stage_, rhs_);
    rhs_ += inv_h * (c61 * k1_ + c62 * k2_ + c63 * k3_ + c64 * k4_ + c65 * k5_);
    solve_into(k6_);

    x_new_ = stage_ + k6_;
    x_err_ = k6_;
    return norm_(x_err_, x_, x_new_);
  }

  void accept(double t_new, const std::vector<Eigen::Index>& set_to_zero) override {
    q1_ = d21 * k1_ + d22 * k2_ + d23 * k3_ + d24 * k4_ + d25 * k5_;
    q2_ = d31 * k1_ + d32 * k2_ + d33 * k3_ + d34 * k4_ + d35 * k5_;
    x_old_.swap(x_);
    x_ = x_new_;
    for (Eigen::Index i : set_to_zero) x_[i] = 0;
    t_old_ = t_;
    t_ = t_new;
    have_derivative_ = false;
    have_jacobian_ = false;
  }

  /// h·ρ(J) for the last accepted step, with J the Jacobian that step used
  /// (at its start): a few power-iteration products J·v, warm-started from
  /// the previous check's vector. `auto` uses it to return to Dormand–Prince
  /// when the step Rodas4 takes would be stable for the explicit method too.
  double stiffness_estimate() override {
    if (t_ == t_old_) return -1;
    if (direction_.size() != n_ || !direction_.allFinite() || !(direction_.norm() > 0)) direction_.setOnes(n_);
    double radius = 0;
    for (int iteration = 0; iteration < 4; ++iteration) {
      const double length = direction_.norm();
      if (!(length > 0) || !std::isfinite(length)) break;
      probe_ = direction_ / length;
      if (sparse_) {
        direction_.setZero();
        const auto& pattern = *system_.jacobian_pattern();
        for (std::size_t k = 0; k < pattern.size(); ++k)
          direction_[pattern[k].first] += jac_values_[k] * probe_[pattern[k].second];
      } else {
        direction_.noalias() = jac_ * probe_;
      }
      radius = direction_.norm();
    }
    if (!std::isfinite(radius)) {
      direction_.resize(0);
      return -1;
    }
    return (t_ - t_old_) * radius;
  }

  void interpolate(double t, Eigen::VectorXd& x) override {
    const double s = (t - t_old_) / (t_ - t_old_);
    const double s1 = 1.0 - s;
    x = s1 * x_old_ + s * (x_ + s1 * (q1_ + s * q2_));
  }

 private:
  /// k = (I/(hγ) − J)⁻¹ rhs_ with the current factorisation.
  void solve_into(Eigen::VectorXd& k) {
    if (sparse_) {
      k = rhs_;
      sparse_->solve(k.data());
    } else {
      k = lu_.solve(rhs_);
    }
  }

  Eigen::Index n_;
  bool autonomous_;
  bool have_derivative_ = false, have_jacobian_ = false;
  double lu_h_ = 0;
  Eigen::MatrixXd jac_, matrix_;
  Eigen::PartialPivLU<Eigen::MatrixXd> lu_;
  std::unique_ptr<SparseLu> sparse_;
  std::vector<double> jac_values_;
  Eigen::VectorXd dfdt_, k1_, k2_, k3_, k4_, k5_, k6_, stage_, rhs_, q1_, q2_;
  Eigen::VectorXd direction_, probe_;  ///< power iteration of stiffness_estimate()
};

}  // namespace

std::unique_ptr<Stepper> make_rodas4(OdeSystem& system, const ErrorNorm& norm, SolveStats& stats) {
  return std::make_unique<Rodas4Stepper>(system, norm, stats);
}

}  // namespace exvivo::solve::detail
