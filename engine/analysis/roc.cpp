#include "analysis/roc.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "scenario/seeding.hpp"

namespace exvivo::analysis {

namespace {

void check_groups(const std::vector<double>& marker, const std::vector<bool>& response) {
  if (marker.size() != response.size()) throw std::invalid_argument("roc: marker and response sizes differ");
  const auto positives = static_cast<std::size_t>(std::count(response.begin(), response.end(), true));
  if (positives == 0 || positives == response.size())
    throw std::invalid_argument("roc: needs both responders and non-responders");
}

struct Split {
  std::vector<double> positive, negative;
};

Split split(const std::vector<double>& marker, const std::vector<bool>& response) {
  Split s;
  for (std::size_t i = 0; i < marker.size(); ++i) (response[i] ? s.positive : s.negative).push_back(marker[i]);
  return s;
}

double auc_of(const std::vector<double>& positive, const std::vector<double>& negative) {
  std::vector<std::pair<double, bool>> all;
  all.reserve(positive.size() + negative.size());
  for (const double v : positive) all.emplace_back(v, true);
  for (const double v : negative) all.emplace_back(v, false);
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  double rank_sum = 0;
  for (std::size_t i = 0; i < all.size();) {
    std::size_t j = i;
    while (j < all.size() && all[j].first == all[i].first) ++j;
    const double mid_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    for (std::size_t t = i; t < j; ++t)
      if (all[t].second) rank_sum += mid_rank;
    i = j;
  }
  const auto n1 = static_cast<double>(positive.size()), n0 = static_cast<double>(negative.size());
  return (rank_sum - n1 * (n1 + 1) / 2) / (n1 * n0);
}

}  // namespace

double roc_auc(const std::vector<double>& marker, const std::vector<bool>& response) {
  check_groups(marker, response);
  const Split s = split(marker, response);
  return auc_of(s.positive, s.negative);
}

std::vector<RocPoint> roc_curve(const std::vector<double>& marker, const std::vector<bool>& response, bool higher) {
  check_groups(marker, response);
  const Split s = split(marker, response);
  std::vector<double> cuts = marker;
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  if (higher) std::reverse(cuts.begin(), cuts.end());  // strictest cut-off first
  const double infinity = std::numeric_limits<double>::infinity();
  std::vector<RocPoint> curve{{higher ? infinity : -infinity, 0, 1}};
  const auto n1 = static_cast<double>(s.positive.size()), n0 = static_cast<double>(s.negative.size());
  for (const double c : cuts) {
    const auto predicted = [&](double v) { return higher ? v >= c : v <= c; };
    const double tp = static_cast<double>(std::count_if(s.positive.begin(), s.positive.end(), predicted));
    const double fp = static_cast<double>(std::count_if(s.negative.begin(), s.negative.end(), predicted));
    curve.push_back({c, tp / n1, 1 - fp / n0});
  }
  return curve;
}

RocSummary roc_summary(const std::vector<double>& marker, const std::vector<bool>& response,
                       std::size_t bootstrap, std::uint64_t seed) {
  check_groups(marker, response);
  const Split s = split(marker, response);
  RocSummary r;
  const double auc = auc_of(s.positive, s.negative);
  r.higher = auc >= 0.5;
  r.auc = r.higher ? auc : 1 - auc;

  double best_j = -2;
  for (const RocPoint& point : roc_curve(marker, response, r.higher)) {
    if (!std::isfinite(point.threshold)) continue;
    if (point.sensitivity + point.specificity - 1 >= best_j) {  // later points are more sensitive
      best_j = point.sensitivity + point.specificity - 1;
      r.threshold = point.threshold;
      r.sensitivity = point.sensitivity;
      r.specificity = point.specificity;
    }
  }

  if (bootstrap > 0) {
    const std::uint64_t key = scenario::derive_key(scenario::mix64(seed), scenario::name_key("auc_bootstrap"));
    std::vector<double> values;
    std::vector<double> positive(s.positive.size()), negative(s.negative.size());
    for (std::size_t b = 0; b < bootstrap; ++b) {
      const std::uint64_t k = scenario::derive_key(key, b);
      const auto pi = resample_indices(s.positive.size(), s.positive.size(), scenario::derive_key(k, 1));
      const auto ni = resample_indices(s.negative.size(), s.negative.size(), scenario::derive_key(k, 0));
      for (std::size_t i = 0; i < pi.size(); ++i) positive[i] = s.positive[pi[i]];
      for (std::size_t i = 0; i < ni.size(); ++i) negative[i] = s.negative[ni[i]];
      const double a = auc_of(positive, negative);
      values.push_back(r.higher ? a : 1 - a);
    }
    r.auc_ci = percentile_interval(values);
  }
  return r;
}

}  // namespace exvivo::analysis
