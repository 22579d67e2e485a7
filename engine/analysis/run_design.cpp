#include <fmt/core.h>

#include "analysis/analysis_steps.hpp"
#include "analysis/d_optimal.hpp"
#include "analysis/design_information.hpp"
#include "core/parallel.hpp"
#include "fit/solve_timing.hpp"
#include "io/csv_writer.hpp"
#include "scenario/run_plan.hpp"

namespace exvivo::analysis {

namespace {

/// The wells of one row of the information table: (run-plan run, row) pairs.
struct Well {
  std::size_t run = 0;
  std::size_t dose_row = 0;
};

}  // namespace

nlohmann::ordered_json run_design(const AnalysisSpec& spec, const DesignSpec& section, AnalysisReport& report) {
  // Dose candidates become the values of the chosen sweep factor, so that run
  // k of each (donor, arm) is dose candidate k; every other factor has one value.
  scenario::Scenario s = *spec.scenario;
  if (section.choose_doses) {
    scenario::SweepFactor& factor = s.sweep.factors[section.dose_factor];
    factor.values = section.dose_candidates;
    if (!section.dose_unit.empty()) factor.unit = section.dose_unit;
    factor.has_range = false;
  }
  const scenario::RunPlan plan(s);
  const std::size_t n_samples = plan.samples_per_arm();
  const std::size_t dose_rows = section.choose_doses ? n_samples : 1;

  std::vector<Well> wells;
  for (const std::size_t d : section.donors)
    for (const std::size_t a : section.arms)
      for (std::size_t k = 0; k < n_samples; ++k)
        wells.push_back({(d * s.arms.size() + a) * n_samples + k, section.choose_doses ? k : 0});

  std::vector<EstimatedParameter> parameters;
  for (const auto& p : section.estimate) parameters.push_back({p.parameter, p.scale});
  std::vector<SampleInformation> results(wells.size());
  fit::SolveTimer timer;
  parallel_for_index(wells.size(), [&](std::size_t w) {
    solve::Run run = plan.make_run(wells[w].run);
    run.samples = section.time_candidates;
    const long long start = fit::thread_cpu_ns();
    results[w] = sample_information(run, parameters, section.observables, s.solver);
    timer.add(true, fit::thread_cpu_ns() - start);
  });
  report.timing += timer.timing();

  const auto p = static_cast<Eigen::Index>(parameters.size());
  std::vector<std::vector<Eigen::MatrixXd>> information(
      dose_rows, std::vector<Eigen::MatrixXd>(section.time_candidates.size(), Eigen::MatrixXd::Zero(p, p)));
  for (std::size_t w = 0; w < wells.size(); ++w) {
    ++report.runs;
    if (!results[w].ok) {
      note_failure(report, fmt::format("donor {}, arm {}: {}", plan.donor_id(wells[w].run), plan.arm_id(wells[w].run),
                                       results[w].message));
      continue;
    }
    for (std::size_t t = 0; t < section.time_candidates.size(); ++t)
      information[wells[w].dose_row][t] += results[w].per_sample[t];
  }

  DesignSearchOptions options;
  options.keep = section.keep;
  options.seed = section.seed;
  const DesignSearch search = search_d_optimal(information, section.n_times, section.choose_doses ? section.n_doses : 1, options);

  for (std::size_t r = 0; r < search.ranked.size(); ++r) {
    const DesignChoice& choice = search.ranked[r];
    DesignRow row;
    row.rank = r + 1;
    for (const std::size_t t : choice.times) row.times.push_back(section.time_candidates[t].time);
    if (section.choose_doses)
      for (const std::size_t d : choice.doses) row.doses.push_back(section.dose_candidates[d]);
    row.criterion = choice.log_det;
    report.design.push_back(row);
  }

  nlohmann::ordered_json j;
  nlohmann::ordered_json estimate = nlohmann::ordered_json::array();
  for (const auto& e : section.estimate) estimate.push_back(e.name);
  j["estimate"] = estimate;
  nlohmann::ordered_json observables = nlohmann::ordered_json::array();
  for (const std::size_t o : section.observables) observables.push_back(s.model->observables()[o].name);
  j["observables"] = observables;
  j["criterion"] = "D: log det of the Fisher information, parameters on their model scale";
  j["search"] = search.exhaustive ? "exhaustive" : "exchange";
  j["designs_evaluated"] = search.evaluated;
  j["wells"] = wells.size();
  j["time_unit"] = s.model->time_unit();
  if (section.choose_doses) {
    j["dose_factor"] = s.sweep.factors[section.dose_factor].name;
    j["dose_unit"] = s.sweep.factors[section.dose_factor].unit;
  }
  if (!report.design.empty()) {
    j["best"] = {{"times", report.design.front().times}, {"doses", report.design.front().doses},
                 {"criterion", io::format_double(report.design.front().criterion)}};
  }
  j["seed"] = section.seed;
  return j;
}

}  // namespace exvivo::analysis
