// Solves the first run of a bundled scenario through the installed engine and
// prints its first observable at every sample time: "time value" lines.
#include <cstdio>
#include <string>

#include "core/error.hpp"
#include "core/version.hpp"
#include "scenario/run_plan.hpp"
#include "scenario/scenario.hpp"
#include "solve/solve.hpp"

int main(int argc, char** argv) {
  const std::string file = argc > 1 ? argv[1] : std::string(EXVIVO_SHARE_DIR) + "/scenarios/one_compartment_dosing.yaml";
  try {
    const exvivo::scenario::Scenario s = exvivo::scenario::load_scenario(file);
    const exvivo::scenario::RunPlan plan(s);
    const exvivo::solve::Solution sol = exvivo::solve::solve(plan.make_run(0), s.solver);
    if (!sol.ok()) {
      std::fprintf(stderr, "run 0 failed: %s\n", sol.message.c_str());
      return 1;
    }
    std::printf("exvivo %s (%s): %s, %zu runs\n", exvivo::engine_version, exvivo::git_revision, s.name.c_str(), plan.size());
    for (Eigen::Index i = 0; i < sol.observables.rows(); ++i)
      std::printf("%.17g %.17g\n", s.samples[static_cast<std::size_t>(i)].time, sol.observables(i, 0));
  } catch (const exvivo::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
  return 0;
}
