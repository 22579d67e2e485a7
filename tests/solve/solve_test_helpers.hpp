#pragma once
// Small helpers shared by the solve tests.
#include <vector>

#include <Eigen/Dense>

#include "solve/integrate.hpp"

namespace exvivo::testing {

inline std::vector<solve::SampleTime> sample_times(const std::vector<double>& times) {
  std::vector<solve::SampleTime> samples;
  for (double t : times) samples.push_back({t, false});
  return samples;
}

template <std::size_t N>
Eigen::VectorXd to_vector(const std::array<double, N>& a) {
  Eigen::VectorXd v(static_cast<Eigen::Index>(N));
  for (std::size_t i = 0; i < N; ++i) v[static_cast<Eigen::Index>(i)] = a[i];
  return v;
}

inline solve::SolverOptions tolerances(const std::string& method, double rel_tol, double abs_tol) {
  solve::SolverOptions options;
  options.method = method;
  options.rel_tol = rel_tol;
  options.abs_tol = {abs_tol};
  options.max_steps = 1000000;
  options.timeout = 0;
  return options;
}

/// Number of significant digits to which `value` matches `reference`.
inline double significant_digits(double value, double reference) {
  const double rel = std::abs(value - reference) / std::abs(reference);
  return rel == 0 ? 17.0 : -std::log10(rel);
}

}  // namespace exvivo::testing
