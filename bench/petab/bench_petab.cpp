// PEtab benchmark problems: exvivo's time per objective evaluation (llh) and
// per gradient (llh and forward-sensitivity gradient), next to AMICI's CI
// time limits for the same problems (amici_benchmark_models.yaml: t_sim,
// t_fwd in seconds, upper limits its CI enforces). Prints one table; asserts
// nothing.
//
//   bench_petab EXTERNAL_DIR [PROBLEM...]   (default: every problem with limits)
//
// Each evaluation is repeated until 2 CPU seconds or 20 repetitions have
// passed (CPU time of the process: robust on a shared machine); the
// problem is loaded (SBML read, model compiled) once, outside the timing.
// Every problem at rel_tol 1e-8, abs_tol 1e-12 (exvivo's and PEtab's
// defaults; AMICI's CI uses its own defaults, 1e-8 and 1e-16) with method
// auto; where a gradient with auto fails, the row says so and gives the
// gradient with rodas4 (column `method`).
#include <algorithm>
#include <ctime>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "io/yaml_tree.hpp"
#include "sbml/petab.hpp"

namespace fs = std::filesystem;

namespace {

/// CPU seconds of this process (the machine may be shared: wall time would
/// count other processes' turns; the evaluation is single-threaded).
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

template <typename F>
double seconds_per_call(F&& f) {
  const double start = cpu_seconds();
  int calls = 0;
  double elapsed = 0;
  do {
    f();
    ++calls;
    elapsed = cpu_seconds() - start;
  } while (elapsed < 2.0 && calls < 20);
  return elapsed / calls;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_petab EXTERNAL_DIR [PROBLEM...]\n");
    return 2;
  }
  const fs::path external = argv[1];
  const auto refs = exvivo::io::read_yaml_file((external / "amici-reference" / "amici_benchmark_models.yaml").string(),
                                               exvivo::io::InputKind::data);
  std::vector<std::string> names;
  for (int i = 2; i < argc; ++i) names.emplace_back(argv[i]);
  if (names.empty())
    for (const auto& entry : fs::directory_iterator(external / "petab-benchmark-collection" / "Benchmark-Models"))
      names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  exvivo::solve::SolverOptions options;
  options.rel_tol = 1e-8;
  options.abs_tol = {1e-12};
  options.max_steps = 1000000;
  options.timeout = 600;
  std::printf("%-28s %6s %12s %10s %10s %7s %10s %10s %7s %s\n", "problem", "params", "llh", "sim_s", "amici_t_sim",
              "ratio", "fwd_s", "amici_t_fwd", "ratio", "method");
  for (const auto& name : names) {
    const auto* ref = refs.find(name);
    if (ref == nullptr || ref->find("t_sim") == nullptr) continue;
    const double t_sim = ref->at("t_sim").number(), t_fwd = ref->at("t_fwd").number();
    const fs::path yaml = external / "petab-benchmark-collection" / "Benchmark-Models" / name / (name + ".yaml");
    try {
      const exvivo::sbml::PetabProblem problem(yaml.string(), options);
      int estimated = 0;
      for (const auto& p : problem.parameters()) estimated += p.estimate;
      double llh = 0;
      const double sim = seconds_per_call([&] { llh = problem.evaluate({}, false).llh; });
      std::string method = options.method;
      double fwd = 0;
      try {
        fwd = seconds_per_call([&] { problem.evaluate({}, true); });
      } catch (const exvivo::Error& e) {
        std::printf("%-28s gradient with method %s failed: %s; measured with rodas4\n", name.c_str(),
                    options.method.c_str(), e.what());
        exvivo::solve::SolverOptions o = options;
        o.method = method = "rodas4";
        const exvivo::sbml::PetabProblem rodas4(yaml.string(), o);
        fwd = seconds_per_call([&] { rodas4.evaluate({}, true); });
      }
      std::printf("%-28s %6d %12.6f %10.4f %10.4f %7.2f %10.4f %10.4f %7.2f %s\n", name.c_str(), estimated, llh, sim,
                  t_sim, sim / t_sim, fwd, t_fwd, fwd / t_fwd, method.c_str());
    } catch (const exvivo::Error& e) {
      std::printf("%-28s error: %s\n", name.c_str(), e.what());
    }
    std::fflush(stdout);
  }
  return 0;
}
