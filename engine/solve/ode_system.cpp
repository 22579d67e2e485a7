#include "solve/ode_system.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace exvivo::solve {

void OdeSystem::jacobian(double t, const double* x, double* J) {
  const std::size_t n = size();
  std::vector<double> f0(n), f1(n), xp(x, x + n);
  rhs(t, x, f0.data());
  const double sqrt_eps = std::sqrt(std::numeric_limits<double>::epsilon());
  for (std::size_t j = 0; j < n; ++j) {
    // Step relative to |x_j| but never below sqrt(eps) so that x_j = 0 works.
    const double delta = sqrt_eps * std::max(1e-5, std::abs(x[j]));
    xp[j] = x[j] + delta;
    rhs(t, xp.data(), f1.data());
    for (std::size_t i = 0; i < n; ++i) J[i + n * j] = (f1[i] - f0[i]) / delta;
    xp[j] = x[j];
  }
}

void OdeSystem::jacobian_nonzeros(double t, const double* x, double* values) {
  const auto* pattern = jacobian_pattern();
  if (!pattern) return;
  const std::size_t n = size();
  std::vector<double> J(n * n);
  jacobian(t, x, J.data());
  for (std::size_t k = 0; k < pattern->size(); ++k)
    values[k] = J[static_cast<std::size_t>((*pattern)[k].first) + n * static_cast<std::size_t>((*pattern)[k].second)];
}

void OdeSystem::switches(double, const double*, double*) {}

std::string OdeSystem::state_name(std::size_t i) const { return "x[" + std::to_string(i) + "]"; }

}  // namespace exvivo::solve
