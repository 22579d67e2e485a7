// Bounded trust-region least squares on problems with known minima; Latin
// hypercube starts; multi-start determinism across thread counts.
#include <algorithm>
#include <cmath>

#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "fit/latin_hypercube.hpp"
#include "fit/multi_start.hpp"
#include "fit/optimizer.hpp"
#include "core/scale.hpp"

using namespace exvivo;
using namespace exvivo::fit;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

const double inf = std::numeric_limits<double>::infinity();

// Rosenbrock as least squares: r = (10 (x2 - x1²), 1 - x1); minimum (1, 1), cost 0.
LeastSquaresProblem rosenbrock(double upper_x1 = inf) {
  LeastSquaresProblem p;
  p.evaluate = [](const VectorXd& x, VectorXd& r, MatrixXd* J) {
    r.resize(2);
    r << 10 * (x[1] - x[0] * x[0]), 1 - x[0];
    if (J) {
      J->resize(2, 2);
      *J << -20 * x[0], 10, -1, 0;
    }
    return true;
  };
  p.lower = VectorXd::Constant(2, -inf);
  p.upper = VectorXd::Constant(2, inf);
  p.upper[0] = upper_x1;
  return p;
}

// y = A exp(-k t) sampled exactly at A = 5, k = 0.3; parameters on log10 scale.
LeastSquaresProblem exponential_decay() {
  LeastSquaresProblem p;
  p.evaluate = [](const VectorXd& theta, VectorXd& r, MatrixXd* J) {
    const double A = from_scale(Scale::log10, theta[0]), k = from_scale(Scale::log10, theta[1]);
    const int n = 12;
    r.resize(n);
    if (J) J->resize(n, 2);
    for (int i = 0; i < n; ++i) {
      const double t = 0.5 * i;
      const double y = A * std::exp(-k * t);
      r[i] = y - 5 * std::exp(-0.3 * t);
      if (J) {
        (*J)(i, 0) = std::exp(-k * t) * value_derivative(Scale::log10, theta[0]);
        (*J)(i, 1) = -t * y * value_derivative(Scale::log10, theta[1]);
      }
    }
    return true;
  };
  p.lower = VectorXd::Constant(2, -3);
  p.upper = VectorXd::Constant(2, 3);
  return p;
}

}  // namespace

TEST_CASE("parameter scales round-trip with their derivative", "[fit][optimizer]") {
  for (const Scale s : {Scale::lin, Scale::log, Scale::log10}) {
    const double p = 3.7, theta = to_scale(s, p);
    CHECK_THAT(from_scale(s, theta), Catch::WithinRel(p, 1e-15));
    const double h = 1e-6;
    CHECK_THAT(value_derivative(s, theta),
               Catch::WithinRel((from_scale(s, theta + h) - from_scale(s, theta - h)) / (2 * h), 1e-8));
  }
  CHECK(std::string(to_string(Scale::log10)) == "log10");
}

TEST_CASE("Rosenbrock as least squares converges to (1, 1)", "[fit][optimizer]") {
  const auto res = least_squares(rosenbrock(), (VectorXd(2) << -1.2, 1).finished(), {});
  CHECK(res.converged());
  CHECK_THAT(res.theta[0], Catch::WithinAbs(1, 1e-7));
  CHECK_THAT(res.theta[1], Catch::WithinAbs(1, 1e-7));
  CHECK_THAT(res.cost, Catch::WithinAbs(0, 1e-14));
  CHECK(res.iterations < 100);
}

TEST_CASE("exponential decay on log10 scale recovers A = 5, k = 0.3", "[fit][optimizer]") {
  const auto res = least_squares(exponential_decay(), (VectorXd(2) << 1.5, -2).finished(), {});
  INFO(res.status << ": " << res.message);
  CHECK(res.converged());
  CHECK_THAT(from_scale(Scale::log10, res.theta[0]), Catch::WithinRel(5.0, 1e-7));
  CHECK_THAT(from_scale(Scale::log10, res.theta[1]), Catch::WithinRel(0.3, 1e-7));
}

