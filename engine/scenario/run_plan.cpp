#include "scenario/run_plan.hpp"

#include <algorithm>
#include <limits>
#include <unordered_map>
#include <map>

#include <fmt/core.h>

#include "core/units.hpp"
#include "scenario/cohort.hpp"
#include "scenario/design.hpp"

namespace exvivo::scenario {

namespace {

/// Values of every grid point, first factor slowest, flat row-major (points × factors).
std::vector<double> grid_samples(const std::vector<SweepFactor>& factors, std::size_t& points) {
  points = 1;
  for (const auto& f : factors) points *= f.values.size();  // bounded by the loader (max_sweep_samples)
  const std::size_t k = factors.size();
  std::vector<double> out(points * k);
  for (std::size_t i = 0; i < points; ++i) {
    std::size_t rest = i;
    for (std::size_t f = k; f-- > 0;) {
      const std::size_t n = factors[f].values.size();
      out[i * k + f] = factors[f].values[rest % n];
      rest /= n;
    }
  }
  return out;
}

/// n points of a sampled design, each factor mapped to its range or value list,
/// flat row-major (n × factors).
std::vector<double> sampled_design(const SweepSpec& sw) {
  const Design design = sw.design == SweepDesign::lhs ? Design::lhs
                        : sw.design == SweepDesign::sobol ? Design::sobol
                                                          : Design::random;
  const auto n = static_cast<std::size_t>(sw.n);
  const Eigen::MatrixXd u = sample_unit_design(design, n, sw.factors.size(), sw.seed);
  const std::size_t k = sw.factors.size();
  std::vector<double> out(n * k);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t f = 0; f < k; ++f) {
      const SweepFactor& fac = sw.factors[f];
      const double ui = u(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(f));
      out[i * k + f] = fac.has_range ? map_to_range(ui, fac.lower, fac.upper, fac.scale) : map_to_values(ui, fac.values);
    }
  return out;
}

}  // namespace

RunPlan::RunPlan(const Scenario& scenario) : s_(scenario) {
  n_donors_ = s_.donors.size() + s_.cohort.size();
  n_arms_ = s_.arms.size();
  for (const auto& f : s_.sweep.factors) factor_names_.push_back(f.name);
  if (s_.cohort.sampler)
    for (const auto& name : s_.cohort.sampler->parameter_names()) factor_names_.push_back(name);
  n_factors_ = s_.sweep.factors.size();
  if (s_.sweep.design == SweepDesign::grid) {
    samples_ = grid_samples(s_.sweep.factors, n_samples_);
  } else {
    samples_ = sampled_design(s_.sweep);
    n_samples_ = static_cast<std::size_t>(s_.sweep.n);
  }
}

RunKey RunPlan::key(std::size_t run) const {
  RunKey k;
  k.run = run;
  k.sample = run % n_samples_;
  k.arm = (run / n_samples_) % n_arms_;
  k.donor = run / (n_samples_ * n_arms_);
  return k;
}

std::string RunPlan::donor_id(std::size_t run) const {
  const std::size_t d = key(run).donor;
  return is_cohort_member(d) ? cohort_member_id(d - s_.donors.size(), s_.cohort.size()) : s_.donors[d].id;
}
const std::string& RunPlan::arm_id(std::size_t run) const { return s_.arms[key(run).arm].id; }

std::vector<double> RunPlan::factor_values(std::size_t run) const {
  const RunKey k = key(run);
  std::vector<double> v(sample_row(k.sample), sample_row(k.sample) + n_factors_);
  if (s_.cohort.sampler) {
    // Listed donors get NaN in the cohort columns (written as NaN: not sampled).
    const std::size_t n = s_.cohort.sampler->parameter_names().size();
    if (is_cohort_member(k.donor)) {
      const Eigen::VectorXd m = s_.cohort.sampler->member(k.donor - s_.donors.size());
      v.insert(v.end(), m.data(), m.data() + n);
    } else {
      v.insert(v.end(), n, std::numeric_limits<double>::quiet_NaN());
    }
  }
  return v;
}

namespace {

/// parse_unit with a per-thread cache: run construction converts the same few
/// unit strings for every run of a sweep.
const Unit& cached_unit(const std::string& text) {
  thread_local std::unordered_map<std::string, Unit> cache;
  auto it = cache.find(text);
  if (it == cache.end()) it = cache.emplace(text, parse_unit(text)).first;
  return it->second;
}

struct Resolver {
  const Scenario& s;
  const double* sample;  // factor values of this run

  /// The value of `v` expressed in `target` (a unit string), with `ctx` for
  /// mass/amount/activity conversions.
  double in_unit(const ValueSpec& v, const std::string& target, const ConversionContext& ctx = {}) const {
    double value = v.value;
    std::string unit = v.unit;
    if (!v.placeholder.empty()) {
      const auto& fs = s.sweep.factors;
      const auto it = std::find_if(fs.begin(), fs.end(), [&](const SweepFactor& f) { return f.name == v.placeholder; });
      value = sample[static_cast<std::size_t>(it - fs.begin())];
      unit = it->unit;
    }
    if (unit.empty()) return value;
    return convert(value, cached_unit(unit), cached_unit(target), ctx);
  }
};

}  // namespace

