// Forward sensitivities against central finite differences of the state-only
// integration, through every kind of protocol event.
#include <algorithm>
#include <cmath>
#include <string>

#include <catch2/catch.hpp>

#include "fit/sensitivity.hpp"
#include "fit/sensitivity_system.hpp"
#include "model/compiled_model.hpp"
#include "fit/fit_fixture.hpp"
#include "fit/fit_problem.hpp"
#include "fit/objective.hpp"
#include "model/native_code.hpp"
#include "scenario/run_plan.hpp"
#include "scenario/scenario.hpp"
#include "scenario/scenario_fixture.hpp"

using namespace exvivo;
using Eigen::MatrixXd;
using solve::EventAction;

namespace {

std::string model_path(const std::string& name) { return std::string(EXVIVO_SOURCE_DIR) + "/models/" + name; }

std::size_t species(const model::CompiledModel& m, const std::string& name) { return *m.species_index(name); }
std::size_t parameter(const model::CompiledModel& m, const std::string& name) { return *m.parameter_index(name); }

/// The leukocyte model with GM-CSF 1 ng/mL at 0 h and LPS 10 ng/mL at 24 h,
/// sampled at `times` (h).
solve::Run gmcsf_then_lps(const model::CompiledModel& m, const std::vector<double>& times) {
  solve::Run run;
  run.model = &m;
  run.parameters = m.default_parameters();
  run.events = {{0, {{EventAction::Kind::add, species(m, "GMCSF"), 1.0}}},
                {24, {{EventAction::Kind::add, species(m, "LPS"), 10.0}}}};
  for (double t : times) run.samples.push_back({t, false});
  return run;
}

/// Checks ∂y/∂p_k and ∂x/∂p_k against central differences with relative step
/// 1e-4: within `rel` of each other, or, for sensitivities that are tiny compared
/// with the output's largest sensitivity, within `rel` of that largest one plus
/// the differences' noise floor rel_tol·|y|/h (the integrator's error divided by the step).
void check_against_finite_differences(const solve::Run& run, const std::vector<std::size_t>& params,
                                      const solve::SolverOptions& options, double rel) {
  const fit::SensitivityResult sens = fit::solve_with_sensitivities(run, params, options);
  REQUIRE(sens.ok());
  for (std::size_t c = 0; c < params.size(); ++c) {
    const double p = run.parameters[params[c]];
    const double h = 1e-4 * std::max(std::abs(p), 1e-3);
    solve::Run up = run, down = run;
    up.parameters[params[c]] = p + h;
    down.parameters[params[c]] = p - h;
    const auto a = fit::solve_with_sensitivities(up, {}, options);
    const auto b = fit::solve_with_sensitivities(down, {}, options);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    const MatrixXd dy = (a.observables - b.observables) / (2 * h);
    const MatrixXd dx = (a.states - b.states) / (2 * h);
    const auto floor = [&](const MatrixXd& d, const MatrixXd& v, Eigen::Index col) {
      return rel * d.col(col).cwiseAbs().maxCoeff() +
             options.rel_tol * std::max(1.0, v.col(col).cwiseAbs().maxCoeff()) / h;
    };
    for (std::size_t s = 0; s < run.samples.size(); ++s) {
      const auto row = static_cast<Eigen::Index>(s);
      for (Eigen::Index o = 0; o < dy.cols(); ++o) {
        CAPTURE(run.model->parameters()[params[c]].name, run.samples[s].time,
                run.model->observables()[static_cast<std::size_t>(o)].name);
        CHECK_THAT(sens.observable_sensitivities[s](o, static_cast<Eigen::Index>(c)),
                   Catch::WithinRel(dy(row, o), rel) || Catch::WithinAbs(dy(row, o), floor(dy, a.observables, o)));
      }
      for (Eigen::Index i = 0; i < dx.cols(); ++i) {
        CAPTURE(run.model->parameters()[params[c]].name, run.samples[s].time,
                run.model->species()[static_cast<std::size_t>(i)].name);
        CHECK_THAT(sens.state_sensitivities[s](i, static_cast<Eigen::Index>(c)),
                   Catch::WithinRel(dx(row, i), rel) || Catch::WithinAbs(dx(row, i), floor(dx, a.states, i)));
      }
    }
  }
}

}  // namespace

