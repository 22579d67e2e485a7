// Which method should `auto` be? Every bundled model (models/*.yaml) solved
// with rk45, rodas4 and auto at the default tolerances (rel_tol 1e-6,
// abs_tol 1e-9), default parameters, one thread; time = median thread CPU
// time per solve over 10 batches.
//
//   bench_methods [reps]        (default 100)
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "model/compiled_model.hpp"
#include "solve/solve.hpp"

namespace {

using namespace exvivo;

double thread_cpu_micros() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return 1e6 * static_cast<double>(ts.tv_sec) + 1e-3 * static_cast<double>(ts.tv_nsec);
}

struct Case {
  std::string file;
  double t_end;
};

}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 100;
  const std::vector<Case> cases = {{"decay.yaml", 10},          {"one_compartment.yaml", 48},
                                   {"lotka_volterra.yaml", 50}, {"vdp.yaml", 2},
                                   {"hires.yaml", 321.8122},    {"rober.yaml", 1e5},
                                   {"leukocyte_exvivo.yaml", 72}};
  std::printf("%-24s %-7s %-12s %-10s %10s %8s %8s %8s\n", "model", "method", "used", "status",
              "us/solve", "steps", "rhs", "jac");
  for (const auto& c : cases) {
    model::CompiledModel m;
    try {
      m = model::load_model(std::string(EXVIVO_SOURCE_DIR) + "/models/" + c.file);
    } catch (const std::exception& e) {
      std::printf("%-24s skipped: %s\n", c.file.c_str(), e.what());
      continue;
    }
    solve::Run run;
    run.model = &m;
    run.parameters = m.default_parameters();
    for (int i = 1; i <= 24; ++i) run.samples.push_back({c.t_end * i / 24.0, false});
    for (const std::string method : {"rk45", "rodas4", "auto"}) {
      solve::SolverOptions options;
      options.method = method;
      options.timeout = 5;
      options.max_steps = 1000000;
      const auto first = solve::solve(run, options);
      std::vector<double> batches;
      const int per_batch = first.ok() ? std::max(1, reps / 10) : 0;
      for (int b = 0; b < 10 && per_batch > 0; ++b) {
        const double start = thread_cpu_micros();
        for (int i = 0; i < per_batch; ++i) (void)solve::solve(run, options);
        batches.push_back((thread_cpu_micros() - start) / per_batch);
      }
      double median = first.stats.wall_ms * 1e3;
      if (!batches.empty()) {
        std::nth_element(batches.begin(), batches.begin() + 5, batches.end());
        median = batches[5];
      }
      std::printf("%-24s %-7s %-12s %-10s %10.1f %8ld %8ld %8ld\n", c.file.c_str(), method.c_str(),
                  first.stats.method.c_str(), solve::to_string(first.status), median,
                  first.stats.steps + first.stats.rejected_steps, first.stats.rhs_evals,
                  first.stats.jacobian_evals);
      std::fflush(stdout);
    }
  }
  return 0;
}
