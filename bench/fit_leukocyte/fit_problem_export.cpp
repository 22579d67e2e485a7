// The problem of a fit file, written for a peer that integrates the model
// itself (bench/fit_leukocyte/README.md, "The SciPy side").
//
//   fit_problem_export FIT.yaml DIR
//
// writes
//   DIR/model.c       the model's generated C code (model::native_source: every
//                     program of the compiled model as straight-line C on the
//                     input array [t | x | p | cached parameter-only values]);
//                     translated to Python by c_to_python.py
//   DIR/problem.json  what the peer needs besides the model code: the input
//                     layout, the ∂f/∂x sparsity, species, parameters and
//                     observables (noise models), the estimates (model
//                     parameter, bounds in model units, scale, per_donor), the
//                     fit's donors, and per scenario its data file, donors,
//                     arms, solver tolerances and every (donor, arm) run as
//                     the engine builds it (parameter vector with presets and
//                     `set`s applied, initial overrides, events, t0)
//   DIR/check.json    the engine's interpreter at (t0, x0(p)) of the first run:
//                     cached values, x0, ∂x0/∂p, f, ∂f/∂x, ∂f/∂p, h, ∂h/∂x,
//                     ∂h/∂p, for checking the translated code against.
//
// The peer reads the measurement tables itself and builds its own objective;
// nothing here evaluates the likelihood.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fit/fit_problem.hpp"
#include "model/compiled_model.hpp"
#include "model/native_code.hpp"
#include "scenario/run_plan.hpp"

namespace {

using namespace exvivo;
using nlohmann::ordered_json;

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
}

const char* distribution_name(model::NoiseModel::Distribution d) {
  using D = model::NoiseModel::Distribution;
  switch (d) {
    case D::none: return "none";
    case D::normal: return "normal";
    case D::lognormal: return "lognormal";
    case D::proportional: return "proportional";
    case D::log10normal: return "log10normal";
    case D::laplace: return "laplace";
    case D::logitnormal: return "logitnormal";
  }
  return "unknown";
}

const char* kind_name(solve::EventAction::Kind k) {
  switch (k) {
    case solve::EventAction::Kind::add: return "add";
    case solve::EventAction::Kind::set: return "set";
    case solve::EventAction::Kind::scale: return "scale";
  }
  return "unknown";
}

ordered_json model_json(const model::CompiledModel& m) {
  ordered_json j;
  j["name"] = m.name();
  j["file"] = m.file();
  j["time_unit"] = m.time_unit();
  j["num_states"] = m.num_states();
  j["num_parameters"] = m.num_parameters();
  j["num_cached"] = m.num_cached_values();
  j["num_observables"] = m.num_observables();
  // The input layout of every program (model/compiled_model_impl.hpp).
  j["slot_x"] = 1;
  j["slot_p"] = 1 + m.num_states();
  j["slot_cache"] = 1 + m.num_states() + m.num_parameters();
  ordered_json rows = ordered_json::array(), cols = ordered_json::array();
  for (const auto& [r, c] : m.jacobian_sparsity().nonzeros) {
    rows.push_back(r);
    cols.push_back(c);
  }
  j["jacobian_rows"] = rows;
  j["jacobian_cols"] = cols;
  ordered_json species = ordered_json::array(), parameters = ordered_json::array(), observables = ordered_json::array();
  for (const auto& s : m.species()) species.push_back(s.name);
  for (const auto& p : m.parameters()) parameters.push_back(p.name);
  for (const auto& o : m.observables())
    observables.push_back({{"name", o.name},
                           {"unit", o.unit},
                           {"distribution", distribution_name(o.noise.distribution)},
                           {"sigma", o.noise.sigma}});
  j["species"] = species;
  j["parameters"] = parameters;
  j["observables"] = observables;
  return j;
}

ordered_json run_json(const solve::Run& run, std::size_t donor, std::size_t arm) {
  ordered_json j;
  j["donor"] = donor;
  j["arm"] = arm;
  j["t0"] = run.t0;
  j["parameters"] = run.parameters;
  ordered_json overrides = ordered_json::array();
  for (const auto& [i, v] : run.initial_overrides) overrides.push_back({i, v});
  j["initial_overrides"] = overrides;
  ordered_json events = ordered_json::array();
  for (const auto& e : run.events) {
    ordered_json actions = ordered_json::array();
    for (const auto& a : e.actions) actions.push_back({kind_name(a.kind), a.species, a.value});
    events.push_back({{"time", e.time}, {"actions", actions}});
  }
  j["events"] = events;
  if (!run.state_events.empty()) throw std::runtime_error("runs with `when:` steps are not exported");
  return j;
}

/// Column-major rows × cols as a list of rows (JSON reads better row by row).
ordered_json matrix_json(const std::vector<double>& v, std::size_t rows, std::size_t cols) {
  ordered_json out = ordered_json::array();
  for (std::size_t r = 0; r < rows; ++r) {
    std::vector<double> row(cols);
    for (std::size_t c = 0; c < cols; ++c) row[c] = v[r + rows * c];
    out.push_back(row);
  }
  return out;
}

