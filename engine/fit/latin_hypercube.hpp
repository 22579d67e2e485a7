#pragma once
// Latin hypercube samples in a box, reproducible from a seed on every platform
// (own uniform and shuffle on top of std::mt19937_64, whose output sequence the
// C++ standard fixes; the standard distributions are implementation-defined).
#include <cstdint>

#include <Eigen/Dense>

namespace exvivo::fit {

/// n points (rows) in [lower, upper] (one column per dimension): in each
/// dimension the n points fall one into each of n equal strata, at a uniform
/// position within it, the strata of different dimensions paired by
/// independent random permutations. Bounds must be finite.
Eigen::MatrixXd latin_hypercube(int n, const Eigen::VectorXd& lower, const Eigen::VectorXd& upper,
                                std::uint64_t seed);

}  // namespace exvivo::fit
