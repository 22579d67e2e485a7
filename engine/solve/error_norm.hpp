#pragma once
// Weighted RMS norm of a local error estimate (Hairer & Wanner; CVODE's WRMS):
//   ‖e‖ = sqrt( (1/n) Σ_i ( e_i / (atol_i + rtol · max(|a_i|, |b_i|)) )² )
// where a and b are the states at both ends of the step. A step is acceptable
// when ‖e‖ ≤ 1. Engine-internal (used by the steppers and integrate()).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include <Eigen/Dense>

namespace exvivo::solve::detail {

class ErrorNorm {
 public:
  /// abs_tol: one value for every component, or one per component.
  ErrorNorm(double rel_tol, const std::vector<double>& abs_tol, std::size_t n)
      : rel_tol_(rel_tol), abs_tol_(static_cast<Eigen::Index>(n)) {
    for (std::size_t i = 0; i < n; ++i)
      abs_tol_[static_cast<Eigen::Index>(i)] = abs_tol.size() == 1 ? abs_tol[0] : abs_tol[i];
  }

  double operator()(const Eigen::VectorXd& e, const Eigen::VectorXd& a,
                    const Eigen::VectorXd& b) const {
    double sum = 0;
    const Eigen::Index n = e.size();
    for (Eigen::Index i = 0; i < n; ++i) {
      // abs_tol may be 0: keep the weight positive so that 0/0 cannot occur.
      const double w = std::max(abs_tol_[i] + rel_tol_ * std::max(std::abs(a[i]), std::abs(b[i])),
                                std::numeric_limits<double>::min());
      const double r = e[i] / w;
      sum += r * r;
    }
    return n == 0 ? 0.0 : std::sqrt(sum / static_cast<double>(n));
  }

  /// ‖v‖ with weights from one state only (initial step selection).
  double operator()(const Eigen::VectorXd& v, const Eigen::VectorXd& a) const {
    return (*this)(v, a, a);
  }

  double rel_tol() const { return rel_tol_; }
  double abs_tol(Eigen::Index i) const { return abs_tol_[i]; }

 private:
  double rel_tol_;
  Eigen::VectorXd abs_tol_;
};

}  // namespace exvivo::solve::detail
