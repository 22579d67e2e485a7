// exvivo vs SUNDIALS CVODE on the stiff test-set problems HIRES (8 species,
// t = 321.8122) and ROBER (3 species, t = 1e11), one thread, same hand-coded
// right-hand sides and analytic Jacobians (tests/solve/reference_problems.hpp).
//
// For every tolerance of a sweep each solver integrates the problem several
// times; the runs are split into 10 batches that alternate between solvers so
// that all see the same machine load, and the time reported is the median over
// batches of the thread CPU time per solve. The error is the largest relative
// deviation of any component from the test-set reference. Then, at matched
// accuracy, exvivo and CVODE are timed side by side `reps` times each.
//
//   bench_cvode [reps] [sweep_reps]        (defaults 1000 and 100)
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cvode_runner.hpp"
#include "model/compiled_model.hpp"
#include "odeint_rosenbrock_runner.hpp"
#include "solve/integrate.hpp"
#include "solve/model_ode_system.hpp"
#include "solve/reference_problems.hpp"

namespace {

using namespace exvivo;

struct Problem {
  std::string name;
  std::function<std::unique_ptr<solve::OdeSystem>()> make;
  Eigen::VectorXd x0;
  double t_end;
  Eigen::VectorXd reference;
  double abs_tol_per_rel_tol;  ///< abs_tol = rel_tol · this
};

template <class System>
Problem make_problem(const std::string& name, double abs_tol_per_rel_tol) {
  Problem p;
  p.name = name;
  p.make = [] { return std::make_unique<System>(); };
  p.x0 = Eigen::Map<const Eigen::VectorXd>(System::x0.data(), System::x0.size());
  p.reference = Eigen::Map<const Eigen::VectorXd>(System::reference.data(), System::reference.size());
  p.t_end = System::t_reference;
  p.abs_tol_per_rel_tol = abs_tol_per_rel_tol;
  return p;
}

/// The same problem from its model file (models/*.yaml) through the model
/// compiler: the engine's real path. Returns no problem when it cannot be loaded.
std::optional<Problem> model_problem(const Problem& hand_coded, const std::string& file) {
  std::shared_ptr<model::CompiledModel> compiled;
  try {
    compiled = std::make_shared<model::CompiledModel>(model::load_model(file));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "skipping %s: %s\n", file.c_str(), e.what());
    return std::nullopt;
  }
  Problem p = hand_coded;
  p.name = hand_coded.name + "(m)";
  const std::vector<double> parameters = compiled->default_parameters();
  p.make = [compiled, parameters]() -> std::unique_ptr<solve::OdeSystem> {
    return std::make_unique<solve::ModelOdeSystem>(*compiled, parameters);
  };
  return p;
}

struct Measurement {
  std::string solver;
  double rel_tol = 0, abs_tol = 0;
  bool ok = false;
  double error = 0;       ///< max_i |x_i − ref_i| / |ref_i|
  double micros = 0;      ///< per solve
  long steps = 0, rhs_evals = 0, jacobian_evals = 0, lu = 0;
};

double max_relative_error(const Eigen::VectorXd& x, const Eigen::VectorXd& reference) {
  return ((x - reference).cwiseAbs().array() / reference.cwiseAbs().array()).maxCoeff();
}

