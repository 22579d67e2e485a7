#include "sbml/event_sensitivities.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "fit/state_event_sensitivities.hpp"
#include "model/compiled_model.hpp"
#include "solve/event_driver.hpp"

namespace exvivo::sbml {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

/// The jumps of x and S at one event time (see the header).
class EventJumps {
 public:
  EventJumps(const solve::Run& run, const model::CompiledEvents& events, const std::vector<std::size_t>& columns)
      : run_(run),
        model_(*run.model),
        events_(events),
        columns_(columns),
        ws_(model_.make_workspace()),
        event_ws_(events.make_workspace(run.parameters)) {
    model_.set_parameters(run.parameters.data(), ws_);
    const auto& fn = events_.functions();
    values_.resize(static_cast<Index>(fn.num_observables()));
    dgdx_.resize(static_cast<Index>(fn.num_observables()), static_cast<Index>(model_.num_states()));
    dgdp_.resize(static_cast<Index>(fn.num_observables()), static_cast<Index>(model_.num_parameters()));
  }

  /// Applies the firings [first, last) at time t (all at t0 when at_start).
  void apply(const std::vector<solve::EventFiring>& fired, std::size_t first, std::size_t last, VectorXd& x,
             MatrixXd& S) {
    const double t = fired[first].time;
    const Index k = S.cols();
    const Eigen::RowVectorXd tau_p =
        fired[first].at_start
            ? Eigen::RowVectorXd::Zero(k)
            : fit::event_time_sensitivity(run_, events_, event_ws_, fired[first].event, t, x, rhs(t, x), S, columns_);
    for (std::size_t q = first; q < last; ++q) {
      const std::size_t e = fired[q].event;
      derivatives(t, x);
      const MatrixXd V = S + rhs(t, x) * tau_p;
      MatrixXd next = V;
      const auto& targets = events_.targets(e);
      for (std::size_t j = 0; j < targets.size(); ++j) {
        const auto row = static_cast<Index>(events_.value_observable(e, j));
        const auto i = static_cast<Index>(targets[j]);
        next.row(i) = dgdx_.row(row) * V;
        for (Index c = 0; c < k; ++c)
          next(i, c) += dgdp_(row, static_cast<Index>(columns_[static_cast<std::size_t>(c)]));
      }
      VectorXd assigned = x;
      for (std::size_t j = 0; j < targets.size(); ++j)
        assigned[static_cast<Index>(targets[j])] = values_[static_cast<Index>(events_.value_observable(e, j))];
      x = assigned;
      S = next - rhs(t, x) * tau_p;
    }
  }

 private:
  void derivatives(double t, const VectorXd& x) {
    const auto& fn = events_.functions();
    fn.observables(t, x.data(), event_ws_, values_.data());
    fn.observable_state_jacobian(t, x.data(), event_ws_, dgdx_.data());
    fn.observable_parameter_jacobian(t, x.data(), event_ws_, dgdp_.data());
  }

  VectorXd rhs(double t, const VectorXd& x) {
    VectorXd f(x.size());
    model_.rhs(t, x.data(), ws_, f.data());
    return f;
  }

  const solve::Run& run_;
  const model::CompiledModel& model_;
  const model::CompiledEvents& events_;
  const std::vector<std::size_t>& columns_;
  model::CompiledModel::Workspace ws_, event_ws_;
  VectorXd values_;
  MatrixXd dgdx_, dgdp_;
};

}  // namespace

fit::SensitivityResult sensitivities_with_events(const solve::Run& run, const model::CompiledEvents& events,
                                                 const std::vector<std::size_t>& columns, const MatrixXd& initial,
                                                 const solve::SolverOptions& options) {
  if (events.empty()) return fit::solve_with_sensitivities(run, columns, options, &initial);
  const model::CompiledModel& model = *run.model;
  const auto n = static_cast<Index>(model.num_states());
  const auto k = static_cast<Index>(columns.size());
  const auto ns = run.samples.size();
  const double nan = std::numeric_limits<double>::quiet_NaN();

  fit::SensitivityResult out;
  out.states = MatrixXd::Constant(static_cast<Index>(ns), n, nan);
  out.state_sensitivities.assign(ns, MatrixXd::Constant(n, k, nan));

  // Where and which events fire, from the state alone.
  std::vector<solve::EventFiring> fired;
  const solve::Solution located = solve::solve_with_events(run, events, options, &fired);
  if (!located.ok()) {
    out.status = located.status;
    out.message = located.message;
    return out;
  }

  auto ws = model.make_workspace();
  model.set_parameters(run.parameters.data(), ws);
  VectorXd x(n);
  model.initial_state(ws, x.data());
  for (const auto& [species, value] : run.initial_overrides) x[static_cast<Index>(species)] = value;
  MatrixXd S = initial;
  double t = run.t0;
  EventJumps jumps(run, events, columns);

  std::size_t q = 0, sample = 0;
  while (q < fired.size() && fired[q].at_start) ++q;
  if (q > 0) jumps.apply(fired, 0, q, x, S);
  while (true) {
    // Samples at or before the current time report the state after its events.
    while (sample < ns && run.samples[sample].time <= t) {
      out.states.row(static_cast<Index>(sample)) = x.transpose();
      out.state_sensitivities[sample] = S;
      ++sample;
    }
    if (sample == ns) break;
    const double next_event = q < fired.size() ? fired[q].time : std::numeric_limits<double>::infinity();
    solve::Run segment = run;
    segment.t0 = t;
    segment.samples.clear();
    segment.initial_overrides.clear();
    for (Index i = 0; i < n; ++i) segment.initial_overrides.emplace_back(static_cast<std::size_t>(i), x[i]);
    std::size_t s = sample;
    for (; s < ns && run.samples[s].time < next_event; ++s) segment.samples.push_back(run.samples[s]);
    const bool to_event = q < fired.size();
    if (to_event) segment.samples.push_back({next_event, false});
    fit::SensitivityResult part = fit::solve_with_sensitivities(segment, columns, options, &S);
    out.stats.steps += part.stats.steps;
    out.stats.rhs_evals += part.stats.rhs_evals;
    if (!part.ok()) {
      out.status = part.status;
      out.message = part.message;
      out.completed = sample;
      return out;
    }
    for (std::size_t j = 0; sample < s; ++sample, ++j) {
      out.states.row(static_cast<Index>(sample)) = part.states.row(static_cast<Index>(j));
      out.state_sensitivities[sample] = part.state_sensitivities[j];
    }
    if (!to_event) break;
    const auto last = static_cast<Index>(segment.samples.size() - 1);
    x = part.states.row(last).transpose();
    S = part.state_sensitivities[static_cast<std::size_t>(last)];
    t = next_event;
    std::size_t end = q;
    while (end < fired.size() && fired[end].time == t) ++end;
    jumps.apply(fired, q, end, x, S);
    q = end;
  }
  out.completed = sample;
  return out;
}

}  // namespace exvivo::sbml
