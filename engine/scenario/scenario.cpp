// load_scenario: reading (scenario_reader.cpp), validation (scenario_validation.cpp)
// and planning (scenario_planning.cpp) of a scenario file by detail::Loader.
#include "scenario/scenario.hpp"

#include "scenario/scenario_loader.hpp"

namespace exvivo::scenario {

const char* to_string(SweepDesign d) {
  switch (d) {
    case SweepDesign::grid: return "grid";
    case SweepDesign::lhs: return "lhs";
    case SweepDesign::sobol: return "sobol";
    case SweepDesign::random: return "random";
  }
  return "?";
}

Scenario load_scenario(const std::string& path, const LoadOptions& options) {
  return detail::Loader(path, options).load();
}

}  // namespace exvivo::scenario