/// One solve by `solver` ("cvode", "odeint-ros4" or an exvivo method), filling
/// m's accuracy and stats.
void solve_once(const Problem& p, solve::OdeSystem& system, bench::CvodeSolver& cvode,
                Measurement& m) {
  if (m.solver == "odeint-ros4") {
    const auto r = bench::odeint_rosenbrock4_solve(system, p.x0, p.t_end, m.rel_tol, m.abs_tol);
    m.ok = true;
    m.error = max_relative_error(r.x, p.reference);
    m.steps = r.steps;
    return;
  }
  if (m.solver == "cvode") {
    const auto r = cvode.solve(p.x0, p.t_end, m.rel_tol, m.abs_tol);
    m.ok = r.ok;
    m.error = max_relative_error(r.x, p.reference);
    m.steps = r.steps;
    m.rhs_evals = r.rhs_evals;
    m.jacobian_evals = r.jacobian_evals;
    m.lu = r.lu_decompositions;
    return;
  }
  solve::SolverOptions options;
  options.method = m.solver;
  options.rel_tol = m.rel_tol;
  options.abs_tol = {m.abs_tol};
  options.max_steps = 10000000;
  options.timeout = 0;
  const auto r = solve::integrate(system, p.x0, 0, {}, {{p.t_end, false}}, options);
  m.ok = r.ok();
  m.error = max_relative_error(r.states.row(0).transpose(), p.reference);
  m.steps = r.stats.steps + r.stats.rejected_steps;
  m.rhs_evals = r.stats.rhs_evals;
  m.jacobian_evals = r.stats.jacobian_evals;
  m.lu = r.stats.lu_decompositions;
}

/// CPU time of this thread: on a shared machine, wall time measures the load
/// of the other processes more than our code.
double thread_cpu_micros() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return 1e6 * static_cast<double>(ts.tv_sec) + 1e-3 * static_cast<double>(ts.tv_nsec);
}

struct Setting {
  std::string solver;
  double rel_tol;
};

/// Times several (solver, rel_tol) settings on one problem, `reps` solves
/// each, in 10 batches that alternate between the settings.
std::vector<Measurement> measure(const Problem& p, const std::vector<Setting>& settings, int reps) {
  constexpr int batches = 10;
  const int per_batch = std::max(1, reps / batches);
  auto system = p.make();
  bench::CvodeSolver cvode(*system);
  std::vector<Measurement> ms;
  std::vector<std::vector<double>> batch_micros(settings.size());
  for (const auto& setting : settings) {
    Measurement m;
    m.solver = setting.solver;
    m.rel_tol = setting.rel_tol;
    m.abs_tol = setting.rel_tol * p.abs_tol_per_rel_tol;
    solve_once(p, *system, cvode, m);  // warm-up, and the accuracy/stats record
    ms.push_back(m);
  }
  for (int b = 0; b < batches; ++b) {
    for (std::size_t k = 0; k < settings.size(); ++k) {
      Measurement scratch = ms[k];
      const double start = thread_cpu_micros();
      for (int i = 0; i < per_batch; ++i) solve_once(p, *system, cvode, scratch);
      batch_micros[k].push_back((thread_cpu_micros() - start) / per_batch);
    }
  }
  for (std::size_t k = 0; k < settings.size(); ++k) {
    auto& v = batch_micros[k];
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    ms[k].micros = v[v.size() / 2];
  }
  return ms;
}