TEST_CASE("one compartment: sensitivities match the closed form and finite differences",
          "[fit][sensitivity]") {
  const auto m = model::load_model(model_path("one_compartment.yaml"));
  const std::size_t C = species(m, "C"), k_el = parameter(m, "k_el"), C0 = parameter(m, "C0");
  solve::Run run;
  run.model = &m;
  run.parameters = m.default_parameters();
  run.parameters[C0] = 3;
  run.events = {
      {0, {{EventAction::Kind::add, C, 10}}},
      {12, {{EventAction::Kind::scale, C, 0.5}}},
      {24, {{EventAction::Kind::set, C, 0}}},   // a wash
      {30, {{EventAction::Kind::add, C, 17}}},
      {40, {{EventAction::Kind::set, C, 5}}},
  };
  for (double t : {0.0, 6.0, 12.0, 18.0, 24.0, 27.0, 30.0, 36.0, 40.0, 48.0}) run.samples.push_back({t, false});
  solve::SolverOptions options;
  options.method = "rosenbrock";
  options.rel_tol = 1e-10;
  options.abs_tol = {1e-14};

  const auto sens = fit::solve_with_sensitivities(run, {k_el, C0}, options);
  REQUIRE(sens.ok());
  // Closed form: C(t) = 13 e^{-k t} for t < 12, halved at 12; 0 from 24; 17 e^{-k (t-30)} from 30; 5 e^{-k (t-40)} from 40.
  const double k = run.parameters[k_el];
  const auto closed = [&](double t) {
    if (t < 12) return 13 * std::exp(-k * t);
    if (t < 24) return 6.5 * std::exp(-k * t);
    if (t < 30) return 0.0;
    if (t < 40) return 17 * std::exp(-k * (t - 30));
    return 5 * std::exp(-k * (t - 40));
  };
  const auto dC_dk = [&](double t) {
    if (t < 24) return -t * closed(t);
    if (t < 30) return 0.0;
    if (t < 40) return -(t - 30) * closed(t);
    return -(t - 40) * closed(t);
  };
  const auto dC_dC0 = [&](double t) { return t < 12 ? std::exp(-k * t) : t < 24 ? 0.5 * std::exp(-k * t) : 0.0; };
  for (std::size_t s = 0; s < run.samples.size(); ++s) {
    const double t = run.samples[s].time;
    CAPTURE(t);
    const auto row = static_cast<Eigen::Index>(s);
    CHECK_THAT(sens.states(row, static_cast<Eigen::Index>(C)), Catch::WithinRel(closed(t), 1e-8) || Catch::WithinAbs(closed(t), 1e-12));
    CHECK_THAT(sens.state_sensitivities[s](static_cast<Eigen::Index>(C), 0),
               Catch::WithinRel(dC_dk(t), 1e-7) || Catch::WithinAbs(dC_dk(t), 1e-10));
    CHECK_THAT(sens.state_sensitivities[s](static_cast<Eigen::Index>(C), 1),
               Catch::WithinRel(dC_dC0(t), 1e-7) || Catch::WithinAbs(dC_dC0(t), 1e-10));
  }
  check_against_finite_differences(run, {k_el, C0}, options, 1e-5);
}

TEST_CASE("initial overrides zero the initial sensitivity", "[fit][sensitivity]") {
  const auto m = model::load_model(model_path("one_compartment.yaml"));
  const std::size_t C = species(m, "C"), C0 = parameter(m, "C0");
  solve::Run run;
  run.model = &m;
  run.parameters = m.default_parameters();
  run.initial_overrides = {{C, 4.0}};
  run.samples = {{0, false}, {5, false}};
  const auto sens = fit::solve_with_sensitivities(run, {C0}, {});
  REQUIRE(sens.ok());
  CHECK_THAT(sens.state_sensitivities[1](static_cast<Eigen::Index>(C), 0), Catch::WithinAbs(0, 0));
  CHECK_THROWS_AS(fit::solve_with_sensitivities(run, {99}, {}), std::invalid_argument);
}

