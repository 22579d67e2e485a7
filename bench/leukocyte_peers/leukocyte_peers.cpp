// The exvivo side of the peer benchmark (bench/README.md, "exvivo vs R deSolve and SciPy").
//
//   leukocyte_peers export SCENARIO DIR
//     Run 0 of SCENARIO, written for the peers: DIR/model.c (the model's
//     generated C code, model::native_source), DIR/wrapper.c (deSolve's
//     compiled-code interface `initmod`/`derivs`/`jac`/`event`, and `setup`/`rhs`/
//     `jac_dense`/`observables` for ctypes, with the run's parameter vector
//     built in), DIR/x0.csv (the initial state, events at t0 applied),
//     DIR/t0.csv (the start time), DIR/events.csv (time,var,value,method:
//     deSolve's event table, var 1-based), DIR/samples.csv (sample times), DIR/names.csv (species and
//     observables), DIR/check.csv (rhs, dense Jacobian and observables from
//     the engine's interpreter at (t0, x0), to check the wrapper against).
//
//   leukocyte_peers solve SCENARIO EVALUATOR METHOD REL_TOL ABS_TOL REPS BATCHES [STATES.csv]
//     Solves run 0 with the engine's solve() (EVALUATOR native|interpreter),
//     REPS times in each of BATCHES batches, and prints one line:
//       status cpu_us steps rejected rhs_evals jacobian_evals method
//     cpu_us = median over the batches of the process CPU time per solve.
//     STATES.csv: the states at the samples (one row per sample).
//
// Not a test: it asserts nothing about time.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <fmt/os.h>

#include "model/compiled_model.hpp"
#include "model/native_code.hpp"
#include "scenario/run_plan.hpp"
#include "scenario/scenario.hpp"
#include "solve/solve.hpp"

namespace {

using namespace exvivo;

double process_cpu_micros() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return 1e6 * static_cast<double>(ts.tv_sec) + 1e-3 * static_cast<double>(ts.tv_nsec);
}

std::string array_literal(const std::vector<double>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += fmt::format("{}{:.17g}", i % 4 ? ", " : (i ? ",\n  " : "  "), v[i]);
  return s.empty() ? "  0" : s;
}

std::string array_literal(const std::vector<int>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += fmt::format("{}{}", i % 16 ? ", " : (i ? ",\n  " : "  "), v[i]);
  return s.empty() ? "  0" : s;
}

