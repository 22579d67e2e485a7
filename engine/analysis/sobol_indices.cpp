#include "analysis/sobol_indices.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "scenario/design.hpp"
#include "scenario/seeding.hpp"

namespace exvivo::analysis {

using Eigen::Index;

Eigen::MatrixXd saltelli_points(std::size_t n, std::size_t k, std::uint64_t seed) {
  if (n == 0 || k == 0) throw std::invalid_argument("saltelli_points: n and k must be positive");
  const Eigen::MatrixXd ab = scenario::sample_unit_design(scenario::Design::sobol, n, 2 * k, seed);
  const auto rows = static_cast<Index>(n), cols = static_cast<Index>(k);
  Eigen::MatrixXd points(rows * static_cast<Index>(k + 2), cols);
  const Eigen::MatrixXd a = ab.leftCols(cols), b = ab.rightCols(cols);
  points.topRows(rows) = a;
  points.middleRows(rows, rows) = b;
  for (Index i = 0; i < cols; ++i) {
    Eigen::MatrixXd abi = a;
    abi.col(i) = b.col(i);
    points.middleRows((2 + i) * rows, rows) = abi;
  }
  return points;
}

namespace {

/// Both estimators over the rows `rows` (a bootstrap resample, or all rows).
void estimate(const Eigen::VectorXd& f, std::size_t n, std::size_t k, const std::vector<std::size_t>& rows,
              std::vector<double>& s1, std::vector<double>& st) {
  const auto fa = [&](std::size_t j) { return f[static_cast<Index>(j)]; };
  const auto fb = [&](std::size_t j) { return f[static_cast<Index>(n + j)]; };
  const auto fab = [&](std::size_t i, std::size_t j) { return f[static_cast<Index>((2 + i) * n + j)]; };
  const double m = static_cast<double>(rows.size());
  double mean = 0;
  for (const std::size_t j : rows) mean += fa(j) + fb(j);
  mean /= 2 * m;
  double variance = 0;
  for (const std::size_t j : rows) variance += (fa(j) - mean) * (fa(j) - mean) + (fb(j) - mean) * (fb(j) - mean);
  variance /= 2 * m - 1;
  s1.assign(k, std::numeric_limits<double>::quiet_NaN());
  st.assign(k, std::numeric_limits<double>::quiet_NaN());
  if (!(variance > 0) || !std::isfinite(variance)) return;
  for (std::size_t i = 0; i < k; ++i) {
    double first = 0, total = 0;
    for (const std::size_t j : rows) {
      first += (fb(j) - mean) * (fab(i, j) - fa(j));
      total += (fa(j) - fab(i, j)) * (fa(j) - fab(i, j));
    }
    s1[i] = first / m / variance;
    st[i] = total / (2 * m) / variance;
  }
}

}  // namespace

std::vector<SobolIndex> sobol_indices(const Eigen::VectorXd& f, std::size_t k, std::size_t bootstrap,
                                      std::uint64_t seed) {
  const auto size = static_cast<std::size_t>(f.size());
  if (k == 0 || size == 0 || size % (k + 2) != 0)
    throw std::invalid_argument("sobol_indices: outputs must have n·(k + 2) values");
  const std::size_t n = size / (k + 2);
  std::vector<std::size_t> all(n);
  for (std::size_t j = 0; j < n; ++j) all[j] = j;
  std::vector<double> s1, st;
  estimate(f, n, k, all, s1, st);
  std::vector<SobolIndex> out(k);
  for (std::size_t i = 0; i < k; ++i) {
    out[i].first_order = s1[i];
    out[i].total = st[i];
  }
  if (bootstrap == 0 || !f.allFinite()) return out;
  std::vector<std::vector<double>> s1_b(k), st_b(k);
  const std::uint64_t key = scenario::derive_key(scenario::mix64(seed), scenario::name_key("sobol_bootstrap"));
  for (std::size_t b = 0; b < bootstrap; ++b) {
    estimate(f, n, k, resample_indices(n, n, scenario::derive_key(key, b)), s1, st);
    for (std::size_t i = 0; i < k; ++i) {
      s1_b[i].push_back(s1[i]);
      st_b[i].push_back(st[i]);
    }
  }
  for (std::size_t i = 0; i < k; ++i) {
    out[i].first_order_ci = percentile_interval(s1_b[i]);
    out[i].total_ci = percentile_interval(st_b[i]);
  }
  return out;
}

}  // namespace exvivo::analysis