solve::Run RunPlan::make_run(std::size_t run_index) const {
  const RunKey k = key(run_index);
  const auto& model = *s_.model;
  const Resolver resolve{s_, sample_row(k.sample)};

  solve::Run run;
  run.model = s_.model.get();
  run.parameters = model.default_parameters();
  std::map<std::size_t, double> initial;  // species index -> x0 override

  auto apply_value_set = [&](const model::ValueSet& values) {
    for (const auto& [name, value] : values) {
      if (auto p = model.parameter_index(name)) run.parameters[*p] = value;
      else if (auto sp = model.species_index(name)) initial[*sp] = value;
    }
  };
  auto apply_assignments = [&](const std::vector<std::pair<std::string, ValueSpec>>& set) {
    for (const auto& [name, v] : set) {
      if (auto p = model.parameter_index(name)) {
        run.parameters[*p] = resolve.in_unit(v, model.parameters()[*p].unit);
      } else if (auto sp = model.species_index(name)) {
        const auto& info = model.species()[*sp];
        initial[*sp] = resolve.in_unit(v, info.unit, {info.molar_mass, info.specific_activity});
      }
    }
  };

  const bool member = is_cohort_member(k.donor);
  const std::string& preset = member ? s_.cohort.preset : s_.donors[k.donor].preset;
  if (!preset.empty()) apply_value_set(model.donor_presets().at(preset));
  if (!s_.culture.empty()) apply_value_set(model.cultures().at(s_.culture));
  apply_assignments(s_.set);
  apply_assignments(member ? s_.cohort.set : s_.donors[k.donor].set);
  if (member) {
    const Eigen::VectorXd values = s_.cohort.sampler->member(k.donor - s_.donors.size());
    const auto names = s_.cohort.sampler->parameter_names();
    for (std::size_t i = 0; i < names.size(); ++i)
      run.parameters[*model.parameter_index(names[i])] = values(static_cast<Eigen::Index>(i));
  }
  for (std::size_t f = 0; f < s_.sweep.factors.size(); ++f) {
    const SweepFactor& factor = s_.sweep.factors[f];
    if (!factor.is_parameter) continue;
    const std::size_t p = *model.parameter_index(factor.name);
    ValueSpec v;
    v.value = sample_row(k.sample)[f];
    v.unit = factor.unit;
    run.parameters[p] = resolve.in_unit(v, model.parameters()[p].unit);
  }
  run.initial_overrides.assign(initial.begin(), initial.end());

  // Events: arm events before common ones at equal times, file order within each.
  struct Timed {
    double time;
    const EventSpec* spec;
  };
  std::vector<Timed> timed;
  const ArmSpec& arm = s_.arms[k.arm];
  for (const auto* list : {&arm.protocol, &s_.protocol})
    for (const auto& ev : *list) {
      if (!ev.when.empty()) continue;  // state-triggered: below
      const double t = resolve.in_unit(ev.time, model.time_unit());
      if (t < 0)
        throw ScenarioError(ev.time.where, ev.time.path,
                            fmt::format("event time must not be negative, got {} {}", t, model.time_unit()));
      timed.push_back({t, &ev});
    }
  std::stable_sort(timed.begin(), timed.end(), [](const Timed& a, const Timed& b) {
    if (a.time != b.time) return a.time < b.time;
    if (a.spec->from_arm != b.spec->from_arm) return a.spec->from_arm;
    return a.spec->order < b.spec->order;
  });
  const auto append_actions = [&](const EventSpec& ev, std::vector<solve::EventAction>& actions) {
    for (const auto& [sp, v] : ev.targets) {
      const auto& info = model.species()[sp];
      using Kind = solve::EventAction::Kind;
      switch (ev.kind) {
        case EventSpec::Kind::add:
          actions.push_back({Kind::add, sp, resolve.in_unit(v, info.unit, {info.molar_mass, info.specific_activity})});
          break;
        case EventSpec::Kind::set:
          actions.push_back({Kind::set, sp, resolve.in_unit(v, info.unit, {info.molar_mass, info.specific_activity})});
          break;
        case EventSpec::Kind::scale:
          actions.push_back({Kind::scale, sp, resolve.in_unit(v, "1")});
          break;
        case EventSpec::Kind::wash:
          actions.push_back({Kind::set, sp, 0.0});
          break;
      }
    }
  };
  for (const auto& [time, ev] : timed) {
    if (run.events.empty() || run.events.back().time != time) run.events.push_back(solve::Event{time, {}});
    append_actions(*ev, run.events.back().actions);
  }
  // State-triggered steps (scenario/state_events.hpp), in trigger order.
  for (const auto* list : {&arm.protocol, &s_.protocol})
    for (const auto& ev : *list) {
      if (ev.when.empty()) continue;
      run.state_events.push_back({ev.when.index, {}});
      append_actions(ev, run.state_events.back().actions);
    }
  run.state_triggers = s_.state_triggers.get();
  run.samples = s_.samples;
  run.t0 = 0;
  return run;
}

}  // namespace exvivo::scenario
