#include "commands.hpp"
#include "scenario_counts.hpp"

#include <cstdio>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "analysis/analysis_spec.hpp"
#include "analysis/run_analysis.hpp"
#include "fit/fit_problem.hpp"
#include "fit/run_fit.hpp"
#include "sbml/petab_fit.hpp"
#include "io/yaml_tree.hpp"
#include "model/compiled_model.hpp"
#include "model/sbml_reader.hpp"
#include "scenario/scenario.hpp"
#include "stderr_reporter.hpp"
#include "sweep/run_scenario.hpp"

namespace exvivo::cli {

namespace {

/// Parses "I/N" for --shard.
void parse_shard(const std::string& text, int& index, int& count) {
  const auto slash = text.find('/');
  try {
    if (slash == std::string::npos) throw std::invalid_argument(text);
    std::size_t used = 0;
    index = std::stoi(text.substr(0, slash), &used);
    if (used != slash) throw std::invalid_argument(text);
    count = std::stoi(text.substr(slash + 1), &used);
    if (used != text.size() - slash - 1) throw std::invalid_argument(text);
  } catch (const std::logic_error&) {
    throw OptionError(SourceLocation{}, "--shard", fmt::format("expected I/N such as 2/8, got '{}'", text));
  }
}

void print_warnings(const std::vector<std::string>& warnings) { reporter::StderrReporter().warnings(warnings); }

}  // namespace

int command_run(const RunArgs& args) {
  sweep::RunOptions options;
  options.out_dir = args.out_dir;
  options.threads = args.threads;
  reporter::StderrReporter reporter(args.quiet);
  options.reporter = &reporter;
  options.resume = args.resume;
  if (!args.shard.empty()) parse_shard(args.shard, options.shard_index, options.shard_count);
  options.validate();
  const scenario::Scenario s = scenario::load_scenario(args.scenario);
  print_warnings(s.warnings);
  const sweep::RunReport report = sweep::run_scenario(s, options);
  if (report.already_complete) {
    std::fprintf(stderr, "%s: %s already holds the finished results of this scenario (%zu runs, %zu ok, %zu failed); "
                 "nothing to do\n", s.name.c_str(), report.out_dir.c_str(), report.runs, report.ok, report.failed);
    return report.failed == 0 ? 0 : 1;
  }
  if (!args.quiet)
    std::fprintf(stderr, "%s: %zu runs, %zu ok, %zu failed, %.2f s; results in %s\n", s.name.c_str(), report.runs,
                 report.ok, report.failed, report.wall_seconds, report.out_dir.c_str());
  for (const auto& f : report.failures) std::fprintf(stderr, "failed: %s\n", f.c_str());
  if (report.failed > report.failures.size())
    std::fprintf(stderr, "... and %zu more failures (see runs.csv)\n", report.failed - report.failures.size());
  return report.failed == 0 ? 0 : 1;
}

int command_fit(const FitArgs& args) {
  if (sbml::is_petab_problem(args.fit_file)) {
    sbml::PetabFitOptions petab;
    petab.out_dir = args.out_dir;
    petab.threads = args.threads;
    reporter::StderrReporter petab_reporter(args.quiet);
    petab.reporter = &petab_reporter;
    if (args.starts > 0) petab.starts = args.starts;
    petab.seed = args.seed;
    petab.profile = args.profile;
    petab.solver.rel_tol = 1e-8;
    petab.solver.abs_tol = {1e-12};
    petab.solver.max_steps = 1000000;
    return sbml::run_petab_fit(args.fit_file, petab).ok() ? 0 : 1;
  }
  if (args.starts > 0 || args.seed_given)
    throw OptionError("--starts and --seed apply to PEtab problems only; a fit file sets starts: and seed: itself");
  if (!args.profile.empty())
    throw OptionError("--profile applies to PEtab problems only; a fit file sets uncertainty: {profile: [...]} itself");
  fit::FitOptions options;
  options.out_dir = args.out_dir;
  options.threads = args.threads;
  reporter::StderrReporter reporter(args.quiet);
  options.reporter = &reporter;
  options.validate();
  const fit::FitReport report = fit::run_fit(args.fit_file, options);  // reports its own summary
  return report.ok() ? 0 : 1;
}

int command_analyze(const AnalyzeArgs& args) {
  analysis::AnalysisOptions options;
  options.out_dir = args.out_dir;
  options.threads = args.threads;
  reporter::StderrReporter reporter(args.quiet);
  options.reporter = &reporter;
  options.validate();
  const analysis::AnalysisReport report = analysis::run_analysis(args.analysis_file, options);  // reports its summary
  for (const auto& f : report.failures) std::fprintf(stderr, "failed: %s\n", f.c_str());
  return report.ok() ? 0 : 1;
}

int command_merge(const std::vector<std::string>& dirs, const std::string& out_dir) {
  const sweep::RunReport report = sweep::merge_shards(dirs, out_dir);
  std::fprintf(stderr, "merged %zu shard directories: %zu runs, %zu ok, %zu failed; results in %s\n", dirs.size(),
               report.runs, report.ok, report.failed, out_dir.c_str());
  return report.failed == 0 ? 0 : 1;
}

int command_check(const std::string& file) {
  // An SBML model by its extension; otherwise the top-level key says what kind of file it is.
  const io::YamlNode root =
      model::is_sbml_path(file) ? io::YamlNode{} : io::read_yaml_file(file, io::InputKind::scenario);
  // Analysis files also have a `scenario:` key: test for them first.
  if (root.is_mapping() && root.find("analysis")) {
    const analysis::AnalysisSpec spec = analysis::load_analysis(file);
    print_warnings(spec.scenario->warnings);
    std::printf("%s: analysis '%s' is valid (scenario %s)\n", file.c_str(), spec.name.c_str(), spec.scenario->name.c_str());
    return 0;
  }
  if (root.is_mapping() && root.find("fit")) {
    const fit::FitProblem problem = fit::load_fit_problem(file);
    for (const auto& fs : problem.scenarios) print_warnings(fs.scenario->warnings);
    std::printf("%s: fit file is valid\n", file.c_str());
    return 0;
  }
  if (root.is_mapping() && root.find("scenario")) {
    const scenario::Scenario s = scenario::load_scenario(file, {.native_code = false});
    print_warnings(s.warnings);
    std::printf("%s: scenario '%s' is valid (model %s)\n  %s\n", file.c_str(), s.name.c_str(),
                s.model->name().c_str(), describe_run_counts(s).c_str());
    return 0;
  }
  std::vector<std::string> warnings;
  const model::CompiledModel m = model::load_model(file, &warnings);
  print_warnings(warnings);
  std::printf("%s: model '%s' is valid (%zu species, %zu parameters, %zu observables)\n", file.c_str(),
              m.name().c_str(), m.num_states(), m.num_parameters(), m.num_observables());
  return 0;
}

int command_info(const std::string& file) {
  std::vector<std::string> warnings;
  const model::CompiledModel m = model::load_model(file, &warnings);
  print_warnings(warnings);
  std::printf("model %s: %s\ntime unit: %s\n\n", m.name().c_str(), m.title().c_str(), m.time_unit().c_str());
  std::printf("species (%zu)\n", m.num_states());
  std::printf("  %-14s %-12s %-8s %s\n", "name", "unit", "soluble", "description");
  for (const auto& s : m.species())
    std::printf("  %-14s %-12s %-8s %s\n", s.name.c_str(), s.unit.c_str(), s.soluble ? "yes" : "", s.doc.c_str());
  std::printf("\nparameters (%zu)\n", m.num_parameters());
  std::printf("  %-14s %12s %-14s %-22s %-6s %-5s %s\n", "name", "value", "unit", "bounds", "scale", "donor", "source");
  for (const auto& p : m.parameters()) {
    const std::string bounds = p.has_bounds ? fmt::format("[{:g}, {:g}]", p.lower, p.upper) : "";
    const std::string& source = p.source.empty() ? p.doc : p.source;
    std::printf("  %-14s %12s %-14s %-22s %-6s %-5s %s\n", p.name.c_str(), fmt::format("{:g}", p.value).c_str(),
                p.unit.c_str(), bounds.c_str(), to_string(p.scale), p.donor ? "yes" : "", source.c_str());
  }
  std::printf("\nobservables (%zu)\n", m.num_observables());
  std::printf("  %-20s %-10s %s\n", "name", "unit", "description");
  for (const auto& o : m.observables()) std::printf("  %-20s %-10s %s\n", o.name.c_str(), o.unit.c_str(), o.doc.c_str());
  auto list_sets = [](const char* title, const std::map<std::string, model::ValueSet>& sets) {
    if (sets.empty()) return;
    std::printf("\n%s\n", title);
    for (const auto& [name, values] : sets) {
      std::string items;
      for (const auto& [k, v] : values) items += fmt::format("{}{}={:g}", items.empty() ? "" : ", ", k, v);
      std::printf("  %-12s %s\n", name.c_str(), items.c_str());
    }
  };
  list_sets("donor presets", m.donor_presets());
  list_sets("cultures", m.cultures());
  return 0;
}

}  // namespace exvivo::cli
