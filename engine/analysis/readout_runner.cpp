#include "analysis/readout_runner.hpp"

#include <algorithm>
#include <limits>

#include <fmt/core.h>

#include "fit/solve_timing.hpp"
#include "solve/solve.hpp"

namespace exvivo::analysis {

namespace {

bool sample_less(const solve::SampleTime& a, const solve::SampleTime& b) {
  return a.time < b.time || (a.time == b.time && a.before_event && !b.before_event);
}

bool sample_equal(const solve::SampleTime& a, const solve::SampleTime& b) {
  return a.time == b.time && a.before_event == b.before_event;
}

}  // namespace

ReadoutRunner::ReadoutRunner(const scenario::Scenario& scenario, const scenario::RunPlan& plan,
                             std::vector<Readout> readouts)
    : s_(scenario), plan_(plan), readouts_(std::move(readouts)) {
  for (std::size_t r = 0; r < readouts_.size(); ++r) {
    const Readout& ro = readouts_[r];
    auto it = std::find_if(groups_.begin(), groups_.end(),
                           [&](const Group& g) { return g.arm == ro.arm && g.sample == ro.sample; });
    if (it == groups_.end()) {
      groups_.push_back({ro.arm, ro.sample, {}, {}});
      it = groups_.end() - 1;
    }
    it->times.push_back(ro.time);
  }
  for (Group& g : groups_) {
    std::sort(g.times.begin(), g.times.end(), sample_less);
    g.times.erase(std::unique(g.times.begin(), g.times.end(), sample_equal), g.times.end());
  }
  for (std::size_t r = 0; r < readouts_.size(); ++r) {
    const Readout& ro = readouts_[r];
    for (Group& g : groups_)
      if (g.arm == ro.arm && g.sample == ro.sample) {
        const auto row = std::find_if(g.times.begin(), g.times.end(),
                                      [&](const solve::SampleTime& t) { return sample_equal(t, ro.time); });
        g.reads.emplace_back(r, static_cast<std::size_t>(row - g.times.begin()));
      }
  }
}

ReadoutValues ReadoutRunner::evaluate(std::size_t donor,
                                      const std::vector<std::pair<std::size_t, double>>& overrides) const {
  ReadoutValues out;
  out.values.assign(readouts_.size(), std::numeric_limits<double>::quiet_NaN());
  const std::size_t n_arms = s_.arms.size(), n_samples = plan_.samples_per_arm();
  for (const Group& g : groups_) {
    solve::Run run = plan_.make_run((donor * n_arms + g.arm) * n_samples + g.sample);
    for (const auto& [index, value] : overrides) run.parameters[index] = value;
    run.samples = g.times;
    if (out.parameters.empty()) out.parameters = run.parameters;
    const long long start = fit::thread_cpu_ns();
    const solve::Solution sol = solve::solve(run, s_.solver);
    out.solve_seconds += 1e-9 * static_cast<double>(fit::thread_cpu_ns() - start);
    ++out.solves;
    if (!sol.ok()) {
      ++out.failed;
      if (out.message.empty()) out.message = fmt::format("arm {}: {}", s_.arms[g.arm].id, sol.message);
      continue;
    }
    for (const auto& [readout, row] : g.reads)
      out.values[readout] = sol.observables(static_cast<Eigen::Index>(row),
                                            static_cast<Eigen::Index>(readouts_[readout].observable));
  }
  return out;
}

}  // namespace exvivo::analysis
