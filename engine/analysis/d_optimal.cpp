#include "analysis/d_optimal.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include <Eigen/Eigenvalues>

#include "scenario/seeding.hpp"

namespace exvivo::analysis {

using Eigen::MatrixXd;

double log_det_information(const MatrixXd& information) {
  const Eigen::SelfAdjointEigenSolver<MatrixXd> eig(information, Eigen::EigenvaluesOnly);
  const Eigen::VectorXd& values = eig.eigenvalues();  // ascending
  const double largest = values[values.size() - 1];
  if (!(largest > 0) || !(values[0] > 1e-12 * largest)) return -std::numeric_limits<double>::infinity();
  return values.array().log().sum();
}

std::size_t binomial(std::size_t n, std::size_t k) {
  if (k > n) return 0;
  k = std::min(k, n - k);
  std::size_t result = 1;
  for (std::size_t i = 1; i <= k; ++i) {
    const std::size_t numerator = n - k + i;
    // result·numerator/i is exact at every step (it is C(n−k+i, i)).
    if (result > std::numeric_limits<std::size_t>::max() / numerator) return std::numeric_limits<std::size_t>::max();
    result = result * numerator / i;
  }
  return result;
}

namespace {

class Evaluator {
 public:
  explicit Evaluator(const std::vector<std::vector<MatrixXd>>& m) : m_(m) {}

  MatrixXd information(const std::vector<std::size_t>& times, const std::vector<std::size_t>& doses) const {
    MatrixXd f = MatrixXd::Zero(m_[0][0].rows(), m_[0][0].cols());
    for (const std::size_t d : doses)
      for (const std::size_t t : times) f += m_[d][t];
    return f;
  }
  double criterion(const std::vector<std::size_t>& times, const std::vector<std::size_t>& doses) {
    ++evaluated;
    return log_det_information(information(times, doses));
  }
  /// log det(F + εI): finite for any non-zero F, so singular designs can be compared.
  double regularised(const std::vector<std::size_t>& times, const std::vector<std::size_t>& doses) {
    ++evaluated;
    MatrixXd f = information(times, doses);
    const double eps = 1e-9 * std::max(f.trace(), 1e-300) / static_cast<double>(f.rows());
    f.diagonal().array() += eps;
    const Eigen::SelfAdjointEigenSolver<MatrixXd> eig(f, Eigen::EigenvaluesOnly);
    return eig.eigenvalues().array().max(1e-300).log().sum();
  }
  std::size_t evaluated = 0;

