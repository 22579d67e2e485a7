#include "sbml/petab_fit.hpp"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "core/bounds.hpp"
#include "core/error.hpp"
#include "core/scale.hpp"
#include "core/version.hpp"
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

}  // namespace

bool is_petab_problem(const std::string& yaml) {
  try {
    const io::YamlNode root = io::read_yaml_file(yaml, io::InputKind::scenario);
    return root.find("problems") != nullptr && root.find("parameter_file") != nullptr;
  } catch (const Error&) {
    return false;
  }
}

PetabFitReport run_petab_fit(const std::string& problem_yaml, const PetabFitOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const PetabProblem loaded(problem_yaml, options.solver);
  std::vector<PetabParameter> estimated;
  for (const auto& p : loaded.parameters())
    if (p.estimate) estimated.push_back(p);
  if (estimated.empty()) throw DataError(problem_yaml + ": no parameter has estimate = 1: nothing to fit");
  const auto nt = static_cast<Index>(estimated.size());
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

  PetabFitReport report;
  report.out_dir =
      options.out_dir.empty() ? (fs::path("results") / fs::path(problem_yaml).stem()).string() : options.out_dir;
  const fs::path dir(report.out_dir);
  io::OutputDir out(
      dir,
      {"fit", fs::path(problem_yaml).stem().string(), io::sha256_hex(io::sha256_file(problem_yaml) + engine_version)},
      false);
  out.claim({"estimates.csv", "starts.csv", "simulations.tsv", "fit.json"});

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

  std::vector<fit::Interval> intervals(static_cast<std::size_t>(nt));
  if (usable && best.jacobian.size() > 0) intervals = fit::fim_intervals(best.jacobian, best.theta);
  io::write_csv_file(dir / "estimates.csv", [&](io::CsvWriter& csv) {
    csv.write_row({"parameter", "donor", "value", "scale", "lower95", "upper95", "method"});
    for (Index k = 0; k < nt; ++k) {
      const PetabParameter& p = estimated[static_cast<std::size_t>(k)];
      const auto bound = [&](double t) { return std::isnan(t) ? t : from_scale(p.scale, t); };
      const fit::Interval& i = intervals[static_cast<std::size_t>(k)];
      csv.field(p.id)
          .field("")
          .field(from_scale(p.scale, best.theta[k]))
          .field(p.scale)
          .field(bound(i.lower))
          .field(bound(i.upper))
          .field(usable ? "fim" : "none")
          .end_row();
    }
  });
  io::write_csv_file(dir / "starts.csv", [&](io::CsvWriter& csv) {
    csv.field("start").field("nllh").field("iterations").field("status").field("wall_ms");
    for (const auto& p : estimated) csv.field(p.id);
    csv.end_row();
    for (const auto& s : starts) {
      csv.field(s.start)
          .field(s.result.cost + constant)
          .field(s.result.iterations)
          .field(s.result.status)
          .field(s.wall_ms);
      for (Index k = 0; k < nt; ++k)
        csv.field(from_scale(estimated[static_cast<std::size_t>(k)].scale, s.result.theta[k]));
      csv.end_row();
    }
  });
  io::write_file_atomically(dir / "simulations.tsv", [&](std::ostream& os) {
    io::CsvWriter tsv(os, '\t');
    std::vector<std::string> header = at_best.measurement_header;
    header.push_back("simulation");
    tsv.write_row(header);
    for (std::size_t r = 0; r < at_best.measurement_rows.size(); ++r) {
      for (const auto& cell : at_best.measurement_rows[r]) tsv.field(cell);
      tsv.field(at_best.simulation[r]).end_row();
    }
  });
  report.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  nlohmann::json j;
  j["fit"] = fs::path(problem_yaml).stem().string();
  j["format"] = "PEtab v1";
  j["engine_version"] = engine_version;
  j["git_revision"] = git_revision;
  j["problem_file"] = problem_yaml;
  j["problem_sha256"] = io::sha256_file(problem_yaml);
  j["parameters"] = nt;
  j["seed"] = options.seed;
  j["starts"] = report.starts;
  j["starts_converged"] = report.converged;
  int at_best_count = 0;
  for (const auto& s : starts) at_best_count += s.result.cost - best.cost < 0.1 ? 1 : 0;
  j["starts_at_best"] = at_best_count;
  j["best"] = {{"nllh", report.best_nllh},
               {"status", best.status},
               {"message", best.message},
               {"iterations", best.iterations},
               {"start", starts.front().start}};
  nlohmann::json est = nlohmann::json::object();
  for (Index k = 0; k < nt; ++k)
    est[estimated[static_cast<std::size_t>(k)].id] =
        from_scale(estimated[static_cast<std::size_t>(k)].scale, best.theta[k]);
  j["estimates"] = est;
  j["wall_seconds"] = report.wall_seconds;
  io::write_file_atomically(dir / "fit.json", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  out.finish();
  report_note(options.reporter, fmt::format("fit {}: best nllh {:.6g} ({}), {}/{} starts converged, {:.1f} s -> {}",
                                            problem_yaml, report.best_nllh, best.status, report.converged,
                                            report.starts, report.wall_seconds, report.out_dir));
  return report;
}

}  // namespace exvivo::sbml