TEST_CASE("an active upper bound: Rosenbrock with x1 <= 0.5 ends at (0.5, 0.25)", "[fit][optimizer]") {
  const auto res = least_squares(rosenbrock(0.5), (VectorXd(2) << -1.2, 1).finished(), {});
  INFO(res.status << ": " << res.message);
  CHECK(res.converged());
  CHECK_THAT(res.theta[0], Catch::WithinAbs(0.5, 1e-12));
  CHECK_THAT(res.theta[1], Catch::WithinAbs(0.25, 1e-7));
  CHECK_THAT(res.cost, Catch::WithinRel(0.125, 1e-7));  // ½ (1 - 0.5)²
  CHECK(res.gradient[0] < 0);  // pushes outward at the bound
}

TEST_CASE("an active lower bound on a linear problem", "[fit][optimizer]") {
  LeastSquaresProblem p;
  p.evaluate = [](const VectorXd& x, VectorXd& r, MatrixXd* J) {
    r = (VectorXd(2) << x[0] + 1, x[1] - 2).finished();
    if (J) *J = MatrixXd::Identity(2, 2);
    return true;
  };
  p.lower = (VectorXd(2) << 0, 0).finished();
  p.upper = (VectorXd(2) << 10, 10).finished();
  const auto res = least_squares(p, (VectorXd(2) << 5, 5).finished(), {});
  CHECK(res.converged());
  CHECK_THAT(res.theta[0], Catch::WithinAbs(0, 1e-12));
  CHECK_THAT(res.theta[1], Catch::WithinAbs(2, 1e-8));
}

TEST_CASE("failures: unevaluable start, rejected trial points, max_iter", "[fit][optimizer]") {
  LeastSquaresProblem p = rosenbrock();
  const auto fails_at_start = least_squares(
      LeastSquaresProblem{[](const VectorXd&, VectorXd&, MatrixXd*) { return false; }, p.lower, p.upper},
      VectorXd::Zero(2), {});
  CHECK(fails_at_start.status == "failed");
  CHECK_FALSE(fails_at_start.converged());

  // Residuals undefined for x2 > 1.5: the optimizer must still reach (1, 1).
  LeastSquaresProblem guarded = p;
  guarded.evaluate = [inner = p.evaluate](const VectorXd& x, VectorXd& r, MatrixXd* J) {
    return x[1] <= 1.5 && inner(x, r, J);
  };
  const auto res = least_squares(guarded, (VectorXd(2) << -1.2, 1).finished(), {});
  CHECK(res.converged());
  CHECK_THAT(res.theta[0], Catch::WithinAbs(1, 1e-6));

  OptimizerOptions few;
  few.max_iter = 3;
  const auto stopped = least_squares(p, (VectorXd(2) << -1.2, 1).finished(), few);
  CHECK(stopped.status == "max_iter");
  CHECK(stopped.iterations == 3);
}

TEST_CASE("the Jacobian is computed at the start and at accepted points only", "[fit][optimizer]") {
  LeastSquaresProblem p = rosenbrock();
  int with_jacobian = 0, without = 0;
  std::vector<VectorXd> jacobian_points, residual_points;
  p.evaluate = [inner = p.evaluate, &with_jacobian, &without, &jacobian_points,
                &residual_points](const VectorXd& x, VectorXd& r, MatrixXd* J) {
    (J ? with_jacobian : without) += 1;
    (J ? jacobian_points : residual_points).push_back(x);
    return inner(x, r, J);
  };
  const auto res = least_squares(p, (VectorXd(2) << -1.2, 1).finished(), {});
  REQUIRE(res.converged());
  CHECK(res.evaluations == with_jacobian + without);
  // Every Jacobian point had its residuals evaluated first (the start and
  // accepted trial points); rejected trial points never get a Jacobian.
  CHECK(without > with_jacobian);
  for (const VectorXd& x : jacobian_points) {
    const bool seen = std::any_of(residual_points.begin(), residual_points.end(),
                                  [&](const VectorXd& y) { return y == x; });
    CHECK(seen);
  }
}