/// deSolve's and ctypes' entry points around the generated functions. The
/// input array is the engine's layout [t | x | p | cached parameter-only
/// values] (model/compiled_model_impl.hpp).
std::string wrapper_source(const model::CompiledModel& m, const solve::Run& run) {
  const std::vector<double>& p = run.parameters;
  std::vector<double> event_time, event_value;
  std::vector<int> event_var, event_kind;
  for (const auto& e : run.events)
    for (const auto& a : e.actions)
      if (e.time != run.t0) {
        event_time.push_back(e.time);
        event_var.push_back(static_cast<int>(a.species));
        event_value.push_back(a.value);
        event_kind.push_back(a.kind == solve::EventAction::Kind::add ? 0 : a.kind == solve::EventAction::Kind::set ? 1 : 2);
      }
  const auto& nz = m.jacobian_sparsity().nonzeros;
  std::vector<int> rows, cols;
  for (const auto& [r, c] : nz) {
    rows.push_back(r);
    cols.push_back(c);
  }
  return fmt::format(R"(/* deSolve and ctypes interface to the generated code of model '{name}'
   (written by bench/leukocyte_peers: leukocyte_peers export). The parameter
   vector of the benchmark's run is built in; setup()/initmod() evaluates the
   parameter-only values once, as the engine's set_parameters() does. */
#include <string.h>

#define NX {nx}
#define NP {np}
#define NC {nc}
#define NNZ {nnz}
#define SLOT_X 1
#define SLOT_P (1 + NX)
#define SLOT_C (1 + NX + NP)

void exvivo_cache(const double* in, double* out);
void exvivo_rhs(const double* in, double* out);
void exvivo_jacobian_nonzeros(const double* in, double* out);
void exvivo_observables(const double* in, double* out);

static const double parameters[NP] = {{
{p}
}};
static const int nz_row[NNZ] = {{
{rows}
}};
static const int nz_col[NNZ] = {{
{cols}
}};

static double in[1 + NX + NP + NC];
static double nz[NNZ];

void setup(void) {{
  double cached[NC + 1];
  memcpy(in + SLOT_P, parameters, sizeof parameters);
  exvivo_cache(in, cached);
  memcpy(in + SLOT_C, cached, NC * sizeof(double));
}}

static void load(double t, const double* x) {{
  in[0] = t;
  memcpy(in + SLOT_X, x, NX * sizeof(double));
}}

/* ctypes: dx/dt, dense column-major Jacobian, observables. */
int num_states(void) {{ return NX; }}
int num_observables(void) {{ return {no}; }}
void rhs(double t, const double* x, double* dxdt) {{
  load(t, x);
  exvivo_rhs(in, dxdt);
}}
void jac_dense(double t, const double* x, double* J) {{
  int k;
  load(t, x);
  exvivo_jacobian_nonzeros(in, nz);
  memset(J, 0, NX * NX * sizeof(double));
  for (k = 0; k < NNZ; ++k) J[nz_row[k] + NX * nz_col[k]] = nz[k];
}}
void observables(double t, const double* x, double* y) {{
  load(t, x);
  exvivo_observables(in, y);
}}

/* deSolve (R): lsoda(..., func = "derivs", jacfunc = "jac", dllname = ...,
   initfunc = "initmod", parms = NULL). LSODA zeroes pd before calling jac. */
void initmod(void (*odeparms)(int*, double*)) {{
  (void)odeparms;
  setup();
}}
void derivs(int* neq, double* t, double* y, double* ydot, double* yout, int* ip) {{
  (void)neq; (void)yout; (void)ip;
  load(*t, y);
  exvivo_rhs(in, ydot);
}}
void jac(int* neq, double* t, double* y, int* ml, int* mu, double* pd, int* nrowpd, double* yout, int* ip) {{
  int k;
  (void)neq; (void)ml; (void)mu; (void)yout; (void)ip;
  load(*t, y);
  exvivo_jacobian_nonzeros(in, nz);
  for (k = 0; k < NNZ; ++k) pd[nz_row[k] + *nrowpd * nz_col[k]] = nz[k];
}}

/* deSolve's compiled event function (events = list(func = "event", time = ...)):
   the run's event actions after t0 (kind 0 add, 1 set, 2 scale), in order. */
#define NEV {nev}
static const double event_time[NEV + 1] = {{
{event_time}
}};
static const int event_var[NEV + 1] = {{
{event_var}
}};
static const int event_kind[NEV + 1] = {{
{event_kind}
}};
static const double event_value[NEV + 1] = {{
{event_value}
}};
void event(int* n, double* t, double* y) {{
  int k;
  (void)n;
  for (k = 0; k < NEV; ++k) {{
    if (event_time[k] != *t) continue;
    if (event_kind[k] == 0) y[event_var[k]] += event_value[k];
    else if (event_kind[k] == 1) y[event_var[k]] = event_value[k];
    else y[event_var[k]] *= event_value[k];
  }}
}}
)",
                     fmt::arg("name", m.name()), fmt::arg("nx", m.num_states()), fmt::arg("np", m.num_parameters()),
                     fmt::arg("nc", m.num_cached_values()), fmt::arg("nnz", nz.size()),
                     fmt::arg("no", m.num_observables()), fmt::arg("p", array_literal(p)),
                     fmt::arg("rows", array_literal(rows)), fmt::arg("cols", array_literal(cols)),
                     fmt::arg("nev", event_time.size()), fmt::arg("event_time", array_literal(event_time)),
                     fmt::arg("event_var", array_literal(event_var)), fmt::arg("event_kind", array_literal(event_kind)),
                     fmt::arg("event_value", array_literal(event_value)));
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
}

std::string csv_row(const double* v, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += fmt::format("{}{:.17g}", i ? "," : "", v[i]);
  return s + "\n";
}

