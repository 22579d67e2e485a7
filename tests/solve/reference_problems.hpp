#pragma once
// Hand-coded OdeSystems with exact Jacobians, shared by the solve tests and the
// CVODE benchmark (bench/), so that both integrators see the same functions.
//
// Reference solutions are those of the Test Set for IVP Solvers (F. Mazzia,
// C. Magherini et al., University of Bari; problems HIRES, ROBER, VDPOL,
// subroutine `solut` of hires.f, rober.f, vdpol.f), computed by the test-set
// authors with RADAU5 at rtol = atol ≈ 1e-18 in extended precision; also in
// Hairer & Wanner, Solving ODEs II, §IV.10.
#include <array>
#include <cmath>
#include <cstddef>
#include <string>

#include "solve/ode_system.hpp"

namespace exvivo::testing {

/// Robertson's chemical kinetics (ROBER), stiff, 3 species:
///   y1' = −0.04 y1 + 1e4 y2 y3
///   y2' =  0.04 y1 − 1e4 y2 y3 − 3e7 y2²
///   y3' =  3e7 y2²,          y(0) = (1, 0, 0)
class Rober final : public solve::OdeSystem {
 public:
  static constexpr std::array<double, 3> x0 = {1, 0, 0};
  static constexpr double t_reference = 1e11;
  static constexpr std::array<double, 3> reference = {0.2083340149701255e-07,
                                                      0.8333360770334713e-13,
                                                      0.9999999791665050};
  std::size_t size() const override { return 3; }
  bool has_analytic_jacobian() const override { return true; }
  bool autonomous() const override { return true; }
  void rhs(double, const double* y, double* f) override {
    const double r1 = 0.04 * y[0], r2 = 1e4 * y[1] * y[2], r3 = 3e7 * y[1] * y[1];
    f[0] = -r1 + r2;
    f[1] = r1 - r2 - r3;
    f[2] = r3;
  }
  void jacobian(double, const double* y, double* J) override {
    // column-major: J[i + 3 j] = ∂f_i/∂y_j
    J[0] = -0.04;  J[3] = 1e4 * y[2];                  J[6] = 1e4 * y[1];
    J[1] = 0.04;   J[4] = -1e4 * y[2] - 6e7 * y[1];    J[7] = -1e4 * y[1];
    J[2] = 0;      J[5] = 6e7 * y[1];                  J[8] = 0;
  }
};

/// HIRES (Schäfer 1975), stiff, 8 species; see models/hires.yaml for the equations.
class Hires final : public solve::OdeSystem {
 public:
  static constexpr std::array<double, 8> x0 = {1, 0, 0, 0, 0, 0, 0, 0.0057};
  static constexpr double t_reference = 321.8122;
  static constexpr std::array<double, 8> reference = {
      0.7371312573325668e-3, 0.1442485726316185e-3, 0.5888729740967575e-4,
      0.1175651343283149e-2, 0.2386356198831331e-2, 0.6238968252742796e-2,
      0.2849998395185769e-2, 0.2850001604814231e-2};
  std::size_t size() const override { return 8; }
  bool has_analytic_jacobian() const override { return true; }
  bool autonomous() const override { return true; }
  void rhs(double, const double* y, double* f) override {
    f[0] = -1.71 * y[0] + 0.43 * y[1] + 8.32 * y[2] + 0.0007;
    f[1] = 1.71 * y[0] - 8.75 * y[1];
    f[2] = -10.03 * y[2] + 0.43 * y[3] + 0.035 * y[4];
    f[3] = 8.32 * y[1] + 1.71 * y[2] - 1.12 * y[3];
    f[4] = -1.745 * y[4] + 0.43 * y[5] + 0.43 * y[6];
    f[5] = -280 * y[5] * y[7] + 0.69 * y[3] + 1.71 * y[4] - 0.43 * y[5] + 0.69 * y[6];
    f[6] = 280 * y[5] * y[7] - 1.81 * y[6];
    f[7] = -280 * y[5] * y[7] + 1.81 * y[6];
  }
  void jacobian(double, const double* y, double* J) override {
    for (int k = 0; k < 64; ++k) J[k] = 0;
    auto at = [J](int i, int j) -> double& { return J[i + 8 * j]; };
    at(0, 0) = -1.71; at(0, 1) = 0.43; at(0, 2) = 8.32;
    at(1, 0) = 1.71;  at(1, 1) = -8.75;
    at(2, 2) = -10.03; at(2, 3) = 0.43; at(2, 4) = 0.035;
    at(3, 1) = 8.32; at(3, 2) = 1.71; at(3, 3) = -1.12;
    at(4, 4) = -1.745; at(4, 5) = 0.43; at(4, 6) = 0.43;
    at(5, 3) = 0.69; at(5, 4) = 1.71; at(5, 5) = -280 * y[7] - 0.43; at(5, 6) = 0.69;
    at(5, 7) = -280 * y[5];
    at(6, 5) = 280 * y[7]; at(6, 6) = -1.81; at(6, 7) = 280 * y[5];
    at(7, 5) = -280 * y[7]; at(7, 6) = 1.81; at(7, 7) = -280 * y[5];
  }
};

/// Van der Pol oscillator in the test set's scaling (VDPOL), ε = 1e-6:
///   y1' = y2,  y2' = ((1 − y1²) y2 − y1) / ε,  y(0) = (2, 0),  t ∈ [0, 2].
class VanDerPol final : public solve::OdeSystem {
 public:
  static constexpr double epsilon = 1e-6;
  static constexpr std::array<double, 2> x0 = {2, 0};
  static constexpr double t_reference = 2;
  static constexpr std::array<double, 2> reference = {0.1706167732170483e+01,
                                                      -0.8928097010247975e+00};
  std::size_t size() const override { return 2; }
  bool has_analytic_jacobian() const override { return true; }
  bool autonomous() const override { return true; }
  void rhs(double, const double* y, double* f) override {
    f[0] = y[1];
    f[1] = ((1 - y[0] * y[0]) * y[1] - y[0]) / epsilon;
  }
  void jacobian(double, const double* y, double* J) override {
    J[0] = 0;
    J[1] = (-2 * y[0] * y[1] - 1) / epsilon;
    J[2] = 1;
    J[3] = (1 - y[0] * y[0]) / epsilon;
  }
};

/// x' = −k x; x(t) = x0 e^{−k t}.
class Decay final : public solve::OdeSystem {
 public:
  explicit Decay(double k = 1, bool nonnegative = false) : k_(k), nonnegative_(nonnegative) {}
  std::size_t size() const override { return 1; }
  bool has_analytic_jacobian() const override { return true; }
  bool autonomous() const override { return true; }
  bool nonnegative() const override { return nonnegative_; }
  std::string state_name(std::size_t) const override { return "species Drug"; }
  std::string time_unit() const override { return "h"; }
  void rhs(double, const double* x, double* f) override { f[0] = -k_ * x[0]; }
  void jacobian(double, const double* x, double* J) override {
    (void)x;
    J[0] = -k_;
  }
  double rate() const { return k_; }

