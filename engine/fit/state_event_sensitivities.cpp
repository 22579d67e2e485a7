#include "fit/state_event_sensitivities.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "model/compiled_model.hpp"
#include "model/model_events.hpp"
#include "solve/event_driver.hpp"

namespace exvivo::fit {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

}  // namespace

Eigen::RowVectorXd event_time_sensitivity(const solve::Run& run, const model::CompiledEvents& triggers,
                                          model::CompiledModel::Workspace& trigger_ws, std::size_t e, double t,
                                          const VectorXd& x, const VectorXd& f, const MatrixXd& S,
                                          const std::vector<std::size_t>& columns) {
  const Index k = S.cols();
  Eigen::RowVectorXd tau = Eigen::RowVectorXd::Zero(k);
  const auto root = triggers.root_observable(e);
  if (!root) return tau;
  const auto& fn = triggers.functions();
  const auto no = static_cast<Index>(fn.num_observables());
  const auto g = static_cast<Index>(*root);
  MatrixXd dgdx(no, x.size()), dgdp(no, static_cast<Index>(run.parameters.size()));
  fn.observable_state_jacobian(t, x.data(), trigger_ws, dgdx.data());
  fn.observable_parameter_jacobian(t, x.data(), trigger_ws, dgdp.data());
  // ∂g/∂t at fixed x by a central difference (triggers rarely use t).
  VectorXd values(no);
  const double h = 1e-6 * std::max(1.0, std::fabs(t));
  fn.observables(t + h, x.data(), trigger_ws, values.data());
  const double g_up = values[g];
  fn.observables(t - h, x.data(), trigger_ws, values.data());
  const double g_t = (g_up - values[g]) / (2 * h);
  const double denominator = g_t + dgdx.row(g).dot(f);
  if (denominator == 0 || !std::isfinite(denominator)) return tau;
  Eigen::RowVectorXd numerator = dgdx.row(g) * S;
  for (Index c = 0; c < k; ++c) numerator[c] += dgdp(g, static_cast<Index>(columns[static_cast<std::size_t>(c)]));
  return -numerator / denominator;
}