TEST_CASE("leukocyte model: sensitivities match finite differences through an LPS challenge and a wash",
          "[fit][sensitivity][leukocyte]") {
  const auto m = model::load_model(model_path("leukocyte_exvivo.yaml"));
  solve::Run run;
  run.model = &m;
  run.parameters = m.default_parameters();
  run.events = {
      {0, {{EventAction::Kind::add, species(m, "GMCSF"), 1.0}}},
      {24, {{EventAction::Kind::add, species(m, "LPS"), 10.0}}},
      {30, {{EventAction::Kind::set, species(m, "TNF"), 0.0}, {EventAction::Kind::scale, species(m, "IL10"), 0.5}}},
  };
  for (double t : {0.0, 6.0, 24.0, 26.0, 28.0, 30.0, 36.0}) run.samples.push_back({t, false});
  solve::SolverOptions options;
  // rosenbrock: the block Rodas4 (one n × n LU for state and columns);
  // auto: rk45 on the sensitivity system, switching to that Rodas4 when stiff.
  // rk45: Dormand–Prince for the state with the sensitivities staggered (RK4).
  options.method = GENERATE(as<std::string>{}, "rosenbrock", "auto", "rk45");
  options.rel_tol = 1e-10;
  options.abs_tol = {1e-12};
  options.max_steps = 1000000;
  options.timeout = 0;
  check_against_finite_differences(
      run, {parameter(m, "HLA0"), parameter(m, "k_TNF"), parameter(m, "K_GM"), parameter(m, "k_T")},
      options, 1e-5);
}

TEST_CASE("sensitivity solves: the block Rodas4 gives the state of a plain Rodas4 solve and one LU per step",
          "[fit][sensitivity][leukocyte]") {
  const auto m = model::load_model(model_path("leukocyte_exvivo.yaml"));
  const solve::Run run = gmcsf_then_lps(m, {6.0, 24.0, 26.0, 28.0});
  solve::SolverOptions options;
  options.method = "rosenbrock";
  const std::vector<std::size_t> params = {parameter(m, "HLA0"), parameter(m, "k_TNF"), parameter(m, "K_GM")};
  const auto plain = fit::solve_with_sensitivities(run, {}, options);
  const auto sens = fit::solve_with_sensitivities(run, params, options);
  REQUIRE(plain.ok());
  REQUIRE(sens.ok());
  // The sensitivities share the error control, so the steps differ; the states agree to tolerance.
  for (Eigen::Index s = 0; s < plain.states.rows(); ++s)
    for (Eigen::Index i = 0; i < plain.states.cols(); ++i)
      CHECK_THAT(sens.states(s, i), Catch::WithinRel(plain.states(s, i), 1e-4) || Catch::WithinAbs(plain.states(s, i), 1e-7));
  // One factorisation of the n × n stage matrix per step attempt (per new step size).
  CHECK(sens.stats.lu_decompositions <= sens.stats.steps + sens.stats.rejected_steps);
  CHECK(sens.stats.jacobian_evals == sens.stats.steps);
}

TEST_CASE(
    "one compartment, explicit method: staggered sensitivities match the closed form, also at the "
    "stability boundary",
    "[fit][sensitivity]") {
  // rk45 integrates the state by Dormand–Prince and the sensitivities by RK4
  // across each step, outside the error control: their local error is that
  // of a 4th-order method at the state's steps, about rel_tol per step, so
  // after ~100 steps they hold to ~100·rel_tol (here 1e-8 -> 1e-6 measured;
  // the test allows 2e-5). With k_el = 10 /h the state decays within hours and
  // Dormand–Prince then runs at its stability boundary, h·k_el ≈ 3.3, outside
  // RK4's (2.785): without the substeps the sensitivities would grow by ~2 per
  // step and overflow.
  const auto m = model::load_model(model_path("one_compartment.yaml"));
  const std::size_t C = species(m, "C"), k_el = parameter(m, "k_el"), C0 = parameter(m, "C0");
  const double k = GENERATE(0.1, 10.0);
  solve::Run run;
  run.model = &m;
  run.parameters = m.default_parameters();
  run.parameters[C0] = 3;
  run.parameters[k_el] = k;
  for (double t : {0.0, 0.5, 2.0, 6.0, 24.0, 48.0}) run.samples.push_back({t, false});
  solve::SolverOptions options;
  options.method = "rk45";
  options.rel_tol = 1e-8;
  options.abs_tol = {1e-12};
  options.max_steps = 1000000;
  const auto sens = fit::solve_with_sensitivities(run, {k_el, C0}, options);
  REQUIRE(sens.ok());
  CHECK(sens.stats.method == "rk45");
  for (std::size_t s = 0; s < run.samples.size(); ++s) {
    const double t = run.samples[s].time, c = 3 * std::exp(-k * t);
    CAPTURE(k, t);
    const auto row = static_cast<Eigen::Index>(C);
    CHECK_THAT(sens.state_sensitivities[s](row, 0), Catch::WithinRel(-t * c, 2e-5) || Catch::WithinAbs(-t * c, 1e-10));
    CHECK_THAT(sens.state_sensitivities[s](row, 1), Catch::WithinRel(c / 3, 2e-5) || Catch::WithinAbs(c / 3, 1e-10));
  }
}