/// Log-log interpolation of y(x) along points sorted by x; NaN outside.
double interpolate_log(std::vector<std::pair<double, double>> points, double x) {
  std::sort(points.begin(), points.end());
  for (std::size_t i = 0; i + 1 < points.size(); ++i) {
    const auto [x0, y0] = points[i];
    const auto [x1, y1] = points[i + 1];
    if (x >= x0 && x <= x1 && x0 > 0 && y0 > 0 && y1 > 0) {
      const double s = x1 == x0 ? 0 : (std::log(x) - std::log(x0)) / (std::log(x1) - std::log(x0));
      return std::exp(std::log(y0) + s * (std::log(y1) - std::log(y0)));
    }
  }
  return std::nan("");
}

}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int sweep_reps = argc > 2 ? std::atoi(argv[2]) : 100;
  std::vector<Problem> problems = {make_problem<exvivo::testing::Hires>("HIRES", 1e-4),
                                   make_problem<exvivo::testing::Rober>("ROBER", 1e-6)};
  const std::string models = EXVIVO_SOURCE_DIR "/models/";
  if (auto p = model_problem(problems[0], models + "hires.yaml")) problems.push_back(*p);
  if (auto p = model_problem(problems[1], models + "rober.yaml")) problems.push_back(*p);
  const std::vector<double> rel_tols = {1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10};
  const std::vector<std::string> solvers = {"rodas4", "auto", "odeint-ros4", "cvode"};
  const std::vector<double> headline_cvode_tols = {1e-6, 1e-8, 1e-10};

  std::printf("exvivo vs SUNDIALS CVODE 6.4 (BDF, SUNLinSol_Dense, analytic Jacobian, CVodeReInit\n"
              "between solves) and Boost.Odeint rosenbrock4 (uBLAS). One thread; time = median over\n"
              "10 batches of the thread CPU time per solve; error = max over components of\n"
              "|x - ref| / |ref| at the end point vs the Bari test-set reference.\n"
              "abs_tol = rel_tol * %g (HIRES), * %g (ROBER). (m) = the same problem compiled from\n"
              "models/*.yaml by the model layer (non-negative species; the Rosenbrock method adds a\n"
              "df/dt evaluation per step since models do not declare themselves autonomous).\n\n",
              problems[0].abs_tol_per_rel_tol, problems[1].abs_tol_per_rel_tol);

  std::printf("Work-precision sweep (%d solves per row)\n", sweep_reps);
  std::printf("%-9s %-11s %-7s %10s %10s %8s %8s %8s %8s\n", "problem", "solver", "rel_tol",
              "error", "us/solve", "steps", "rhs", "jac", "LU");
  std::vector<std::vector<Measurement>> sweeps;
  for (const auto& p : problems) {
    std::vector<Measurement> sweep;
    for (double rt : rel_tols) {
      std::vector<Setting> settings;
      for (const auto& s : solvers) settings.push_back({s, rt});
      for (const auto& m : measure(p, settings, sweep_reps)) {
        std::printf("%-9s %-11s %-7.0e %10.2e %10.1f %8ld %8ld %8ld %8ld%s\n", p.name.c_str(),
                    m.solver.c_str(), m.rel_tol, m.error, m.micros, m.steps, m.rhs_evals,
                    m.jacobian_evals, m.lu, m.ok ? "" : "  FAILED");
        sweep.push_back(m);
      }
      std::fflush(stdout);
    }
    sweeps.push_back(sweep);
  }

  std::printf("\nAt matched accuracy (%d solves each): CVODE at rel_tol T; exvivo (auto) at the\n"
              "rel_tol whose error matches CVODE's on the sweep (log-log interpolation), then\n"
              "both measured side by side. ratio = CVODE time / exvivo time.\n", reps);
  std::printf("%-9s %-9s %-9s %11s %11s %11s %11s %7s\n", "problem", "CVODE tol", "exvivo tol",
              "exvivo err", "CVODE err", "exvivo us", "CVODE us", "ratio");
  for (std::size_t k = 0; k < problems.size(); ++k) {
    std::vector<std::pair<double, double>> tol_of_error;
    for (const auto& m : sweeps[k])
      if (m.solver == "auto") tol_of_error.push_back({m.error, m.rel_tol});
    for (double cvode_tol : headline_cvode_tols) {
      double cvode_error = std::nan("");
      for (const auto& m : sweeps[k])
        if (m.solver == "cvode" && m.rel_tol == cvode_tol) cvode_error = m.error;
      double exvivo_tol = interpolate_log(tol_of_error, cvode_error);
      if (std::isnan(exvivo_tol)) exvivo_tol = rel_tols.front();  // CVODE less accurate than any
      const auto ms = measure(problems[k], {{"auto", exvivo_tol}, {"cvode", cvode_tol}}, reps);
      std::printf("%-9s %-9.0e %-9.1e %11.2e %11.2e %11.1f %11.1f %7.2f\n",
                  problems[k].name.c_str(), cvode_tol, exvivo_tol, ms[0].error, ms[1].error,
                  ms[0].micros, ms[1].micros, ms[1].micros / ms[0].micros);
      std::fflush(stdout);
    }
  }
  return 0;
}
