#include "sbml/steady_state_sensitivities.hpp"

#include <Eigen/SVD>

#include <cmath>
#include <sstream>

namespace exvivo::sbml {

SteadyStateSensitivities solve_steady_state_sensitivities(const Eigen::MatrixXd& J, const Eigen::MatrixXd& F,
                                                          const Eigen::MatrixXd& S0,
                                                          const SteadyStateSensitivityOptions& options) {
  SteadyStateSensitivities out;
  const Eigen::Index n = J.rows(), m = F.cols();
  if (J.cols() != n || F.rows() != n || S0.rows() != n || S0.cols() != m) {
    out.reason = "inconsistent matrix sizes";
    return out;
  }
  if (!J.allFinite() || !F.allFinite() || !S0.allFinite()) {
    out.reason = "the Jacobian, the parameter Jacobian or the initial sensitivities are not finite";
    return out;
  }
  if (n == 0) {
    out.ok = true;
    out.S = S0;
    return out;
  }
  const Eigen::JacobiSVD<Eigen::MatrixXd> svd(J, Eigen::ComputeFullU | Eigen::ComputeFullV);
  const Eigen::VectorXd& sigma = svd.singularValues();  // descending
  const double norm_j = sigma[0];
  if (norm_j == 0) {
    out.reason = "the Jacobian at the steady state is zero";
    return out;
  }
  Eigen::Index rank = 0;
  while (rank < n && sigma[rank] > options.rank_threshold * norm_j) ++rank;
  const Eigen::Index k = n - rank;
  out.conservation_laws = static_cast<int>(k);
  const Eigen::MatrixXd U_r = svd.matrixU().leftCols(rank), V_r = svd.matrixV().leftCols(rank);
  out.gamma = svd.matrixU().rightCols(k).transpose();
  const Eigen::MatrixXd N = svd.matrixV().rightCols(k);
  // Minimum-norm solution of J·S = −F on J's range.
  Eigen::MatrixXd S = -V_r * (sigma.head(rank).cwiseInverse().asDiagonal() * (U_r.transpose() * F));
  if (k > 0) {
    const Eigen::MatrixXd GN = out.gamma * N;
    const Eigen::JacobiSVD<Eigen::MatrixXd> gn(GN, Eigen::ComputeFullU | Eigen::ComputeFullV);
    const Eigen::VectorXd& g = gn.singularValues();
    const double rcond = g[0] > 0 ? g[k - 1] / g[0] : 0;
    if (!(rcond > options.min_rcond)) {
      std::ostringstream why;
      why << "the " << k << " conservation law(s) of the singular Jacobian do not fix its null space (rcond of Γ·N "
          << rcond << ")";
      out.reason = why.str();
      return out;
    }
    S += N * gn.solve(out.gamma * (S0 - S));
  }
  // Checks, column by column.
  for (Eigen::Index c = 0; c < m; ++c) {
    const double f = F.col(c).norm(), s = S.col(c).norm();
    if (k > 0) {
      const double leak = (out.gamma * F.col(c)).norm();
      if (leak > options.check_tol * f) {
        std::ostringstream why;
        why << "J is singular (" << k << " null direction(s) below " << options.rank_threshold
            << "·σ_max) but ∂f/∂p of column " << c << " is not orthogonal to its left null space (|Γ·f_p| = " << leak
            << ", |f_p| = " << f << "): not a conservation law";
        out.reason = why.str();
        return out;
      }
    }
    const double residual = (J * S.col(c) + F.col(c)).norm();
    const double scale = norm_j * s + f;
    const double relative = scale > 0 ? residual / scale : 0;
    out.relative_residual = std::max(out.relative_residual, relative);
    if (!std::isfinite(residual) || relative > options.check_tol) {
      std::ostringstream why;
      why << "the residual of J·S = −∂f/∂p in column " << c << " is " << relative << " relative to its terms (rank "
          << rank << " of " << n << ", smallest singular value kept " << (rank > 0 ? sigma[rank - 1] : 0.0)
          << ", largest " << norm_j << ")";
      out.reason = why.str();
      return out;
    }
  }
  out.S = std::move(S);
  out.ok = true;
  return out;
}

}  // namespace exvivo::sbml
