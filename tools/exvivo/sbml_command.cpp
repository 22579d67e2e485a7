#include "sbml_command.hpp"

#include <cstdio>

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
