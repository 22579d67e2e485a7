#include "solve/event_driver.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "solve/integrate.hpp"
#include "solve/model_ode_system.hpp"

namespace exvivo::solve {
namespace {

constexpr int check_points = 40;
constexpr int max_refinements = 12;
constexpr int max_firings_per_time = 10000;  // guards against events that re-trigger each other forever

class EventDriver {
 public:
  EventDriver(const Run& run, const model::CompiledEvents& events, const SolverOptions& options,
              std::vector<EventFiring>* fired)
      : run_(run),
        events_(events),
        options_(options),
        fired_(fired),
        scenario_(!run.state_events.empty()),
        system_(*run.model, run.parameters),
        event_ws_(events.make_workspace(run.parameters)) {}

  Solution solve() {
    const auto& samples = run_.samples;
    Solution solution;
    solution.samples = samples;
    const auto n = static_cast<Eigen::Index>(system_.size());
    solution.states = Eigen::MatrixXd::Constant(static_cast<Eigen::Index>(samples.size()), n, nan());
    const std::vector<double> initial = system_.initial_state();
    Eigen::VectorXd x = Eigen::Map<const Eigen::VectorXd>(initial.data(), n);
    for (const auto& [species, value] : run_.initial_overrides) x[static_cast<Eigen::Index>(species)] = value;
    double t = run_.t0;
    solution.stats.method = options_.method;

    std::vector<bool> armed(events_.size());  // trigger was false: a false -> true change fires
    for (std::size_t e = 0; e < events_.size(); ++e) armed[e] = scenario_ || !events_.initial_value(e);
    at_start_ = true;
    fire(t, x, armed);
    at_start_ = false;

    std::size_t k = 0, scheduled = 0;
    const auto& timed = run_.events;
    while (scheduled < timed.size() && timed[scheduled].time < t) ++scheduled;  // before t0: never reached
    while (true) {
      // At a scheduled event time: `24 h-` samples, the actions, then the state events they trigger.
      if (scheduled < timed.size() && timed[scheduled].time == t) {
        while (k < samples.size() && samples[k].time < t)
          solution.states.row(static_cast<Eigen::Index>(k++)) = x.transpose();
        while (k < samples.size() && samples[k].time == t && samples[k].before_event)
          solution.states.row(static_cast<Eigen::Index>(k++)) = x.transpose();
        apply(timed[scheduled++].actions, x);
        fire(t, x, armed);
      }
      while (k < samples.size() && samples[k].time <= t) solution.states.row(static_cast<Eigen::Index>(k++)) = x.transpose();
      if (k == samples.size()) break;
      const double t_end =
          scheduled < timed.size() ? std::min(samples[k].time, timed[scheduled].time) : samples[k].time;
      // Integrate to the next output or scheduled event time, watching the triggers at check points.
      Bracket bracket;
      if (!advance(t, x, t_end, armed, bracket, solution)) return finish(solution, k);
      if (!bracket.found) continue;  // advance() moved (t, x) to t_end
      // Narrow the crossing down.
      for (int round = 0; round < max_refinements && bracket.b - bracket.a > 1e-12 * std::max(1.0, std::fabs(bracket.b));
           ++round) {
        Bracket inner;
        double ta = bracket.a;
        Eigen::VectorXd xa = bracket.xa;
        std::vector<bool> armed_a = bracket.armed_a;
        if (!advance(ta, xa, bracket.b, armed_a, inner, solution)) return finish(solution, k);
        if (!inner.found) break;  // within roundoff of the end: keep the bracket
        bracket = inner;
      }
      t = bracket.b;
      x = bracket.xb;
      armed = bracket.armed_a;
      fire(t, x, armed);
    }
    solution.completed = samples.size();
    return observe(solution);
  }

 private:
  struct Bracket {
    bool found = false;
    double a = 0, b = 0;
    Eigen::VectorXd xa, xb;
    std::vector<bool> armed_a;  // armed flags at a
  };

  static double nan() { return std::numeric_limits<double>::quiet_NaN(); }

  /// Integrates from (t, x) towards t_end through check points. Without a
  /// crossing, (t, x, armed) become those at t_end. With one, `bracket` holds
  /// the check points around it. False when the integration failed.
  bool advance(double& t, Eigen::VectorXd& x, double t_end, std::vector<bool>& armed, Bracket& bracket,
               Solution& solution) {
    std::vector<SampleTime> checks;
    for (int i = 1; i <= check_points; ++i) {
      const double ti = i == check_points ? t_end : t + (t_end - t) * i / check_points;
      if (ti > t && (checks.empty() || ti > checks.back().time)) checks.push_back({ti, false});
    }
    if (checks.empty()) {
      t = t_end;
      return true;
    }
    IntegrationResult r = integrate(system_, x, t, {}, checks, options_);
    accumulate(solution.stats, r.stats);
    if (!r.ok()) {
      solution.status = r.status;
      solution.message = r.message;
      return false;
    }
    double ta = t;
    Eigen::VectorXd xa = x;
    for (std::size_t i = 0; i < checks.size(); ++i) {
      const Eigen::VectorXd xi = r.states.row(static_cast<Eigen::Index>(i)).transpose();
      events_.evaluate(checks[i].time, xi.data(), event_ws_, triggers_, values_);
      bool crossing = false;
      for (std::size_t e = 0; e < events_.size(); ++e) crossing = crossing || (armed[e] && triggers_[e] != 0);
      if (crossing) {
        bracket = {true, ta, checks[i].time, xa, xi, armed};
        return true;
      }
      for (std::size_t e = 0; e < events_.size(); ++e) armed[e] = triggers_[e] == 0;
      ta = checks[i].time;
      xa = xi;
    }
    t = ta;
    x = xa;
    return true;
  }

