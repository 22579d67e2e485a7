// Confidence intervals on a linear least-squares problem, where the Fisher
// information is exact and the profile likelihood is the quadratic
// ½(θ_j − θ̂_j)²/C_jj, so both give θ̂_j ± 1.96·sqrt(C_jj).
#include <cmath>

#include <catch2/catch.hpp>

#include "fit/optimizer.hpp"
#include "fit/uncertainty.hpp"

using namespace exvivo::fit;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

const MatrixXd A = (MatrixXd(4, 2) << 1, 0, 1, 1, 1, 2, 1, 3).finished();
const VectorXd b = (VectorXd(4) << 1.1, 1.9, 3.2, 3.8).finished();

LeastSquaresProblem linear() {
  LeastSquaresProblem p;
  p.evaluate = [](const VectorXd& x, VectorXd& r, MatrixXd* J) {
    r = A * x - b;
    if (J) *J = A;
    return true;
  };
  p.lower = VectorXd::Constant(2, -10);
  p.upper = VectorXd::Constant(2, 10);
  return p;
}

}  // namespace

TEST_CASE("FIM and profile intervals agree with the exact covariance of a linear problem",
          "[fit][uncertainty]") {
  const OptimizerResult best = least_squares(linear(), VectorXd::Zero(2), {});
  REQUIRE(best.converged());
  const MatrixXd C = (A.transpose() * A).inverse();
  const auto fim = fim_intervals(best.jacobian, best.theta);
  for (Eigen::Index j = 0; j < 2; ++j) {
    const double half = 1.959963984540054 * std::sqrt(C(j, j));
    CHECK_THAT(fim[static_cast<std::size_t>(j)].lower, Catch::WithinRel(best.theta[j] - half, 1e-10));
    CHECK_THAT(fim[static_cast<std::size_t>(j)].upper, Catch::WithinRel(best.theta[j] + half, 1e-10));

    const Profile prof = profile_likelihood(linear(), best, static_cast<std::size_t>(j), {});
    CHECK(prof.points.size() >= 5);
    for (std::size_t k = 1; k < prof.points.size(); ++k) CHECK(prof.points[k - 1].theta < prof.points[k].theta);
    for (const auto& pt : prof.points) {
      const double d = pt.theta - best.theta[j];
      CHECK_THAT(pt.cost - best.cost, Catch::WithinAbs(0.5 * d * d / C(j, j), 1e-8));
    }
    // Linear interpolation of a quadratic overshoots slightly: 2 % of the half-width.
    CHECK_THAT(prof.interval.lower, Catch::WithinAbs(best.theta[j] - half, 0.02 * half));
    CHECK_THAT(prof.interval.upper, Catch::WithinAbs(best.theta[j] + half, 0.02 * half));
  }
}

TEST_CASE("non-identifiable directions give NaN intervals", "[fit][uncertainty]") {
  // Only θ0 + θ1 is determined; θ2 is well determined on its own.
  const MatrixXd J = (MatrixXd(3, 3) << 1, 1, 0, 2, 2, 0, 0, 0, 1).finished();
  const auto fim = fim_intervals(J, VectorXd::Zero(3));
  CHECK(std::isnan(fim[0].lower));
  CHECK(std::isnan(fim[1].upper));
  CHECK_THAT(fim[2].upper, Catch::WithinRel(1.959963984540054, 1e-12));
}

TEST_CASE("a profile that stays flat up to a bound leaves that side open", "[fit][uncertainty]") {
  // r = (θ0 - 1, 0·θ1): θ1 has no influence at all.
  LeastSquaresProblem p;
  p.evaluate = [](const VectorXd& x, VectorXd& r, MatrixXd* J) {
    r = (VectorXd(2) << x[0] - 1, 0).finished();
    if (J) *J = (MatrixXd(2, 2) << 1, 0, 0, 0).finished();
    return true;
  };
  p.lower = VectorXd::Constant(2, -2);
  p.upper = VectorXd::Constant(2, 2);
  const OptimizerResult best = least_squares(p, VectorXd::Zero(2), {});
  const Profile prof = profile_likelihood(p, best, 1, {});
  CHECK(std::isnan(prof.interval.lower));
  CHECK(std::isnan(prof.interval.upper));
  CHECK_THAT(prof.points.front().theta, Catch::WithinAbs(-2, 0));
  CHECK_THAT(prof.points.back().theta, Catch::WithinAbs(2, 0));
}