// Regression (issue 14, PEtab problem Isensee_JCB2018): a fast dissociation
// B -> A at k_off = 1e4 /h whose complex B is absent (B0 = 0), so the state
// never leaves B = 0 and is not stiff (A decays at k_el = 1 /h), while the
// sensitivity to B0 starts at S_B = 1 and decays at k_off: stiff. The state
// stepper's stiffness test follows the state's own directions and sees only
// k_el, so RK4 at the state's steps (h·k_off ~ 1e3) sent S to -inf before
// the staggered stepper measured ρ from the sensitivities' own stages.
// Closed form, for B0 = 0:
//   ∂A/∂B0 = k_off/(k_off − k_el)·(e^{−k_el t} − e^{−k_off t}),  ∂B/∂B0 = e^{−k_off t},
//   ∂A/∂k_el = −t·A0·e^{−k_el t}.
constexpr const char* fast_dissociation_model = R"(model: fast_dissociation
time_unit: h
parameters:
  k_off: {value: 1e4, unit: 1/h}
  k_el: {value: 1, unit: 1/h}
  A0: {value: 1, unit: 1}
  B0: {value: 0, unit: 1}
species:
  A: {initial: A0, unit: 1}
  B: {initial: B0, unit: 1}
odes:
  A: k_off * B - k_el * A
  B: -k_off * B
observables:
  A_obs: {formula: A, unit: 1}
)";

TEST_CASE(
    "staggered sensitivities stiffer than the state: auto switches to the block Rodas4, rk45 substeps; both "
    "match the closed form",
    "[fit][sensitivity]") {
  const model::CompiledModel m = model::load_model_from_string(fast_dissociation_model, "fast_dissociation.yaml");
  const std::size_t A = species(m, "A"), B = species(m, "B");
  solve::Run run;
  run.model = &m;
  run.parameters = m.default_parameters();
  for (double t : {0.0, 0.5, 1.0, 2.0, 5.0, 10.0}) run.samples.push_back({t, false});
  solve::SolverOptions options;
  options.method = GENERATE(as<std::string>{}, "auto", "rk45", "rodas4");
  options.rel_tol = 1e-8;
  options.abs_tol = {1e-12};
  options.max_steps = 1000000;
  const auto sens = fit::solve_with_sensitivities(run, {parameter(m, "B0"), parameter(m, "k_el")}, options);
  CAPTURE(options.method, sens.message);
  REQUIRE(sens.ok());
  // auto leaves rk45 for the block Rodas4 (the state alone would stay on rk45).
  if (options.method == "auto") {
    CHECK(sens.stats.method == "rk45+rodas4");
    CHECK(fit::solve_with_sensitivities(run, {}, options).stats.method == "rk45");
  }
  const double k_off = 1e4, k_el = 1;
  for (std::size_t s = 0; s < run.samples.size(); ++s) {
    const double t = run.samples[s].time;
    CAPTURE(t);
    const Eigen::MatrixXd& S = sens.state_sensitivities[s];
    const double dA_dB0 = k_off / (k_off - k_el) * (std::exp(-k_el * t) - std::exp(-k_off * t));
    const double dB_dB0 = std::exp(-k_off * t), dA_dk_el = -t * std::exp(-k_el * t);
    CHECK_THAT(S(Eigen::Index(A), 0), Catch::WithinRel(dA_dB0, 1e-6) || Catch::WithinAbs(dA_dB0, 1e-10));
    CHECK_THAT(S(Eigen::Index(B), 0), Catch::WithinRel(dB_dB0, 1e-6) || Catch::WithinAbs(dB_dB0, 1e-10));
    CHECK_THAT(S(Eigen::Index(A), 1), Catch::WithinRel(dA_dk_el, 1e-6) || Catch::WithinAbs(dA_dk_el, 1e-10));
    CHECK(S(Eigen::Index(B), 1) == 0);
  }
}

