#pragma once
// Distribution summaries over sweep samples (summary.csv of DESIGN.md §5).
#include <vector>

namespace exvivo::sweep {

struct Summary {
  std::size_t n = 0;
  double mean = 0, sd = 0, q05 = 0, q25 = 0, median = 0, q75 = 0, q95 = 0;
};

/// Summary of `values` (reordered in place). Quantiles interpolate linearly
/// between order statistics (R type 7, NumPy's default); sd uses n−1 and is NaN
/// for n < 2; everything is NaN for n = 0.
Summary summarize(std::vector<double>& values);

}  // namespace exvivo::sweep
