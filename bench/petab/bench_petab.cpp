// PEtab benchmark problems: exvivo's time per objective evaluation (llh) and
// per gradient (llh and forward-sensitivity gradient), next to AMICI's CI
// time limits for the same problems (amici_benchmark_models.yaml: t_sim,
// t_fwd in seconds, upper limits its CI enforces). Prints one table; asserts
// nothing.
//
//   bench_petab [--interpreter] EXTERNAL_DIR [PROBLEM...]
//                                (default: every problem with limits)
//
// Each evaluation is repeated until 2 CPU seconds or 20 repetitions have
// passed (CPU time of the process: robust on a shared machine); the
// problem is loaded (SBML read, model compiled, native code built or loaded
// from the cache) once, outside the timing. The first gradient call, which
// also generates the sensitivity right-hand side (and with native code
// waits for its compilation, whose CPU time is the compiler's, not
// counted), is timed on its own (`first_fwd_s`); `fwd_s` is per call after
// it. Every problem at rel_tol 1e-8, abs_tol 1e-12 (exvivo's and PEtab's
// defaults; AMICI's CI uses its own defaults, 1e-8 and 1e-16) with method
// auto and the default evaluator (native code; column `evaluator` says
// which ran); where a gradient with auto fails, the row says so and gives
// the gradient with rodas4 (column `method`). Column `ref` compares the llh
// with AMICI's reference llh: "ok" within max(2e-3, 1e-5·|ref|), else the
// difference. With --interpreter, the same problem also loaded with
// evaluator interpreter and measured in the same way, next to it (columns
// `interp_*`, and `x` = interpreter / native CPU time). A note under the row
// says when the last gradient call's result differs from the first's, or
// the interpreter's from native code's (both should agree to the bit).
#include <algorithm>
#include <cmath>
#include <ctime>
#include <cstdio>
#include <filesystem>
#include <map>
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

struct Measurement {
  int estimated = 0;  ///< parameters with estimate = 1
  double llh = 0, sim = 0, fwd = 0;
  double first_fwd = 0;  ///< the first gradient call, which also generates the sensitivity code
  std::string method, evaluator;
  std::map<std::string, double> gradient;  ///< of the first gradient call
  /// One line each: the gradient was measured with rodas4 (why), or a later
  /// call's result differed from the first's.
  std::string note;
};

/// CPU seconds of the first gradient call (it generates the sensitivity
/// right-hand side, and with native code compiles it: the compiler's CPU
/// time is a child's, not counted) and per gradient after it.
/// The gradient of the first and of the last call must be the same to the bit
/// (determinism); a difference is noted.
void measure_gradient(const std::string& name, const exvivo::sbml::PetabProblem& problem, Measurement& m) {
  const double start = cpu_seconds();
  const auto first = problem.evaluate({}, true);
  m.first_fwd = cpu_seconds() - start;
  m.gradient = first.gradient;
  exvivo::sbml::PetabEvaluation last;
  m.fwd = seconds_per_call([&] { last = problem.evaluate({}, true); });
  if (last.llh != first.llh || last.gradient != first.gradient)
    m.note +=
        name + ": evaluator " + m.evaluator + ": the last gradient call's llh or gradient differs from the first's\n";
}

