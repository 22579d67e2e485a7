#pragma once
// Morris elementary effects (Morris 1991, Technometrics 33:161; μ* of
// Campolongo, Cariboni & Saltelli 2007, Environ. Model. Softw. 22:1509).
//
// The unit cube is discretised into p levels {0, 1/(p−1), …, 1} and the step
// is Δ = p / (2(p − 1)) (p even, so that every level is reached equally
// often). A trajectory starts at a random grid point x⁽⁰⁾ and moves one input
// at a time, in a random order, by +Δ where x_i + Δ ≤ 1 and −Δ otherwise:
// k + 1 points, consecutive ones differing in exactly one input. The
// elementary effect of input i in trajectory r is
//   EE_i^r = (f(x⁽ʲ⁺¹⁾) − f(x⁽ʲ⁾)) / Δ_i       (Δ_i = ±Δ, the signed step)
// in output units per unit of the normalised input (the whole range = 1),
// so effects of inputs with different units compare directly. Over the
// trajectories: μ*_i = mean |EE_i|, σ_i = standard deviation of EE_i
// (n − 1 denominator; NaN for one trajectory). The bootstrap interval of μ*
// resamples whole trajectories.
#include <cstddef>
#include <cstdint>
#include <vector>

#include <Eigen/Core>

#include "analysis/bootstrap.hpp"

namespace exvivo::analysis {

struct MorrisDesign {
  Eigen::MatrixXd points;                  ///< n·(k + 1) × k in [0, 1], trajectory r in rows r(k+1) … r(k+1)+k
  std::vector<std::vector<std::size_t>> moved;  ///< moved[r][j]: the input changed between points j and j+1
  std::vector<std::vector<double>> steps;       ///< steps[r][j]: the signed step ±Δ of that move
  std::size_t trajectories = 0;
  std::size_t inputs = 0;
};

/// n trajectories in k inputs on `levels` levels (even, ≥ 2), from `seed`.
/// Throws std::invalid_argument for n = 0, k = 0 or invalid levels.
MorrisDesign morris_trajectories(std::size_t n, std::size_t k, std::size_t levels, std::uint64_t seed);

struct MorrisEffect {
  double mu_star = 0;                 ///< mean |EE|
  ConfidenceInterval mu_star_ci;
  double mu = 0;                      ///< mean EE (its sign shows the direction)
  double sigma = 0;                   ///< sd of EE
};

/// Statistics of the elementary effects from outputs f (one per row of
/// design.points). NaN statistics for an input whose effects are not all
/// finite. `bootstrap` resamples of the trajectories (0 = no interval).
std::vector<MorrisEffect> morris_effects(const MorrisDesign& design, const Eigen::VectorXd& f,
                                         std::size_t bootstrap, std::uint64_t seed);

}  // namespace exvivo::analysis
