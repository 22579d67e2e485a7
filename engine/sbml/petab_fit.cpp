#include "sbml/petab_fit.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>
#include <map>
#include <mutex>
#include <optional>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "core/bounds.hpp"
#include "core/error.hpp"
#include "core/parallel.hpp"
#include "core/scale.hpp"
#include "core/version.hpp"
#include "io/provenance.hpp"
#include "core/number.hpp"
#include "fit/fit_outputs.hpp"
#include "fit/multi_start.hpp"
#include "fit/uncertainty.hpp"
#include "io/atomic_file.hpp"
#include "io/csv_writer.hpp"
#include "io/output_dir.hpp"
#include "io/sha256.hpp"
#include "io/yaml_tree.hpp"
#include "sbml/petab.hpp"

namespace exvivo::sbml {
namespace {

namespace fs = std::filesystem;
using Eigen::Index;
using Eigen::VectorXd;

// A PetabParameter's scale is checked when the table is read (check_scale).
double to_scale(const std::string& scale, double v) { return exvivo::to_scale(*parse_scale(scale), v); }
double from_scale(const std::string& scale, double s) { return exvivo::from_scale(*parse_scale(scale), s); }

/// One loaded problem per worker thread (an evaluation is not reentrant).
class ProblemPool {
 public:
  ProblemPool(std::string yaml, const solve::SolverOptions& options, PetabProblem first)
      : yaml_(std::move(yaml)), options_(options) {
    free_.push_back(std::make_unique<PetabProblem>(std::move(first)));
  }
  template <typename F>
  auto with(F&& f) {
    std::unique_ptr<PetabProblem> p;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!free_.empty()) {
        p = std::move(free_.back());
        free_.pop_back();
      }
    }
    if (!p) p = std::make_unique<PetabProblem>(yaml_, options_);
    struct Return {
      ProblemPool& pool;
      std::unique_ptr<PetabProblem>& p;
      ~Return() {
        std::lock_guard<std::mutex> lock(pool.mutex_);
        pool.free_.push_back(std::move(p));
      }
    } give_back{*this, p};
    return f(*p);
  }

 private:
  std::string yaml_;
  solve::SolverOptions options_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<PetabProblem>> free_;
};

/// The θ entries of the parameterIds to profile, in the order given (each
/// once); OptionError for one that is not estimated.
std::vector<std::size_t> profiled_entries(const std::vector<std::string>& ids,
                                          const std::vector<PetabParameter>& estimated, const std::string& yaml) {
  std::vector<std::size_t> entries;
  for (const std::string& id : ids) {
    const auto at =
        std::find_if(estimated.begin(), estimated.end(), [&](const PetabParameter& p) { return p.id == id; });
    if (at == estimated.end()) {
      std::string names;
      for (const PetabParameter& p : estimated) names += (names.empty() ? "" : ", ") + p.id;
      throw OptionError(
          fmt::format("--profile: '{}' is not a parameter with estimate = 1 in the parameter table of "
                      "{} (those are: {})",
                      id, yaml, names));
    }
    const auto j = static_cast<std::size_t>(at - estimated.begin());
    if (std::find(entries.begin(), entries.end(), j) == entries.end()) entries.push_back(j);
  }
  return entries;
}

}  // namespace

bool is_petab_problem(const std::string& yaml) {
  try {
    const io::YamlNode root = io::read_yaml_file(yaml, io::InputKind::scenario);
    return root.find("problems") != nullptr && root.find("parameter_file") != nullptr;
  } catch (const Error&) {
    return false;
  }
}

