// exvivo._engine: the C++ engine for Python (pybind11). Thin like the CLI: it
// calls the same engine entry points and returns plain Python data; the
// pandas side lives in exvivo/__init__.py. Bad input raises
// exvivo.InputError (a ValueError) with the engine's located message.
#include <pybind11/eigen.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <vector>

#include <tbb/task_arena.h>

#include "analysis/run_analysis.hpp"
#include "core/error.hpp"
#include "core/version.hpp"
#include "fit/fit_problem.hpp"
#include "fit/latin_hypercube.hpp"
#include "fit/objective.hpp"
#include "fit/run_fit.hpp"
#include "model/compiled_model.hpp"
#include "scenario/run_plan.hpp"
#include "scenario/scenario.hpp"
#include "solve/solve.hpp"
#include "stderr_reporter.hpp"
#include "sweep/run_scenario.hpp"

namespace py = pybind11;
using namespace exvivo;

namespace {

py::dict run_scenario(const std::string& path, const std::string& out_dir, int threads, bool quiet) {
  sweep::RunOptions options;
  options.out_dir = out_dir;
  options.threads = threads;
  reporter::StderrReporter reporter(quiet);
  options.reporter = &reporter;
  options.validate();
  sweep::RunReport report;
  {
    py::gil_scoped_release release;
    const scenario::Scenario s = scenario::load_scenario(path);
    report = sweep::run_scenario(s, options);
  }
  py::dict d;
  d["out_dir"] = report.out_dir;
  d["runs"] = report.runs;
  d["ok"] = report.ok;
  d["failed"] = report.failed;
  d["failures"] = report.failures;
  d["wall_seconds"] = report.wall_seconds;
  return d;
}

py::dict run_fit(const std::string& path, const std::string& out_dir, int threads, bool quiet) {
  fit::FitOptions options;
  options.out_dir = out_dir;
  options.threads = threads;
  reporter::StderrReporter reporter(quiet);
  options.reporter = &reporter;
  options.validate();
  fit::FitReport report;
  {
    py::gil_scoped_release release;
    report = fit::run_fit(path, options);
  }
  py::dict d;
  d["out_dir"] = report.out_dir;
  d["starts"] = report.starts;
  d["converged"] = report.converged;
  d["best_nllh"] = report.best_nllh;
  d["best_status"] = report.best_status;
  d["ok"] = report.ok();
  d["error"] = report.error;
  d["wall_seconds"] = report.wall_seconds;
  return d;
}

py::dict run_analysis(const std::string& path, const std::string& out_dir, int threads, bool quiet) {
  analysis::AnalysisOptions options;
  options.out_dir = out_dir;
  options.threads = threads;
  reporter::StderrReporter reporter(quiet);
  options.reporter = &reporter;
  options.validate();
  analysis::AnalysisReport report;
  {
    py::gil_scoped_release release;
    report = analysis::run_analysis(path, options);
  }
  py::dict d;
  d["name"] = report.name;
  d["out_dir"] = report.out_dir;
  d["runs"] = report.runs;
  d["failed"] = report.failed;
  d["failures"] = report.failures;
  d["wall_seconds"] = report.wall_seconds;
  return d;
}

py::dict model_info(const std::string& path) {
  std::vector<std::string> warnings;
  const model::CompiledModel m = model::load_model(path, &warnings);
  py::list species, parameters, observables;
  for (const auto& s : m.species())
    species.append(py::dict(py::arg("name") = s.name, py::arg("unit") = s.unit, py::arg("soluble") = s.soluble,
                            py::arg("doc") = s.doc));
  for (const auto& p : m.parameters()) {
    py::object lower = py::none(), upper = py::none();
    if (p.has_bounds) {
      lower = py::float_(p.lower);
      upper = py::float_(p.upper);
    }
    parameters.append(py::dict(py::arg("name") = p.name, py::arg("value") = p.value, py::arg("unit") = p.unit,
                               py::arg("lower") = lower, py::arg("upper") = upper,
                               py::arg("scale") = to_string(p.scale), py::arg("donor") = p.donor,
                               py::arg("source") = p.source, py::arg("doc") = p.doc));
  }
  for (const auto& o : m.observables())
    observables.append(py::dict(py::arg("name") = o.name, py::arg("unit") = o.unit, py::arg("doc") = o.doc));
  py::dict d;
  d["name"] = m.name();
  d["title"] = m.title();
  d["time_unit"] = m.time_unit();
  d["species"] = species;
  d["parameters"] = parameters;
  d["observables"] = observables;
  d["donor_presets"] = m.donor_presets();
  d["cultures"] = m.cultures();
  d["warnings"] = warnings;
  return d;
}

/// Solves the single run of a scenario file (written by Model.simulate).
py::dict simulate_single_run(const std::string& path) {
  const scenario::Scenario s = scenario::load_scenario(path);
  const scenario::RunPlan plan(s);
  if (plan.size() != 1) throw Error(SourceLocation{path}, "", "expected exactly one run");
  solve::Solution sol;
  {
    py::gil_scoped_release release;
    sol = solve::solve(plan.make_run(0), s.solver);
  }
  std::vector<double> times;
  std::vector<bool> before;
  for (const auto& t : s.samples) {
    times.push_back(t.time);
    before.push_back(t.before_event);
  }
  std::vector<std::string> names, units;
  Eigen::MatrixXd values(sol.observables.rows(), static_cast<Eigen::Index>(s.observables.size()));
  for (std::size_t k = 0; k < s.observables.size(); ++k) {
    const auto& o = s.model->observables()[s.observables[k]];
    names.push_back(o.name);
    units.push_back(o.unit);
    values.col(static_cast<Eigen::Index>(k)) = sol.observables.col(static_cast<Eigen::Index>(s.observables[k]));
  }
  py::dict d;
  d["times"] = times;
  d["before_event"] = before;
  d["observables"] = names;
  d["units"] = units;
  d["values"] = values;
  d["status"] = solve::to_string(sol.status);
  d["message"] = sol.message;
  d["steps"] = sol.stats.steps;
  d["rhs_evals"] = sol.stats.rhs_evals;
  d["time_unit"] = s.model->time_unit();
  return d;
}

/// A fit file's objective for an outside optimizer (the SciPy benchmark):
/// residuals r(θ) with nllh = ½‖r‖² + constant, and their Jacobian from forward
/// sensitivities, θ on the parameter scales (fit/objective.hpp). Evaluations
/// run on `threads` threads (default 1) and release the GIL.
class FitObjective {
 public:
  FitObjective(const std::string& path, int threads)
      : problem_(std::make_unique<fit::FitProblem>(fit::load_fit_problem(path))),
        objective_(std::make_unique<fit::Objective>(*problem_)),
        arena_(threads > 0 ? threads : 1) {}

