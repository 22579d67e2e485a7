// Native code against the interpreter on every bundled scenario
// (scenarios/*.yaml whose first key is `scenario:`, globbed so new ones are
// covered): up to 8 runs spread over each scenario's run plan are solved with
// both evaluators and must agree to 1e-12 relative in every state and
// observable at every sample, with the same status and step counts.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "model/native_code.hpp"
#include "scenario/run_plan.hpp"
#include "scenario/scenario.hpp"
#include "solve/solve.hpp"

using namespace exvivo;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> bundled_scenarios() {
  std::vector<std::string> paths;
  for (const auto& entry : fs::directory_iterator(std::string(EXVIVO_SOURCE_DIR) + "/scenarios")) {
    if (entry.path().extension() != ".yaml") continue;
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line))
      if (!line.empty() && line[0] != '#') break;
    if (line.rfind("scenario:", 0) == 0) paths.push_back(entry.path().string());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

bool agree(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return a == b || std::abs(a - b) <= 1e-12 * std::max(std::abs(a), std::abs(b));
}

bool agree(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
  for (Eigen::Index i = 0; i < a.size(); ++i)
    if (!agree(a.data()[i], b.data()[i])) return false;
  return true;
}

}  // namespace

TEST_CASE("every bundled scenario gives the same results with native code and the interpreter", "[native]") {
  const std::vector<std::string> files = bundled_scenarios();
  REQUIRE(files.size() >= 10);
  for (const std::string& file : files) {
    INFO(file);
    const scenario::Scenario native = scenario::load_scenario(file);
    INFO((native.warnings.empty() ? std::string() : native.warnings.front()));
    REQUIRE(native.evaluator.used == "native");
    REQUIRE(model::is_native(*native.model));
    scenario::Scenario interpreted = scenario::load_scenario(file, {.native_code = false});
    REQUIRE_FALSE(model::is_native(*interpreted.model));

    const scenario::RunPlan plan_native(native), plan_interpreted(interpreted);
    REQUIRE(plan_native.size() == plan_interpreted.size());
    const std::size_t n = plan_native.size(), picks = std::min<std::size_t>(n, 8);
    for (std::size_t k = 0; k < picks; ++k) {
      const std::size_t run = k * n / picks;
      INFO("run " << run);
      const solve::Solution a = solve::solve(plan_native.make_run(run), native.solver);
      const solve::Solution b = solve::solve(plan_interpreted.make_run(run), interpreted.solver);
      CHECK(a.status == b.status);
      CHECK(a.stats.steps == b.stats.steps);
      CHECK(a.stats.rhs_evals == b.stats.rhs_evals);
      CHECK(agree(a.states, b.states));
      CHECK(agree(a.observables, b.observables));
    }
  }
}

TEST_CASE("solver.evaluator selects the interpreter and is validated", "[native]") {
  const fs::path dir = fs::path(EXVIVO_BINARY_DIR) / "test-native-scenarios";
  fs::create_directories(dir);
  const std::string model = std::string(EXVIVO_SOURCE_DIR) + "/models/one_compartment.yaml";
  const auto write = [&](const std::string& name, const std::string& evaluator) {
    const fs::path p = dir / name;
    std::ofstream(p) << "scenario: s\nmodel: " << model << "\nsolver: {evaluator: " << evaluator
                     << "}\nsamples: {times: [1 h, 2 h]}\n";
    return p.string();
  };
  const scenario::Scenario s = scenario::load_scenario(write("interp.yaml", "interpreter"));
  CHECK(s.evaluator.used == "interpreter");
  CHECK_FALSE(model::is_native(*s.model));
  CHECK(s.warnings.empty());
  try {
    scenario::load_scenario(write("bad.yaml", "jit"));
    FAIL("no error for evaluator: jit");
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Catch::Matchers::Contains("bad.yaml:3:") &&
                             Catch::Matchers::Contains("solver.evaluator") && Catch::Matchers::Contains("native"));
  }
}
