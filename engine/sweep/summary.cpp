#include "sweep/summary.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace exvivo::sweep {

namespace {
double quantile_sorted(const std::vector<double>& v, double q) {
  const double h = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (h - static_cast<double>(lo)) * (v[hi] - v[lo]);
}
}  // namespace

Summary summarize(std::vector<double>& values) {
  Summary s;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  s.n = values.size();
  if (values.empty()) {
    s.mean = s.sd = s.q05 = s.q25 = s.median = s.q75 = s.q95 = nan;
    return s;
  }
  std::sort(values.begin(), values.end());
  double mean = 0;
  for (std::size_t i = 0; i < values.size(); ++i) mean += (values[i] - mean) / static_cast<double>(i + 1);
  double ss = 0;
  for (double v : values) ss += (v - mean) * (v - mean);
  s.mean = mean;
  s.sd = values.size() > 1 ? std::sqrt(ss / static_cast<double>(values.size() - 1)) : nan;
  s.q05 = quantile_sorted(values, 0.05);
  s.q25 = quantile_sorted(values, 0.25);
  s.median = quantile_sorted(values, 0.5);
  s.q75 = quantile_sorted(values, 0.75);
  s.q95 = quantile_sorted(values, 0.95);
  return s;
}

}  // namespace exvivo::sweep