/// CPU seconds per llh and per gradient of the problem loaded with
/// `options`; a failed gradient with method auto is measured with rodas4.
Measurement measure(const std::string& name, const fs::path& yaml, const exvivo::solve::SolverOptions& options) {
  const exvivo::sbml::PetabProblem problem(yaml.string(), options);
  Measurement m;
  for (const auto& p : problem.parameters()) m.estimated += p.estimate;
  m.evaluator = problem.evaluator();
  m.method = options.method;
  m.sim = seconds_per_call([&] { m.llh = problem.evaluate({}, false).llh; });
  try {
    measure_gradient(name, problem, m);
  } catch (const exvivo::Error& e) {
    m.note += name + ": gradient with method " + options.method + ", evaluator " + m.evaluator +
              " failed: " + e.what() + "; measured with rodas4\n";
    exvivo::solve::SolverOptions o = options;
    o.method = m.method = "rodas4";
    const exvivo::sbml::PetabProblem rodas4(yaml.string(), o);
    measure_gradient(name, rodas4, m);
  }
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  int first = 1;
  const bool interpreter = argc > 1 && std::string(argv[1]) == "--interpreter";
  if (interpreter) ++first;
  if (argc <= first) {
    std::fprintf(stderr, "usage: bench_petab [--interpreter] EXTERNAL_DIR [PROBLEM...]\n");
    return 2;
  }
  const fs::path external = argv[first];
  const auto refs = exvivo::io::read_yaml_file((external / "amici-reference" / "amici_benchmark_models.yaml").string(),
                                               exvivo::io::InputKind::data);
  std::vector<std::string> names;
  for (int i = first + 1; i < argc; ++i) names.emplace_back(argv[i]);
  if (names.empty())
    for (const auto& entry : fs::directory_iterator(external / "petab-benchmark-collection" / "Benchmark-Models"))
      names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  exvivo::solve::SolverOptions options;
  options.rel_tol = 1e-8;
  options.abs_tol = {1e-12};
  options.max_steps = 1000000;
  options.timeout = 600;
  std::printf("%-28s %6s %12s %8s %10s %10s %7s %10s %10s %7s %10s %-7s %s", "problem", "params", "llh", "ref", "sim_s",
              "amici_t_sim", "ratio", "fwd_s", "amici_t_fwd", "ratio", "first_fwd_s", "method", "evaluator");
  if (interpreter)
    std::printf(" %12s %6s %12s %6s %16s %s", "interp_sim_s", "x", "interp_fwd_s", "x", "interp_first_fwd_s",
                "interp_method");
  std::printf("\n");
  std::fflush(stdout);
  for (const auto& name : names) {
    const auto* ref = refs.find(name);
    if (ref == nullptr || ref->find("t_sim") == nullptr) continue;
    const double t_sim = ref->at("t_sim").number(), t_fwd = ref->at("t_fwd").number();
    const fs::path yaml = external / "petab-benchmark-collection" / "Benchmark-Models" / name / (name + ".yaml");
    try {
      const Measurement m = measure(name, yaml, options);
      std::string agreement = "-";
      if (const auto* llh_ref = ref->find("llh")) {
        const double r = llh_ref->number(), diff = m.llh - r;
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, "%.1e", diff);
        agreement = std::abs(diff) <= std::max(2e-3, 1e-5 * std::abs(r)) ? "ok" : buffer;
      }
      std::printf("%-28s %6d %12.6f %8s %10.4f %10.4f %7.2f %10.4f %10.4f %7.2f %10.4f %-7s %s", name.c_str(),
                  m.estimated, m.llh, agreement.c_str(), m.sim, t_sim, m.sim / t_sim, m.fwd, t_fwd, m.fwd / t_fwd,
                  m.first_fwd, m.method.c_str(), m.evaluator.c_str());
      std::string notes = m.note;
      if (interpreter) {
        std::fflush(stdout);
        exvivo::solve::SolverOptions o = options;
        o.evaluator = "interpreter";
        const Measurement i = measure(name, yaml, o);
        std::printf(" %12.4f %6.2f %12.4f %6.2f %16.4f %s", i.sim, i.sim / m.sim, i.fwd, i.fwd / m.fwd, i.first_fwd,
                    i.method.c_str());
        notes += i.note;
        if (i.llh != m.llh) notes += name + ": interpreter llh " + std::to_string(i.llh) + "\n";
        if (i.gradient != m.gradient) notes += name + ": the interpreter's gradient differs from native code's\n";
      }
      std::printf("\n%s", notes.c_str());
    } catch (const exvivo::Error& e) {
      std::printf("%-28s error: %s\n", name.c_str(), e.what());
    }
    std::fflush(stdout);
  }
  return 0;
}
