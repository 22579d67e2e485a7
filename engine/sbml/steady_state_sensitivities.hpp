#pragma once
// Steady-state sensitivities by one linear solve instead of integrating the
// forward sensitivity equations until they stop changing.
//
// At a steady state x* of dx/dt = f(x, p), S = dx*/dp satisfies
//   J·S = −F,   J = ∂f/∂x (x*), F = ∂f/∂p (x*) (one column per sensitivity column).
// When J is singular because of conservation laws (weights γ with γᵀ·f ≡ 0,
// e.g. a total amount), the rows of Γ span J's left null space (Γ·J = 0,
// and Γ·F = 0), J·S = −F fixes S only up to J's right null space, and the
// conserved totals fix the rest: Γ·x(t) = Γ·x(0) for every t, hence
// Γ·S = Γ·S(0) with S(0) the sensitivities of the initial state.
//
// Γ comes from the singular value decomposition of J: the left singular
// vectors whose singular value is at most rank_threshold·σ_max. The solution
// is S = S_p + N·C with S_p the minimum-norm (pseudo-inverse) solution of
// J·S = −F, N the right null vectors, and C from (Γ·N)·C = Γ·(S(0) − S_p).
// The result is checked (see SteadyStateSensitivities::reason); a caller
// falls back to integrating the sensitivities when it is not ok.
#include <Eigen/Dense>

#include <string>

namespace exvivo::sbml {

struct SteadyStateSensitivityOptions {
  /// Singular values at most this times the largest one count as zero (a
  /// conservation law). Machine-precision null directions of an analytic J
  /// sit near 1e-16 relative; directions of genuinely slow modes in stiff
  /// models can be as small as 1e-8 relative, and the checks below refuse
  /// a slow mode mistaken for a conservation law (its Γ·F is not zero).
  double rank_threshold = 1e-10;
  /// Checks, per column k: ‖J·s_k + f_k‖ ≤ tol·(‖J‖·‖s_k‖ + ‖f_k‖) and
  /// ‖Γ·f_k‖ ≤ tol·‖f_k‖ (Euclidean norms; ‖J‖ the largest singular value).
  double check_tol = 1e-8;
  /// (Γ·N) must have reciprocal condition number above this, else the
  /// conserved totals do not fix the null-space component.
  double min_rcond = 1e-12;
};

struct SteadyStateSensitivities {
  bool ok = false;
  Eigen::MatrixXd S;             ///< n × m, valid when ok
  int conservation_laws = 0;     ///< dimension of J's left null space
  double relative_residual = 0;  ///< max over columns of ‖J·s + f‖ / (‖J‖·‖s‖ + ‖f‖)
  std::string reason;            ///< why not ok: which check failed, with its numbers
  Eigen::MatrixXd gamma;         ///< k × n, orthonormal rows spanning J's left null space
};

/// Solves J·S = −F with Γ·S = Γ·S0 (see the file comment). J is n × n; F and
/// S0 are n × m. Never throws on numerical trouble: returns ok = false with a reason.
SteadyStateSensitivities solve_steady_state_sensitivities(const Eigen::MatrixXd& J, const Eigen::MatrixXd& F,
                                                          const Eigen::MatrixXd& S0,
                                                          const SteadyStateSensitivityOptions& options = {});

}  // namespace exvivo::sbml
