// solve(Run) on compiled model files: the path real runs take (model compiler
// → ModelOdeSystem → integrate → observables).
#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>

#include "model/compiled_model.hpp"
#include "solve/reference_problems.hpp"
#include "solve/solve.hpp"
#include "solve/solve_test_helpers.hpp"

using namespace exvivo;
using namespace exvivo::testing;
using Catch::Matchers::EndsWith;
using Catch::Matchers::StartsWith;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using Kind = solve::EventAction::Kind;

namespace {

const model::CompiledModel& load(const std::string& name) {
  static std::map<std::string, model::CompiledModel> cache;
  auto it = cache.find(name);
  if (it == cache.end())
    it = cache.emplace(name, model::load_model(std::string(EXVIVO_SOURCE_DIR) + "/models/" + name)).first;
  return it->second;
}

solve::Run make_run(const model::CompiledModel& m, const std::vector<double>& times) {
  solve::Run run;
  run.model = &m;
  run.parameters = m.default_parameters();
  run.samples = sample_times(times);
  return run;
}

}  // namespace

TEST_CASE("solve() on models/decay.yaml reproduces the closed form, with a dose", "[solve][model]") {
  const auto& m = load("decay.yaml");  // x' = -k x, k = 0.5 1/h, x0 = 1
  auto run = make_run(m, {0, 1, 2, 4, 10});
  run.events = {{2, {{Kind::add, 0, 3.0}}}};
  const auto options = tolerances("auto", 1e-10, 1e-14);
  const auto sol = solve::solve(run, options);
  REQUIRE(sol.ok());
  REQUIRE(sol.completed == 5);
  REQUIRE(sol.observables.cols() == 2);
  auto exact = [](double t) { return std::exp(-0.5 * t) + (t >= 2 ? 3 * std::exp(-0.5 * (t - 2)) : 0.0); };
  const auto x_obs = *m.observable_index("x_obs");
  const auto x_analytic = *m.observable_index("x_analytic");
  for (std::size_t k = 0; k < 5; ++k) {
    const double t = run.samples[k].time;
    INFO("t = " << t);
    CHECK_THAT(sol.states(static_cast<Eigen::Index>(k), 0), WithinRel(exact(t), 1e-8));
    CHECK_THAT(sol.observables(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(x_obs)),
               WithinRel(exact(t), 1e-8));
    // the observable of the closed form without the dose evaluates at the sample time
    CHECK_THAT(sol.observables(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(x_analytic)),
               WithinRel(std::exp(-0.5 * t), 1e-12));
  }
  CHECK(sol.stats.steps > 0);
  CHECK(sol.stats.method == "rk45");
}

TEST_CASE("initial overrides replace x0(p)", "[solve][model]") {
  const auto& m = load("decay.yaml");
  auto run = make_run(m, {1});
  run.initial_overrides = {{0, 4.0}};
  const auto sol = solve::solve(run, tolerances("rodas4", 1e-10, 1e-14));
  REQUIRE(sol.ok());
  CHECK_THAT(sol.states(0, 0), WithinRel(4 * std::exp(-0.5), 1e-8));
}

TEST_CASE("models/hires.yaml matches the test-set reference to 7 digits", "[solve][model][reference]") {
  const auto& m = load("hires.yaml");
  const auto sol = solve::solve(make_run(m, {Hires::t_reference}), tolerances("auto", 1e-11, 1e-14));
  REQUIRE(sol.ok());
  for (std::size_t i = 0; i < Hires::reference.size(); ++i) {
    INFO("y" << i + 1);
    CHECK(significant_digits(sol.states(0, static_cast<Eigen::Index>(i)), Hires::reference[i]) >= 7.0);
  }
}

TEST_CASE("models/vdp.yaml (signed states) matches the test-set reference to 7 digits",
          "[solve][model][reference]") {
  const auto& m = load("vdp.yaml");
  const auto sol = solve::solve(make_run(m, {VanDerPol::t_reference}), tolerances("rodas4", 1e-11, 1e-11));
  REQUIRE(sol.ok());
  for (std::size_t i = 0; i < VanDerPol::reference.size(); ++i) {
    INFO("y" << i + 1);
    CHECK(significant_digits(sol.states(0, static_cast<Eigen::Index>(i)), VanDerPol::reference[i]) >= 7.0);
  }
}

TEST_CASE("the leukocyte model runs 72 h under auto and rodas4 alike, never negative",
          "[solve][model]") {
  const auto& m = load("leukocyte_exvivo.yaml");
  std::vector<double> times;
  for (int i = 0; i <= 72; i += 2) times.push_back(i);
  const auto a = solve::solve(make_run(m, times), tolerances("auto", 1e-8, 1e-12));
  const auto b = solve::solve(make_run(m, times), tolerances("rodas4", 1e-8, 1e-12));
  INFO(a.message << b.message);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a.states.minCoeff() >= 0.0);
  for (Eigen::Index k = 0; k < a.states.rows(); ++k)
    for (Eigen::Index i = 0; i < a.states.cols(); ++i)
      CHECK_THAT(a.states(k, i), WithinRel(b.states(k, i), 1e-5) || WithinAbs(b.states(k, i), 1e-9));
}

TEST_CASE("failure messages name the model's species and time unit", "[solve][model][failure]") {
  const auto& m = load("decay.yaml");
  auto run = make_run(m, {0.5, 1, 10});
  run.parameters[*m.parameter_index("k")] = -1000;  // runaway growth: overflows near t = 0.71 h
  const auto sol = solve::solve(run, tolerances("auto", 1e-6, 1e-9));
  INFO(sol.message);
  CHECK(sol.status == solve::Status::non_finite);
  CHECK_THAT(sol.message, StartsWith("At t = 0.7"));
  CHECK_THAT(sol.message, EndsWith(" h): species x became inf"));
  CHECK(sol.completed == 1);
  CHECK(std::isnan(sol.observables(1, 0)));
}

TEST_CASE("solve() rejects a Run without a model or with a wrong parameter vector", "[solve][model]") {
  solve::Run run;
  CHECK_THROWS_AS(solve::solve(run, {}), std::invalid_argument);
  const auto& m = load("decay.yaml");
  run = make_run(m, {1});
  run.parameters.pop_back();
  CHECK_THROWS_WITH(solve::solve(run, {}),
                    "solve: Run.parameters has 1 values, model 'decay' has 2 parameters");
}
