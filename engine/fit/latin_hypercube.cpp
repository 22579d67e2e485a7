#include "fit/latin_hypercube.hpp"

#include <numeric>
#include <random>
#include <utility>
#include <vector>

namespace exvivo::fit {

namespace {
double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }
}  // namespace

Eigen::MatrixXd latin_hypercube(int n, const Eigen::VectorXd& lower, const Eigen::VectorXd& upper,
                                std::uint64_t seed) {
  const Eigen::Index d = lower.size();
  Eigen::MatrixXd points(n, d);
  std::mt19937_64 rng(seed);
  std::vector<int> strata(static_cast<std::size_t>(n));
  for (Eigen::Index j = 0; j < d; ++j) {
    std::iota(strata.begin(), strata.end(), 0);
    for (int i = n - 1; i > 0; --i) {  // Fisher–Yates
      const auto k = static_cast<int>(rng() % static_cast<std::uint64_t>(i + 1));
      std::swap(strata[static_cast<std::size_t>(i)], strata[static_cast<std::size_t>(k)]);
    }
    for (int i = 0; i < n; ++i) {
      const double u = (strata[static_cast<std::size_t>(i)] + uniform01(rng)) / n;
      points(i, j) = lower[j] + u * (upper[j] - lower[j]);
    }
  }
  return points;
}

}  // namespace exvivo::fit