int export_run(const std::string& scenario_file, const std::filesystem::path& dir) {
  scenario::LoadOptions load;
  load.native_code = false;  // the interpreter: the reference for check.csv
  const scenario::Scenario s = scenario::load_scenario(scenario_file, load);
  const scenario::RunPlan plan(s);
  const solve::Run run = plan.make_run(0);
  const model::CompiledModel& m = *s.model;
  std::filesystem::create_directories(dir);

  write_file(dir / "model.c", model::native_source(m));
  write_file(dir / "wrapper.c", wrapper_source(m, run));

  // x0 as solve() builds it, then the events at t0 (the peers start after them).
  auto ws = m.make_workspace();
  m.set_parameters(run.parameters.data(), ws);
  std::vector<double> x0(m.num_states());
  m.initial_state(ws, x0.data());
  for (const auto& [i, v] : run.initial_overrides) x0[i] = v;
  std::string events = "time,var,value,method\n";
  for (const auto& e : run.events)
    for (const auto& a : e.actions) {
      if (e.time == run.t0) {
        double& x = x0[a.species];
        x = a.kind == solve::EventAction::Kind::add ? x + a.value
            : a.kind == solve::EventAction::Kind::set ? a.value : x * a.value;
        continue;
      }
      const char* method = a.kind == solve::EventAction::Kind::add ? "add"
                           : a.kind == solve::EventAction::Kind::set ? "rep" : "mult";
      events += fmt::format("{:.17g},{},{:.17g},{}\n", e.time, a.species + 1, a.value, method);
    }
  write_file(dir / "events.csv", events);
  std::string x0_text, samples = "time\n";
  for (double v : x0) x0_text += fmt::format("{:.17g}\n", v);
  write_file(dir / "x0.csv", x0_text);
  write_file(dir / "t0.csv", fmt::format("{:.17g}\n", run.t0));
  for (const auto& t : run.samples) {
    if (t.before_event) throw std::runtime_error("the benchmark scenario must not sample just before events");
    samples += fmt::format("{:.17g}\n", t.time);
  }
  write_file(dir / "samples.csv", samples);
  std::string names = "kind,name\n";
  for (const auto& sp : m.species()) names += "species," + sp.name + "\n";
  for (const auto& o : m.observables()) names += "observable," + o.name + "\n";
  write_file(dir / "names.csv", names);

  // The engine's values at (t0, x0) for the wrapper check: rhs, Jacobian, observables.
  const std::size_t n = m.num_states();
  std::vector<double> f(n), J(n * n), y(m.num_observables());
  m.rhs(run.t0, x0.data(), ws, f.data());
  m.jacobian(run.t0, x0.data(), ws, J.data());
  m.observables(run.t0, x0.data(), ws, y.data());
  write_file(dir / "check.csv", csv_row(f.data(), n) + csv_row(J.data(), n * n) + csv_row(y.data(), y.size()));
  std::printf("exported run 0 of %s (%zu states, %zu parameters, %zu cached values, %zu Jacobian non-zeros, "
              "%zu event actions after t0, %zu samples) to %s\n",
              scenario_file.c_str(), n, m.num_parameters(), m.num_cached_values(),
              m.jacobian_sparsity().nonzeros.size(), static_cast<std::size_t>(std::count(events.begin(), events.end(), '\n') - 1),
              run.samples.size(), dir.c_str());
  return 0;
}

int solve_run(const std::vector<std::string>& args) {
  const std::string& scenario_file = args[0];
  const std::string& evaluator = args[1];
  solve::SolverOptions options;
  options.method = args[2];
  options.rel_tol = std::stod(args[3]);
  options.abs_tol = {std::stod(args[4])};
  options.max_steps = 10000000;
  options.timeout = 0;
  options.evaluator = evaluator;
  const int reps = std::stoi(args[5]), batches = std::stoi(args[6]);

  scenario::LoadOptions load;
  load.native_code = false;
  const scenario::Scenario s = scenario::load_scenario(scenario_file, load);
  const scenario::RunPlan plan(s);
  solve::Run run = plan.make_run(0);
  model::CompiledModel m = *s.model;
  if (evaluator == "native") {
    model::NativeCodeResult native = model::with_native_code(m);
    if (!native.native) throw std::runtime_error("no native code: " + native.reason);
    m = native.model;
  } else if (evaluator != "interpreter") {
    throw std::runtime_error("evaluator must be native or interpreter, not " + evaluator);
  }
  run.model = &m;

  const solve::Solution first = solve::solve(run, options);
  std::vector<double> per_solve;
  for (int b = 0; b < batches && first.ok(); ++b) {
    const double start = process_cpu_micros();
    for (int i = 0; i < reps; ++i) (void)solve::solve(run, options);
    per_solve.push_back((process_cpu_micros() - start) / reps);
  }
  double median = 0;
  if (!per_solve.empty()) {
    std::sort(per_solve.begin(), per_solve.end());
    const std::size_t k = per_solve.size();
    median = k % 2 ? per_solve[k / 2] : 0.5 * (per_solve[k / 2 - 1] + per_solve[k / 2]);
  }
  if (args.size() > 7) {
    std::string text;
    for (Eigen::Index r = 0; r < first.states.rows(); ++r) {
      const Eigen::VectorXd row = first.states.row(r).transpose();
      text += csv_row(row.data(), static_cast<std::size_t>(row.size()));
    }
    write_file(args[7], text);
  }
  std::printf("%s %.3f %ld %ld %ld %ld %s\n", solve::to_string(first.status), median, first.stats.steps,
              first.stats.rejected_steps, first.stats.rhs_evals, first.stats.jacobian_evals,
              first.stats.method.c_str());
  return first.ok() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() == 3 && args[0] == "export") return export_run(args[1], args[2]);
    if ((args.size() == 8 || args.size() == 9) && args[0] == "solve")
      return solve_run(std::vector<std::string>(args.begin() + 1, args.end()));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "leukocyte_peers: %s\n", e.what());
    return 2;
  }
  std::fprintf(stderr,
               "usage: leukocyte_peers export SCENARIO DIR\n"
               "       leukocyte_peers solve SCENARIO native|interpreter METHOD REL_TOL ABS_TOL REPS BATCHES "
               "[STATES.csv]\n");
  return 2;
}