TEST_CASE("optimizer options are validated", "[fit][optimizer][errors]") {
  OptimizerOptions o;
  o.max_iter = 0;
  CHECK_THROWS_MATCHES(o.validate(), OptionError, Catch::Message("optimizer.max_iter: must be positive, got 0"));
  o = {};
  o.method = "trust_region_ml";
  CHECK_THROWS_MATCHES(o.validate(), OptionError,
                       Catch::Message("optimizer.method: must be one of trust_region_lm, got "
                                      "'trust_region_ml' (did you mean 'trust_region_lm'?)"));
  o = {};
  o.tol = -1;
  CHECK_THROWS_MATCHES(o.validate(), OptionError, Catch::Message("optimizer.tol: must be positive, got -1"));
  MultiStartOptions m;
  m.starts = 0;
  CHECK_THROWS_MATCHES(m.validate(), OptionError, Catch::Message("starts: must be positive, got 0"));
}

TEST_CASE("Latin hypercube: one point per stratum in every dimension, seeded", "[fit][multistart]") {
  const VectorXd lo = (VectorXd(3) << 0, -2, 10).finished(), hi = (VectorXd(3) << 1, 2, 20).finished();
  const MatrixXd a = latin_hypercube(17, lo, hi, 42);
  for (int j = 0; j < 3; ++j) {
    std::vector<int> hits(17, 0);
    for (int i = 0; i < 17; ++i) {
      const double u = (a(i, j) - lo[j]) / (hi[j] - lo[j]);
      REQUIRE(u >= 0);
      REQUIRE(u < 1);
      ++hits[static_cast<std::size_t>(u * 17)];
    }
    for (int h : hits) CHECK(h == 1);
  }
  CHECK(a == latin_hypercube(17, lo, hi, 42));
  CHECK(a != latin_hypercube(17, lo, hi, 43));
}

TEST_CASE("multi-start finds the global minimum; results do not depend on threads", "[fit][multistart]") {
  // r(x) = ((x + 1)(x - 3)/4, 0.2 (x - 3)): global minimum x = 3 (cost 0) and a
  // local one near x = -1 (cost about 0.3).
  LeastSquaresProblem p;
  p.evaluate = [](const VectorXd& x, VectorXd& r, MatrixXd* J) {
    const double v = x[0];
    r = (VectorXd(2) << (v + 1) * (v - 3) / 4, 0.2 * (v - 3)).finished();
    if (J) *J = (MatrixXd(2, 1) << (2 * v - 2) / 4, 0.2).finished();
    return true;
  };
  p.lower = VectorXd::Constant(1, -4);
  p.upper = VectorXd::Constant(1, 5);
  MultiStartOptions o;
  o.starts = 12;
  o.seed = 7;
  o.threads = 1;
  const auto one = multi_start(p, o);
  o.threads = 2;
  const auto two = multi_start(p, o);
  REQUIRE(one.size() == 12);
  for (std::size_t i = 0; i < one.size(); ++i) {
    CHECK(one[i].start == two[i].start);
    CHECK(one[i].result.theta == two[i].result.theta);
    CHECK(one[i].result.status == two[i].result.status);
    if (i > 0) CHECK(one[i - 1].result.cost <= one[i].result.cost);
  }
  CHECK_THAT(one.front().result.theta[0], Catch::WithinAbs(3, 1e-8));
  CHECK_THAT(one.front().result.cost, Catch::WithinAbs(0, 1e-16));
  CHECK(one.back().result.theta[0] < 0);  // some starts end in the local minimum

  // first_start replaces start 0's point (clamped into the bounds), not the others'.
  o.first_start = VectorXd::Constant(1, -10.0);
  const auto seeded = multi_start(p, o);
  for (const auto& s : seeded) {
    if (s.start == 0) CHECK(s.theta0[0] == -4);  // the lower bound
    for (const auto& u : one)
      if (s.start > 0 && u.start == s.start) CHECK(u.theta0 == s.theta0);
  }
  o.first_start = VectorXd::Zero(2);
  CHECK_THROWS_AS(multi_start(p, o), std::invalid_argument);
}
