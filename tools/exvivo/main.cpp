// exvivo command line (DESIGN.md §4): parses flags and calls the engine; no
// simulation logic lives here. Exit codes: 0 all runs succeeded, 1 some runs
// failed (outputs still written, failures listed), 2 invalid input (nothing
// run), 3 internal error (a bug), 4 failure of the environment (disk full,
// permission denied, read-only file system, out of memory) with the
// operating system's reason.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdio>
#include <exception>
#include <filesystem>
#include <new>
#include <string>
#include <vector>

#include "commands.hpp"
#include "init_command.hpp"
#include "report_command.hpp"
#include "sbml_command.hpp"
#include "core/error.hpp"
#include "core/version.hpp"

int main(int argc, char** argv) {
  using namespace exvivo::cli;
  CLI::App app{"exvivo: simulate ex vivo drug-restoration assays on leukocytes of septic-shock patients"};
  app.set_version_flag("--version", std::string("exvivo ") + exvivo::engine_version);
  app.require_subcommand(1);

  RunArgs run_args;
  auto* run = app.add_subcommand("run", "Run every (donor, arm, sweep sample) of a scenario; write CSV tables and run.json");
  run->add_option("scenario", run_args.scenario, "Scenario file (YAML)")->required();
  run->add_option("-o,--out", run_args.out_dir, "Output directory (default: the scenario's output.dir)");
  run->add_option("--threads", run_args.threads, "Worker threads (default: all cores)")->check(CLI::NonNegativeNumber);
  run->add_option("--shard", run_args.shard, "Compute only shard I of N (runs r with r mod N = I-1), as I/N");
  run->add_flag("--resume", run_args.resume, "Continue an interrupted run in the same output directory, keeping finished chunks");
  run->add_flag("--quiet", run_args.quiet, "No progress on stderr");

  std::vector<std::string> merge_dirs;
  std::string merge_out;
  auto* merge = app.add_subcommand("merge", "Merge the shard directories of `run --shard I/N` into one output");
  merge->add_option("dirs", merge_dirs, "Shard output directories (all N shards)")->required();
  merge->add_option("-o,--out", merge_out, "Merged output directory")->required();

  FitArgs fit_args;
  auto* fit = app.add_subcommand("fit", "Fit model parameters to assay data: multi-start, profiles, confidence intervals");
  fit->add_option("fit", fit_args.fit_file, "Fit file (YAML), or a PEtab problem file (YAML)")->required();
  fit->add_option("--starts", fit_args.starts, "PEtab problems: number of multi-start optimisations (default 20)")
      ->check(CLI::PositiveNumber);
  auto* seed_option = fit->add_option("--seed", fit_args.seed, "PEtab problems: seed of the start points (default 0)");
  fit->add_option("--profile", fit_args.profile,
                  "PEtab problems: profile likelihoods (profiles.csv, profile intervals) of these estimated "
                  "parameterIds (repeat the flag or separate by commas)")
      ->delimiter(',');
  fit->add_option("-o,--out", fit_args.out_dir, "Output directory (default: the fit file's output.dir)");
  fit->add_option("--threads", fit_args.threads, "Worker threads (default: all cores)")->check(CLI::NonNegativeNumber);
  fit->add_flag("--quiet", fit_args.quiet, "No progress on stderr");

  AnalyzeArgs analyze_args;
  auto* analyze = app.add_subcommand(
      "analyze", "Global sensitivity (Sobol, Morris), biomarker ranking (ROC AUC) or D-optimal sampling design");
  analyze->add_option("analysis", analyze_args.analysis_file, "Analysis file (YAML)")->required();
  analyze->add_option("-o,--out", analyze_args.out_dir, "Output directory (default: the file's output.dir, else results/<analysis>)");
  analyze->add_option("--threads", analyze_args.threads, "Worker threads (default: all cores)")->check(CLI::NonNegativeNumber);
  analyze->add_flag("--quiet", analyze_args.quiet, "No progress on stderr");

  std::string report_dir, report_html;
  auto* report = app.add_subcommand(
      "report", "Figures (PNG and SVG in DIR/figures) and one self-contained HTML page for an output directory of run, fit or analyze");
  report->add_option("dir", report_dir, "Output directory of exvivo run, fit or analyze")->required();
  report->add_option("-o,--out", report_html, "HTML page to write (default: DIR/report.html)");
  std::string report_time;
  report->add_option("--time", report_time,
                     "Sample read by dose-response and cohort figures: '24', '24 h', '1440 min', or '24 h-' just "
                     "before an event at 24 h (default: per observable, where the factor moves the readout most)");

  std::string check_file;
  auto* check = app.add_subcommand("check", "Validate a model, scenario, fit or analysis file without simulating");
  check->add_option("file", check_file, "Model (YAML or SBML .xml), scenario, fit or analysis file")->required();

  InitArgs init_args;
  auto* init = app.add_subcommand("init", "Write a commented starter scenario for a model, valid as written");
  init->add_option("model", init_args.model, "Model file, or the name of a bundled model (e.g. leukocyte_exvivo)")
      ->required();
  init->add_option("-o,--out", init_args.out, "Scenario file to write")->required();
  init->add_option("--agent", init_args.agent, "Species that the treated arm adds (default: the first soluble one)");
  init->add_flag("--force", init_args.force, "Overwrite the file if it exists");

  std::string info_file;
  auto* info = app.add_subcommand("info", "Describe a model: species, parameters, observables, units, sources");
  info->add_option("model", info_file, "Model file (YAML or SBML .xml), or the name of a bundled model")->required();

  std::string sbml_case_dir, sbml_case_out;
  auto* sbml_case = app.add_subcommand(
      "sbml-case", "Run one SBML Test Suite case as its settings file asks; write time and the listed variables as CSV");
  sbml_case->add_option("case_dir", sbml_case_dir, "Case directory (NNNNN/ with NNNNN-settings.txt and the SBML files)")->required();
  sbml_case->add_option("-o,--out", sbml_case_out, "CSV file to write")->required();

  PetabEvaluateArgs petab_args;
  auto* petab = app.add_subcommand("petab", "PEtab v1 problems");
  petab->require_subcommand(1);
  auto* petab_evaluate = petab->add_subcommand(
      "evaluate", "Log-likelihood and chi2 of a PEtab problem at its nominal (or given) parameters; simulations.tsv");
  petab_evaluate->add_option("problem", petab_args.problem, "PEtab problem file (YAML)")->required();
  petab_evaluate->add_option("--parameters", petab_args.parameters, "TSV with columns parameterId, value (linear scale)");
  petab_evaluate->add_flag(
      "--gradient", petab_args.gradient,
      "Also the gradient of llh by the estimated parameters on their parameterScale (forward sensitivities)");
  petab_evaluate->add_option("--rel-tol", petab_args.rel_tol, "Relative integration tolerance (default 1e-8)")->check(CLI::PositiveNumber);
  petab_evaluate->add_option("--abs-tol", petab_args.abs_tol, "Absolute integration tolerance (default 1e-12)")->check(CLI::PositiveNumber);
  petab_evaluate
      ->add_option("--evaluator", petab_args.evaluator,
                   "native (default: generated C code, compiled once and cached) or interpreter (same results)")
      ->check(CLI::IsMember({"native", "interpreter"}));
  petab_evaluate->add_option("-o,--out", petab_args.out_dir, "Output directory (evaluation.json, simulations.tsv)")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  try {
    if (*run) return command_run(run_args);
    if (*merge) return command_merge(merge_dirs, merge_out);
    if (*fit) {
      fit_args.seed_given = seed_option->count() > 0;
      return command_fit(fit_args);
    }
    if (*report) return command_report(report_dir, report_html, report_time);
    if (*analyze) return command_analyze(analyze_args);
    if (*check) return command_check(check_file);
    if (*info) return command_info(find_model_file(info_file).empty() ? info_file : find_model_file(info_file));
    if (*init) return command_init(init_args);
    if (*sbml_case) return command_sbml_case(sbml_case_dir, sbml_case_out);
    if (*petab_evaluate) return command_petab_evaluate(petab_args);
  } catch (const exvivo::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  } catch (const exvivo::EnvironmentError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return e.is_bad_path() ? 2 : 4;
  } catch (const std::filesystem::filesystem_error& e) {
    // From std::filesystem calls: the errno tells a wrong path (2) from a failing environment (4).
    const exvivo::EnvironmentError env(e.what(), e.code().value());
    std::fprintf(stderr, "error: %s\n", e.what());
    return env.is_bad_path() ? 2 : 4;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "error: out of memory\n");
    return 4;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "internal error: %s\n", e.what());
    return 3;
  }
  return 3;
}
