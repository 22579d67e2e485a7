#include "fit/uncertainty.hpp"

#include <algorithm>
#include <cmath>

namespace exvivo::fit {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

std::vector<Interval> fim_intervals(const MatrixXd& jacobian, const VectorXd& theta) {
  const Index n = theta.size();
  std::vector<Interval> out(static_cast<std::size_t>(n));
  if (n == 0) return out;
  const MatrixXd F = jacobian.transpose() * jacobian;
  const Eigen::SelfAdjointEigenSolver<MatrixXd> eig(F);
  const VectorXd& lambda = eig.eigenvalues();
  const MatrixXd& V = eig.eigenvectors();
  const double cutoff = 1e-12 * std::max(lambda.cwiseAbs().maxCoeff(), 0.0);
  VectorXd variance = VectorXd::Zero(n);
  std::vector<bool> identifiable(static_cast<std::size_t>(n), true);
  for (Index k = 0; k < n; ++k) {
    if (lambda[k] > cutoff && lambda[k] > 0) {
      variance += V.col(k).cwiseAbs2() / lambda[k];
    } else {
      for (Index j = 0; j < n; ++j)
        if (std::abs(V(j, k)) > 1e-6) identifiable[static_cast<std::size_t>(j)] = false;
    }
  }
  for (Index j = 0; j < n; ++j) {
    if (!identifiable[static_cast<std::size_t>(j)]) continue;
    const double half = 1.959963984540054 * std::sqrt(variance[j]);
    out[static_cast<std::size_t>(j)] = {theta[j] - half, theta[j] + half};
  }
  return out;
}

namespace {

/// `problem` with θ_j held at `value`.
LeastSquaresProblem fix_parameter(const LeastSquaresProblem& problem, std::size_t j, double value) {
  const auto jj = static_cast<Index>(j);
  const Index n = problem.lower.size();
  const auto drop = [jj, n](const VectorXd& v) {
    VectorXd out(n - 1);
    out << v.head(jj), v.tail(n - 1 - jj);
    return out;
  };
  LeastSquaresProblem reduced;
  reduced.lower = drop(problem.lower);
  reduced.upper = drop(problem.upper);
  reduced.evaluate = [&problem, jj, n, value](const VectorXd& x, VectorXd& r, MatrixXd* J) {
    VectorXd full(n);
    full << x.head(jj), value, x.tail(n - 1 - jj);
    MatrixXd J_full;
    if (!problem.evaluate(full, r, J ? &J_full : nullptr)) return false;
    if (J) {
      J->resize(J_full.rows(), n - 1);
      *J << J_full.leftCols(jj), J_full.rightCols(n - 1 - jj);
    }
    return true;
  };
  return reduced;
}

double crossing(const ProfilePoint& inside, const ProfilePoint& outside, double level) {
  const double f = (level - inside.cost) / (outside.cost - inside.cost);
  return inside.theta + f * (outside.theta - inside.theta);
}

}  // namespace

Profile profile_likelihood(const LeastSquaresProblem& problem, const OptimizerResult& best,
                           std::size_t j, const OptimizerOptions& options, int max_points) {
  Profile profile;
  profile.parameter = j;
  const auto jj = static_cast<Index>(j);
  const Index n = best.theta.size();
  const double lo = problem.lower[jj], hi = problem.upper[jj];
  const double range = std::isfinite(hi - lo) ? hi - lo : 10.0;
  const double stop = 1.5 * profile_threshold_95;
  profile.points.push_back({best.theta[jj], best.cost});

  for (const double direction : {-1.0, 1.0}) {
    VectorXd last = best.theta;  // last accepted profile point
    double step = 0.02 * range;
    double previous = best.cost;
    const double bound = direction < 0 ? lo : hi;
    for (int taken = 0; taken < max_points;) {
      double value = last[jj] + direction * step;
      if ((direction < 0 && value < bound) || (direction > 0 && value > bound)) value = bound;
      if (std::abs(value - last[jj]) <= 1e-12 * (1 + std::abs(value))) break;
      VectorXd candidate = last;
      double cost = 0;
      if (n > 1) {
        const LeastSquaresProblem reduced = fix_parameter(problem, j, value);
        VectorXd start(n - 1);
        start << last.head(jj), last.tail(n - 1 - jj);
        const OptimizerResult res = least_squares(reduced, start, options);
        if (res.status == "failed") break;
        candidate << res.theta.head(jj), value, res.theta.tail(n - 1 - jj);
        cost = res.cost;
      } else {
        VectorXd r;
        candidate[0] = value;
        if (!problem.evaluate(candidate, r, nullptr)) break;
        cost = 0.5 * r.squaredNorm();
      }
      const double jump = cost - previous;
      if (jump > 1.0 && step > 1e-4 * range) {  // too coarse where the profile rises steeply
        step /= 2;
        continue;
      }
      ++taken;
      last = candidate;
      previous = cost;
      profile.points.push_back({value, cost});
      if (cost - best.cost > stop || value == bound) break;
      if (jump < 0.1) step *= 2;
    }
  }
  std::sort(profile.points.begin(), profile.points.end(),
            [](const ProfilePoint& a, const ProfilePoint& b) { return a.theta < b.theta; });

  const double level = best.cost + profile_threshold_95;
  const auto& pts = profile.points;
  std::size_t at = 0;
  for (std::size_t k = 0; k < pts.size(); ++k)
    if (pts[k].theta == best.theta[jj]) at = k;
  for (std::size_t k = at; k > 0; --k)
    if (pts[k - 1].cost > level) {
      profile.interval.lower = crossing(pts[k], pts[k - 1], level);
      break;
    }
  for (std::size_t k = at; k + 1 < pts.size(); ++k)
    if (pts[k + 1].cost > level) {
      profile.interval.upper = crossing(pts[k], pts[k + 1], level);
      break;
    }
  return profile;
}

FitUncertainty fit_uncertainty(const LeastSquaresProblem& problem, const OptimizerResult& best, bool fim,
                               const std::vector<std::size_t>& profiled, const OptimizerOptions& options) {
  FitUncertainty u;
  const auto n = static_cast<std::size_t>(best.theta.size());
  u.intervals.assign(n, Interval{});
  u.methods.assign(n, "none");
  if (fim && best.jacobian.size() > 0) {
    u.intervals = fim_intervals(best.jacobian, best.theta);
    u.methods.assign(n, "fim");
  }
  for (const std::size_t j : profiled) {
    u.profiles.push_back(profile_likelihood(problem, best, j, options));
    u.intervals[j] = u.profiles.back().interval;
    u.methods[j] = "profile";
  }
  return u;
}

}  // namespace exvivo::fit
