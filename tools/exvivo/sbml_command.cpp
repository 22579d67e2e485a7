#include "sbml_command.hpp"

#include <cstdio>

#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>

#include "io/atomic_file.hpp"
#include "io/csv_writer.hpp"
#include "sbml/petab.hpp"
#include "sbml/sbml_case.hpp"

namespace exvivo::cli {

int command_sbml_case(const std::string& case_dir, const std::string& out_file) {
  const sbml::SbmlCaseResult result = sbml::run_sbml_case(case_dir);
  sbml::write_sbml_case_csv(out_file, result);
  if (result.status != solve::Status::ok) {
    std::fprintf(stderr, "error: %s: %s\n", case_dir.c_str(), result.message.c_str());
    return 1;
  }
  return 0;
}

}  // namespace exvivo::cli

namespace exvivo::cli {

int command_petab_evaluate(const PetabEvaluateArgs& args) {
  solve::SolverOptions options;
  options.rel_tol = args.rel_tol;
  options.abs_tol = {args.abs_tol};
  options.max_steps = 1000000;
  options.timeout = 600;
  const std::map<std::string, double> overrides =
      args.parameters.empty() ? std::map<std::string, double>{} : sbml::read_petab_parameter_values(args.parameters);
  options.evaluator = args.evaluator;
  const sbml::PetabProblem problem(args.problem, options);
  if (!problem.native_unavailable().empty())
    std::fprintf(stderr,
                 "warning: %s: native code for the model is not available (%s); using the interpreter, which gives "
                 "the same results more slowly\n",
                 args.problem.c_str(), problem.native_unavailable().c_str());
  const sbml::PetabEvaluation e = problem.evaluate(overrides, args.gradient);
  std::filesystem::create_directories(args.out_dir);
  nlohmann::json j;
  j["llh"] = e.llh;
  j["chi2"] = e.chi2;
  j["evaluator"] = problem.evaluator();
  if (args.gradient) {
    nlohmann::json g = nlohmann::json::object();
    for (const auto& [id, v] : e.gradient) g[id] = v;
    j["gradient"] = g;
  }
  io::write_file_atomically(std::filesystem::path(args.out_dir) / "evaluation.json", j.dump(2) + "\n");
  io::write_file_atomically(std::filesystem::path(args.out_dir) / "simulations.tsv", [&](std::ostream& os) {
    io::CsvWriter tsv(os, '\t');
    std::vector<std::string> header = e.measurement_header;
    header.push_back("simulation");
    tsv.write_row(header);
    for (std::size_t r = 0; r < e.measurement_rows.size(); ++r) {
      for (const auto& cell : e.measurement_rows[r]) tsv.field(cell);
      tsv.field(e.simulation[r]).end_row();
    }
  });
  std::printf("llh = %.17g\nchi2 = %.17g\n", e.llh, e.chi2);
  return 0;
}

}  // namespace exvivo::cli
