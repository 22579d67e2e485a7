#include "scenario_counts.hpp"

#include <fmt/core.h>

#include "scenario/run_plan.hpp"

namespace exvivo::cli {

namespace {
std::string count(std::size_t n, const char* one, const char* many) { return fmt::format("{} {}", n, n == 1 ? one : many); }
}  // namespace

std::string describe_run_counts(const scenario::Scenario& s) {
  const scenario::RunPlan plan(s);
  std::string donors = count(plan.donors(), "donor", "donors");
  if (s.cohort.size() > 0)
    donors = fmt::format("{} ({} listed + {} cohort members)", donors, s.donors.size(), s.cohort.size());
  const std::size_t per_run = s.samples.size() * s.observables.size();
  return fmt::format("{} = {} x {} x {}; {} x {} per run ({} rows of timecourses.csv{})",
                     count(plan.size(), "run", "runs"), donors, count(s.arms.size(), "arm", "arms"),
                     count(plan.samples_per_arm(), "sweep sample", "sweep samples"),
                     count(s.samples.size(), "sample time", "sample times"),
                     count(s.observables.size(), "observable", "observables"), plan.size() * per_run,
                     s.output.timecourses ? "" : ", not written: output.timecourses is false");
}

}  // namespace exvivo::cli