// Regression (PEtab problem Smith_BMCSystBiol2013 at abs_tol 1e-12): the
// block Rodas4 takes C·v, the derivative of J·S + ∂f/∂p along a stage vector
// v, as a forward difference with a relative step of 1.5e-8. A state within
// that of a kink of f with its stages pointing across (here x grazes c,
// peaking 1e-9 above it, and a protocol step restarts the integration just
// after the peak) put the probe across the kink: the quotient then carried
// the jump of ∂f_y/∂x (k·y) times S_x divided by the probe's step, an error
// that shrinks only as h², and the steps fell to ~1e-8 h for as long as the
// state stayed within reach. The probe now stays on the state's side of
// every switch.
constexpr const char* grazing_kink_model = R"(model: grazing_kink
time_unit: h
parameters:
  b: {value: 1, unit: 1/h^2}
  t_peak: {value: 1, unit: h}
  c: {value: 1, unit: 1}
  k: {value: 1, unit: 1/h}
  x0: {value: 0.5, unit: 1}
species:
  x: {initial: x0, unit: 1}
  y: {initial: 1, unit: 1}
odes:
  x: b * (t_peak - t)
  y: -k * y * max(x - c, 0)
observables:
  y_obs: {formula: y, unit: 1}
)";

TEST_CASE("block Rodas4 sensitivities: the difference quotient of J·S does not straddle a kink of f",
          "[fit][sensitivity]") {
  const model::CompiledModel m = model::load_model_from_string(grazing_kink_model, "grazing_kink.yaml");
  const std::size_t x = species(m, "x"), y = species(m, "y");
  solve::Run run;
  run.model = &m;
  run.parameters = m.default_parameters();
  // x = x0 + b·(t_peak·t − t²/2) peaks at t_peak = 1 with x0 + b/2: 1e-9 below c.
  run.parameters[parameter(m, "x0")] = 0.5 + 1e-9;
  // A protocol step (here one that changes nothing) restarts the integration
  // just after the peak, 1e-9 above c and falling: within the probe's reach.
  run.events = {{1 + 1e-5, {{EventAction::Kind::add, y, 0.0}}}};
  for (double t : {0.5, 1.5, 2.0}) run.samples.push_back({t, false});
  solve::SolverOptions options;
  options.method = "rodas4";
  options.rel_tol = 1e-10;
  options.abs_tol = {1e-12};
  options.max_steps = 100000;
  const std::size_t b = parameter(m, "b"), k = parameter(m, "k");
  const auto plain = fit::solve_with_sensitivities(run, {}, options);
  const auto sens = fit::solve_with_sensitivities(run, {b, k}, options);
  CAPTURE(sens.message, plain.stats.steps, sens.stats.steps, sens.stats.rejected_steps);
  REQUIRE(plain.ok());
  REQUIRE(sens.ok());
  // Before, the steps after the restart were cut to ~1e-8 h: 5,117 of them
  // (and 49 rejected) against the plain solve's 32.
  CHECK(sens.stats.steps + sens.stats.rejected_steps < 4 * (plain.stats.steps + plain.stats.rejected_steps) + 50);
  // y's, closed form: with g = x − c = δ − (b/2)(t − 1)², δ = 1e-9, the
  // kink is active for |t − 1| < w = √(2δ/b), and after that
  //   ln y = −k·(4/3)·δ·w,   ∂ln y/∂b = −k·(w − w³/3),   ∂ln y/∂k = −(4/3)·δ·w.
  // (Measured: ∂y/∂b −4.4627e-5 against −4.4721e-5, 0.21 % short, the same
  // before this fix: the integrator's handling of the two grazing crossings,
  // not the probe. A difference of plain solves cannot check it: any step in
  // b larger than δ changes the graze itself.)
  const double delta = 1e-9, w = std::sqrt(2 * delta);
  for (std::size_t s = 0; s < run.samples.size(); ++s) {
    const double t = run.samples[s].time;
    CAPTURE(t);
    const Eigen::MatrixXd& S = sens.state_sensitivities[s];
    const double dx_db = t - t * t / 2;  // t_peak = 1
    CHECK_THAT(S(Eigen::Index(x), 0), Catch::WithinRel(dx_db, 1e-7) || Catch::WithinAbs(dx_db, 1e-9));
    CHECK(S(Eigen::Index(x), 1) == 0);
    const bool after = t > 1;
    const double dy_db = after ? -(w - w * w * w / 3) : 0, dy_dk = after ? -4.0 / 3 * delta * w : 0;
    CHECK_THAT(S(Eigen::Index(y), 0), Catch::WithinRel(dy_db, 5e-3) || Catch::WithinAbs(dy_db, 1e-12));
    CHECK_THAT(S(Eigen::Index(y), 1), Catch::WithinAbs(dy_dk, 1e-15));
  }
}

