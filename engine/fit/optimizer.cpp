#include "fit/optimizer.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/core.h>

#include "core/check.hpp"

namespace exvivo::fit {

const std::vector<std::string>& optimizer_methods() {
  static const std::vector<std::string> methods = {"trust_region_lm"};
  return methods;
}

void OptimizerOptions::validate() const {
  check_one_of<OptionError>("optimizer.method", method, optimizer_methods());
  check_positive<OptionError>("optimizer.max_iter", max_iter);
  check_positive_finite<OptionError>("optimizer.tol", tol);
  check_positive_finite<OptionError>("optimizer.gradient_tol", gradient_tol);
}

namespace {

Eigen::VectorXd project(const Eigen::VectorXd& x, const Eigen::VectorXd& lo, const Eigen::VectorXd& hi) {
  return x.cwiseMax(lo).cwiseMin(hi);
}

bool finite(const Eigen::VectorXd& v) { return v.allFinite(); }

class Evaluator {
 public:
  Evaluator(const LeastSquaresProblem& p, int& count) : p_(p), count_(count) {}
  /// r(x) alone (J null) or with ∂r/∂θ.
  bool operator()(const Eigen::VectorXd& x, Eigen::VectorXd& r, Eigen::MatrixXd* J) {
    ++count_;
    bool ok = false;
    try {
      ok = p_.evaluate(x, r, J);
    } catch (const std::exception&) {
      // A failing simulation is a rejected trial point, never a dead fit.
      ok = false;
    }
    if (!ok || !finite(r)) return false;
    return !J || (J->allFinite() && J->rows() == r.size() && J->cols() == x.size());
  }
  /// ∂r/∂θ at x, whose residuals r are known: the residuals of the
  /// sensitivity solve are dropped, so that every cost the optimizer compares
  /// comes from the same (plain) solve.
  bool jacobian(const Eigen::VectorXd& x, const Eigen::VectorXd& r, Eigen::MatrixXd& J) {
    scratch_.resize(r.size());
    return (*this)(x, scratch_, &J) && scratch_.size() == r.size();
  }

 private:
  const LeastSquaresProblem& p_;
  int& count_;
  Eigen::VectorXd scratch_;
};

}  // namespace

OptimizerResult least_squares(const LeastSquaresProblem& problem, const Eigen::VectorXd& theta0,
                              const OptimizerOptions& options) {
  options.validate();
  const Eigen::Index n = theta0.size();
  if (problem.lower.size() != n || problem.upper.size() != n)
    throw std::invalid_argument("least_squares: bounds and start point differ in size");
  if ((problem.lower.array() > problem.upper.array()).any())
    throw std::invalid_argument("least_squares: lower bound above upper bound");

  OptimizerResult res;
  Evaluator evaluate(problem, res.evaluations);
  const Eigen::VectorXd& lo = problem.lower;
  const Eigen::VectorXd& hi = problem.upper;

  Eigen::VectorXd x = project(theta0, lo, hi);
  Eigen::VectorXd r;
  Eigen::MatrixXd J;
  res.theta = x;
  if (!evaluate(x, r, nullptr) || !evaluate.jacobian(x, r, J)) {
    res.status = "failed";
    res.message = "the residuals could not be computed at the start point";
    res.cost = std::numeric_limits<double>::infinity();
    return res;
  }
  double cost = 0.5 * r.squaredNorm();
  Eigen::VectorXd g = J.transpose() * r;
  Eigen::VectorXd scale = J.colwise().norm().transpose();
  for (Eigen::Index i = 0; i < n; ++i)
    if (!(scale[i] > 0)) scale[i] = 1;
  double lambda = 1e-3;  // damping λ·D² starts at 1e-3 of diag(JᵀJ) (Marquardt)
  double nu = 2;

  const auto finish = [&](std::string status, std::string message) {
    res.theta = x;
    res.cost = cost;
    res.residuals = r;
    res.jacobian = J;
    res.gradient = g;
    res.status = std::move(status);
    res.message = std::move(message);
    return res;
  };

  Eigen::VectorXd r_new;
  Eigen::MatrixXd J_new;
  for (;;) {
    const double pg = n ? (x - project(x - g, lo, hi)).cwiseAbs().maxCoeff() : 0.0;
    if (pg <= options.gradient_tol)
      return finish("gtol", fmt::format("projected gradient {:.3g} <= gradient_tol", pg));
    if (res.iterations >= options.max_iter)
      return finish("max_iter", fmt::format("{} trial steps without convergence", options.max_iter));
    ++res.iterations;

    std::vector<Eigen::Index> free;
    for (Eigen::Index i = 0; i < n; ++i) {
      const bool binding = (x[i] <= lo[i] && g[i] > 0) || (x[i] >= hi[i] && g[i] < 0);
      if (!binding) free.push_back(i);
    }
    const Eigen::Index nf = static_cast<Eigen::Index>(free.size());
    Eigen::MatrixXd A = Eigen::MatrixXd::Zero(r.size() + nf, nf);
    Eigen::VectorXd b = Eigen::VectorXd::Zero(r.size() + nf);
    for (Eigen::Index k = 0; k < nf; ++k) {
      A.col(k).head(r.size()) = J.col(free[k]);
      A(r.size() + k, k) = std::sqrt(lambda) * scale[free[k]];
    }
    b.head(r.size()) = -r;
    const Eigen::VectorXd delta_free = A.colPivHouseholderQr().solve(b);
    Eigen::VectorXd delta = Eigen::VectorXd::Zero(n);
    for (Eigen::Index k = 0; k < nf; ++k) delta[free[k]] = delta_free[k];

    const Eigen::VectorXd x_new = project(x + delta, lo, hi);
    const Eigen::VectorXd step = x_new - x;
    if (step.norm() <= options.tol * (options.tol + x.norm()))
      return finish("xtol", fmt::format("step {:.3g} below tol relative to |theta|", step.norm()));

    const double predicted = -(g.dot(step) + 0.5 * (J * step).squaredNorm());
    double rho = -1;
    double cost_new = std::numeric_limits<double>::infinity();
    // Trial points get residuals only; sensitivities are computed once a
    // point is accepted (a rejected trial costs one plain solve).
    if (predicted > 0 && evaluate(x_new, r_new, nullptr)) {
      cost_new = 0.5 * r_new.squaredNorm();
      rho = (cost - cost_new) / predicted;
      if (rho > 1e-4 && !evaluate.jacobian(x_new, r_new, J_new)) rho = -1;
    }
    if (rho > 1e-4) {
      const double reduction = cost - cost_new;
      const double previous = cost;
      x = x_new;
      r.swap(r_new);
      J.swap(J_new);
      cost = cost_new;
      g = J.transpose() * r;
      scale = scale.cwiseMax(J.colwise().norm().transpose());
      lambda *= std::max(1.0 / 3.0, 1.0 - std::pow(2.0 * rho - 1.0, 3));
      nu = 2;
      if (cost == 0) return finish("ftol", "zero residual");
      if (reduction <= options.tol * previous && predicted <= options.tol * previous)
        return finish("ftol", fmt::format("relative cost reduction {:.3g} <= tol",
                                          reduction / previous));
    } else {
      lambda *= nu;
      nu *= 2;
      if (!(lambda < 1e300)) return finish("stalled", "no decrease found (damping overflow)");
    }
  }
}

}  // namespace exvivo::fit
