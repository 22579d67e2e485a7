#pragma once
// Variance-based global sensitivity: Sobol' first-order and total indices by
// Saltelli sampling (Saltelli et al. 2010, "Variance based sensitivity analysis
// of model output. Design and estimator for the total sensitivity index",
// Comput. Phys. Commun. 181:259).
//
// Sampling. Two independent n × k matrices A and B of points in the unit cube
// are the first and last k columns of one scrambled Sobol' design in 2k
// dimensions (scenario/design.hpp, seeded). A_B^(i) is A with column i taken
// from B. The model is evaluated on the n·(k + 2) rows of
//   [A; B; A_B^(1); …; A_B^(k)]         (saltelli_points() returns them in this order)
// With f_A, f_B, f_ABi the outputs and V the variance of the 2n values of f_A
// and f_B:
//   S1_i = mean_j (f_B(j) − f̄)·(f_ABi(j) − f_A(j)) / V      (Saltelli 2010, Table 2 (b))
//   ST_i = mean_j (f_A(j) − f_ABi(j))² / (2V)               (Jansen 1999, Table 2 (f))
// f̄ is the mean of the 2n values of f_A and f_B. Subtracting it does not
// change the estimator's expectation (E f_ABi = E f_A) but removes the part of
// its variance that grows with the output's mean², which matters for readouts
// far from zero such as mHLA-DR in AB/C.
// Bootstrap intervals resample the n rows j (the same rows for every i) and
// recompute both estimators (percentile intervals, bootstrap.hpp).
//
// Use n = 2^m for the balance of the Sobol' points. The estimators carry
// Monte-Carlo error of order 1/sqrt(n); small negative S1 of an
// uninfluential input are estimates of zero and are reported as computed.
#include <cstddef>
#include <cstdint>
#include <vector>

#include <Eigen/Core>

#include "analysis/bootstrap.hpp"

namespace exvivo::analysis {

/// The n·(k + 2) × k evaluation points [A; B; A_B^(1); …; A_B^(k)] in [0, 1)^k.
/// Throws std::invalid_argument for n = 0 or k = 0.
Eigen::MatrixXd saltelli_points(std::size_t n, std::size_t k, std::uint64_t seed);

struct SobolIndex {
  double first_order = 0;            ///< S1
  ConfidenceInterval first_order_ci;
  double total = 0;                  ///< ST
  ConfidenceInterval total_ci;
};

/// Indices of the k inputs from outputs f (length n·(k + 2), in the row order
/// of saltelli_points). NaN indices when an output is not finite or V = 0.
/// `bootstrap` resamples (0 = no intervals) drawn from `seed`. Throws
/// std::invalid_argument when f.size() is not a multiple n·(k + 2).
std::vector<SobolIndex> sobol_indices(const Eigen::VectorXd& f, std::size_t k, std::size_t bootstrap,
                                      std::uint64_t seed);

}  // namespace exvivo::analysis