TEST_CASE("leukocyte model: the sensitivities' own stiffness estimates keep auto on rk45, as the state's test does",
          "[fit][sensitivity][leukocyte]") {
  // Its ∂f/∂x is far from normal (‖J‖₂ ≈ 7,500 against ρ(J) ≈ 2.3 /h, from
  // species of very different magnitudes): unweighted, the estimates from
  // the stages would read ‖J‖ and send every sensitivity solve to Rodas4.
  const auto m = model::load_model(model_path("leukocyte_exvivo.yaml"));
  const solve::Run run = gmcsf_then_lps(m, {6.0, 24.0, 26.0, 28.0, 48.0});
  const std::vector<std::size_t> params = {parameter(m, "HLA0"), parameter(m, "k_TNF"), parameter(m, "K_GM")};
  const auto sens = fit::solve_with_sensitivities(run, params, {});
  REQUIRE(sens.ok());
  CHECK(sens.stats.method == fit::solve_with_sensitivities(run, {}, {}).stats.method);
  CHECK(sens.stats.method == "rk45");
}

TEST_CASE(
    "sensitivity code: native and interpreted agree to the last bit, and the interleaved "
    "products equal the fused right-hand side",
    "[fit][sensitivity][leukocyte]") {
  const auto interpreted = model::load_model(model_path("leukocyte_exvivo.yaml"));
  const model::NativeCodeResult native = model::with_native_code(interpreted);
  INFO(native.reason);
  REQUIRE(native.native);  // a C compiler is part of the build environment (tests/model requires it too)
  // 4 columns fill the products' stride; 3 (the example fit's) leave a padding column.
  std::vector<std::size_t> params = {parameter(interpreted, "K_GM"), parameter(interpreted, "E_GM"),
                                     parameter(interpreted, "HLA0"), parameter(interpreted, "k_TNF")};
  params.resize(GENERATE(as<std::size_t>{}, 4, 3));
  CAPTURE(params.size());
  const std::vector<double> p = interpreted.default_parameters();
  fit::SensitivitySystem a(interpreted, p, params), b(native.model, p, params);
  const auto n = static_cast<Eigen::Index>(interpreted.num_states());
  const auto k = static_cast<Eigen::Index>(params.size());
  // A state and sensitivities met in a run (S exactly 0 where it is structurally 0).
  solve::Run run;
  run.model = &interpreted;
  run.parameters = p;
  run.events = {{0, {{EventAction::Kind::add, species(interpreted, "GMCSF"), 1.0}}},
                {2, {{EventAction::Kind::add, species(interpreted, "LPS"), 10.0}}}};
  run.samples = {{3.0, false}};
  const auto sens = fit::solve_with_sensitivities(run, params, {});
  REQUIRE(sens.ok());
  Eigen::VectorXd z(n * (1 + k)), da(z.size()), db(z.size());
  z.head(n) = sens.states.row(0).transpose();
  for (Eigen::Index c = 0; c < k; ++c) z.segment(n * (1 + c), n) = sens.state_sensitivities[0].col(c);
  a.rhs(3.0, z.data(), da.data());
  b.rhs(3.0, z.data(), db.data());
  for (Eigen::Index i = 0; i < z.size(); ++i) {
    CAPTURE(i);
    CHECK(da[i] == db[i]);
  }
  // products(): S in row order (the rows that can be non-zero, S_cj at
  // r·stride + c, the padding 0), written into product_input(); the same sums
  // plus products with S's structural zeros.
  const model::SensitivityCode code = model::sensitivity_code(interpreted, params);
  const auto stride = static_cast<Eigen::Index>(code.product_stride);
  const auto m = static_cast<Eigen::Index>(code.product_rows.size());
  CHECK(stride == k + k % 2);
  CHECK(m < n);  // the leukocyte model's S has structurally zero rows for these parameters
  Eigen::VectorXd rows = Eigen::VectorXd::Zero(m * stride), out(m * stride), back(n * k);
  for (Eigen::Index r = 0; r < m; ++r)
    for (Eigen::Index c = 0; c < k; ++c)
      rows[r * stride + c] = z[n * (1 + c) + static_cast<Eigen::Index>(code.product_rows[std::size_t(r)])];
  for (fit::SensitivitySystem* system : {&a, &b}) {
    REQUIRE(system->product_size() == m * stride);
    Eigen::VectorXd mapped(m * stride);
    system->to_rows(z.data() + n, mapped.data());
    CHECK(mapped == rows);
    system->to_columns(rows.data(), back.data());
    CHECK(back == z.tail(n * k));
    system->prepare_columns(3.0, z.data());
    std::copy(rows.data(), rows.data() + m * stride, system->product_input());
    system->products(out.data());
    for (Eigen::Index r = 0; r < m; ++r)
      for (Eigen::Index c = 0; c < stride; ++c) {
        CAPTURE(c, r);
        const auto i = static_cast<Eigen::Index>(code.product_rows[std::size_t(r)]);
        CHECK(out[r * stride + c] == (c < k ? da[n * (1 + c) + i] : 0.0));
      }
  }
  // The rows left out are the structural zeros of S: S' is 0 there too.
  Eigen::VectorXd in_rows = Eigen::VectorXd::Zero(n);
  for (const std::size_t i : code.product_rows) in_rows[static_cast<Eigen::Index>(i)] = 1;
  for (Eigen::Index c = 0; c < k; ++c)
    for (Eigen::Index i = 0; i < n; ++i)
      if (in_rows[i] == 0) {
        CAPTURE(c, i);
        CHECK(z[n * (1 + c) + i] == 0);
        CHECK(da[n * (1 + c) + i] == 0);
      }
}

