#pragma once
// Sampled sweep designs (DESIGN.md §3, `sweep: design: lhs | sobol | random`).
//
// A design is n points in the unit cube [0, 1)^dims, one row per sweep sample
// and one column per factor (in factor order); map_to_range() then places each
// column on its factor's range and scale. A `grid` is not sampled and is
// enumerated by the run plan instead.
//
// Determinism (seeding.hpp): the whole design is a function of (n, dims, seed)
// only; for `random` and `sobol` point i is even a function of (dims, seed, i)
// alone, independent of n, so unit_design_rows() can produce any slice.
//
//  random : u(i, d) = d-th uniform of the stream derive_key(seed·random, i).
//  lhs    : Latin hypercube (McKay, Beckman & Conover 1979). In every
//           dimension the n strata [k/n, (k+1)/n) are each hit exactly once:
//           u(i, d) = (π_d(i) + j(i, d)) / n, π_d a uniformly random
//           permutation (Fisher–Yates on the stream of dimension d), j(i, d) a
//           uniform jitter from the stream of point i. Needs all n points at
//           once (a joint design): point i depends on n.
//  sobol  : Sobol' sequence with the Joe & Kuo (2008) direction numbers
//           (boost::random::sobol, at most 3667 factors), in Gray-code order
//           (Antonov & Saleev 1979), **including the origin** as point 0:
//           dropping it would break the balance of the first 2^m points, which
//           form a (t, m, s)-net (Owen 2020, "On dropping the first Sobol'
//           point"). Every dimension is then scrambled by a random digital
//           shift, u(i, d) = x(i, d) ⊕ s_d, the 64-bit shifts s_d drawn from
//           the seed. XOR with a constant permutes the dyadic intervals, so the
//           net property (each elementary box holds its share of points) is
//           kept, the origin becomes an ordinary point, and different seeds give
//           independent randomisations. sobol_sequence() returns the unshifted
//           points. Use n = 2^m for the balance guarantee.
#include <cstddef>
#include <cstdint>
#include <vector>

#include <Eigen/Core>

#include "model/compiled_model.hpp"  // model::Scale

namespace exvivo::scenario {

/// Sampled designs; `grid` is handled by the run plan, not here.
enum class Design { lhs, sobol, random };

/// Name as written in scenario files ("lhs", "sobol", "random").
const char* to_string(Design design);

/// Largest number of factors a Sobol' design supports (Boost's Joe–Kuo table).
std::size_t sobol_max_dimensions();

/// n × dims matrix of points in [0, 1)^dims (see the header comment for each
/// design). n = 0 gives an empty matrix. Throws ScenarioError (key path
/// "sweep.factors") when dims exceeds sobol_max_dimensions() for a Sobol'
/// design, std::invalid_argument when dims = 0.
Eigen::MatrixXd sample_unit_design(Design design, std::size_t n, std::size_t dims, std::uint64_t seed);

/// Rows [first, first + count) of sample_unit_design(design, n, dims, seed),
/// computed without the others for random and sobol (bounded memory for huge
/// sweeps); for lhs the whole design is built and sliced. Throws as
/// sample_unit_design, and std::out_of_range when first + count > n.
Eigen::MatrixXd unit_design_rows(Design design, std::size_t n, std::size_t dims, std::uint64_t seed,
                                 std::size_t first, std::size_t count);

/// The unscrambled Sobol' points [first, first + count) in `dims` dimensions,
/// point 0 being the origin: count × dims, values k/2^b exactly. In one
/// dimension 0, 0.5, 0.75, 0.25, 0.375, 0.875, 0.625, 0.125, ...
Eigen::MatrixXd sobol_sequence(std::size_t first, std::size_t count, std::size_t dims);

/// Places u ∈ [0, 1) on the range [lower, upper]:
///   lin        : lower + u·(upper − lower)
///   log, log10 : lower·(upper/lower)^u, i.e. uniform in log(value); the base
///                of the logarithm does not matter for sampling, both scales
///                give the same value.
/// The result is clamped to [lower, upper] against rounding; lower == upper
/// gives that point. Throws ScenarioError "range: <problem>" with core's
/// bounds_problem (core/bounds.hpp, PointRange::allow) when lower > upper, a
/// bound is not finite, or a log scale has lower ≤ 0 (the caller should have
/// validated with a location already).
double map_to_range(double u, double lower, double upper, model::Scale scale);

/// A factor's range, as map_to_range() takes it.
struct FactorRange {
  double lower = 0;
  double upper = 1;
  model::Scale scale = model::Scale::lin;
};

/// Applies map_to_range() column by column: column d of `unit` on ranges[d].
/// Throws std::invalid_argument when the column count differs from ranges.size().
Eigen::MatrixXd map_to_ranges(const Eigen::MatrixXd& unit, const std::vector<FactorRange>& ranges);

/// For a factor given by a list of values inside a sampled design: the value
/// of the stratum u falls in, values[⌊u·k⌋] with k = values.size(), so every
/// value is equally likely (an LHS design with n a multiple of k, and a Sobol'
/// design with n = 2^m and k a power of two up to n, use each value exactly
/// n/k times). Throws std::invalid_argument on an empty list.
double map_to_values(double u, const std::vector<double>& values);

}  // namespace exvivo::scenario
