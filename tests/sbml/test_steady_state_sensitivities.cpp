// Steady-state sensitivities by the linear solve J·S = −∂f/∂p with the
// conserved totals Γ·S = Γ·S(0), against closed forms on small systems.
// Tolerance 1e-12 relative: the solve is exact up to rounding (an SVD of a
// 2×2 or 3×3 matrix of order-one entries).
#include <catch2/catch.hpp>

#include <cmath>

#include "sbml/steady_state_sensitivities.hpp"

using exvivo::sbml::solve_steady_state_sensitivities;

namespace {

void check_close(const Eigen::MatrixXd& got, const Eigen::MatrixXd& want) {
  REQUIRE(got.rows() == want.rows());
  REQUIRE(got.cols() == want.cols());
  for (Eigen::Index i = 0; i < got.rows(); ++i)
    for (Eigen::Index j = 0; j < got.cols(); ++j) {
      INFO("entry (" << i << ", " << j << ")");
      CHECK(std::fabs(got(i, j) - want(i, j)) <= 1e-12 * (1 + std::fabs(want(i, j))));
    }
}

}  // namespace

TEST_CASE("steady-state sensitivities: production, conversion, degradation (no conservation law)", "[steady]") {
  // x1' = p1 − p2·x1, x2' = p2·x1 − p3·x2: x1* = p1/p2, x2* = p1/p3.
  const double p1 = 2, p2 = 0.5, p3 = 4;
  const double x1 = p1 / p2, x2 = p1 / p3;
  Eigen::MatrixXd J(2, 2), F(2, 3), want(2, 3);
  J << -p2, 0, p2, -p3;
  F << 1, -x1, 0, 0, x1, -x2;
  want << 1 / p2, -p1 / (p2 * p2), 0, 1 / p3, 0, -p1 / (p3 * p3);
  // S(0) is irrelevant without conservation laws: the steady state forgets x(0).
  const Eigen::MatrixXd S0 = Eigen::MatrixXd::Constant(2, 3, 7.0);
  const auto r = solve_steady_state_sensitivities(J, F, S0);
  REQUIRE(r.ok);
  CHECK(r.conservation_laws == 0);
  check_close(r.S, want);
}

TEST_CASE("steady-state sensitivities: A <-> B conserves A + B", "[steady]") {
  // A' = −k1·A + k2·B, B' = −A'; T = A0 + B0; A* = k2·T/(k1 + k2).
  // Columns: k1, k2, A0 (S(0) = e_A), B0 (S(0) = e_B).
  const double k1 = 3, k2 = 0.7, A0 = 1.5, B0 = 0.25, T = A0 + B0, K = k1 + k2;
  const double A = k2 * T / K, B = k1 * T / K;
  Eigen::MatrixXd J(2, 2), F(2, 4), S0 = Eigen::MatrixXd::Zero(2, 4), want(2, 4);
  J << -k1, k2, k1, -k2;
  F << -A, B, 0, 0, A, -B, 0, 0;
  S0(0, 2) = 1;
  S0(1, 3) = 1;
  const double dA_dk1 = -k2 * T / (K * K), dA_dk2 = k1 * T / (K * K), dA_dT = k2 / K;
  want << dA_dk1, dA_dk2, dA_dT, dA_dT, -dA_dk1, -dA_dk2, 1 - dA_dT, 1 - dA_dT;
  const auto r = solve_steady_state_sensitivities(J, F, S0);
  REQUIRE(r.ok);
  CHECK(r.conservation_laws == 1);
  check_close(r.S, want);
  // Γ is the normalized (1, 1) up to sign.
  CHECK(std::fabs(std::fabs(r.gamma(0, 0)) - std::sqrt(0.5)) < 1e-14);
  CHECK(std::fabs(r.gamma(0, 0) - r.gamma(0, 1)) < 1e-14);
}

TEST_CASE("steady-state sensitivities: 2A <-> B conserves A + 2B, plus a species without conservation", "[steady]") {
  // A' = −2·k1·A² + 2·k2·B, B' = k1·A² − k2·B, C' = k3·A − C: A + 2B = T,
  // 2·k1·A² + k2·A − k2·T = 0; C* = k3·A*. Columns: k1, k2, k3, A0.
  const double k1 = 1.3, k2 = 0.4, k3 = 2, A0 = 2, B0 = 0.5, T = A0 + 2 * B0;
  const double A = (-k2 + std::sqrt(k2 * k2 + 8 * k1 * k2 * T)) / (4 * k1), B = (T - A) / 2, C = k3 * A;
  (void)C;
  Eigen::MatrixXd J(3, 3), F(3, 4), S0 = Eigen::MatrixXd::Zero(3, 4), want(3, 4);
  J << -4 * k1 * A, 2 * k2, 0, 2 * k1 * A, -k2, 0, k3, 0, -1;
  F << -2 * A * A, 2 * B, 0, 0, A * A, -B, 0, 0, 0, 0, A, 0;
  S0(0, 3) = 1;
  const double d = 4 * k1 * A + k2;
  const double dA[4] = {-2 * A * A / d, (T - A) / d, 0, k2 / d};  // by k1, k2, k3, A0 (dT/dA0 = 1)
  for (int c = 0; c < 4; ++c) {
    want(0, c) = dA[c];
    want(1, c) = (c == 3 ? 1.0 : 0.0) / 2 - dA[c] / 2;
    want(2, c) = k3 * dA[c] + (c == 2 ? A : 0.0);
  }
  const auto r = solve_steady_state_sensitivities(J, F, S0);
  REQUIRE(r.ok);
  CHECK(r.conservation_laws == 1);
  check_close(r.S, want);
}

TEST_CASE("steady-state sensitivities: a singular J that is no conservation law is refused", "[steady]") {
  // x1' = p (no steady state unless p = 0), x2' = −x2: J singular, Γ = e1, Γ·∂f/∂p = 1.
  Eigen::MatrixXd J(2, 2), F(2, 1);
  J << 0, 0, 0, -1;
  F << 1, 0;
  const auto r = solve_steady_state_sensitivities(J, F, Eigen::MatrixXd::Zero(2, 1));
  CHECK_FALSE(r.ok);
  CHECK(r.reason.find("not a conservation law") != std::string::npos);
}

TEST_CASE("steady-state sensitivities: non-finite input is refused with a reason", "[steady]") {
  Eigen::MatrixXd J(1, 1), F(1, 1);
  J << std::nan("");
  F << 1;
  const auto r = solve_steady_state_sensitivities(J, F, Eigen::MatrixXd::Zero(1, 1));
  CHECK_FALSE(r.ok);
  CHECK(r.reason.find("not finite") != std::string::npos);
}
