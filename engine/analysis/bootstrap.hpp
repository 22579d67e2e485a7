#pragma once
// Percentile bootstrap intervals shared by the analyses (Efron & Tibshirani
// 1993, ch. 13): the statistic is recomputed on `resamples` resamples drawn
// with replacement, and the interval is the (α/2, 1 − α/2) quantiles of
// those values (linear interpolation between order statistics, R type 7).
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace exvivo::analysis {

struct ConfidenceInterval {
  double lower = std::numeric_limits<double>::quiet_NaN();
  double upper = std::numeric_limits<double>::quiet_NaN();
};

/// Two-sided percentile interval of `values` at coverage 1 − alpha (default
/// 95 %). Non-finite values are ignored; NaN bounds when none is left.
ConfidenceInterval percentile_interval(std::vector<double> values, double alpha = 0.05);

/// `count` indices drawn uniformly with replacement from [0, population), from
/// the counter-based stream `key` (scenario/seeding.hpp): the same key gives
/// the same resample on every platform and thread.
std::vector<std::size_t> resample_indices(std::size_t population, std::size_t count, std::uint64_t key);

}  // namespace exvivo::analysis
