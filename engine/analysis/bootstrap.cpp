#include "analysis/bootstrap.hpp"

#include <algorithm>
#include <cmath>

#include "scenario/seeding.hpp"

namespace exvivo::analysis {

ConfidenceInterval percentile_interval(std::vector<double> values, double alpha) {
  std::erase_if(values, [](double v) { return !std::isfinite(v); });
  ConfidenceInterval ci;
  if (values.empty()) return ci;
  std::sort(values.begin(), values.end());
  const auto quantile = [&](double q) {
    const double h = q * static_cast<double>(values.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(h));
    const std::size_t hi = std::min(lo + 1, values.size() - 1);
    return values[lo] + (h - static_cast<double>(lo)) * (values[hi] - values[lo]);
  };
  ci.lower = quantile(alpha / 2);
  ci.upper = quantile(1 - alpha / 2);
  return ci;
}

std::vector<std::size_t> resample_indices(std::size_t population, std::size_t count, std::uint64_t key) {
  scenario::CounterRng rng(key);
  std::vector<std::size_t> indices(count);
  for (auto& i : indices) i = static_cast<std::size_t>(rng.below(population));
  return indices;
}

}  // namespace exvivo::analysis
