#include "solve/solve.hpp"

#include "solve/event_driver.hpp"

#include <limits>
#include <stdexcept>
#include <string>

#include <Eigen/Dense>

#include "solve/integrate.hpp"
#include "solve/model_ode_system.hpp"

namespace exvivo::solve {

Solution solve(const Run& run, const SolverOptions& options) {
  if (run.model == nullptr) throw std::invalid_argument("solve: Run.model is null");
  if (!run.state_events.empty()) return solve_with_state_events(run, options);
  const model::CompiledModel& model = *run.model;
  if (run.parameters.size() != model.num_parameters())
    throw std::invalid_argument("solve: Run.parameters has " + std::to_string(run.parameters.size()) +
                                " values, model '" + model.name() + "' has " +
                                std::to_string(model.num_parameters()) + " parameters");

  ModelOdeSystem system(model, run.parameters);
  const std::vector<double> initial = system.initial_state();
  Eigen::VectorXd x0 = Eigen::Map<const Eigen::VectorXd>(initial.data(),
                                                         static_cast<Eigen::Index>(initial.size()));
  for (const auto& [species, value] : run.initial_overrides) {
    if (species >= model.num_states())
      throw std::invalid_argument("solve: initial override of species index " +
                                  std::to_string(species) + " out of range");
    x0[static_cast<Eigen::Index>(species)] = value;
  }

  IntegrationResult integrated = integrate(system, x0, run.t0, run.events, run.samples, options);

  Solution solution;
  solution.status = integrated.status;
  solution.message = std::move(integrated.message);
  solution.samples = run.samples;
  solution.completed = integrated.completed;
  solution.states = std::move(integrated.states);
  solution.stats = std::move(integrated.stats);
  const auto n_samples = static_cast<Eigen::Index>(run.samples.size());
  const auto n_observables = static_cast<Eigen::Index>(model.num_observables());
  solution.observables = Eigen::MatrixXd::Constant(n_samples, n_observables,
                                                   std::numeric_limits<double>::quiet_NaN());
  // Row-major copies so that each sample's state and observables are contiguous.
  Eigen::VectorXd x(solution.states.cols());
  Eigen::VectorXd y(n_observables);
  for (std::size_t k = 0; k < solution.completed; ++k) {
    const auto row = static_cast<Eigen::Index>(k);
    x = solution.states.row(row).transpose();
    system.observables(run.samples[k].time, x.data(), y.data());
    solution.observables.row(row) = y.transpose();
  }
  return solution;
}

}  // namespace exvivo::solve