  /// (ok, r) or, with jacobian=True, (ok, r, J): one solve per run, with
  /// sensitivities only when the Jacobian is asked for.
  py::tuple residuals(const Eigen::VectorXd& theta, bool jacobian) const {
    Eigen::VectorXd r;
    Eigen::MatrixXd J;
    bool ok = false;
    {
      py::gil_scoped_release release;
      arena_.execute([&] { ok = objective_->residuals(theta, r, jacobian ? &J : nullptr); });
    }
    return jacobian ? py::make_tuple(ok, r, J) : py::make_tuple(ok, r);
  }
  std::vector<std::string> labels() const {
    std::vector<std::string> out;
    for (const auto& e : objective_->entries()) out.push_back(e.label);
    return out;
  }
  Eigen::MatrixXd start_points(int n, std::uint64_t seed) const {
    return fit::latin_hypercube(n, objective_->lower(), objective_->upper(), seed);
  }
  py::dict timing() const {
    const fit::SolveTiming t = objective_->timing();
    py::dict d;
    d["plain_solves"] = t.plain_solves;
    d["plain_seconds"] = t.plain_seconds;
    d["sensitivity_solves"] = t.sensitivity_solves;
    d["sensitivity_seconds"] = t.sensitivity_seconds;
    return d;
  }

  std::unique_ptr<fit::FitProblem> problem_;
  std::unique_ptr<fit::Objective> objective_;
  mutable tbb::task_arena arena_;
};

}  // namespace

PYBIND11_MODULE(_engine, m) {
  m.doc() = "exvivo's C++ engine; use the functions of the exvivo package instead";
  m.attr("engine_version") = engine_version;
  m.attr("git_revision") = git_revision;
  py::register_exception<Error>(m, "InputError", PyExc_ValueError);
  m.def("run_scenario", &run_scenario, py::arg("path"), py::arg("out_dir"), py::arg("threads"), py::arg("quiet"));
  m.def("run_fit", &run_fit, py::arg("path"), py::arg("out_dir"), py::arg("threads"), py::arg("quiet"));
  m.def("run_analysis", &run_analysis, py::arg("path"), py::arg("out_dir"), py::arg("threads"), py::arg("quiet"));
  m.def("model_info", &model_info, py::arg("path"));
  m.def("simulate_single_run", &simulate_single_run, py::arg("path"));
  py::class_<FitObjective>(m, "FitObjective")
      .def(py::init<const std::string&, int>(), py::arg("path"), py::arg("threads") = 1)
      .def("residuals", &FitObjective::residuals, py::arg("theta"), py::arg("jacobian") = false)
      .def_property_readonly("labels", &FitObjective::labels)
      .def_property_readonly("lower", [](const FitObjective& o) { return o.objective_->lower(); })
      .def_property_readonly("upper", [](const FitObjective& o) { return o.objective_->upper(); })
      .def_property_readonly("constant", [](const FitObjective& o) { return o.objective_->constant(); })
      .def("start_points", &FitObjective::start_points, py::arg("n"), py::arg("seed"))
      .def("timing", &FitObjective::timing);
}