fit::FitReport run_petab_fit(const std::string& problem_yaml, const PetabFitOptions& options) {
  const auto start_wall = std::chrono::system_clock::now();
  const auto start = std::chrono::steady_clock::now();
  const PetabProblem loaded(problem_yaml, options.solver);
  if (!loaded.native_unavailable().empty())
    report_warning(options.reporter, fmt::format("{}: native code for the model is not available ({}); using the "
                                                 "interpreter, which gives the same results more slowly",
                                                 problem_yaml, loaded.native_unavailable()));
  std::vector<PetabParameter> estimated;
  for (const auto& p : loaded.parameters())
    if (p.estimate) estimated.push_back(p);
  if (estimated.empty()) throw DataError(problem_yaml + ": no parameter has estimate = 1: nothing to fit");
  const auto nt = static_cast<Index>(estimated.size());
  const std::vector<std::size_t> profiled = profiled_entries(options.profile, estimated, problem_yaml);
  if (options.timecourse_points < 2)
    throw OptionError(fmt::format("timecourse_points: {}: expected at least 2", options.timecourse_points));
  fit::LeastSquaresProblem lsq;
  lsq.lower.resize(nt);
  lsq.upper.resize(nt);
  for (Index k = 0; k < nt; ++k) {
    const PetabParameter& p = estimated[static_cast<std::size_t>(k)];
    if (const auto problem = bounds_problem({p.lower, p.upper}, *parse_scale(p.scale)))
      throw DataError(problem_yaml + ": parameter '" + p.id + "': lowerBound and upperBound: " + *problem);
    lsq.lower[k] = to_scale(p.scale, p.lower);
    lsq.upper[k] = to_scale(p.scale, p.upper);
  }
  const auto values = [&](const VectorXd& theta) {
    std::map<std::string, double> v;
    for (Index k = 0; k < nt; ++k)
      v[estimated[static_cast<std::size_t>(k)].id] = from_scale(estimated[static_cast<std::size_t>(k)].scale, theta[k]);
    return v;
  };
  ProblemPool pool(problem_yaml, options.solver, PetabProblem(problem_yaml, options.solver));
  std::mutex constant_mutex;
  double constant = std::numeric_limits<double>::quiet_NaN();  // −llh − ½‖r‖², the same at every θ
  lsq.evaluate = [&](const VectorXd& theta, VectorXd& r, Eigen::MatrixXd* jacobian) {
    try {
      const PetabEvaluation e = pool.with([&](PetabProblem& p) { return p.evaluate(values(theta), true); });
      if (!std::isfinite(e.llh) || !e.residuals.allFinite()) return false;
      r = e.residuals;
      if (jacobian != nullptr) *jacobian = e.residual_jacobian;
      std::lock_guard<std::mutex> lock(constant_mutex);
      constant = e.residual_constant;
      return true;
    } catch (const Error&) {
      return false;  // an integration that fails at θ: a rejected point
    }
  };

  fit::FitReport report;
  report.out_dir =
      options.out_dir.empty() ? (fs::path("results") / fs::path(problem_yaml).stem()).string() : options.out_dir;
  const fs::path dir(report.out_dir);
  const std::string name = fs::path(problem_yaml).stem().string();
  io::OutputDir out(dir, {"fit", name, io::sha256_hex(io::sha256_file(problem_yaml) + engine_version)}, false);
  std::vector<std::string> files = fit::fit_output_files();
  if (profiled.empty()) files.erase(std::find(files.begin(), files.end(), "profiles.csv"));
  files.push_back("simulations.tsv");
  out.claim(files);

  fit::MultiStartOptions ms;
  ms.starts = options.starts;
  ms.seed = options.seed;
  ms.threads = options.threads;
  ms.validate();
  report_note(options.reporter, fmt::format("fit {}: {} parameters, {} starts", problem_yaml, nt, ms.starts));
  const std::vector<fit::StartResult> starts = fit::multi_start(lsq, ms);
  const fit::OptimizerResult& best = starts.front().result;
  report.starts = static_cast<int>(starts.size());
  for (const auto& s : starts) report.converged += s.result.converged() ? 1 : 0;
  report.best_status = best.status;
  const bool usable = best.status != "failed";
  PetabEvaluation at_best;
  if (usable) at_best = pool.with([&](PetabProblem& p) { return p.evaluate(values(best.theta), false); });
  report.best_nllh = usable ? -at_best.llh : std::numeric_limits<double>::quiet_NaN();

  fit::FitOutputs outputs;
  for (const PetabParameter& p : estimated) outputs.entries.push_back({p.id, "", p.id, *parse_scale(p.scale)});
  outputs.starts = starts;
  outputs.constant = constant;
  outputs.best_nllh = report.best_nllh;
  outputs.intervals.assign(static_cast<std::size_t>(nt), fit::Interval{});
  outputs.methods.assign(static_cast<std::size_t>(nt), "none");
  if (usable) {
    if (!profiled.empty())
      report_note(options.reporter, fmt::format("fit {}: profiling {} parameter(s)", problem_yaml, profiled.size()));
    fit::FitUncertainty u;
    with_threads(options.threads, [&] { u = fit::fit_uncertainty(lsq, best, true, profiled, ms.optimizer); });
    outputs.intervals = u.intervals;
    outputs.methods = u.methods;
    outputs.profiles = u.profiles;
  }
  outputs.write_profiles = !profiled.empty();
  outputs.measurements = at_best.measurement_rows.size();
  outputs.seed = options.seed;
  outputs.optimizer = ms.optimizer;
  outputs.details_before["format"] = "PEtab v1";
  // residuals.csv and fit_timecourses.csv name a row's preequilibration
  // condition as its donor and its simulation condition as its arm.
  const auto column = [&](const char* c) {
    const auto& h = at_best.measurement_header;
    const auto at = std::find(h.begin(), h.end(), c);
    return at == h.end() ? std::optional<std::size_t>() : std::optional<std::size_t>(at - h.begin());
  };
  const auto cell = [&](std::size_t r, std::optional<std::size_t> c) {
    const std::string& text = c ? at_best.measurement_rows[r][*c] : std::string();
    return text == "nan" || text == "NaN" || text == "NAN" ? std::string() : text;
  };
  const auto preeq = column("preequilibrationConditionId"), sim = column("simulationConditionId"),
             observable = column("observableId"), time = column("time"), measurement = column("measurement"),
             replicate = column("replicateId");
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t r = 0; r < at_best.measurement_rows.size(); ++r)
    outputs.residuals.push_back({cell(r, preeq), cell(r, sim), cell(r, observable),
                                 parse_double(cell(r, time)).value_or(nan), cell(r, replicate),
                                 parse_double(cell(r, measurement)).value_or(nan), at_best.simulation[r],
                                 at_best.sigma[r], at_best.residual[r], at_best.nllh[r], name, "", nan, nan});
  if (usable) {
    std::vector<PetabTimecourse> curves;
    try {
      curves = pool.with([&](PetabProblem& p) { return p.timecourses(values(best.theta), options.timecourse_points); });
    } catch (const Error& e) {  // not expected: evaluate() ran the same conditions at the best estimate
      report_warning(options.reporter, fmt::format("fit_timecourses.csv not written: {}", e.what()));
    }
    for (std::size_t i = 0; i < curves.size(); ++i) {
      const PetabTimecourse& c = curves[i];
      if (!c.error.empty() && (i == 0 || curves[i - 1].pair != c.pair))  // once per condition pair
        report_warning(options.reporter,
                       fmt::format("fit_timecourses.csv: condition '{}'{} ends early: {}", c.simulation,
                                   c.preequilibration.empty() ? "" : " (after '" + c.preequilibration + "')", c.error));
    }
    if (!curves.empty())
      outputs.timecourses = [curves, name](const std::function<void(const fit::TimecourseRow&)>& add) {
        for (const PetabTimecourse& c : curves)
          for (std::size_t i = 0; i < c.times.size(); ++i)
            add({c.pair, c.preequilibration, c.simulation, c.variant, c.times[i], false, c.observable, c.values[i],
                 name});
      };
  }
  io::write_file_atomically(dir / "simulations.tsv", [&](std::ostream& os) {
    io::CsvWriter tsv(os, '\t');
    std::vector<std::string> header = at_best.measurement_header;
    header.push_back("simulation");
    tsv.write_row(header);
    for (std::size_t r = 0; r < at_best.measurement_rows.size(); ++r) {
      for (const auto& c : at_best.measurement_rows[r]) tsv.field(c);
      tsv.field(at_best.simulation[r]).end_row();
    }
  });
  io::Provenance provenance;
  provenance.command = "fit";
  provenance.name = name;
  provenance.inputs = {{"problem", problem_yaml, io::sha256_file(problem_yaml)}};
  provenance.threads = options.threads;
  provenance.start = start_wall;
  report.wall_seconds = fit::write_fit_outputs(dir, outputs, provenance, start);
  out.finish();
  report_note(options.reporter, fmt::format("fit {}: best nllh {:.6g} ({}), {}/{} starts converged, {:.1f} s -> {}",
                                            problem_yaml, report.best_nllh, best.status, report.converged,
                                            report.starts, report.wall_seconds, report.out_dir));
  return report;
}

}  // namespace exvivo::sbml
