#include "solve/sparse_lu.hpp"

#include <suitesparse/klu.h>

#include <algorithm>
#include <stdexcept>

namespace exvivo::solve::detail {

struct SparseLu::Klu {
  klu_common common{};
  klu_symbolic* symbolic = nullptr;
  klu_numeric* numeric = nullptr;
  ~Klu() {
    if (numeric) klu_free_numeric(&numeric, &common);
    if (symbolic) klu_free_symbolic(&symbolic, &common);
  }
};

namespace {
// Refactored pivots whose min/max ratio fell below this fraction of the last
// fresh factorisation's are not trusted: factor afresh with pivoting.
constexpr double refactor_rcond_drop = 1e-3;
}  // namespace

SparseLu::SparseLu(std::size_t n, const std::vector<std::pair<int, int>>& pattern)
    : klu_(std::make_unique<Klu>()), n_(n) {
  // Compressed sparse columns of pattern ∪ diagonal, rows sorted in each column.
  std::vector<std::pair<int, int>> entries;  // (col, row)
  entries.reserve(pattern.size() + n);
  for (const auto& [r, c] : pattern) {
    if (r < 0 || c < 0 || static_cast<std::size_t>(r) >= n || static_cast<std::size_t>(c) >= n)
      throw std::invalid_argument("SparseLu: pattern entry outside the matrix");
    entries.emplace_back(c, r);
  }
  for (std::size_t i = 0; i < n; ++i) entries.emplace_back(static_cast<int>(i), static_cast<int>(i));
  std::sort(entries.begin(), entries.end());
  entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
  column_start_.assign(n + 1, 0);
  for (const auto& [c, r] : entries) {
    ++column_start_[static_cast<std::size_t>(c) + 1];
    row_index_.push_back(r);
  }
  for (std::size_t c = 0; c < n; ++c) column_start_[c + 1] += column_start_[c];
  values_.assign(entries.size(), 0.0);
  const auto position = [&](int r, int c) {
    const auto it = std::lower_bound(entries.begin(), entries.end(), std::make_pair(c, r));
    return static_cast<std::size_t>(it - entries.begin());
  };
  for (const auto& [r, c] : pattern) position_of_entry_.push_back(position(r, c));
  for (std::size_t i = 0; i < n; ++i) position_of_diagonal_.push_back(position(static_cast<int>(i), static_cast<int>(i)));

  klu_defaults(&klu_->common);
  klu_->symbolic = klu_analyze(static_cast<int>(n), column_start_.data(), row_index_.data(), &klu_->common);
  if (!klu_->symbolic) throw std::runtime_error("SparseLu: KLU could not analyse the Jacobian pattern");
}

SparseLu::~SparseLu() = default;

bool SparseLu::factor(double shift, const double* jacobian_values) {
  std::fill(values_.begin(), values_.end(), 0.0);
  for (std::size_t k = 0; k < position_of_entry_.size(); ++k) values_[position_of_entry_[k]] = -jacobian_values[k];
  for (const std::size_t p : position_of_diagonal_) values_[p] += shift;

  klu_common& common = klu_->common;
  if (klu_->numeric) {
    if (klu_refactor(column_start_.data(), row_index_.data(), values_.data(), klu_->symbolic, klu_->numeric,
                     &common) &&
        klu_rcond(klu_->symbolic, klu_->numeric, &common) && common.rcond >= refactor_rcond_drop * fresh_rcond_ &&
        common.rcond > 0) {
      ++refactored_;
      return true;
    }
    klu_free_numeric(&klu_->numeric, &common);
  }
  klu_->numeric = klu_factor(column_start_.data(), row_index_.data(), values_.data(), klu_->symbolic, &common);
  if (!klu_->numeric) return false;
  ++fresh_;
  if (!klu_rcond(klu_->symbolic, klu_->numeric, &common) || !(common.rcond > 0)) {
    klu_free_numeric(&klu_->numeric, &common);
    return false;
  }
  fresh_rcond_ = common.rcond;
  return true;
}

void SparseLu::solve(double* b) const {
  klu_solve(klu_->symbolic, klu_->numeric, static_cast<int>(n_), 1, b, &klu_->common);
}

}  // namespace exvivo::solve::detail
