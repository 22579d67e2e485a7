// exvivo vs SUNDIALS CVODE on the stiff test-set problems HIRES (8 species,
// t = 321.8122) and ROBER (3 species, t = 1e11), one thread, same hand-coded
// right-hand sides and analytic Jacobians (tests/solve/reference_problems.hpp).
//
// For every tolerance of a sweep each solver integrates the problem `reps`
// times; the runs are split into 10 batches, exvivo and CVODE batches
// alternating so that both see the same machine load, and the time reported
// is the median over batches of the mean time per solve. The error is the
// largest relative deviation of any component from the test-set reference.
//
//   bench_cvode [reps]        (default 1000)
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cvode_runner.hpp"
#include "solve/integrate.hpp"
#include "solve/reference_problems.hpp"

namespace {

using namespace exvivo;
using Clock = std::chrono::steady_clock;

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

/// One solve by `solver` ("cvode" or an exvivo method), filling m's accuracy and stats.
void solve_once(const Problem& p, solve::OdeSystem& system, Measurement& m) {
  if (m.solver == "cvode") {
    const auto r = bench::cvode_solve(system, p.x0, p.t_end, m.rel_tol, m.abs_tol);
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

/// Times all solvers at one tolerance, alternating batches between them.
std::vector<Measurement> measure(const Problem& p, const std::vector<std::string>& solvers,
                                 double rel_tol, int reps) {
  constexpr int batches = 10;
  const int per_batch = std::max(1, reps / batches);
  auto system = p.make();
  std::vector<Measurement> ms;
  std::vector<std::vector<double>> batch_micros(solvers.size());
  for (const auto& s : solvers) {
    Measurement m;
    m.solver = s;
    m.rel_tol = rel_tol;
    m.abs_tol = rel_tol * p.abs_tol_per_rel_tol;
    solve_once(p, *system, m);  // warm-up, and the accuracy/stats record
    ms.push_back(m);
  }
  for (int b = 0; b < batches; ++b) {
    for (std::size_t k = 0; k < solvers.size(); ++k) {
      Measurement scratch = ms[k];
      const auto start = Clock::now();
      for (int i = 0; i < per_batch; ++i) solve_once(p, *system, scratch);
      const double us = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
      batch_micros[k].push_back(us / per_batch);
    }
  }
  for (std::size_t k = 0; k < solvers.size(); ++k) {
    auto& v = batch_micros[k];
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    ms[k].micros = v[v.size() / 2];
  }
  return ms;
}

/// exvivo time at CVODE's error, interpolated log-log along exvivo's
/// work-precision curve; NaN when CVODE's error is outside exvivo's range.
double time_at_error(std::vector<Measurement> curve, double error) {
  std::sort(curve.begin(), curve.end(),
            [](const Measurement& a, const Measurement& b) { return a.error > b.error; });
  for (std::size_t i = 0; i + 1 < curve.size(); ++i) {
    const double e0 = curve[i].error, e1 = curve[i + 1].error;
    if (error <= e0 && error >= e1 && e0 > 0 && e1 > 0) {
      const double s = (std::log(error) - std::log(e0)) / (std::log(e1) - std::log(e0));
      return std::exp(std::log(curve[i].micros) + s * (std::log(curve[i + 1].micros) -
                                                       std::log(curve[i].micros)));
    }
  }
  return std::nan("");
}

}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 1000;
  const std::vector<Problem> problems = {make_problem<exvivo::testing::Hires>("HIRES", 1e-4),
                                         make_problem<exvivo::testing::Rober>("ROBER", 1e-6)};
  const std::vector<double> rel_tols = {1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10};
  const std::vector<std::string> solvers = {"rodas4", "auto", "cvode"};

  std::printf("exvivo vs SUNDIALS CVODE (BDF, dense LU, analytic Jacobian), %d solves per cell,\n"
              "time = median over 10 batches of the mean per solve; error = max relative error\n"
              "vs the test-set reference; abs_tol = rel_tol * %g (HIRES), * %g (ROBER).\n\n",
              reps, problems[0].abs_tol_per_rel_tol, problems[1].abs_tol_per_rel_tol);

  std::printf("Work-precision sweep\n");
  std::printf("%-6s %-7s %-7s %10s %10s %8s %8s %8s %8s\n", "problem", "solver", "rel_tol",
              "error", "us/solve", "steps", "rhs", "jac", "LU");
  std::vector<std::vector<Measurement>> all;
  for (const auto& p : problems) {
    std::vector<Measurement> for_problem;
    for (double rt : rel_tols) {
      for (const auto& m : measure(p, solvers, rt, reps)) {
        std::printf("%-7s %-7s %-7.0e %10.2e %10.1f %8ld %8ld %8ld %8ld%s\n", p.name.c_str(),
                    m.solver.c_str(), m.rel_tol, m.error, m.micros, m.steps, m.rhs_evals,
                    m.jacobian_evals, m.lu, m.ok ? "" : "  FAILED");
        for_problem.push_back(m);
      }
      std::fflush(stdout);
    }
    all.push_back(for_problem);
  }

  std::printf("\nSide by side at the same tolerance (ratio = CVODE time / exvivo rodas4 time)\n");
  std::printf("%-7s %-7s %12s %12s %12s %12s %7s\n", "problem", "rel_tol", "exvivo err",
              "CVODE err", "exvivo us", "CVODE us", "ratio");
  for (std::size_t k = 0; k < problems.size(); ++k) {
    for (double rt : rel_tols) {
      const Measurement *ex = nullptr, *cv = nullptr;
      for (const auto& m : all[k]) {
        if (m.rel_tol != rt) continue;
        if (m.solver == "cvode") cv = &m;
        if (m.solver == "rodas4") ex = &m;
      }
      if (!ex || !cv) continue;
      std::printf("%-7s %-7.0e %12.2e %12.2e %12.1f %12.1f %7.2f\n", problems[k].name.c_str(), rt,
                  ex->error, cv->error, ex->micros, cv->micros, cv->micros / ex->micros);
    }
  }

  std::printf("\nAt equal accuracy: exvivo rodas4 time interpolated (log-log) at CVODE's error\n");
  std::printf("%-7s %-7s %12s %12s %12s %7s\n", "problem", "rel_tol", "CVODE err", "CVODE us",
              "exvivo us", "ratio");
  for (std::size_t k = 0; k < problems.size(); ++k) {
    std::vector<Measurement> rodas;
    for (const auto& m : all[k])
      if (m.solver == "rodas4") rodas.push_back(m);
    for (const auto& m : all[k]) {
      if (m.solver != "cvode") continue;
      const double ex = time_at_error(rodas, m.error);
      std::printf("%-7s %-7.0e %12.2e %12.1f %12.1f %7.2f\n", problems[k].name.c_str(), m.rel_tol,
                  m.error, m.micros, ex, m.micros / ex);
    }
  }
  return 0;
}
