#include <catch2/catch.hpp>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "model/compiled_model.hpp"
#include "model_test_support.hpp"

using namespace exvivo::model;
using exvivo::model::testing::load;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

TEST_CASE("decay model loads and evaluates", "[model]") {
  const CompiledModel m = load(R"(model: decay
time_unit: h
parameters:
  k: {value: 0.5, unit: 1/h}
  x0: 2
species:
  x: {initial: x0}
odes:
  x: -k * x
observables:
  x_obs: {formula: x, noise: {distribution: normal, sigma: 0.1}}
)");
  REQUIRE(m.num_states() == 1);
  REQUIRE(m.num_parameters() == 2);
  auto ws = m.make_workspace();
  double x0 = 0;
  m.initial_state(ws, &x0);
  CHECK_THAT(x0, WithinRel(2.0, 1e-15));
  const double x = 3;
  double dxdt = 0, J = 0;
  m.rhs(0, &x, ws, &dxdt);
  CHECK_THAT(dxdt, WithinRel(-1.5, 1e-15));
  m.jacobian(0, &x, ws, &J);
  CHECK_THAT(J, WithinRel(-0.5, 1e-15));
}

TEST_CASE("assignments may be written in any order", "[model]") {
  const CompiledModel m = load(R"(model: chain
time_unit: h
parameters:
  k: 0.5
species:
  x: {initial: 3}
assignments:
  a3: 2 * a2
  a2: a1 + 1
  a1: k * x
odes:
  x: -a3
observables:
  y: a3 + t
)");
  auto ws = m.make_workspace();
  const double x = 4;
  double dxdt = 0, J = 0, y = 0;
  m.rhs(0, &x, ws, &dxdt);
  CHECK_THAT(dxdt, WithinRel(-2 * (0.5 * 4 + 1), 1e-15));
  m.jacobian(0, &x, ws, &J);
  CHECK_THAT(J, WithinRel(-2 * 0.5, 1e-15));
  m.observables(1.5, &x, ws, &y);
  CHECK_THAT(y, WithinRel(6 + 1.5, 1e-15));
  CHECK(m.assignment_names() == std::vector<std::string>{"a3", "a2", "a1"});
}

TEST_CASE("preset and culture values are converted to the model's units", "[model][units]") {
  const CompiledModel m = load(R"(model: presets
time_unit: h
parameters:
  Mono0: {value: 400000, unit: cells/mL}
  k_deg: {value: 2, unit: 1/h}
  t_half: {value: 0.3, unit: h}
species:
  GMCSF: {initial: 0, unit: ng/mL, molar_mass: 14.5 kDa}
  IFNG: {initial: 0, unit: ng/mL, specific_activity: 5.6e6 IU/mg}
  Mono: {initial: Mono0, unit: cells/mL}
odes:
  GMCSF: -k_deg * GMCSF
  IFNG: -log(2) / t_half * IFNG
  Mono: 0
donor_presets:
  septic: {Mono0: 450 cells/uL, k_deg: 0.01 1/min, t_half: 18 min}
  plain: {Mono0: 1234}
cultures:
  spiked: {GMCSF: 10 nM, IFNG: 56 IU/mL}
)");
  const auto& septic = m.donor_presets().at("septic");
  CHECK_THAT(septic.at("Mono0"), WithinRel(450000.0, 1e-12));
  CHECK_THAT(septic.at("k_deg"), WithinRel(0.6, 1e-12));
  CHECK_THAT(septic.at("t_half"), WithinRel(0.3, 1e-12));
  CHECK_THAT(m.donor_presets().at("plain").at("Mono0"), WithinRel(1234.0, 1e-15));
  const auto& spiked = m.cultures().at("spiked");
  // 10 nmol/L * 14500 g/mol = 1.45e-4 g/L = 145 ng/mL
  CHECK_THAT(spiked.at("GMCSF"), WithinRel(145.0, 1e-12));
  // 56 IU/mL / 5.6e6 IU/mg = 1e-5 mg/mL = 10 ng/mL
  CHECK_THAT(spiked.at("IFNG"), WithinRel(10.0, 1e-12));
  CHECK_THAT(m.species()[0].molar_mass, WithinRel(14500.0, 1e-15));
  CHECK_THAT(m.species()[1].specific_activity, WithinRel(5.6e6, 1e-15));
}

