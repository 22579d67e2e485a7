#include "analysis/run_analysis.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "analysis/analysis_steps.hpp"
#include "core/check.hpp"
#include "core/parallel.hpp"
#include "core/text.hpp"
#include "core/version.hpp"
#include "io/atomic_file.hpp"
#include "io/csv_writer.hpp"
#include "io/output_dir.hpp"
#include "io/provenance.hpp"
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

  for (const auto& w : spec.scenario->warnings) report_warning(options.reporter, w);
  nlohmann::ordered_json j;
  j["time_unit"] = spec.scenario->model->time_unit();
  nlohmann::ordered_json units = nlohmann::ordered_json::object();
  for (const auto& o : spec.scenario->model->observables()) units[o.name] = o.unit;
  j["observable_units"] = units;

  const auto progress = [&](const char* what) {
    report_note(options.reporter, fmt::format("analysis {}: {} ...", spec.name, what));
  };
  with_threads(options.threads, [&] {
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
  io::Provenance provenance;
  provenance.command = "analysis";
  provenance.name = spec.name;
  provenance.inputs = {{"analysis", analysis_file, io::sha256_file(analysis_file)},
                       {"scenario", spec.scenario_file, io::sha256_file(spec.scenario_file)},
                       {"model", spec.scenario->model_file, io::sha256_file(spec.scenario->model_file)}};
  provenance.threads = options.threads;
  provenance.start = start_wall;
  provenance.wall_seconds = report.wall_seconds;
  io::write_provenance(dir / "analysis.json", provenance, j);
  out.finish();
  report_note(options.reporter, fmt::format("analysis {}: {} model solves, {} failed, {:.1f} s -> {}", spec.name,
                                            report.runs, report.failed, report.wall_seconds, report.out_dir));
  return report;
}

}  // namespace exvivo::analysis
