#include "scenario/design.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include <boost/random/sobol.hpp>
#include <fmt/core.h>

#include "core/bounds.hpp"
#include "core/error.hpp"
#include "scenario/seeding.hpp"

namespace exvivo::scenario {

namespace {

constexpr double largest_below_one = 0x1.fffffffffffffp-1;

/// The top 53 bits of a 64-bit binary fraction, exactly, as a double in [0, 1).
double binary_fraction(std::uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }

void check_dimensions(Design design, std::size_t dims) {
  if (dims == 0) throw std::invalid_argument("sweep design: at least one factor is needed");
  if (design == Design::sobol && dims > sobol_max_dimensions())
    throw ScenarioError(SourceLocation{}, "sweep.factors",
                        fmt::format("a sobol design supports at most {} factors, this sweep has {}",
                                    sobol_max_dimensions(), dims));
}

/// Sobol' points [first, first + count), each coordinate XOR-ed with shift[d].
Eigen::MatrixXd shifted_sobol_rows(std::size_t first, std::size_t count, std::size_t dims,
                                   const std::vector<std::uint64_t>& shift) {
  Eigen::MatrixXd points(static_cast<Eigen::Index>(count), static_cast<Eigen::Index>(dims));
  if (count == 0) return points;
  std::size_t row = 0;
  if (first == 0) {  // Boost's engine starts after the origin; point 0 is x = 0.
    for (std::size_t d = 0; d < dims; ++d) points(0, static_cast<Eigen::Index>(d)) = binary_fraction(shift[d]);
    row = 1;
  }
  if (row == count) return points;
  boost::random::sobol engine(dims);
  // After seed(k) the engine yields sequence point k + 1 (counting the origin as 0).
  engine.seed(static_cast<boost::random::sobol::result_type>(first + row - 1));
  for (; row < count; ++row)
    for (std::size_t d = 0; d < dims; ++d)
      points(static_cast<Eigen::Index>(row), static_cast<Eigen::Index>(d)) = binary_fraction(engine() ^ shift[d]);
  return points;
}

std::vector<std::uint64_t> sobol_shifts(std::size_t dims, std::uint64_t seed) {
  CounterRng rng(purpose_key(seed, StreamPurpose::sobol_shift));
  std::vector<std::uint64_t> shift(dims);
  for (auto& s : shift) s = rng.next_u64();
  return shift;
}

Eigen::MatrixXd random_rows(std::size_t first, std::size_t count, std::size_t dims, std::uint64_t seed) {
  const std::uint64_t key = purpose_key(seed, StreamPurpose::random_design);
  Eigen::MatrixXd points(static_cast<Eigen::Index>(count), static_cast<Eigen::Index>(dims));
  for (std::size_t row = 0; row < count; ++row) {
    CounterRng rng(derive_key(key, first + row));
    for (std::size_t d = 0; d < dims; ++d)
      points(static_cast<Eigen::Index>(row), static_cast<Eigen::Index>(d)) = rng.uniform01();
  }
  return points;
}

Eigen::MatrixXd latin_hypercube(std::size_t n, std::size_t dims, std::uint64_t seed) {
  Eigen::MatrixXd points(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(dims));
  const std::uint64_t jitter_key = purpose_key(seed, StreamPurpose::lhs_jitter);
  for (std::size_t i = 0; i < n; ++i) {
    CounterRng rng(derive_key(jitter_key, i));
    for (std::size_t d = 0; d < dims; ++d)
      points(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(d)) = rng.uniform01();
  }
  const std::uint64_t permutation_key = purpose_key(seed, StreamPurpose::lhs_permutation);
  std::vector<std::size_t> stratum(n);
  const double width = 1.0 / static_cast<double>(n);
  for (std::size_t d = 0; d < dims; ++d) {
    std::iota(stratum.begin(), stratum.end(), std::size_t{0});
    CounterRng rng(derive_key(permutation_key, d));
    for (std::size_t k = n; k > 1; --k) std::swap(stratum[k - 1], stratum[rng.below(k)]);
    for (std::size_t i = 0; i < n; ++i) {
      double& u = points(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(d));
      u = std::min((static_cast<double>(stratum[i]) + u) * width, largest_below_one);
    }
  }
  return points;
}

}  // namespace

const char* to_string(Design design) {
  switch (design) {
    case Design::lhs: return "lhs";
    case Design::sobol: return "sobol";
    case Design::random: return "random";
  }
  return "?";
}

std::size_t sobol_max_dimensions() { return boost::random::default_sobol_table::max_dimension; }

Eigen::MatrixXd sample_unit_design(Design design, std::size_t n, std::size_t dims, std::uint64_t seed) {
  return unit_design_rows(design, n, dims, seed, 0, n);
}

Eigen::MatrixXd unit_design_rows(Design design, std::size_t n, std::size_t dims, std::uint64_t seed,
                                 std::size_t first, std::size_t count) {
  check_dimensions(design, dims);
  if (first > n || count > n - first)
    throw std::out_of_range(fmt::format("design rows [{}, {}) outside a design of {} points", first,
                                        first + count, n));
  switch (design) {
    case Design::random: return random_rows(first, count, dims, seed);
    case Design::sobol: return shifted_sobol_rows(first, count, dims, sobol_shifts(dims, seed));
    case Design::lhs: {
      Eigen::MatrixXd whole = latin_hypercube(n, dims, seed);
      if (first == 0 && count == n) return whole;
      return whole.middleRows(static_cast<Eigen::Index>(first), static_cast<Eigen::Index>(count));
    }
  }
  throw std::logic_error("unit_design_rows: unknown design");
}

Eigen::MatrixXd sobol_sequence(std::size_t first, std::size_t count, std::size_t dims) {
  check_dimensions(Design::sobol, dims);
  return shifted_sobol_rows(first, count, dims, std::vector<std::uint64_t>(dims, 0));
}

double map_to_range(double u, double lower, double upper, model::Scale scale) {
  check_bounds<ScenarioError>("range", {lower, upper}, scale, {}, PointRange::allow);
  const double value =
      scale == model::Scale::lin ? lower + u * (upper - lower) : lower * std::exp(u * std::log(upper / lower));
  return std::clamp(value, lower, upper);
}

Eigen::MatrixXd map_to_ranges(const Eigen::MatrixXd& unit, const std::vector<FactorRange>& ranges) {
  if (static_cast<std::size_t>(unit.cols()) != ranges.size())
    throw std::invalid_argument(fmt::format("map_to_ranges: {} design columns but {} ranges", unit.cols(),
                                            ranges.size()));
  Eigen::MatrixXd values(unit.rows(), unit.cols());
  for (Eigen::Index d = 0; d < unit.cols(); ++d) {
    const FactorRange& r = ranges[static_cast<std::size_t>(d)];
    for (Eigen::Index i = 0; i < unit.rows(); ++i) values(i, d) = map_to_range(unit(i, d), r.lower, r.upper, r.scale);
  }
  return values;
}

double map_to_values(double u, const std::vector<double>& values) {
  if (values.empty()) throw std::invalid_argument("map_to_values: empty list of values");
  const double k = static_cast<double>(values.size());
  const auto index = static_cast<std::size_t>(std::clamp(std::floor(u * k), 0.0, k - 1));
  return values[index];
}

}  // namespace exvivo::scenario