TEST_CASE("parameter and species metadata are kept", "[model]") {
  const CompiledModel m = load(R"(model: meta
title: Metadata
time_unit: min
parameters:
  k: {value: 2.3, unit: 1/h, bounds: [0.5, 10], scale: log10, donor: true,
      source: "Oliver 1993", doc: "degradation"}
  n: 3
species:
  TNF: {initial: 0, unit: pg/mL, soluble: true, doc: "free TNF"}
odes:
  TNF: -k * TNF + n
observables:
  TNF_obs: {formula: TNF, unit: pg/mL, doc: "ELISA", noise: {distribution: lognormal, sigma: 0.15}}
)");
  CHECK(m.name() == "meta");
  CHECK(m.title() == "Metadata");
  CHECK(m.time_unit() == "min");
  CHECK(m.file() == "m.yaml");
  const ParameterInfo& k = m.parameters().at(0);
  CHECK(k.name == "k");
  CHECK_THAT(k.value, WithinRel(2.3, 1e-15));
  CHECK(k.unit == "1/h");
  CHECK(k.has_bounds);
  CHECK_THAT(k.lower, WithinRel(0.5, 1e-15));
  CHECK_THAT(k.upper, WithinRel(10.0, 1e-15));
  CHECK(k.scale == Scale::log10);
  CHECK(k.donor);
  CHECK(k.source == "Oliver 1993");
  CHECK(k.doc == "degradation");
  CHECK(k.where.line == 5);
  CHECK(k.where.column == 3);
  const ParameterInfo& n = m.parameters().at(1);
  CHECK(n.unit == "1");
  CHECK_FALSE(n.has_bounds);
  CHECK(n.scale == Scale::lin);
  CHECK_FALSE(n.donor);
  CHECK(m.species().at(0).soluble);
  CHECK(m.species().at(0).unit == "pg/mL");
  CHECK(m.observables().at(0).noise.distribution == NoiseModel::Distribution::lognormal);
  CHECK(m.observables().at(0).noise.sigma == "0.15");
  CHECK(m.species_index("TNF") == std::optional<std::size_t>(0));
  CHECK(m.parameter_index("n") == std::optional<std::size_t>(1));
  CHECK(m.observable_index("TNF_obs") == std::optional<std::size_t>(0));
  CHECK_FALSE(m.species_index("IL6").has_value());
  CHECK(m.default_parameters().size() == 2);
}

TEST_CASE("unused parameters are warned about, not rejected", "[model]") {
  std::vector<std::string> warnings;
  const CompiledModel m = load(R"(model: unused
time_unit: h
parameters:
  k: 1
  k_spare: 2
species:
  x: {initial: 1}
odes:
  x: -k * x
)", &warnings);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0] == "m.yaml:5:3: parameters.k_spare: parameter 'k_spare' is not used in any expression");
}