SensitivityResult solve_with_state_event_sensitivities(const solve::Run& run,
                                                       const std::vector<std::size_t>& parameters,
                                                       const solve::SolverOptions& options,
                                                       const Eigen::MatrixXd* initial_sensitivities,
                                                       const model::SensitivityCode* code) {
  if (run.state_triggers == nullptr)
    throw std::invalid_argument("solve_with_state_event_sensitivities: Run.state_triggers is null");
  const model::CompiledModel& model = *run.model;
  const model::CompiledEvents& triggers = *run.state_triggers;
  const auto n = static_cast<Index>(model.num_states());
  const auto k = static_cast<Index>(parameters.size());
  const auto no = static_cast<Index>(model.num_observables());
  const std::size_t ns = run.samples.size();
  const double nan = std::numeric_limits<double>::quiet_NaN();

  SensitivityResult out;
  out.states = MatrixXd::Constant(static_cast<Index>(ns), n, nan);
  out.observables = MatrixXd::Constant(static_cast<Index>(ns), no, nan);
  out.sigmas = MatrixXd::Constant(static_cast<Index>(ns), no, nan);
  out.state_sensitivities.assign(ns, MatrixXd::Constant(n, k, nan));
  out.observable_sensitivities.assign(ns, MatrixXd::Constant(no, k, nan));
  out.sigma_sensitivities.assign(ns, MatrixXd::Constant(no, k, nan));
  const auto fail = [&](const auto& failed) {
    out.status = failed.status;
    out.message = failed.message;
    return out;
  };

  // Where and which steps fire, from the state alone.
  std::vector<solve::EventFiring> fired;
  const solve::Solution located = solve::solve_with_state_events(run, options, &fired);
  if (!located.ok()) return fail(located);

  // The pieces between firings: plain sensitivity solves (scheduled steps included).
  solve::Run piece = run;
  piece.state_events.clear();
  piece.state_triggers = nullptr;
  piece.events.clear();
  // x(t0) and S(t0) before any step.
  piece.samples = {{run.t0, true}};
  SensitivityResult start = solve_with_sensitivities(piece, parameters, options, initial_sensitivities, code);
  if (!start.ok()) return fail(start);
  VectorXd x = start.states.row(0).transpose();
  MatrixXd S = start.state_sensitivities[0];
  if (k == 0) S.resize(n, 0);

  auto ws = model.make_workspace();
  model.set_parameters(run.parameters.data(), ws);
  auto trigger_ws = triggers.make_workspace(run.parameters);
  const auto rhs = [&](double t, const VectorXd& state) {
    VectorXd f(n);
    model.rhs(t, state.data(), ws, f.data());
    return f;
  };
  // Applies the firings [first, last), all at one time; `timed`: the time does not depend on p.
  const auto jump = [&](std::size_t first, std::size_t last, bool timed) {
    const double t = fired[first].time;
    Eigen::RowVectorXd tau = Eigen::RowVectorXd::Zero(k);
    if (!timed && k > 0)
      tau = event_time_sensitivity(run, triggers, trigger_ws, fired[first].event, t, x, rhs(t, x), S, parameters);
    for (std::size_t q = first; q < last; ++q) {
      MatrixXd V = S + rhs(t, x) * tau;
      for (const auto& step : run.state_events) {
        if (step.trigger != fired[q].event) continue;
        for (const auto& a : step.actions) {
          const auto i = static_cast<Index>(a.species);
          switch (a.kind) {
            case solve::EventAction::Kind::add: x[i] += a.value; break;
            case solve::EventAction::Kind::set:
              x[i] = a.value;
              V.row(i).setZero();
              break;
            case solve::EventAction::Kind::scale:
              x[i] *= a.value;
              V.row(i) *= a.value;
              break;
          }
        }
      }
      S = V - rhs(t, x) * tau;
    }
  };

  // The pieces after the first start from S (every row may be non-zero):
  // the caller's continued code, else one look-up for all of them.
  model::SensitivityCode looked_up;
  const model::SensitivityCode* continued = nullptr;
  if (k > 0) {
    if (code != nullptr && code->every_row)
      continued = code;
    else if (code != nullptr && code->continued != nullptr)
      continued = code->continued.get();
    else {
      looked_up = model::sensitivity_code(model, parameters, true);
      continued = &looked_up;
    }
  }

  double t = run.t0;
  std::size_t q = 0, sample = 0, scheduled = 0;
  while (q < fired.size() && fired[q].at_start) ++q;
  if (q > 0) jump(0, q, true);
  while (true) {
    const bool to_firing = q < fired.size();
    const double next = to_firing ? fired[q].time : std::numeric_limits<double>::infinity();
    piece.t0 = t;
    piece.initial_overrides.clear();
    for (Index i = 0; i < n; ++i) piece.initial_overrides.emplace_back(static_cast<std::size_t>(i), x[i]);
    piece.events.clear();
    while (scheduled < run.events.size() && run.events[scheduled].time <= next)
      piece.events.push_back(run.events[scheduled++]);
    piece.samples.clear();
    std::size_t s = sample;
    for (; s < ns && (run.samples[s].time < next || (run.samples[s].time == next && run.samples[s].before_event)); ++s)
      piece.samples.push_back(run.samples[s]);
    if (to_firing) piece.samples.push_back({next, false});
    if (piece.samples.empty()) break;
    SensitivityResult part = solve_with_sensitivities(piece, parameters, options, &S, continued);
    out.stats.steps += part.stats.steps;
    out.stats.rhs_evals += part.stats.rhs_evals;
    for (std::size_t j = 0; sample < s && j < part.completed; ++sample, ++j) {
      const auto row = static_cast<Index>(sample);
      const auto from = static_cast<Index>(j);
      out.states.row(row) = part.states.row(from);
      out.observables.row(row) = part.observables.row(from);
      out.sigmas.row(row) = part.sigmas.row(from);
      out.state_sensitivities[sample] = part.state_sensitivities[j];
      out.observable_sensitivities[sample] = part.observable_sensitivities[j];
      out.sigma_sensitivities[sample] = part.sigma_sensitivities[j];
    }
    if (!part.ok()) {
      out.completed = sample;
      return fail(part);
    }
    if (!to_firing) break;
    const std::size_t last = piece.samples.size() - 1;
    x = part.states.row(static_cast<Index>(last)).transpose();
    S = part.state_sensitivities[last];
    t = next;
    std::size_t end = q;
    while (end < fired.size() && fired[end].time == t) ++end;
    const bool timed =
        std::any_of(run.events.begin(), run.events.end(), [&](const solve::Event& e) { return e.time == t; });
    jump(q, end, timed);
    q = end;
  }
  out.completed = sample;
  return out;
}

}  // namespace exvivo::fit