 private:
  const std::vector<std::vector<MatrixXd>>& m_;
};

/// Advances `c` (ascending k-subset of [0, n)) to the next in lexicographic order; false after the last.
bool next_combination(std::vector<std::size_t>& c, std::size_t n) {
  const std::size_t k = c.size();
  for (std::size_t i = k; i-- > 0;) {
    if (c[i] < n - k + i) {
      ++c[i];
      for (std::size_t j = i + 1; j < k; ++j) c[j] = c[j - 1] + 1;
      return true;
    }
  }
  return false;
}

std::vector<std::size_t> first_combination(std::size_t k) {
  std::vector<std::size_t> c(k);
  std::iota(c.begin(), c.end(), 0);
  return c;
}

std::vector<std::size_t> random_subset(std::size_t n, std::size_t k, scenario::CounterRng& rng) {
  std::vector<std::size_t> all(n);
  std::iota(all.begin(), all.end(), 0);
  for (std::size_t i = 0; i < k; ++i) std::swap(all[i], all[i + rng.below(n - i)]);
  all.resize(k);
  std::sort(all.begin(), all.end());
  return all;
}

void sort_ranked(std::vector<DesignChoice>& designs, std::size_t keep) {
  std::stable_sort(designs.begin(), designs.end(),
                   [](const DesignChoice& a, const DesignChoice& b) { return a.log_det > b.log_det; });
  if (designs.size() > keep) designs.resize(keep);
}

/// One exchange pass on `chosen` (a subset of [0, n)); true when it improved `score`.
template <class Score>
bool best_exchange(std::vector<std::size_t>& chosen, std::size_t n, double& score, Score&& evaluate) {
  std::vector<std::size_t> best = chosen;
  double best_score = score;
  for (std::size_t slot = 0; slot < chosen.size(); ++slot)
    for (std::size_t candidate = 0; candidate < n; ++candidate) {
      if (std::find(chosen.begin(), chosen.end(), candidate) != chosen.end()) continue;
      std::vector<std::size_t> trial = chosen;
      trial[slot] = candidate;
      std::sort(trial.begin(), trial.end());
      const double s = evaluate(trial);
      if (s > best_score + 1e-10) {
        best_score = s;
        best = trial;
      }
    }
  if (best == chosen) return false;
  chosen = best;
  score = best_score;
  return true;
}

}  // namespace

DesignSearch search_d_optimal(const std::vector<std::vector<MatrixXd>>& information, std::size_t n_times,
                              std::size_t n_doses, const DesignSearchOptions& options) {
  if (information.empty() || information[0].empty())
    throw std::invalid_argument("search_d_optimal: no candidates");
  const std::size_t n_dose_candidates = information.size(), n_time_candidates = information[0].size();
  for (const auto& row : information)
    if (row.size() != n_time_candidates) throw std::invalid_argument("search_d_optimal: ragged information");
  if (n_times == 0 || n_times > n_time_candidates || n_doses == 0 || n_doses > n_dose_candidates)
    throw std::invalid_argument("search_d_optimal: design size out of range");

  Evaluator evaluator(information);
  DesignSearch search;
  std::vector<DesignChoice> designs;
  const std::size_t ct = binomial(n_time_candidates, n_times), cd = binomial(n_dose_candidates, n_doses);
  const bool small = ct != std::numeric_limits<std::size_t>::max() && cd != std::numeric_limits<std::size_t>::max() &&
                     ct <= options.max_exhaustive / cd;
  if (small) {
    std::vector<std::size_t> doses = first_combination(n_doses);
    do {
      std::vector<std::size_t> times = first_combination(n_times);
      do {
        designs.push_back({times, doses, evaluator.criterion(times, doses)});
      } while (next_combination(times, n_time_candidates));
      // Keep memory bounded by the designs reported, not the designs evaluated.
      if (designs.size() > 4 * options.keep + 1000) sort_ranked(designs, options.keep);
    } while (next_combination(doses, n_dose_candidates));
  } else {
    search.exhaustive = false;
    const std::uint64_t key = scenario::derive_key(scenario::mix64(options.seed), scenario::name_key("fedorov"));
    for (std::size_t s = 0; s < std::max<std::size_t>(options.starts, 1); ++s) {
      scenario::CounterRng rng(scenario::derive_key(key, s));
      DesignChoice d{random_subset(n_time_candidates, n_times, rng), random_subset(n_dose_candidates, n_doses, rng), 0};
      double score = evaluator.regularised(d.times, d.doses);
      bool improved = true;
      while (improved) {
        improved = best_exchange(d.times, n_time_candidates, score,
                                 [&](const auto& t) { return evaluator.regularised(t, d.doses); });
        improved = best_exchange(d.doses, n_dose_candidates, score,
                                 [&](const auto& dd) { return evaluator.regularised(d.times, dd); }) ||
                   improved;
      }
      d.log_det = evaluator.criterion(d.times, d.doses);
      const bool seen = std::any_of(designs.begin(), designs.end(), [&](const DesignChoice& o) {
        return o.times == d.times && o.doses == d.doses;
      });
      if (!seen) designs.push_back(d);
    }
  }
  sort_ranked(designs, options.keep);
  search.ranked = std::move(designs);
  search.evaluated = evaluator.evaluated;
  return search;
}

}  // namespace exvivo::analysis
