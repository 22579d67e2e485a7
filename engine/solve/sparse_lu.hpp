#pragma once
// SparseLu: LU factorisation of the Newton matrix  s·I − J  of a stiff step,
// for a Jacobian J whose sparsity pattern is known and fixed (a compiled
// model's), through SuiteSparse KLU (Debian's libsuitesparse-dev; the sparse
// direct solver SUNDIALS uses too).
//
// The pattern (with the diagonal added) is analysed once per process
// (fill-reducing ordering, KLU's symbolic analysis): the analysis is kept in a
// small process-wide cache keyed by the pattern's contents and shared,
// read-only, by every SparseLu of that pattern on every thread, so the runs of
// a sweep that switch to a stiff method do not each redo it. Each factor() then
// refactors with the previous pivot order, which
// costs a fraction of a fresh factorisation, and falls back to a fresh one
// with partial pivoting when the refactored pivots have degraded (reciprocal
// pivot ratio below 1e-3 of the last fresh factorisation's) or the refactor
// fails. Internal to engine/solve.
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

namespace exvivo::solve::detail {

class SparseLu {
 public:
  /// `pattern`: the (row, col) entries of J that can be non-zero, any order,
  /// all within n×n.
  SparseLu(std::size_t n, const std::vector<std::pair<int, int>>& pattern);
  ~SparseLu();
  SparseLu(const SparseLu&) = delete;
  SparseLu& operator=(const SparseLu&) = delete;

  /// Factors shift·I − J, with J given at the pattern's entries in its order.
  /// Returns false when the matrix is singular (or the factorisation failed);
  /// solve() must not be called then.
  bool factor(double shift, const double* jacobian_values);
  /// b ← (shift·I − J)⁻¹ b, in place, length n.
  void solve(double* b) const;

  std::size_t fresh_factorizations() const { return fresh_; }
  std::size_t refactorizations() const { return refactored_; }

 private:
  struct Analysis;  ///< the pattern's compressed columns and KLU's symbolic object (shared, immutable)
  struct Klu;
  /// The analysis of (n, pattern), from the process-wide cache (made on first use).
  static std::shared_ptr<const Analysis> analysis_of(std::size_t n, const std::vector<std::pair<int, int>>& pattern);
  std::shared_ptr<const Analysis> analysis_;
  std::unique_ptr<Klu> klu_;
  std::size_t n_ = 0;
  std::vector<double> values_;
  double fresh_rcond_ = 0;
  std::size_t fresh_ = 0, refactored_ = 0;
};

}  // namespace exvivo::solve::detail
