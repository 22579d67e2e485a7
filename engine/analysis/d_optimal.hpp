#pragma once
// D-optimal choice of sampling times and doses from precomputed information.
//
// A candidate design takes a set T of n_t sampling times out of the time
// candidates and a set D of n_d doses out of the dose candidates; every
// chosen dose is measured at every chosen time. With M(d, t) the Fisher
// information of one measurement round at dose d and time t (a p × p
// positive semi-definite matrix, design_information.hpp) the design's
// information is F(T, D) = Σ_{d ∈ D} Σ_{t ∈ T} M(d, t) and the D criterion is
// log det F (−∞ when F is singular: some parameter direction is not
// identifiable from that design).
//
// Search:
//  * exhaustive when C(N_t, n_t)·C(N_d, n_d) ≤ max_exhaustive (default 1e5):
//    every design is evaluated; ties keep enumeration order (lexicographic
//    in the candidate indices), so the result is deterministic.
//  * otherwise an exchange algorithm in the manner of Fedorov (1972, Theory
//    of Optimal Experiments, ch. 3) applied to the two coordinates of the
//    design (times and doses, as the coordinate exchange of Meyer &
//    Nachtsheim 1995): from `starts` random initial designs, repeatedly make
//    the single exchange (one chosen time or dose for one unchosen candidate)
//    that increases the criterion most, until no exchange increases it by
//    more than 1e-10. A singular start is scored by log det(F + εI), ε =
//    1e-9·trace(F)/p, so the search can leave it. The distinct local optima
//    are ranked; the best is a local optimum, not guaranteed global.
#include <cstddef>
#include <cstdint>
#include <vector>

#include <Eigen/Core>

namespace exvivo::analysis {

/// log det of a symmetric positive semi-definite matrix; −∞ when its smallest
/// eigenvalue is ≤ 1e-12 times its largest (or every eigenvalue is 0).
double log_det_information(const Eigen::MatrixXd& information);

struct DesignChoice {
  std::vector<std::size_t> times;   ///< indices into the time candidates, ascending
  std::vector<std::size_t> doses;   ///< indices into the dose candidates, ascending
  double log_det = 0;               ///< D criterion
};

struct DesignSearch {
  std::vector<DesignChoice> ranked;  ///< best first, at most `keep`
  bool exhaustive = true;
  std::size_t evaluated = 0;         ///< criterion evaluations
};

struct DesignSearchOptions {
  std::size_t keep = 10;             ///< designs returned
  std::size_t max_exhaustive = 100000;
  std::size_t starts = 20;           ///< exchange algorithm only
  std::uint64_t seed = 0;
};

/// Searches the designs choosing n_times of the time candidates and n_doses of
/// the dose candidates. information[d][t] = M(d, t), all p × p, with
/// information.size() dose candidates (1 when doses are not chosen) and
/// information[0].size() time candidates. Throws std::invalid_argument when
/// n_times or n_doses is 0 or exceeds its candidates, or the matrices are
/// ragged.
DesignSearch search_d_optimal(const std::vector<std::vector<Eigen::MatrixXd>>& information, std::size_t n_times,
                              std::size_t n_doses, const DesignSearchOptions& options = {});

/// C(n, k), or SIZE_MAX when it exceeds SIZE_MAX.
std::size_t binomial(std::size_t n, std::size_t k);

}  // namespace exvivo::analysis