ordered_json check_json(const model::CompiledModel& m, const solve::Run& run) {
  const std::size_t n = m.num_states(), np = m.num_parameters(), no = m.num_observables();
  auto ws = m.make_workspace();
  m.set_parameters(run.parameters.data(), ws);
  std::vector<double> x0(n), dx0(n * np), f(n), J(n * n), Jp(n * np), y(no), dhdx(no * n), dhdp(no * np);
  m.initial_state(ws, x0.data());
  m.initial_state_jacobian(ws, dx0.data());
  m.rhs(run.t0, x0.data(), ws, f.data());
  m.jacobian(run.t0, x0.data(), ws, J.data());
  m.parameter_jacobian(run.t0, x0.data(), ws, Jp.data());
  m.observables(run.t0, x0.data(), ws, y.data());
  m.observable_state_jacobian(run.t0, x0.data(), ws, dhdx.data());
  m.observable_parameter_jacobian(run.t0, x0.data(), ws, dhdp.data());
  ordered_json j;
  j["t"] = run.t0;
  j["parameters"] = run.parameters;
  j["x0"] = x0;
  j["initial_jacobian"] = matrix_json(dx0, n, np);
  j["rhs"] = f;
  j["jacobian"] = matrix_json(J, n, n);
  j["parameter_jacobian"] = matrix_json(Jp, n, np);
  j["observables"] = y;
  j["observable_state_jacobian"] = matrix_json(dhdx, no, n);
  j["observable_parameter_jacobian"] = matrix_json(dhdp, no, np);
  return j;
}

int export_problem(const std::string& fit_file, const std::filesystem::path& dir) {
  const fit::FitProblem problem = fit::load_fit_problem(fit_file);
  const model::CompiledModel& m = *problem.scenarios.front().scenario->model;
  for (const auto& fs : problem.scenarios)
    if (fs.scenario->model->file() != m.file())
      throw std::runtime_error("every scenario of the fit must use one model file (the peer translates one)");
  std::filesystem::create_directories(dir);

  ordered_json j;
  j["fit"] = problem.spec.name;
  j["model"] = model_json(m);
  ordered_json estimates = ordered_json::array();
  for (const auto& e : problem.spec.estimates)
    estimates.push_back({{"name", e.name},
                         {"parameter", e.parameter},
                         {"lower", e.lower},
                         {"upper", e.upper},
                         {"scale", to_string(e.scale)},
                         {"per_donor", e.per_donor}});
  j["estimates"] = estimates;
  j["donors"] = problem.donors;
  ordered_json scenarios = ordered_json::array();
  for (const auto& fs : problem.scenarios) {
    const scenario::Scenario& s = *fs.scenario;
    const scenario::RunPlan plan(s);
    if (plan.samples_per_arm() != 1) throw std::runtime_error(s.file + ": sweeps are not exported");
    ordered_json sj;
    sj["name"] = s.name;
    sj["file"] = std::filesystem::absolute(fs.scenario_file).lexically_normal().string();
    sj["data"] = std::filesystem::absolute(fs.data_file).lexically_normal().string();
    sj["donors"] = fs.context.donors;
    sj["fit_donor"] = fs.donor;
    sj["arms"] = fs.context.arms;
    sj["estimate_parameter"] = fs.parameter;
    sj["solver"] = {{"method", s.solver.method}, {"rel_tol", s.solver.rel_tol}, {"abs_tol", s.solver.abs_tol}};
    ordered_json runs = ordered_json::array();
    const std::size_t n_arms = fs.context.arms.size();
    for (std::size_t d = 0; d < fs.context.donors.size(); ++d)
      for (std::size_t a = 0; a < n_arms; ++a) runs.push_back(run_json(plan.make_run(d * n_arms + a), d, a));
    sj["runs"] = runs;
    scenarios.push_back(sj);
  }
  j["scenarios"] = scenarios;

  write_file(dir / "model.c", model::native_source(m));
  write_file(dir / "problem.json", j.dump(1));
  const scenario::RunPlan plan(*problem.scenarios.front().scenario);
  write_file(dir / "check.json", check_json(m, plan.make_run(0)).dump());
  std::printf(
      "exported %s (model %s: %zu states, %zu parameters, %zu cached values, %zu Jacobian non-zeros; "
      "%zu scenarios) to %s\n",
      fit_file.c_str(), m.name().c_str(), m.num_states(), m.num_parameters(), m.num_cached_values(),
      m.jacobian_sparsity().nonzeros.size(), problem.scenarios.size(), dir.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: fit_problem_export FIT.yaml DIR\n");
    return 2;
  }
  try {
    return export_problem(argv[1], argv[2]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fit_problem_export: %s\n", e.what());
    return 2;
  }
}