  /// Executes the events whose triggers turned true at (t, x), and those their
  /// assignments trigger in turn; `armed` holds the flags from just before t.
  void fire(double t, Eigen::VectorXd& x, std::vector<bool>& armed) {
    struct Pending {
      std::size_t event;
      std::vector<double> values;  // when computed at the trigger time
    };
    std::vector<Pending> pending;
    const auto collect = [&] {
      events_.evaluate(t, x.data(), event_ws_, triggers_, values_);
      for (std::size_t e = 0; e < events_.size(); ++e) {
        const bool on = triggers_[e] != 0;
        if (on && armed[e]) {
          Pending p{e, {}};
          if (!scenario_ && events_.use_values_from_trigger_time(e)) p.values = values_of(e);
          pending.push_back(std::move(p));
        }
        armed[e] = !on;
      }
      std::stable_sort(pending.begin(), pending.end(), [](const Pending& a, const Pending& b) { return a.event < b.event; });
    };
    collect();
    for (int fired = 0; !pending.empty() && fired < max_firings_per_time; ++fired) {
      Pending p = std::move(pending.front());
      pending.erase(pending.begin());
      if (scenario_) {
        for (const auto& se : run_.state_events)
          if (se.trigger == p.event) apply(se.actions, x);
      } else {
        if (p.values.empty()) {
          events_.evaluate(t, x.data(), event_ws_, triggers_, values_);
          p.values = values_of(p.event);
        }
        const auto& targets = events_.targets(p.event);
        for (std::size_t j = 0; j < targets.size(); ++j) x[static_cast<Eigen::Index>(targets[j])] = p.values[j];
      }
      if (fired_ != nullptr) fired_->push_back({t, p.event, t == run_.t0 && at_start_});
      collect();
      pending.erase(std::remove_if(pending.begin(), pending.end(),
                                   [&](const Pending& q) {
                                     return !scenario_ && !events_.persistent(q.event) && triggers_[q.event] == 0;
                                   }),
                    pending.end());
    }
  }

  /// A protocol step's actions (amounts in the species' units, as solve() applies them).
  static void apply(const std::vector<EventAction>& actions, Eigen::VectorXd& x) {
    for (const auto& a : actions) {
      auto& v = x[static_cast<Eigen::Index>(a.species)];
      switch (a.kind) {
        case EventAction::Kind::add: v += a.value; break;
        case EventAction::Kind::set: v = a.value; break;
        case EventAction::Kind::scale: v *= a.value; break;
      }
    }
  }

  std::vector<double> values_of(std::size_t e) const {
    const auto begin = values_.begin() + static_cast<std::ptrdiff_t>(events_.value_offset(e));
    return std::vector<double>(begin, begin + static_cast<std::ptrdiff_t>(events_.targets(e).size()));
  }

  static void accumulate(SolveStats& total, const SolveStats& part) {
    total.steps += part.steps;
    total.rejected_steps += part.rejected_steps;
    total.rhs_evals += part.rhs_evals;
    total.jacobian_evals += part.jacobian_evals;
    total.lu_decompositions += part.lu_decompositions;
    total.wall_ms += part.wall_ms;
  }

  Solution finish(Solution& solution, std::size_t completed) {
    solution.completed = completed;
    return observe(solution);
  }

  Solution observe(Solution& solution) {
    const auto ny = static_cast<Eigen::Index>(run_.model->num_observables());
    solution.observables = Eigen::MatrixXd::Constant(static_cast<Eigen::Index>(run_.samples.size()), ny, nan());
    Eigen::VectorXd x(solution.states.cols()), y(ny);
    for (std::size_t k = 0; k < solution.completed; ++k) {
      x = solution.states.row(static_cast<Eigen::Index>(k)).transpose();
      system_.observables(run_.samples[k].time, x.data(), y.data());
      solution.observables.row(static_cast<Eigen::Index>(k)) = y.transpose();
    }
    return std::move(solution);
  }

  const Run& run_;
  const model::CompiledEvents& events_;
  const SolverOptions& options_;
  std::vector<EventFiring>* fired_;
  bool scenario_;  ///< state events of a scenario (Run::state_events), not SBML events
  bool at_start_ = false;
  ModelOdeSystem system_;
  model::CompiledModel::Workspace event_ws_;
  std::vector<double> triggers_, values_;
};

}  // namespace

Solution solve_with_events(const Run& run, const model::CompiledEvents& events, const SolverOptions& options,
                           std::vector<EventFiring>* fired) {
  if (run.model == nullptr) throw std::invalid_argument("solve_with_events: Run.model is null");
  if (!run.events.empty()) throw std::invalid_argument("solve_with_events: scheduled events are not combined with model events");
  if (run.parameters.size() != run.model->num_parameters())
    throw std::invalid_argument("solve_with_events: wrong number of parameters");
  options.validate(run.model->num_states());
  return EventDriver(run, events, options, fired).solve();
}

Solution solve_with_state_events(const Run& run, const SolverOptions& options, std::vector<EventFiring>* fired) {
  if (run.model == nullptr) throw std::invalid_argument("solve_with_state_events: Run.model is null");
  if (run.state_triggers == nullptr) throw std::invalid_argument("solve_with_state_events: Run.state_triggers is null");
  if (run.parameters.size() != run.model->num_parameters())
    throw std::invalid_argument("solve_with_state_events: wrong number of parameters");
  for (const auto& e : run.state_events)
    if (e.trigger >= run.state_triggers->size())
      throw std::invalid_argument("solve_with_state_events: trigger index out of range");
  options.validate(run.model->num_states());
  return EventDriver(run, *run.state_triggers, options, fired).solve();
}

}  // namespace exvivo::solve
