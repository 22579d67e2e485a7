#pragma once
// One culture well of models/leukocyte_exvivo.yaml, simulated through the
// public pipeline (scenario text -> load_scenario -> RunPlan -> solve), so the
// calibration tests exercise donor presets, cultures, unit conversion and
// protocol events exactly as users do.
//
// Tolerances: rel_tol 1e-8, abs_tol 1e-10 (model units). The calibration bands
// of MODEL.md §5 are decades wider than the integration error.
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "calibration_band.hpp"
#include "scenario/run_plan.hpp"
#include "scenario/scenario.hpp"
#include "solve/solve.hpp"

namespace exvivo::test {

inline std::string leukocyte_model() { return std::string(EXVIVO_SOURCE_DIR) + "/models/leukocyte_exvivo.yaml"; }

/// What is in the well and what is done to it.
struct Well {
  std::string preset = "septic";        ///< donor preset: healthy, septic, paralysed
  std::string culture = "whole_blood";  ///< whole_blood or pbmc
  std::string set;                      ///< donor overrides, a YAML flow-map body: "HLA0: 5630 AB/C"
  std::vector<std::string> protocol;    ///< events as YAML flow maps: "{at: 0 h, add: {LPS: 10 ng/mL}}"
};

/// Sampled values of one run, looked up by observable or species name and time (h).
class Readout {
 public:
  Readout(std::shared_ptr<const model::CompiledModel> model, solve::Solution solution)
      : model_(std::move(model)), solution_(std::move(solution)) {}

  /// The observable (or, failing that, species) `name` at `time_h`, after the
  /// events at that time. Fails the test when the name or time was not sampled.
  double operator()(const std::string& name, double time_h) const {
    const auto row = sample_row(time_h);
    if (const auto o = model_->observable_index(name)) return solution_.observables(row, static_cast<Eigen::Index>(*o));
    if (const auto s = model_->species_index(name)) return solution_.states(row, static_cast<Eigen::Index>(*s));
    FAIL("no observable or species named " << name);
    return 0;
  }

 private:
  Eigen::Index sample_row(double time_h) const {
    for (std::size_t i = 0; i < solution_.samples.size(); ++i)
      if (!solution_.samples[i].before_event && std::abs(solution_.samples[i].time - time_h) < 1e-9)
        return static_cast<Eigen::Index>(i);
    FAIL("time " << time_h << " h was not sampled");
    return 0;
  }

  std::shared_ptr<const model::CompiledModel> model_;
  solve::Solution solution_;
};

/// Scenario text for one donor and one arm of `well`, sampled at `times_h`.
inline std::string scenario_text(const Well& well, const std::vector<double>& times_h) {
  std::ostringstream out;
  out.precision(17);
  out << "scenario: calibration_well\n"
      << "model: " << leukocyte_model() << "\n"
      << "culture: " << well.culture << "\n"
      << "solver: {method: auto, rel_tol: 1e-8, abs_tol: 1e-10, max_steps: 200000, timeout: 60 s}\n"
      << "donors:\n  - id: donor\n    preset: " << well.preset << "\n";
  if (!well.set.empty()) out << "    set: {" << well.set << "}\n";
  out << "arms:\n  - id: arm\n";
  if (!well.protocol.empty()) {
    out << "    protocol:\n";
    for (const auto& event : well.protocol) out << "      - " << event << "\n";
  }
  out << "samples:\n  times: {values: [0";
  for (double t : times_h)
    if (t != 0) out << ", " << t;
  out << "], unit: h}\n";
  return out.str();
}

/// Writes `text` to a fresh temporary file and loads it as a scenario.
inline scenario::Scenario load_scenario_text(const std::string& text) {
  static std::atomic<int> counter{0};
  const auto path = std::filesystem::temp_directory_path() /
                    ("exvivo_models_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + ".yaml");
  std::ofstream(path) << text;
  auto loaded = scenario::load_scenario(path.string());
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
  return loaded;
}

/// Simulates `well` and returns its readouts at `times_h` (and at 0 h).
inline Readout simulate(const Well& well, const std::vector<double>& times_h) {
  const auto s = load_scenario_text(scenario_text(well, times_h));
  const scenario::RunPlan plan(s);
  auto solution = solve::solve(plan.make_run(0), s.solver);
  INFO(solution.message);
  REQUIRE(solution.ok());
  return Readout(s.model, std::move(solution));
}

/// The dose at which `response` (measured at `doses`, doses[0] = 0) crosses
/// half-way between the response at zero and at the highest dose, by linear
/// interpolation in log dose. NaN when it never crosses.
inline double half_max_dose(const std::vector<double>& doses, const std::vector<double>& response) {
  const double target = response.front() + 0.5 * (response.back() - response.front());
  for (std::size_t i = 1; i + 1 < doses.size(); ++i) {
    const double a = response[i] - target, b = response[i + 1] - target;
    if (a * b <= 0 && response[i + 1] != response[i]) {
      const double f = (target - response[i]) / (response[i + 1] - response[i]);
      return std::exp(std::log(doses[i]) + f * (std::log(doses[i + 1]) - std::log(doses[i])));
    }
  }
  return std::nan("");
}

}  // namespace exvivo::test
