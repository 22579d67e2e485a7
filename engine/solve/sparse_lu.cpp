#include "solve/sparse_lu.hpp"

#include <suitesparse/klu.h>

#include <algorithm>
#include <mutex>
#include <stdexcept>

namespace exvivo::solve::detail {

// What depends on the pattern only: its compressed sparse columns (pattern ∪
// diagonal, rows sorted in each column), where each pattern entry and each
// diagonal entry lands in them, and KLU's symbolic analysis (BTF + AMD
// ordering with KLU's defaults). Built once, then only read: klu_factor,
// klu_refactor, klu_rcond and klu_solve read the symbolic object without
// writing it (klu_factor writes its fill estimate Lnz only where the ordering
// left none, i.e. COLAMD; the constructor checks AMD's estimates are there),
// so one Analysis serves any number of SparseLu on any threads.
struct SparseLu::Analysis {
  std::size_t n = 0;
  std::vector<std::pair<int, int>> pattern;  ///< the cache's key, with n
  std::vector<int> column_start, row_index;
  std::vector<std::size_t> position_of_entry;  ///< pattern entry k -> index into the values
  std::vector<std::size_t> position_of_diagonal;
  klu_symbolic* symbolic = nullptr;

  Analysis(std::size_t size, const std::vector<std::pair<int, int>>& entries_of_j);
  ~Analysis() {
    klu_common common{};
    klu_defaults(&common);
    if (symbolic) klu_free_symbolic(&symbolic, &common);
  }
  Analysis(const Analysis&) = delete;
  Analysis& operator=(const Analysis&) = delete;
};

SparseLu::Analysis::Analysis(std::size_t size, const std::vector<std::pair<int, int>>& entries_of_j)
    : n(size), pattern(entries_of_j) {
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
  column_start.assign(n + 1, 0);
  for (const auto& [c, r] : entries) {
    ++column_start[static_cast<std::size_t>(c) + 1];
    row_index.push_back(r);
  }
  for (std::size_t c = 0; c < n; ++c) column_start[c + 1] += column_start[c];
  const auto position = [&](int r, int c) {
    const auto it = std::lower_bound(entries.begin(), entries.end(), std::make_pair(c, r));
    return static_cast<std::size_t>(it - entries.begin());
  };
  for (const auto& [r, c] : pattern) position_of_entry.push_back(position(r, c));
  for (std::size_t i = 0; i < n; ++i)
    position_of_diagonal.push_back(position(static_cast<int>(i), static_cast<int>(i)));

  klu_common common{};
  klu_defaults(&common);
  symbolic = klu_analyze(static_cast<int>(n), column_start.data(), row_index.data(), &common);
  if (!symbolic) throw std::runtime_error("SparseLu: KLU could not analyse the Jacobian pattern");
  for (int b = 0; b < symbolic->nblocks; ++b)
    if (!(symbolic->Lnz[b] >= 0))  // klu_factor would write its estimate here: not shareable
      throw std::logic_error("SparseLu: KLU's analysis left no fill estimate (not the AMD ordering)");
}

namespace {
// Refactored pivots whose min/max ratio fell below this fraction of the last
// fresh factorisation's are not trusted: factor afresh with pivoting.
constexpr double refactor_rcond_drop = 1e-3;

// The analyses of the patterns seen in this process, newest last. A process
// rarely sees more than a few models; the oldest beyond this many are dropped
// (their users keep them alive).
constexpr std::size_t analyses_kept = 16;
}  // namespace

std::shared_ptr<const SparseLu::Analysis> SparseLu::analysis_of(std::size_t n,
                                                                const std::vector<std::pair<int, int>>& pattern) {
  static std::mutex mutex;
  static std::vector<std::shared_ptr<const Analysis>> analyses;
  const std::lock_guard<std::mutex> lock(mutex);  // held while analysing: one analysis per pattern
  for (const auto& a : analyses)
    if (a->n == n && a->pattern == pattern) return a;
  auto a = std::make_shared<const Analysis>(n, pattern);
  if (analyses.size() == analyses_kept) analyses.erase(analyses.begin());
  analyses.push_back(a);
  return a;
}

struct SparseLu::Klu {
  klu_common common{};
  klu_numeric* numeric = nullptr;
  ~Klu() {
    if (numeric) klu_free_numeric(&numeric, &common);
  }
};

SparseLu::SparseLu(std::size_t n, const std::vector<std::pair<int, int>>& pattern)
    : analysis_(analysis_of(n, pattern)), klu_(std::make_unique<Klu>()), n_(n) {
  values_.assign(analysis_->row_index.size(), 0.0);
  klu_defaults(&klu_->common);
}

SparseLu::~SparseLu() = default;

bool SparseLu::factor(double shift, const double* jacobian_values) {
  const Analysis& a = *analysis_;
  std::fill(values_.begin(), values_.end(), 0.0);
  for (std::size_t k = 0; k < a.position_of_entry.size(); ++k) values_[a.position_of_entry[k]] = -jacobian_values[k];
  for (const std::size_t p : a.position_of_diagonal) values_[p] += shift;

  // KLU's API takes non-const arrays and symbolic object; it only reads them (see Analysis).
  int* const column_start = const_cast<int*>(a.column_start.data());
  int* const row_index = const_cast<int*>(a.row_index.data());
  klu_symbolic* const symbolic = a.symbolic;
  klu_common& common = klu_->common;
  if (klu_->numeric) {
    if (klu_refactor(column_start, row_index, values_.data(), symbolic, klu_->numeric, &common) &&
        klu_rcond(symbolic, klu_->numeric, &common) && common.rcond >= refactor_rcond_drop * fresh_rcond_ &&
        common.rcond > 0) {
      ++refactored_;
      return true;
    }
    klu_free_numeric(&klu_->numeric, &common);
  }
  klu_->numeric = klu_factor(column_start, row_index, values_.data(), symbolic, &common);
  if (!klu_->numeric) return false;
  ++fresh_;
  if (!klu_rcond(symbolic, klu_->numeric, &common) || !(common.rcond > 0)) {
    klu_free_numeric(&klu_->numeric, &common);
    return false;
  }
  fresh_rcond_ = common.rcond;
  return true;
}

void SparseLu::solve(double* b) const {
  klu_solve(analysis_->symbolic, klu_->numeric, static_cast<int>(n_), 1, b, &klu_->common);
}

}  // namespace exvivo::solve::detail