 private:
  double k_;
  bool nonnegative_;
};

/// x' = A x with A = [[-1, 2], [-2, -1]]; x(t) = e^{−t} R(2t) x0 where R is the
/// rotation [[cos, sin], [−sin, cos]]: x1 = e^{−t}(cos 2t x1₀ + sin 2t x2₀),
/// x2 = e^{−t}(−sin 2t x1₀ + cos 2t x2₀).
class Linear2 final : public solve::OdeSystem {
 public:
  std::size_t size() const override { return 2; }
  bool has_analytic_jacobian() const override { return true; }
  bool autonomous() const override { return true; }
  void rhs(double, const double* x, double* f) override {
    f[0] = -x[0] + 2 * x[1];
    f[1] = -2 * x[0] - x[1];
  }
  void jacobian(double, const double*, double* J) override {
    J[0] = -1; J[1] = -2; J[2] = 2; J[3] = -1;
  }
  static std::array<double, 2> exact(double t, double x10, double x20) {
    const double e = std::exp(-t), c = std::cos(2 * t), s = std::sin(2 * t);
    return {e * (c * x10 + s * x20), e * (-s * x10 + c * x20)};
  }
};

/// Logistic growth x' = r x (1 − x/K); x(t) = K / (1 + (K/x0 − 1) e^{−r t}).
/// No analytic Jacobian on purpose: exercises the finite-difference default.
class Logistic final : public solve::OdeSystem {
 public:
  Logistic(double r, double K) : r_(r), K_(K) {}
  std::size_t size() const override { return 1; }
  void rhs(double, const double* x, double* f) override { f[0] = r_ * x[0] * (1 - x[0] / K_); }
  double exact(double t, double x0) const { return K_ / (1 + (K_ / x0 - 1) * std::exp(-r_ * t)); }

