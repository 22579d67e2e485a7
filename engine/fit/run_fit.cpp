#include "fit/run_fit.hpp"

#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <functional>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "core/check.hpp"
#include "core/parallel.hpp"
#include "core/text.hpp"
#include "core/version.hpp"
#include "fit/fit_outputs.hpp"
#include "fit/fit_problem.hpp"
#include "fit/multi_start.hpp"
#include "fit/objective.hpp"
#include "fit/uncertainty.hpp"
#include "io/atomic_file.hpp"
#include "io/csv_writer.hpp"
#include "io/output_dir.hpp"
#include "io/provenance.hpp"
#include "io/sha256.hpp"
#include "scenario/run_plan.hpp"
#include "solve/solve.hpp"

namespace exvivo::fit {

namespace fs = std::filesystem;
using Eigen::VectorXd;

void FitOptions::validate() const {
  check_thread_count(threads);
}

namespace {

/// FIM intervals (uncertainty.fim) and the profiles of uncertainty.profile:
/// a per_donor estimate is profiled for every donor that has data (one θ
/// entry each).
FitUncertainty uncertainty(const FitProblem& p, const Objective& o, const LeastSquaresProblem& lsq,
                           const OptimizerResult& best) {
  std::vector<std::size_t> profiled;
  for (const std::size_t e : p.spec.profile)
    for (std::size_t j = 0; j < o.size(); ++j)
      if (o.entries()[j].estimate == e) profiled.push_back(j);
  return fit_uncertainty(lsq, best, p.spec.fim, profiled, p.spec.optimizer);
}

/// The fit_timecourses.csv rows: every run of every scenario at θ.
void add_timecourses(const FitProblem& p, const Objective& o, const VectorXd& theta,
                     const std::function<void(const TimecourseRow&)>& add) {
  std::size_t first_run = 0;  // runs numbered across scenarios
  for (std::size_t k = 0; k < p.scenarios.size(); ++k) {
    const scenario::Scenario& s = *p.scenarios[k].scenario;
    const scenario::RunPlan plan(s);
    const auto& model = *s.model;
    for (std::size_t r = 0; r < plan.size(); ++r) {
      const scenario::RunKey key = plan.key(r);
      solve::Run run = plan.make_run(r);
      o.apply(theta, k, key.donor, run);
      const solve::Solution sol = solve::solve(run, s.solver);
      for (std::size_t i = 0; i < sol.completed; ++i)
        for (const std::size_t obs : s.observables)
          add({static_cast<std::uint64_t>(first_run + r), plan.donor_id(r), plan.arm_id(r),
               static_cast<std::uint64_t>(key.sample), sol.samples[i].time, sol.samples[i].before_event,
               model.observables()[obs].name,
               sol.observables(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(obs)), s.name});
    }
    first_run += plan.size();
  }
}

/// SHA-256 over every input: fit file, scenarios, their models and tables, engine version.
std::string inputs_hash(const std::string& fit_file, const FitProblem& p) {
  std::string text = io::sha256_file(fit_file);
  for (const FitScenario& s : p.scenarios)
    text += io::sha256_file(s.scenario_file) + io::sha256_file(s.scenario->model_file) + io::sha256_file(s.data_file);
  return io::sha256_hex(text + engine_version);
}

}  // namespace

FitReport run_fit(const std::string& fit_file, const FitOptions& options) {
  options.validate();
  const auto start_wall = std::chrono::system_clock::now();
  const auto start = std::chrono::steady_clock::now();
  const FitProblem problem = load_fit_problem(fit_file);
  for (const FitScenario& fs : problem.scenarios)
    for (const auto& w : fs.scenario->warnings) report_warning(options.reporter, w);
  const Objective objective(problem);
  const LeastSquaresProblem lsq = objective.least_squares_problem();

  FitReport report;
  report.out_dir = options.out_dir.empty() ? problem.spec.output_dir : options.out_dir;
  const fs::path dir(report.out_dir);
  // The directory is this fit's (io/output_dir.hpp): refused before any work when it is not.
  io::OutputDir out(dir, {"fit", problem.spec.name, inputs_hash(fit_file, problem)}, false);
  out.claim(fit_output_files());

  MultiStartOptions ms;
  ms.starts = problem.spec.starts;
  ms.seed = problem.spec.seed;
  ms.threads = options.threads;
  ms.optimizer = problem.spec.optimizer;
  if (problem.spec.start_from_model) {
    VectorXd x0(static_cast<Eigen::Index>(objective.size()));
    for (std::size_t j = 0; j < objective.size(); ++j) {
      const EstimateSpec& e = problem.spec.estimates[objective.entries()[j].estimate];
      x0[static_cast<Eigen::Index>(j)] = to_scale(e.scale, e.model_value);
    }
    ms.first_start = x0;
  }
  report_note(options.reporter, fmt::format("fit {}: {} parameters, {} measurements, {} starts", problem.spec.name,
                                            objective.size(), problem.num_rows(), ms.starts));
  const std::vector<StartResult> starts = multi_start(lsq, ms);
  const OptimizerResult& best = starts.front().result;
  report.starts = static_cast<int>(starts.size());
  for (const auto& s : starts) report.converged += s.result.converged() ? 1 : 0;
  report.best_nllh = best.cost + objective.constant();
  report.best_status = best.status;

  // A start that failed at its first point has no optimum to describe: no
  // intervals, no residuals, no time courses (fit.json and starts.csv say why).
  const bool usable = best.status != "failed";
  FitUncertainty u;
  u.intervals.assign(objective.size(), Interval{});
  u.methods.assign(objective.size(), "none");
  if (usable) {
    with_threads(options.threads, [&] { u = uncertainty(problem, objective, lsq, best); });
  }

  FitOutputs outputs;
  for (const ThetaEntry& e : objective.entries()) {
    const EstimateSpec& est = problem.spec.estimates[e.estimate];
    outputs.entries.push_back({est.name, e.per_donor ? problem.donors[e.donor] : std::string(), e.label, est.scale});
  }
  outputs.starts = starts;
  outputs.constant = objective.constant();
  outputs.best_nllh = report.best_nllh;
  outputs.intervals = u.intervals;
  outputs.methods = u.methods;
  outputs.profiles = u.profiles;
  outputs.measurements = problem.num_rows();
  outputs.seed = problem.spec.seed;
  outputs.optimizer = problem.spec.optimizer;

  std::string residual_error;
  std::vector<RowPrediction> pred;
  try {
    if (usable) pred = objective.predict(best.theta);
  } catch (const std::exception& e) {
    residual_error = e.what();
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::size_t i = 0;
  for (const FitScenario& fs : problem.scenarios)
    for (const Measurement& m : fs.data.rows) {
      const RowPrediction p = i < pred.size() ? pred[i] : RowPrediction{nan, nan, nan, nan};
      ++i;
      outputs.residuals.push_back({fs.context.donors[m.donor], fs.context.arms[m.arm],
                                   fs.context.observables[m.observable], m.time, m.replicate, m.value, p.simulation,
                                   p.sigma, p.residual, p.nllh, fs.scenario->name, m.ratio_text, m.lower, m.upper});
    }
  if (usable)
    outputs.timecourses = [&](const std::function<void(const TimecourseRow&)>& add) {
      add_timecourses(problem, objective, best.theta, add);
    };

  // One entry per scenario; a single-scenario fit also names its files in the provenance head.
  nlohmann::ordered_json scenarios = nlohmann::ordered_json::array();
  for (const FitScenario& fs : problem.scenarios)
    scenarios.push_back({{"scenario", fs.scenario->name},
                         {"scenario_file", utf8_or_escaped(fs.scenario_file)},
                         {"data_file", utf8_or_escaped(fs.data_file)},
                         {"scenario_sha256", io::sha256_file(fs.scenario_file)},
                         {"model_sha256", io::sha256_file(fs.scenario->model_file)},
                         {"data_sha256", io::sha256_file(fs.data_file)},
                         {"measurements", fs.data.rows.size()}});
  outputs.details_before["scenarios"] = scenarios;
  nlohmann::ordered_json& after = outputs.details_after;
  after["timing"] = objective.timing();
  const model::CompiledModel& model = *problem.scenarios.front().scenario->model;
  after["time_unit"] = model.time_unit();
  // Units for reports: readouts, and parameters (estimates are in the model's units).
  nlohmann::ordered_json observable_units = nlohmann::ordered_json::object(),
                         parameter_units = nlohmann::ordered_json::object();
  for (const FitScenario& fs : problem.scenarios) {
    for (const auto& o : fs.scenario->model->observables()) observable_units[o.name] = o.unit;
    for (const auto& p : fs.scenario->model->parameters()) parameter_units[p.name] = p.unit;
  }
  after["observable_units"] = observable_units;
  after["parameter_units"] = parameter_units;
  if (!usable) residual_error = objective.diagnose(starts.front().theta0);
  if (!residual_error.empty()) after["error"] = residual_error;
  io::Provenance provenance;
  provenance.command = "fit";
  provenance.name = problem.spec.name;
  provenance.inputs = {{"fit", fit_file, io::sha256_file(fit_file)}};
  // The single-scenario form also names its files at the top level.
  if (problem.scenarios.size() == 1) {
    const FitScenario& fs = problem.scenarios.front();
    provenance.inputs.push_back({"scenario", fs.scenario_file, io::sha256_file(fs.scenario_file)});
    provenance.inputs.push_back({"model", fs.scenario->model_file, io::sha256_file(fs.scenario->model_file)});
    provenance.inputs.push_back({"data", fs.data_file, io::sha256_file(fs.data_file)});
  }
  provenance.threads = options.threads;
  provenance.start = start_wall;
  report.wall_seconds = write_fit_outputs(dir, outputs, provenance, start);
  out.finish();

  report.error = residual_error;
  if (!residual_error.empty())
    report_note(options.reporter, fmt::format("fit {}: {}", problem.spec.name, residual_error));
  report_note(options.reporter, fmt::format("fit {}: best nllh {:.6g} ({}), {}/{} starts converged, {:.1f} s -> {}",
                                            problem.spec.name, report.best_nllh, best.status, report.converged,
                                            report.starts, report.wall_seconds, report.out_dir));
  return report;
}

}  // namespace exvivo::fit