TEST_CASE("initial values may use parameter-only assignments", "[model]") {
  // Steady state of dH/dt = k_syn * (1 + occ) - k_int * H, with occ parameter-only.
  const CompiledModel m = load(R"(model: steady
time_unit: h
parameters:
  k_syn: 300
  k_int: 0.2
  G0: 2
  EC50: 0.5
assignments:
  H_ss: k_syn * (1 + occ0) / k_int
  occ0: G0 / (G0 + EC50)
species:
  H: {initial: H_ss}
  G: {initial: G0}
odes:
  H: k_syn * (1 + G / (G + EC50)) - k_int * H
  G: 0
)");
  auto ws = m.make_workspace();
  std::vector<double> x0(2);
  m.initial_state(ws, x0.data());
  const double occ0 = 2.0 / 2.5;
  CHECK_THAT(x0[0], WithinRel(300 * (1 + occ0) / 0.2, 1e-14));
  CHECK_THAT(x0[1], WithinRel(2.0, 1e-15));
  std::vector<double> dxdt(2);
  m.rhs(0, x0.data(), ws, dxdt.data());
  CHECK_THAT(dxdt[0], WithinAbs(0.0, 1e-10));
  // ∂x0/∂p, column-major 2 x 4: H_ss = k_syn (1 + G0/(G0+EC50)) / k_int.
  std::vector<double> dx0dp(8);
  m.initial_state_jacobian(ws, dx0dp.data());
  CHECK_THAT(dx0dp[0], WithinRel((1 + occ0) / 0.2, 1e-14));                 // ∂H/∂k_syn
  CHECK_THAT(dx0dp[2], WithinRel(-300 * (1 + occ0) / (0.2 * 0.2), 1e-14));  // ∂H/∂k_int
  CHECK_THAT(dx0dp[4], WithinRel(300 / 0.2 * 0.5 / (2.5 * 2.5), 1e-14));    // ∂H/∂G0
  CHECK_THAT(dx0dp[6], WithinRel(-300 / 0.2 * 2.0 / (2.5 * 2.5), 1e-14));   // ∂H/∂EC50
  CHECK_THAT(dx0dp[5], WithinRel(1.0, 1e-15));                              // ∂G/∂G0
  CHECK(dx0dp[1] == 0.0);
  CHECK(dx0dp[3] == 0.0);
  CHECK(dx0dp[7] == 0.0);
  // New parameters: the initial state follows.
  const std::vector<double> p = {100, 0.5, 1, 1};
  m.set_parameters(p.data(), ws);
  m.initial_state(ws, x0.data());
  CHECK_THAT(x0[0], WithinRel(100 * 1.5 / 0.5, 1e-14));
}

TEST_CASE("cached parameter-only values follow set_parameters", "[model]") {
  const CompiledModel m = load(R"(model: cached
time_unit: h
parameters:
  a: 2
  b: 3
  K: 4
species:
  x: {initial: 1}
odes:
  x: exp(-a * b) * x / (K + x) + sqrt(a) * t
)");
  CHECK(m.num_cached_values() >= 2);  // exp(-a*b) and sqrt(a) at least
  auto ws = m.make_workspace();
  const double x = 1.5, t = 2;
  double dxdt = 0;
  auto expected = [&](double a, double b, double K) { return std::exp(-a * b) * x / (K + x) + std::sqrt(a) * t; };
  m.rhs(t, &x, ws, &dxdt);
  CHECK_THAT(dxdt, WithinRel(expected(2, 3, 4), 1e-14));
  const std::vector<double> p = {0.5, 1, 0.25};
  m.set_parameters(p.data(), ws);
  m.rhs(t, &x, ws, &dxdt);
  CHECK_THAT(dxdt, WithinRel(expected(0.5, 1, 0.25), 1e-14));
  double dfdp[3];
  m.parameter_jacobian(t, &x, ws, dfdp);
  const double e = std::exp(-0.5), q = x / (0.25 + x);
  CHECK_THAT(dfdp[0], WithinRel(-1 * e * q + t / (2 * std::sqrt(0.5)), 1e-14));
  CHECK_THAT(dfdp[1], WithinRel(-0.5 * e * q, 1e-14));
  CHECK_THAT(dfdp[2], WithinRel(-e * x / ((0.25 + x) * (0.25 + x)), 1e-14));
}