 private:
  double r_, K_;
};

/// OREGO, the Oregonator (Field–Noyes), stiff oscillator, 3 species:
///   y1' = 77.27 (y2 + y1 (1 − 8.375e-6 y1 − y2))
///   y2' = (y3 − (1 + y1) y2) / 77.27
///   y3' = 0.161 (y1 − y3),      y(0) = (1, 2, 3), reference at t = 360.
class Orego final : public solve::OdeSystem {
 public:
  static constexpr std::array<double, 3> x0 = {1, 2, 3};
  static constexpr double t_reference = 360;
  static constexpr std::array<double, 3> reference = {0.1000814870318523e1, 0.1228178521549917e4,
                                                      0.1320554942846706e3};
  std::size_t size() const override { return 3; }
  bool has_analytic_jacobian() const override { return true; }
  bool autonomous() const override { return true; }
  void rhs(double, const double* y, double* f) override {
    f[0] = 77.27 * (y[1] + y[0] * (1 - 8.375e-6 * y[0] - y[1]));
    f[1] = (y[2] - (1 + y[0]) * y[1]) / 77.27;
    f[2] = 0.161 * (y[0] - y[2]);
  }
  void jacobian(double, const double* y, double* J) override {
    J[0] = 77.27 * (1 - 2 * 8.375e-6 * y[0] - y[1]); J[3] = 77.27 * (1 - y[0]); J[6] = 0;
    J[1] = -y[1] / 77.27;                             J[4] = -(1 + y[0]) / 77.27; J[7] = 1 / 77.27;
    J[2] = 0.161;                                     J[5] = 0;                  J[8] = -0.161;
  }
};

/// E5 (stiff DETEST, chemical pyrolysis), 4 species, to t = 1e13:
///   y1' = −A y1 − B y1 y3
///   y2' =  A y1 − M C y2 y3
///   y3' =  A y1 − B y1 y3 − M C y2 y3 + C y4
///   y4' =  B y1 y3 − C y4,
/// A = 7.89e-10, B = 1.1e7, C = 1.13e3, M = 1e6, y(0) = (1.76e-3, 0, 0, 0);
/// the test set integrates it with atol 1.11e-24.
class E5 final : public solve::OdeSystem {
 public:
  static constexpr double A = 7.89e-10, B = 1.1e7, C = 1.13e3, M = 1e6;
  static constexpr std::array<double, 4> x0 = {1.76e-3, 0, 0, 0};
  static constexpr double t_reference = 1e13;
  static constexpr std::array<double, 4> reference = {0.1152903278711829e-290, 0.8867655517642120e-22,
                                                      0.8854814626268838e-22, 0.0};
  std::size_t size() const override { return 4; }
  bool has_analytic_jacobian() const override { return true; }
  bool autonomous() const override { return true; }
  void rhs(double, const double* y, double* f) override {
    const double r1 = A * y[0], r2 = B * y[0] * y[2], r3 = M * C * y[1] * y[2], r4 = C * y[3];
    f[0] = -r1 - r2;
    f[1] = r1 - r3;
    f[2] = r1 - r2 - r3 + r4;
    f[3] = r2 - r4;
  }
  void jacobian(double, const double* y, double* J) override {
    J[0] = -A - B * y[2]; J[4] = 0;              J[8] = -B * y[0];                  J[12] = 0;
    J[1] = A;             J[5] = -M * C * y[2];  J[9] = -M * C * y[1];              J[13] = 0;
    J[2] = A - B * y[2];  J[6] = -M * C * y[2];  J[10] = -B * y[0] - M * C * y[1];  J[14] = C;
    J[3] = B * y[2];      J[7] = 0;              J[11] = B * y[0];                  J[15] = -C;
  }
};

}  // namespace exvivo::testing
