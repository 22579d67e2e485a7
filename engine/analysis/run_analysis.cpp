#include "analysis/run_analysis.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>

#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <tbb/task_arena.h>

#include "analysis/analysis_steps.hpp"
#include "core/check.hpp"
#include "core/text.hpp"
#include "core/version.hpp"
#include "io/atomic_file.hpp"
#include "io/csv_writer.hpp"
#include "io/output_dir.hpp"
#include "io/sha256.hpp"

namespace exvivo::analysis {

namespace fs = std::filesystem;

void AnalysisOptions::validate() const {
  check_thread_count(threads);
}

namespace {


std::string join_values(const std::vector<double>& values) {
  std::string s;
  for (const double v : values) {
    if (!s.empty()) s += ';';
    s += io::format_double(v);
  }
  return s;
}

void write_sensitivity(const fs::path& path, const std::vector<SensitivityRow>& rows, bool sobol) {
  io::write_csv_file(path, [&](io::CsvWriter& csv) {
    if (sobol) {
      csv.write_row({"output", "parameter", "S1", "S1_lo", "S1_hi", "ST", "ST_lo", "ST_hi"});
      for (const auto& r : rows)
        csv.field(r.output).field(r.parameter).field(r.s1).field(r.s1_ci.lower).field(r.s1_ci.upper)
            .field(r.st).field(r.st_ci.lower).field(r.st_ci.upper).end_row();
    } else {
      csv.write_row({"output", "parameter", "mu_star", "mu_star_lo", "mu_star_hi", "sigma"});
      for (const auto& r : rows)
        csv.field(r.output).field(r.parameter).field(r.mu_star).field(r.mu_star_ci.lower)
            .field(r.mu_star_ci.upper).field(r.sigma).end_row();
    }
  });
}

void write_biomarkers(const fs::path& path, const std::vector<BiomarkerRow>& rows) {
  io::write_csv_file(path, [&](io::CsvWriter& csv) {
    csv.write_row({"biomarker", "auc", "auc_lo", "auc_hi", "threshold", "sensitivity", "specificity", "direction"});
    for (const auto& r : rows)
      csv.field(r.biomarker).field(r.auc).field(r.auc_ci.lower).field(r.auc_ci.upper).field(r.threshold)
          .field(r.sensitivity).field(r.specificity).field(r.higher ? "higher" : "lower").end_row();
  });
}

void write_roc(const fs::path& path, const std::vector<BiomarkerRow>& rows) {
  io::write_csv_file(path, [&](io::CsvWriter& csv) {
    csv.write_row({"biomarker", "threshold", "sensitivity", "specificity", "fpr", "tpr"});
    for (const auto& r : rows)
      for (const RocPoint& p : r.curve)
        csv.field(r.biomarker).field(p.threshold).field(p.sensitivity).field(p.specificity)
            .field(1 - p.specificity).field(p.sensitivity).end_row();
  });
}

void write_design(const fs::path& path, const std::vector<DesignRow>& rows) {
  io::write_csv_file(path, [&](io::CsvWriter& csv) {
    csv.write_row({"rank", "times", "doses", "criterion"});
    for (const auto& r : rows)
      csv.field(static_cast<std::uint64_t>(r.rank)).field(join_values(r.times)).field(join_values(r.doses))
          .field(r.criterion).end_row();
  });
}

}  // namespace

AnalysisReport run_analysis(const std::string& analysis_file, const AnalysisOptions& options) {
  options.validate();
  const auto start = std::chrono::steady_clock::now();
  const auto start_wall = std::chrono::system_clock::now();
  const AnalysisSpec spec = load_analysis(analysis_file);
  AnalysisReport report;
  report.name = spec.name;
  report.out_dir = options.out_dir.empty() ? spec.output_dir : options.out_dir;
  const fs::path dir(report.out_dir);
  // The directory is this analysis's (io/output_dir.hpp): refused before any work when it is not.
  io::OutputDir out(dir,
                    {"analyze", spec.name,
                     io::sha256_hex(io::sha256_file(analysis_file) + io::sha256_file(spec.scenario_file) +
                                    io::sha256_file(spec.scenario->model_file) + engine_version)},
                    false);
  out.claim({"sensitivity.csv", "biomarkers.csv", "roc.csv", "design.csv", "analysis.json"});

  nlohmann::json j;
  j["analysis"] = spec.name;
  j["engine_version"] = engine_version;
  j["git_revision"] = git_revision;
  j["analysis_file"] = utf8_or_escaped(analysis_file);
  j["analysis_sha256"] = io::sha256_file(analysis_file);
  j["scenario_sha256"] = io::sha256_file(spec.scenario_file);
  j["model_sha256"] = io::sha256_file(spec.scenario->model_file);
  j["threads"] = options.threads;
  j["time_unit"] = spec.scenario->model->time_unit();
  nlohmann::json units = nlohmann::json::object();
  for (const auto& o : spec.scenario->model->observables()) units[o.name] = o.unit;
  j["observable_units"] = units;

  tbb::task_arena arena(options.threads > 0 ? options.threads : tbb::task_arena::automatic);
  const auto progress = [&](const char* what) {
    if (!options.quiet) std::fprintf(stderr, "analysis %s: %s ...\n", spec.name.c_str(), what);
  };
  arena.execute([&] {
    if (spec.sensitivity) {
      progress("sensitivity");
      j["sensitivity"] = run_sensitivity(spec, *spec.sensitivity, report);
      write_sensitivity(dir / "sensitivity.csv", report.sensitivity,
                        spec.sensitivity->method == SensitivitySpec::Method::sobol);
    }
    if (spec.biomarkers) {
      progress("biomarkers");
      j["biomarkers"] = run_biomarkers(spec, *spec.biomarkers, report);
      write_biomarkers(dir / "biomarkers.csv", report.biomarkers);
      write_roc(dir / "roc.csv", report.biomarkers);
    }
    if (spec.design) {
      progress("design");
      j["design"] = run_design(spec, *spec.design, report);
      write_design(dir / "design.csv", report.design);
    }
  });

  report.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  j["model_solves"] = report.runs;
  j["failed_solves"] = report.failed;
  j["failures"] = report.failures;
  j["timing"] = report.timing;
  j["start_time"] = utc_timestamp(start_wall);
  j["end_time"] = utc_timestamp(std::chrono::system_clock::now());
  j["wall_seconds"] = report.wall_seconds;
  io::write_file_atomically(dir / "analysis.json", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  out.finish();
  if (!options.quiet)
    std::fprintf(stderr, "analysis %s: %zu model solves, %zu failed, %.1f s -> %s\n", spec.name.c_str(), report.runs,
                 report.failed, report.wall_seconds, report.out_dir.c_str());
  return report;
}

}  // namespace exvivo::analysis
