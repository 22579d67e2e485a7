#include "analysis/morris.hpp"

#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "scenario/seeding.hpp"

namespace exvivo::analysis {

using Eigen::Index;

MorrisDesign morris_trajectories(std::size_t n, std::size_t k, std::size_t levels, std::uint64_t seed) {
  if (n == 0 || k == 0) throw std::invalid_argument("morris_trajectories: n and k must be positive");
  if (levels < 2 || levels % 2 != 0) throw std::invalid_argument("morris_trajectories: levels must be even and >= 2");
  const double p = static_cast<double>(levels);
  const double delta = p / (2 * (p - 1));
  MorrisDesign d;
  d.trajectories = n;
  d.inputs = k;
  d.points.resize(static_cast<Index>(n * (k + 1)), static_cast<Index>(k));
  d.moved.resize(n);
  d.steps.resize(n);
  const std::uint64_t key = scenario::derive_key(scenario::mix64(seed), scenario::name_key("morris"));
  for (std::size_t r = 0; r < n; ++r) {
    scenario::CounterRng rng(scenario::derive_key(key, r));
    Eigen::VectorXd x(static_cast<Index>(k));
    for (std::size_t i = 0; i < k; ++i)
      x[static_cast<Index>(i)] = static_cast<double>(rng.below(levels)) / (p - 1);
    std::vector<std::size_t> order(k);
    std::iota(order.begin(), order.end(), 0);
    for (std::size_t i = k; i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);  // Fisher–Yates
    const auto first_row = static_cast<Index>(r * (k + 1));
    d.points.row(first_row) = x.transpose();
    for (std::size_t j = 0; j < k; ++j) {
      const auto i = static_cast<Index>(order[j]);
      const double step = x[i] + delta <= 1 + 1e-12 ? delta : -delta;
      x[i] += step;
      d.points.row(first_row + static_cast<Index>(j) + 1) = x.transpose();
      d.moved[r].push_back(order[j]);
      d.steps[r].push_back(step);
    }
  }
  return d;
}

namespace {

/// effects[i][r]: EE of input i in trajectory r.
std::vector<std::vector<double>> elementary_effects(const MorrisDesign& d, const Eigen::VectorXd& f) {
  std::vector<std::vector<double>> effects(d.inputs, std::vector<double>(d.trajectories));
  for (std::size_t r = 0; r < d.trajectories; ++r)
    for (std::size_t j = 0; j < d.inputs; ++j) {
      const auto row = static_cast<Index>(r * (d.inputs + 1) + j);
      effects[d.moved[r][j]][r] = (f[row + 1] - f[row]) / d.steps[r][j];
    }
  return effects;
}

double mean_abs(const std::vector<double>& ee, const std::vector<std::size_t>& rows) {
  double s = 0;
  for (const std::size_t r : rows) s += std::abs(ee[r]);
  return s / static_cast<double>(rows.size());
}

}  // namespace

std::vector<MorrisEffect> morris_effects(const MorrisDesign& design, const Eigen::VectorXd& f,
                                         std::size_t bootstrap, std::uint64_t seed) {
  if (static_cast<std::size_t>(f.size()) != design.trajectories * (design.inputs + 1))
    throw std::invalid_argument("morris_effects: one output per design point expected");
  const auto effects = elementary_effects(design, f);
  const std::size_t n = design.trajectories;
  std::vector<std::size_t> all(n);
  std::iota(all.begin(), all.end(), 0);
  const std::uint64_t key = scenario::derive_key(scenario::mix64(seed), scenario::name_key("morris_bootstrap"));
  std::vector<std::vector<std::size_t>> resamples;
  for (std::size_t b = 0; b < bootstrap; ++b) resamples.push_back(resample_indices(n, n, scenario::derive_key(key, b)));
  std::vector<MorrisEffect> out(design.inputs);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t i = 0; i < design.inputs; ++i) {
    const auto& ee = effects[i];
    MorrisEffect& e = out[i];
    bool finite = true;
    for (const double v : ee) finite = finite && std::isfinite(v);
    if (!finite) {
      e.mu_star = e.mu = e.sigma = nan;
      continue;
    }
    e.mu_star = mean_abs(ee, all);
    e.mu = std::accumulate(ee.begin(), ee.end(), 0.0) / static_cast<double>(n);
    double ss = 0;
    for (const double v : ee) ss += (v - e.mu) * (v - e.mu);
    e.sigma = n > 1 ? std::sqrt(ss / static_cast<double>(n - 1)) : nan;
    if (bootstrap > 0) {
      std::vector<double> values;
      for (const auto& rows : resamples) values.push_back(mean_abs(ee, rows));
      e.mu_star_ci = percentile_interval(values);
    }
  }
  return out;
}

}  // namespace exvivo::analysis