TEST_CASE("sensitivity solves: generated code handed over by the caller gives the same result as the model's cache",
          "[fit][sensitivity][leukocyte]") {
  const auto m = model::load_model(model_path("leukocyte_exvivo.yaml"));
  const solve::Run run = gmcsf_then_lps(m, {6.0, 24.0, 26.0});
  const std::vector<std::size_t> params = {parameter(m, "HLA0"), parameter(m, "K_GM")};
  const model::SensitivityCode code = model::sensitivity_code(m, params);
  solve::SolverOptions options;
  options.method = GENERATE(as<std::string>{}, "rosenbrock", "auto", "rk45");
  const auto looked_up = fit::solve_with_sensitivities(run, params, options);
  const auto handed = fit::solve_with_sensitivities(run, params, options, nullptr, &code);
  REQUIRE(looked_up.ok());
  REQUIRE(handed.ok());
  CHECK(handed.states == looked_up.states);
  for (std::size_t s = 0; s < run.samples.size(); ++s) {
    CHECK(handed.state_sensitivities[s] == looked_up.state_sensitivities[s]);
    CHECK(handed.observable_sensitivities[s] == looked_up.observable_sensitivities[s]);
    CHECK(handed.sigma_sensitivities[s] == looked_up.sigma_sensitivities[s]);
  }
  // Code for other parameters (or for S(t0) given) is refused, not misused.
  const std::vector<std::size_t> others = {parameter(m, "HLA0"), parameter(m, "k_TNF")};
  CHECK_THROWS_AS(fit::solve_with_sensitivities(run, others, options, nullptr, &code), std::invalid_argument);
  const Eigen::MatrixXd S0 = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(m.num_states()), 2);
  CHECK_THROWS_AS(fit::solve_with_sensitivities(run, params, options, &S0, &code), std::invalid_argument);
}

