#pragma once
// run_analysis: the whole of `exvivo analyze ANALYSIS.yaml` (DESIGN.md §6b).
//
// Loads the analysis file (analysis_spec.hpp), runs each section it holds and
// writes, in the output directory (options.out_dir, else the file's
// output.dir, else results/<analysis>):
//
//   sensitivity.csv  Sobol:  output,parameter,S1,S1_lo,S1_hi,ST,ST_lo,ST_hi
//                    Morris: output,parameter,mu_star,mu_star_lo,mu_star_hi,sigma
//                    (sobol_indices.hpp, morris.hpp; intervals 95 % percentile
//                    bootstrap; mu_star in output units per whole range)
//   biomarkers.csv   biomarker,auc,auc_lo,auc_hi,threshold,sensitivity,specificity,direction
//                    sorted by auc (descending). auc = max(AUC, 1 − AUC): the
//                    DESIGN columns, plus `direction` = higher | lower saying
//                    whether a higher or a lower marker predicts response
//                    (roc.hpp); threshold in the marker's unit
//   roc.csv          biomarker,threshold,sensitivity,specificity,fpr,tpr: the
//                    empirical ROC curve of each biomarker in its direction
//                    (fpr = 1 − specificity, tpr = sensitivity), first point at
//                    threshold ±Inf
//   design.csv       rank,times,doses,criterion: the best designs, times (model
//                    time unit) and doses (the candidates' unit) joined by ';',
//                    doses empty when not chosen; criterion = log det of the
//                    Fisher information on the parameters' scales (d_optimal.hpp,
//                    design_information.hpp)
//   analysis.json    versions, input SHA-256s, seeds, counts of model runs and
//                    failures, per section a summary (best design, responders, …)
//                    and timing {plain_solves, plain_seconds, sensitivity_solves,
//                    sensitivity_seconds} (fit/solve_timing.hpp; sensitivities
//                    are used by the design section)
//
// Every model run is independent and runs in parallel (TBB, options.threads);
// results depend only on the analysis file and seeds, not on the thread count.
// Throws the loaders' input errors (CLI exit 2), a ScenarioError located at
// `biomarkers.response` when every or no cohort member responds, and
// OptionError for bad options. Failed model runs do not throw: their outputs
// are NaN (the indices of that output are then NaN), biomarker analyses leave
// those members out, design information leaves those wells out; ok() is then
// false (CLI exit 1).
#include <cstddef>
#include <string>
#include <vector>

#include "analysis/bootstrap.hpp"
#include "core/reporter.hpp"
#include "analysis/roc.hpp"
#include "fit/solve_timing.hpp"

namespace exvivo::analysis {

struct AnalysisOptions {
  std::string out_dir;  ///< "" = the analysis file's output.dir (default results/<analysis>)
  int threads = 0;      ///< 0 = all cores
  Reporter* reporter = nullptr;  ///< notes and warnings (core/reporter.hpp); nullptr: none

  /// Throws OptionError naming the bad flag.
  void validate() const;
};

struct SensitivityRow {
  std::string output, parameter;
  double s1 = 0, st = 0;                 ///< Sobol
  ConfidenceInterval s1_ci, st_ci;
  double mu_star = 0, sigma = 0;         ///< Morris
  ConfidenceInterval mu_star_ci;
};

struct BiomarkerRow {
  std::string biomarker;
  double auc = 0;
  ConfidenceInterval auc_ci;
  double threshold = 0, sensitivity = 0, specificity = 0;
  bool higher = true;                    ///< direction
  std::vector<RocPoint> curve;           ///< roc.csv rows of this biomarker
};

struct DesignRow {
  std::size_t rank = 0;                  ///< 1 = best
  std::vector<double> times;             ///< model time unit
  std::vector<double> doses;             ///< candidate unit; empty when not chosen
  double criterion = 0;                  ///< log det F
};

struct AnalysisReport {
  std::string name;
  std::string out_dir;
  std::size_t runs = 0;                  ///< model solves
  /// Those solves without and with sensitivities (the design section's) and
  /// their seconds: analysis.json's `timing`, as fit.json's.
  fit::SolveTiming timing;
  std::size_t failed = 0;
  std::vector<std::string> failures;     ///< the first few messages
  std::vector<SensitivityRow> sensitivity;
  std::vector<BiomarkerRow> biomarkers;
  std::vector<DesignRow> design;
  double wall_seconds = 0;

  bool ok() const { return failed == 0; }
};

AnalysisReport run_analysis(const std::string& analysis_file, const AnalysisOptions& options);

}  // namespace exvivo::analysis
