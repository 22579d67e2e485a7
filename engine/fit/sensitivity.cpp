#include "fit/sensitivity.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "model/compiled_model.hpp"
#include "solve/integrate.hpp"
#include "fit/sensitivity_system.hpp"
#include "fit/state_event_sensitivities.hpp"

namespace exvivo::fit {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

SensitivityResult solve_with_sensitivities(const solve::Run& run, const std::vector<std::size_t>& parameters,
                                           const solve::SolverOptions& options,
                                           const Eigen::MatrixXd* initial_sensitivities,
                                           const model::SensitivityCode* code) {
  if (run.model == nullptr) throw std::invalid_argument("solve_with_sensitivities: Run.model is null");
  const model::CompiledModel& model = *run.model;
  const std::size_t np = model.num_parameters();
  if (run.parameters.size() != np)
    throw std::invalid_argument("solve_with_sensitivities: Run.parameters has the wrong length");
  for (const std::size_t p : parameters)
    if (p >= np) throw std::invalid_argument("solve_with_sensitivities: parameter index out of range");
  options.validate(model.num_states());
  if (!run.state_events.empty())  // `when:` steps: pieces between firings, jumps there
    return solve_with_state_event_sensitivities(run, parameters, options, initial_sensitivities, code);

  const Index n = static_cast<Index>(model.num_states());
  const Index k = static_cast<Index>(parameters.size());
  const Index no = static_cast<Index>(model.num_observables());
  SensitivitySystem system(model, run.parameters, parameters, initial_sensitivities != nullptr, code);
  auto& ws = system.workspace();

  VectorXd z(n * (1 + k));
  model.initial_state(ws, z.data());
  if (k > 0) {
    MatrixXd S0;
    system.initial_sensitivities(S0);
    z.tail(n * k) = Eigen::Map<const VectorXd>(S0.data(), n * k);
  }
  for (const auto& [species, value] : run.initial_overrides) {
    if (species >= model.num_states())
      throw std::invalid_argument("solve_with_sensitivities: initial override out of range");
    const auto i = static_cast<Index>(species);
    z[i] = value;
    for (Index c = 0; c < k; ++c) z[n * (1 + c) + i] = 0;
  }
  if (initial_sensitivities != nullptr) {
    if (initial_sensitivities->rows() != n || initial_sensitivities->cols() != k)
      throw std::invalid_argument("solve_with_sensitivities: initial sensitivities have the wrong shape");
    for (Index c = 0; c < k; ++c) z.segment(n * (1 + c), n) = initial_sensitivities->col(c);
  }

  // Jump conditions of the sensitivities at protocol events.
  std::vector<solve::Event> events = run.events;
  for (auto& event : events) {
    const std::size_t original = event.actions.size();
    for (std::size_t a = 0; a < original; ++a) {
      const solve::EventAction action = event.actions[a];
      if (action.kind == solve::EventAction::Kind::add) continue;
      for (Index c = 0; c < k; ++c) {
        solve::EventAction s = action;
        s.species = static_cast<std::size_t>(n * (1 + c)) + action.species;
        if (action.kind == solve::EventAction::Kind::set) s.value = 0;
        event.actions.push_back(s);
      }
    }
  }

  solve::SolverOptions augmented = options;
  if (options.abs_tol.size() > 1) {
    augmented.abs_tol.clear();
    for (Index b = 0; b <= k; ++b)
      augmented.abs_tol.insert(augmented.abs_tol.end(), options.abs_tol.begin(), options.abs_tol.end());
  }
  solve::IntegrationResult integrated =
      solve::integrate(system, z, run.t0, events, run.samples, augmented, make_sensitivity_rodas4(system),
                       k > 0 ? make_sensitivity_dopri5(system, options.method == "auto") : solve::StepperFactory{});

  SensitivityResult out;
  out.status = integrated.status;
  out.message = std::move(integrated.message);
  out.completed = integrated.completed;
  out.stats = std::move(integrated.stats);
  const auto ns = static_cast<Index>(run.samples.size());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  out.states = integrated.states.leftCols(n);
  out.observables = MatrixXd::Constant(ns, no, nan);
  out.sigmas = MatrixXd::Constant(ns, no, nan);
  out.state_sensitivities.assign(static_cast<std::size_t>(ns), MatrixXd::Constant(n, k, nan));
  out.observable_sensitivities.assign(static_cast<std::size_t>(ns), MatrixXd::Constant(no, k, nan));
  out.sigma_sensitivities.assign(static_cast<std::size_t>(ns), MatrixXd::Constant(no, k, nan));

  VectorXd x(n), y(no), sigma(no);
  MatrixXd S(n, k);
  for (std::size_t s = 0; s < out.completed; ++s) {
    const auto row = static_cast<Index>(s);
    const double t = run.samples[s].time;
    x = integrated.states.row(row).head(n).transpose();
    model.observables(t, x.data(), ws, y.data());
    model.noise_sigmas(t, x.data(), ws, sigma.data());
    out.observables.row(row) = y.transpose();
    out.sigmas.row(row) = sigma.transpose();
    if (k == 0) continue;  // a plain solve: no derivatives to chain
    for (Index c = 0; c < k; ++c) S.col(c) = integrated.states.row(row).segment(n * (1 + c), n).transpose();
    system.observable_sensitivities(t, x.data(), S, out.observable_sensitivities[s], out.sigma_sensitivities[s]);
    out.state_sensitivities[s] = S;
  }
  return out;
}

}  // namespace exvivo::fit
