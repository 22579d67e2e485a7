// Cost of a forward-sensitivity solve relative to a plain solve, in CPU time
// of this thread, on the runs of the bundled example fit
// (scenarios/fit_gmcsf_patients.yaml: leukocyte model, GM-CSF at 0, 0.3 and
// 10 ng/mL, LPS at 24 h, samples 0-28 h; sensitivities to K_GM, E_GM, HLA0)
// with the scenario's solver settings (auto, rel_tol 1e-6, abs_tol 1e-9).
// Plain and sensitivity solves alternate in rounds, so that machine load
// affects both alike; CPU time rather than wall time for the same reason.
// fit.json's `timing` reports the same ratio from wall time inside a fit.
//
//   build-bench/bench/bench_sensitivity [rounds]
//   build-bench/bench/bench_sensitivity fit FIT_JSON [reps]
//
// The second form evaluates the example fit's objective itself (its runs,
// samples and generated code as `exvivo fit` has them) at the estimates of
// FIT_JSON (an `exvivo fit` result of that fit), reps times without and with
// the Jacobian, one thread. Under `valgrind --tool=callgrind`, the inclusive
// instructions of plain_residuals() and sensitivity_residuals() give the
// instruction ratio of a sensitivity solve to a plain one (the calls solve
// every run once each).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include <fstream>

#include <nlohmann/json.hpp>

#include "core/parallel.hpp"
#include "core/scale.hpp"
#include "fit/fit_problem.hpp"
#include "fit/objective.hpp"
#include "fit/sensitivity.hpp"
#include "model/compiled_model.hpp"
#include "model/native_code.hpp"

using namespace exvivo;

namespace {

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Not inlined, so that a profile shows each as one function.
[[gnu::noinline]] bool plain_residuals(const fit::Objective& o, const Eigen::VectorXd& theta, Eigen::VectorXd& r) {
  return o.residuals(theta, r, nullptr);
}

[[gnu::noinline]] bool sensitivity_residuals(const fit::Objective& o, const Eigen::VectorXd& theta, Eigen::VectorXd& r,
                                             Eigen::MatrixXd& J) {
  return o.residuals(theta, r, &J);
}

int fit_mode(const std::string& fit_json, int reps) {
  const fit::FitProblem problem =
      fit::load_fit_problem(std::string(EXVIVO_SOURCE_DIR) + "/scenarios/fit_gmcsf_patients.yaml");
  const fit::Objective objective(problem);
  std::ifstream in(fit_json);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", fit_json.c_str());
    return 2;
  }
  const nlohmann::json estimates = nlohmann::json::parse(in).at("estimates");
  Eigen::VectorXd theta(static_cast<Eigen::Index>(objective.size()));
  for (std::size_t j = 0; j < objective.size(); ++j) {
    const fit::ThetaEntry& e = objective.entries()[j];
    theta[static_cast<Eigen::Index>(j)] =
        to_scale(problem.spec.estimates[e.estimate].scale, estimates.at(e.label).get<double>());
  }
  return with_threads(1, [&] {
    Eigen::VectorXd r;
    Eigen::MatrixXd J;
    objective.residuals(theta, r, &J);  // warm-up
    double plain = 0, sens = 0;
    for (int q = 0; q < reps; ++q) {
      const double t0 = cpu_seconds();
      if (!plain_residuals(objective, theta, r)) return 1;
      const double t1 = cpu_seconds();
      if (!sensitivity_residuals(objective, theta, r, J)) return 1;
      sens += cpu_seconds() - t1;
      plain += t1 - t0;
    }
    const fit::SolveTiming timing = objective.timing();
    std::printf("%ld runs, nllh %.8f\n", timing.plain_solves / reps, 0.5 * r.squaredNorm() + objective.constant());
    std::printf("CPU per call: plain %.1f us, sensitivity %.1f us, ratio %.2f\n", 1e6 * plain / reps, 1e6 * sens / reps,
                sens / plain);
    return 0;
  });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 2 && std::string(argv[1]) == "fit") return fit_mode(argv[2], argc > 3 ? std::atoi(argv[3]) : 20);
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 20;
  const auto interpreted = model::load_model(std::string(EXVIVO_SOURCE_DIR) + "/models/leukocyte_exvivo.yaml");
  const model::NativeCodeResult native = model::with_native_code(interpreted);
  if (!native.native) std::fprintf(stderr, "native code not available (%s): interpreted\n", native.reason.c_str());
  const model::CompiledModel& m = native.model;
  const std::vector<std::size_t> selected = {*m.parameter_index("K_GM"), *m.parameter_index("E_GM"),
                                             *m.parameter_index("HLA0")};
  std::vector<solve::Run> runs;
  for (const double gm : {0.0, 0.3, 10.0}) {
    solve::Run run;
    run.model = &m;
    run.parameters = m.default_parameters();
    if (gm > 0) run.events.push_back({0, {{solve::EventAction::Kind::add, *m.species_index("GMCSF"), gm}}});
    run.events.push_back({24, {{solve::EventAction::Kind::add, *m.species_index("LPS"), 10.0}}});
    for (const double t : {0.0, 6.0, 12.0}) run.samples.push_back({t, false});
    run.samples.push_back({24.0, true});
    for (const double t : {25.0, 26.0, 28.0}) run.samples.push_back({t, false});
    runs.push_back(run);
  }
  solve::SolverOptions options;
  options.method = "auto";
  options.rel_tol = 1e-6;
  options.abs_tol = {1e-9};
  // Warm-up: builds (or loads) the sensitivity code once.
  fit::solve_with_sensitivities(runs[0], selected, options);

  std::vector<double> ratios;
  double plain_total = 0, sens_total = 0;
  long plain_steps = 0, sens_steps = 0;
  const int reps = 50;
  for (int round = 0; round < rounds; ++round) {
    double plain = 0, sens = 0;
    for (const solve::Run& run : runs) {
      double t0 = cpu_seconds();
      for (int r = 0; r < reps; ++r) plain_steps += fit::solve_with_sensitivities(run, {}, options).stats.steps;
      double t1 = cpu_seconds();
      for (int r = 0; r < reps; ++r) sens_steps += fit::solve_with_sensitivities(run, selected, options).stats.steps;
      double t2 = cpu_seconds();
      plain += t1 - t0;
      sens += t2 - t1;
    }
    ratios.push_back(sens / plain);
    plain_total += plain;
    sens_total += sens;
  }
  std::sort(ratios.begin(), ratios.end());
  const double solves = static_cast<double>(rounds) * reps * static_cast<double>(runs.size());
  std::printf("evaluator: %s\n", native.native ? "native" : "interpreter");
  std::printf("plain solve:       %8.1f us CPU, %.1f steps\n", 1e6 * plain_total / solves,
              static_cast<double>(plain_steps) / solves);
  std::printf("sensitivity solve: %8.1f us CPU, %.1f steps (3 parameters)\n", 1e6 * sens_total / solves,
              static_cast<double>(sens_steps) / solves);
  std::printf("ratio: median %.2f, range %.2f-%.2f over %d rounds\n", ratios[ratios.size() / 2], ratios.front(),
              ratios.back(), rounds);
  return 0;
}