TEST_CASE("noise sigmas follow their distribution", "[model][noise]") {
  const CompiledModel m = load(R"(model: noise
time_unit: h
parameters:
  s: 0.2
species:
  A: {initial: 1}
odes:
  A: -A
observables:
  plain: {formula: A}
  normal_abs: {formula: A, noise: {distribution: normal, sigma: 5}}
  normal_expr: {formula: A, noise: {distribution: normal, sigma: 0.1 * A + 20}}
  lognormal: {formula: A, noise: {distribution: lognormal, sigma: 0.15}}
  proportional: {formula: -2 * A, noise: {distribution: proportional, sigma: s}}
)");
  auto ws = m.make_workspace();
  const double A = 3;
  std::vector<double> sigma(5), dsdx(5), dsdp(5);
  m.noise_sigmas(0, &A, ws, sigma.data());
  CHECK(std::isnan(sigma[0]));
  CHECK_THAT(sigma[1], WithinRel(5.0, 1e-15));
  CHECK_THAT(sigma[2], WithinRel(20.3, 1e-15));
  CHECK_THAT(sigma[3], WithinRel(0.15, 1e-15));
  CHECK_THAT(sigma[4], WithinRel(0.2 * 6, 1e-15));  // relative sigma times |h|
  m.noise_sigma_state_jacobian(0, &A, ws, dsdx.data());
  CHECK(dsdx[0] == 0.0);
  CHECK(dsdx[1] == 0.0);
  CHECK_THAT(dsdx[2], WithinRel(0.1, 1e-15));
  CHECK(dsdx[3] == 0.0);
  CHECK_THAT(dsdx[4], WithinRel(0.4, 1e-15));
  m.noise_sigma_parameter_jacobian(0, &A, ws, dsdp.data());
  CHECK_THAT(dsdp[4], WithinRel(6.0, 1e-15));
  CHECK(dsdp[2] == 0.0);
}

TEST_CASE("copies of a compiled model evaluate alike", "[model]") {
  const CompiledModel m = load("model: c\ntime_unit: h\nparameters:\n  k: 2\nspecies:\n  x: {initial: 1}\nodes:\n  x: -k * x\n");
  const CompiledModel copy = m;  // NOLINT(performance-unnecessary-copy-initialization): the copy is the subject
  auto ws = copy.make_workspace();
  const double x = 3;
  double f = 0;
  copy.rhs(0, &x, ws, &f);
  CHECK_THAT(f, WithinRel(-6.0, 1e-15));
  CHECK(copy.name() == m.name());
}

TEST_CASE("an observable may have the name of the species it measures", "[model]") {
  // Observables are never referenced by expressions, so they have their own namespace.
  const CompiledModel m = load("model: o\ntime_unit: s\nspecies:\n  y1: {initial: 1}\nodes:\n  y1: -y1\n"
                               "observables:\n  y1: {formula: 2 * y1}\n");
  auto ws = m.make_workspace();
  const double x = 3;
  double y = 0;
  m.observables(0, &x, ws, &y);
  CHECK_THAT(y, WithinRel(6.0, 1e-15));
  CHECK(m.observable_index("y1") == std::optional<std::size_t>(0));
}

TEST_CASE("parameter values may be quantities", "[model][units]") {
  const CompiledModel m = load(R"(model: q
time_unit: h
parameters:
  k: 2.3 1/h
  t_half: {value: 18 min, unit: h}
  Mono0: {value: 450 cells/uL, unit: cells/mL}
  frac: 45 %
species:
  x: {initial: Mono0 * frac}
odes:
  x: -k * x / t_half
)");
  const auto& p = m.parameters();
  CHECK(p[0].unit == "1/h");
  CHECK_THAT(p[0].value, WithinRel(2.3, 1e-15));
  CHECK(p[1].unit == "h");
  CHECK_THAT(p[1].value, WithinRel(0.3, 1e-14));
  CHECK_THAT(p[2].value, WithinRel(450000.0, 1e-14));
  CHECK(p[3].unit == "%");
  CHECK_THAT(p[3].value, WithinRel(45.0, 1e-15));  // in its own unit, %
}
