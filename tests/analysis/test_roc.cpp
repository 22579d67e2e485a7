// ROC analysis: AUC against the Mann–Whitney statistic counted pair by pair,
// the Youden threshold, the reported direction, bootstrap intervals.
#include <cmath>

#include <catch2/catch.hpp>

#include "analysis/roc.hpp"
#include "analysis_fixture.hpp"
#include "scenario/seeding.hpp"

using namespace exvivo;
using namespace exvivo::analysis;
using exvivo::test::close_to;

namespace {

/// U/(n1·n0) by counting every (responder, non-responder) pair, ties ½.
double mann_whitney_pairs(const std::vector<double>& x, const std::vector<bool>& response) {
  double wins = 0, pairs = 0;
  for (std::size_t i = 0; i < x.size(); ++i)
    for (std::size_t j = 0; j < x.size(); ++j)
      if (response[i] && !response[j]) {
        pairs += 1;
        wins += x[i] > x[j] ? 1.0 : x[i] == x[j] ? 0.5 : 0.0;
      }
  return wins / pairs;
}

}  // namespace

TEST_CASE("AUC equals the Mann-Whitney statistic, with and without ties", "[analysis][roc]") {
  scenario::CounterRng rng(123);
  for (int trial = 0; trial < 20; ++trial) {
    const std::size_t n = 30 + static_cast<std::size_t>(trial);
    std::vector<double> x(n);
    std::vector<bool> response(n);
    for (std::size_t i = 0; i < n; ++i) {
      response[i] = rng.uniform01() < 0.4 || i == 0;
      if (i == 1) response[i] = false;
      // Rounded markers give many ties on odd trials.
      const double value = rng.standard_normal() + (response[i] ? 0.7 : 0.0);
      x[i] = trial % 2 ? std::round(value * 2) / 2 : value;
    }
    INFO("trial " << trial);
    CHECK_THAT(roc_auc(x, response), close_to(mann_whitney_pairs(x, response), 1e-12));
  }
}

TEST_CASE("ROC summary: Youden threshold, sensitivity, specificity", "[analysis][roc]") {
  // Responders 4, 5, 6, 7 and non-responders 1, 2, 3, 4.5: AUC = 15/16 (only 4 < 4.5).
  const std::vector<double> x{1, 2, 3, 4.5, 4, 5, 6, 7};
  const std::vector<bool> r{false, false, false, false, true, true, true, true};
  const RocSummary s = roc_summary(x, r, 0, 0);
  CHECK_THAT(s.auc, close_to(15.0 / 16.0, 1e-12));
  CHECK(s.higher);
  // Cut-offs 4 (sens 1, spec 3/4) and 5 (sens 3/4, spec 1) tie on J = 3/4: the more sensitive wins.
  CHECK_THAT(s.threshold, close_to(4, 0));
  CHECK_THAT(s.sensitivity, close_to(1, 0));
  CHECK_THAT(s.specificity, close_to(0.75, 0));
  CHECK(std::isnan(s.auc_ci.lower));
}

TEST_CASE("ROC summary: a marker lower in responders is reported with direction lower", "[analysis][roc]") {
  const std::vector<double> x{10, 9, 8, 7, 1, 2, 3, 8.5};
  const std::vector<bool> r{false, false, false, false, true, true, true, true};
  CHECK_THAT(roc_auc(x, r), close_to(2.0 / 16.0, 1e-12));  // only 8.5 beats 8 and 7
  const RocSummary s = roc_summary(x, r, 200, 5);
  CHECK_FALSE(s.higher);
  CHECK_THAT(s.auc, close_to(14.0 / 16.0, 1e-12));
  CHECK_THAT(s.threshold, close_to(3, 0));  // marker ≤ 3 → responder: J = 0.75 + 1 − 1
  CHECK_THAT(s.sensitivity, close_to(0.75, 0));
  CHECK_THAT(s.specificity, close_to(1, 0));
  CHECK(s.auc_ci.lower <= s.auc);
  CHECK(s.auc <= s.auc_ci.upper);
  CHECK(s.auc_ci.upper <= 1.0);
}

TEST_CASE("ROC curve: from (0, 0) to (1, 1), one point per distinct marker value", "[analysis][roc]") {
  const std::vector<double> x{1, 2, 2, 3, 5};
  const std::vector<bool> r{false, true, false, true, true};
  const auto curve = roc_curve(x, r, true);
  REQUIRE(curve.size() == 5);  // +inf, 5, 3, 2, 1
  CHECK(std::isinf(curve[0].threshold));
  CHECK_THAT(curve[0].sensitivity, close_to(0, 0));
  CHECK_THAT(curve[0].specificity, close_to(1, 0));
  CHECK_THAT(curve[3].threshold, close_to(2, 0));
  CHECK_THAT(curve[3].sensitivity, close_to(1, 0));
  CHECK_THAT(curve[3].specificity, close_to(0.5, 0));
  CHECK_THAT(curve[4].sensitivity, close_to(1, 0));
  CHECK_THAT(curve[4].specificity, close_to(0, 0));
  // The trapezoidal area under the curve is the AUC.
  double area = 0;
  for (std::size_t i = 1; i < curve.size(); ++i)
    area += (curve[i - 1].specificity - curve[i].specificity) * (curve[i].sensitivity + curve[i - 1].sensitivity) / 2;
  CHECK_THAT(area, close_to(roc_auc(x, r), 1e-12));
}

TEST_CASE("ROC: needs both responders and non-responders", "[analysis][roc]") {
  CHECK_THROWS_AS(roc_auc({1, 2}, {true, true}), std::invalid_argument);
  CHECK_THROWS_AS(roc_auc({1, 2}, {true}), std::invalid_argument);
}
