#include <fmt/core.h>

#include "analysis/analysis_steps.hpp"
#include "analysis/morris.hpp"
#include "analysis/readout_runner.hpp"
#include "analysis/sobol_indices.hpp"
#include "core/parallel.hpp"
#include "scenario/design.hpp"
#include "scenario/seeding.hpp"

namespace exvivo::analysis {

using Eigen::Index;

void note_failure(AnalysisReport& report, const std::string& message, std::size_t count) {
  report.failed += count;
  if (report.failures.size() < 10) report.failures.push_back(message);
}

nlohmann::ordered_json run_sensitivity(const AnalysisSpec& spec, const SensitivitySpec& section,
                                       AnalysisReport& report) {
  const scenario::Scenario& s = *spec.scenario;
  const scenario::RunPlan plan(s);
  const ReadoutRunner runner(s, plan, section.outputs);
  const std::size_t k = section.parameters.size();
  const bool sobol = section.method == SensitivitySpec::Method::sobol;

  MorrisDesign morris;
  Eigen::MatrixXd unit;
  if (sobol) {
    unit = saltelli_points(section.n, k, section.seed);
  } else {
    morris = morris_trajectories(section.n, k, section.levels, section.seed);
    unit = morris.points;
  }
  const auto points = static_cast<std::size_t>(unit.rows());
  std::vector<ReadoutValues> results(points);
  parallel_for_index(points, [&](std::size_t i) {
    std::vector<std::pair<std::size_t, double>> overrides;
    for (std::size_t j = 0; j < k; ++j) {
      const ParameterRange& p = section.parameters[j];
      overrides.emplace_back(p.parameter, scenario::map_to_range(unit(static_cast<Index>(i), static_cast<Index>(j)),
                                                                 p.lower, p.upper, p.scale));
    }
    results[i] = runner.evaluate(section.donor, overrides);
  });
  for (std::size_t i = 0; i < points; ++i) {
    report.runs += results[i].solves;
    report.timing.plain_solves += static_cast<long>(results[i].solves);
    report.timing.plain_seconds += results[i].solve_seconds;
    if (results[i].failed > 0)
      note_failure(report, fmt::format("sensitivity point {}: {}", i, results[i].message), results[i].failed);
  }

  for (std::size_t o = 0; o < section.outputs.size(); ++o) {
    Eigen::VectorXd f(static_cast<Index>(points));
    for (std::size_t i = 0; i < points; ++i) f[static_cast<Index>(i)] = results[i].values[o];
    // Each output gets its own bootstrap stream, so adding outputs changes no other interval.
    const std::uint64_t seed = scenario::derive_key(section.seed, scenario::name_key(section.outputs[o].label));
    if (sobol) {
      const auto indices = sobol_indices(f, k, section.bootstrap, seed);
      for (std::size_t j = 0; j < k; ++j) {
        SensitivityRow row;
        row.output = section.outputs[o].label;
        row.parameter = section.parameters[j].name;
        row.s1 = indices[j].first_order;
        row.s1_ci = indices[j].first_order_ci;
        row.st = indices[j].total;
        row.st_ci = indices[j].total_ci;
        report.sensitivity.push_back(row);
      }
    } else {
      const auto effects = morris_effects(morris, f, section.bootstrap, seed);
      for (std::size_t j = 0; j < k; ++j) {
        SensitivityRow row;
        row.output = section.outputs[o].label;
        row.parameter = section.parameters[j].name;
        row.mu_star = effects[j].mu_star;
        row.mu_star_ci = effects[j].mu_star_ci;
        row.sigma = effects[j].sigma;
        report.sensitivity.push_back(row);
      }
    }
  }

  nlohmann::ordered_json j;
  j["method"] = sobol ? "sobol" : "morris";
  j["donor"] = section.donor_id;
  j["n"] = section.n;
  if (!sobol) j["levels"] = section.levels;
  j["model_evaluations"] = points;
  j["bootstrap"] = section.bootstrap;
  j["seed"] = section.seed;
  nlohmann::ordered_json params = nlohmann::ordered_json::object();
  for (const auto& p : section.parameters) {
    params[p.name] = {{"lower", p.lower},
                      {"upper", p.upper},
                      {"scale", to_string(p.scale)},
                      {"unit", s.model->parameters()[p.parameter].unit}};
  }
  j["parameters"] = params;
  nlohmann::ordered_json outputs = nlohmann::ordered_json::array();
  for (const auto& o : section.outputs) outputs.push_back({{"output", o.label}, {"unit", s.model->observables()[o.observable].unit}});
  j["outputs"] = outputs;
  return j;
}

}  // namespace exvivo::analysis