TEST_CASE("sensitivity solves across when: steps use the generated code handed over, for every piece",
          "[fit][sensitivity][state_events]") {
  // One compartment, C(0) = 20, dC/dt = −k·C; `when: "C < 5"` adds 10 at
  // t1 = ln 4/k, so the run is integrated in two pieces, the second from S(t1).
  const test::TempDir dir;
  const scenario::Scenario s =
      scenario::load_scenario(dir.write("s.yaml", "scenario: handed_code\nmodel: " + test::one_compartment_model() +
                                                      "\nsolver: {method: rk45, rel_tol: 1e-8, abs_tol: 1e-12}\n"
                                                      "set: {C0: 20 ng/mL, k_el: 0.1}\n"
                                                      "protocol:\n  - {when: \"C < 5\", add: {C: 10 ng/mL}}\n"
                                                      "samples:\n  times: [10 h, 20 h]\n"));
  const solve::Run run = scenario::RunPlan(s).make_run(0);
  REQUIRE_FALSE(run.state_events.empty());
  const model::CompiledModel& m = *s.model;
  const std::vector<std::size_t> params = {parameter(m, "k_el"), parameter(m, "C0")};
  const auto looked_up = fit::solve_with_sensitivities(run, params, s.solver);
  REQUIRE(looked_up.ok());
  const auto same = [&](const fit::SensitivityResult& r) {
    REQUIRE(r.ok());
    CHECK(r.states == looked_up.states);
    for (std::size_t q = 0; q < run.samples.size(); ++q) {
      CHECK(r.state_sensitivities[q] == looked_up.state_sensitivities[q]);
      CHECK(r.observable_sensitivities[q] == looked_up.observable_sensitivities[q]);
    }
  };
  const model::SensitivityCode code = model::sensitivity_code(m, params);
  REQUIRE(code.continued == nullptr);
  same(fit::solve_with_sensitivities(run, params, s.solver, nullptr, &code));  // continued: looked up
  const model::SensitivityCode with = model::with_continued(m, code);
  REQUIRE(with.continued != nullptr);
  CHECK(with.continued->every_row);
  CHECK(with.continued->selected == params);
  same(fit::solve_with_sensitivities(run, params, s.solver, nullptr, &with));
  // The first piece solves with the handed code and the later ones with its
  // continued code: code for other parameters in either place is refused,
  // which shows that neither is looked up again.
  const std::vector<std::size_t> others = {parameter(m, "C0"), parameter(m, "k_el")};
  CHECK_THROWS_AS(fit::solve_with_sensitivities(run, others, s.solver, nullptr, &with), std::invalid_argument);
  model::SensitivityCode wrong_continued = with;
  wrong_continued.continued = std::make_shared<const model::SensitivityCode>(model::sensitivity_code(m, others, true));
  CHECK_THROWS_AS(fit::solve_with_sensitivities(run, params, s.solver, nullptr, &wrong_continued),
                  std::invalid_argument);
}

TEST_CASE("a fit of a scenario with when: steps hands its code to every piece; its Jacobian equals central differences",
          "[fit][sensitivity][state_events][gradient]") {
  // C(0) = C0, dC/dt = −k·C, 10 ng/mL added when C falls below 5: rows on
  // both sides of the firing, whose time depends on k and C0.
  const test::FitFiles f(
      {{"s.yaml", "scenario: when_fit\nmodel: " + test::one_compartment_model() +
                      "\nsolver: {method: rk45, rel_tol: 1e-10, abs_tol: 1e-13}\n"
                      "set: {C0: 20 ng/mL, k_el: 0.1}\n"
                      "donors:\n  - {id: d}\n"
                      "arms:\n  - {id: a, protocol: [{when: \"C < 5\", add: {C: 10 ng/mL}}]}\n"
                      "samples: {times: [0 h, 30 h]}\n"},
       {"d.tsv",
        "donor\tarm\tobservable\ttime\tmeasurement\n"
        "d\ta\tC_ng\t5\t12\nd\ta\tC_ng\t10\t7.5\nd\ta\tC_ng\t20\t8\nd\ta\tC_ng\t30\t3.2\n"}},
      "fit: when_fit\nscenario: s.yaml\ndata: d.tsv\n"
      "estimate:\n  k_el: {bounds: [0.01, 1], scale: log10}\n  C0: {bounds: [1, 100], scale: log}\n");
  const fit::FitProblem problem = fit::load_fit_problem(f.fit);
  const fit::Objective o(problem);
  const Eigen::VectorXd theta = (Eigen::VectorXd(2) << std::log10(0.12), std::log(18.0)).finished();
  Eigen::VectorXd r;
  Eigen::MatrixXd J;
  REQUIRE(o.residuals(theta, r, &J));
  const Eigen::MatrixXd fd = test::finite_difference_jacobian(o, theta, 1e-5);
  for (Eigen::Index j = 0; j < J.cols(); ++j)
    for (Eigen::Index i = 0; i < r.size(); ++i) {
      CAPTURE(i, j);
      CHECK_THAT(J(i, j), Catch::WithinRel(fd(i, j), 1e-5) || Catch::WithinAbs(fd(i, j), 1e-7));
    }
  // The rows after the firing (20 h, 30 h) depend on both parameters through its time.
  CHECK(std::abs(J(2, 0)) > 0);
  CHECK(std::abs(J(3, 1)) > 0);
}
