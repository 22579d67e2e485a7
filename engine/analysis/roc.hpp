#pragma once
// Receiver operating characteristic of one marker for a binary response.
//
// AUC is the probability that the marker of a random responder exceeds that
// of a random non-responder, ties counting one half; it equals the
// Mann–Whitney statistic U / (n₁ n₀) and is computed from mid-ranks:
//   AUC = (R₁ − n₁(n₁ + 1)/2) / (n₁ n₀),  R₁ = sum of the responders' mid-ranks.
// AUC is thus for "a higher marker predicts response"; AUC < 0.5 means a
// lower marker does. roc_summary() reports the better of the two directions:
// auc = max(AUC, 1 − AUC) with direction `higher` or `lower`.
//
// Threshold: the Youden-optimal cut-off c maximising J = sensitivity +
// specificity − 1 among the observed marker values, classifying "responder"
// when marker ≥ c (direction higher) or marker ≤ c (direction lower); on ties
// of J the smallest c (higher) / largest c (lower), i.e. the most sensitive.
//
// Interval: stratified percentile bootstrap (as pROC): responders and
// non-responders are resampled separately, keeping both group sizes, and the
// AUC in the reported direction is recomputed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/bootstrap.hpp"

namespace exvivo::analysis {

/// AUC for "higher marker predicts response" (see above). Throws
/// std::invalid_argument when the sizes differ or a group is empty.
double roc_auc(const std::vector<double>& marker, const std::vector<bool>& response);

struct RocSummary {
  double auc = 0;               ///< max(AUC, 1 − AUC)
  bool higher = true;           ///< direction: a higher marker predicts response
  ConfidenceInterval auc_ci;
  double threshold = 0;         ///< Youden-optimal cut-off, marker units
  double sensitivity = 0;       ///< at the threshold
  double specificity = 0;
};

struct RocPoint {
  double threshold = 0;         ///< classify responder when marker ≥ threshold (higher) or ≤ (lower)
  double sensitivity = 0;       ///< true positive rate
  double specificity = 0;       ///< 1 − false positive rate
};

/// The empirical ROC curve in the given direction: one point per distinct
/// marker value, from the strictest cut-off to the loosest, preceded by the
/// point (sensitivity 0, specificity 1) at threshold +∞ (higher) or −∞ (lower).
/// Throws as roc_auc.
std::vector<RocPoint> roc_curve(const std::vector<double>& marker, const std::vector<bool>& response, bool higher);

/// The summary above; `bootstrap` stratified resamples (0 = no interval) drawn
/// from `seed`. Throws as roc_auc.
RocSummary roc_summary(const std::vector<double>& marker, const std::vector<bool>& response,
                       std::size_t bootstrap, std::uint64_t seed);

}  // namespace exvivo::analysis
