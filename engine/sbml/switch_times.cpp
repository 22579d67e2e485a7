#include "sbml/switch_times.hpp"

#include <algorithm>
#include <cmath>

#include "solve/bracket_change.hpp"

namespace exvivo::sbml {

std::vector<double> switch_times(const model::CompiledModel& model, double t_end, const Eigen::VectorXd& x,
                                 model::CompiledModel::Workspace& ws) {
  std::vector<double> found;
  const std::size_t m = model.num_switches();
  if (m == 0 || !(t_end > 0)) return found;
  std::vector<double> ga(m), gb(m), g(m);
  constexpr int points = 256;
  double a = 0;
  model.switches(a, x.data(), ws, ga.data());
  for (int k = 0; k <= points; ++k) {
    const double b = t_end * std::pow(1e-9, 1.0 - static_cast<double>(k) / points);
    model.switches(b, x.data(), ws, gb.data());
    for (std::size_t i = 0; i < m; ++i) {
      if ((ga[i] < 0) == (gb[i] < 0)) continue;
      const auto switch_i = [&](double t) {
        model.switches(t, x.data(), ws, g.data());
        return g[i];
      };
      if (const auto bracket = solve::bracket_sign_change(a, b, switch_i)) {
        found.push_back(bracket->first);
        found.push_back(bracket->second);
      }
    }
    a = b;
    ga.swap(gb);
  }
  std::sort(found.begin(), found.end());  // in time order: the caller checks between neighbours
  return found;
}

}  // namespace exvivo::sbml
