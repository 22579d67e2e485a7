// OdeSystem::rhs_function() / switches_function() of a ModelOdeSystem: the
// plain native functions the steppers and the integrator call on their
// innermost path instead of the virtual rhs() and switches(). They must be
// the same functions: same values bit for bit, and an integration through
// them identical to one through the virtual calls.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "model/compiled_model.hpp"
#include "model/native_code.hpp"
#include "solve/integrate.hpp"
#include "solve/model_ode_system.hpp"
#include "solve/solve_test_helpers.hpp"

using namespace exvivo;

namespace {

/// Forwards everything to another system but offers no plain functions, so
/// that steppers and integrator take the virtual calls.
class VirtualOnly final : public solve::OdeSystem {
 public:
  explicit VirtualOnly(solve::OdeSystem& inner) : inner_(inner) {}
  std::size_t size() const override { return inner_.size(); }
  void rhs(double t, const double* x, double* dxdt) override { inner_.rhs(t, x, dxdt); }
  void jacobian(double t, const double* x, double* J) override { inner_.jacobian(t, x, J); }
  const std::vector<std::pair<int, int>>* jacobian_pattern() const override { return inner_.jacobian_pattern(); }
  void jacobian_nonzeros(double t, const double* x, double* values) override { inner_.jacobian_nonzeros(t, x, values); }
  bool has_analytic_jacobian() const override { return inner_.has_analytic_jacobian(); }
  bool autonomous() const override { return inner_.autonomous(); }
  bool nonnegative() const override { return inner_.nonnegative(); }
  std::size_t num_switches() const override { return inner_.num_switches(); }
  void switches(double t, const double* x, double* g) override { inner_.switches(t, x, g); }
  std::string state_name(std::size_t i) const override { return inner_.state_name(i); }

 private:
  solve::OdeSystem& inner_;
};

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

/// f and a switch that depend on t explicitly (the leukocyte model's f does not).
model::CompiledModel forced_model() {
  return model::load_model_from_string(R"(model: forced
time_unit: h
parameters:
  k: {value: 0.5, unit: 1/h}
species:
  x: {initial: 1, unit: 1}
odes:
  x: -k * x + sin(t) + piecewise(1, t > 3, 0)
)",
                                       "forced.yaml");
}

/// integrate() of `system` directly and through VirtualOnly, bit for bit alike.
void check_plain_equals_virtual(solve::ModelOdeSystem& system, const std::vector<solve::Event>& events,
                                const std::vector<double>& times) {
  VirtualOnly virtual_only(system);
  REQUIRE(system.rhs_function().function != nullptr);
  REQUIRE(virtual_only.rhs_function().function == nullptr);
  const std::vector<double> x0_values = system.initial_state();
  const Eigen::VectorXd x0 =
      Eigen::Map<const Eigen::VectorXd>(x0_values.data(), static_cast<Eigen::Index>(x0_values.size()));
  const auto samples = testing::sample_times(times);
  for (const char* method : {"rk45", "auto", "rodas4"}) {
    INFO(method);
    solve::SolverOptions options;
    options.method = method;
    const solve::IntegrationResult a = solve::integrate(system, x0, 0.0, events, samples, options);
    const solve::IntegrationResult b = solve::integrate(virtual_only, x0, 0.0, events, samples, options);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(a.stats.steps == b.stats.steps);
    CHECK(a.stats.rhs_evals == b.stats.rhs_evals);
    CHECK(a.stats.method == b.stats.method);
    REQUIRE(a.states.size() == b.states.size());
    CHECK(std::memcmp(a.states.data(), b.states.data(), sizeof(double) * static_cast<std::size_t>(a.states.size())) ==
          0);
  }
}

}  // namespace

TEST_CASE("a native model's plain functions are its rhs() and switches(), bit for bit; the interpreter has none",
          "[solve][model][native]") {
  const model::CompiledModel interpreted =
      model::load_model(std::string(EXVIVO_SOURCE_DIR) + "/models/leukocyte_exvivo.yaml");
  const model::NativeCodeResult native = model::with_native_code(interpreted);
  INFO(native.reason);
  REQUIRE(native.native);
  const std::vector<double> p = interpreted.default_parameters();

  solve::ModelOdeSystem system(native.model, p);
  const auto f = system.rhs_function();
  const auto g = system.switches_function();
  REQUIRE(f.function != nullptr);
  REQUIRE(g.function != nullptr);
  REQUIRE(system.num_switches() > 0);
  std::vector<double> x = system.initial_state();
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::abs(x[i]) + 0.05 * static_cast<double>(i + 1);
  const std::size_t n = system.size(), m = system.num_switches();
  for (const double t : {0.0, 7.25, 30.0}) {
    std::vector<double> virtual_f(n), plain_f(n), virtual_g(m), plain_g(m);
    system.rhs(t, x.data(), virtual_f.data());
    f.context[0] = t;
    f.function(f.context, x.data(), plain_f.data());
    CHECK(same_bits(virtual_f, plain_f));
    system.switches(t, x.data(), virtual_g.data());
    g.context[0] = t;
    g.function(g.context, x.data(), plain_g.data());
    CHECK(same_bits(virtual_g, plain_g));
  }

  solve::ModelOdeSystem interpreted_system(interpreted, p);
  CHECK(interpreted_system.rhs_function().function == nullptr);
  CHECK(interpreted_system.switches_function().function == nullptr);
}

TEST_CASE("the plain functions read t from their context", "[solve][model][native]") {
  const model::CompiledModel interpreted = forced_model();
  const model::NativeCodeResult native = model::with_native_code(interpreted);
  INFO(native.reason);
  REQUIRE(native.native);
  REQUIRE(native.model.rhs_depends_on_time());
  solve::ModelOdeSystem system(native.model, native.model.default_parameters());
  const auto f = system.rhs_function();
  const auto g = system.switches_function();
  REQUIRE(f.function != nullptr);
  REQUIRE(g.function != nullptr);
  REQUIRE(system.num_switches() == 1);
  const std::vector<double> x{0.75};
  for (const double t : {0.5, 2.0, 4.0}) {
    std::vector<double> virtual_f(1), plain_f(1), virtual_g(1), plain_g(1);
    system.rhs(t, x.data(), virtual_f.data());
    f.context[0] = t;
    f.function(f.context, x.data(), plain_f.data());
    CHECK(same_bits(virtual_f, plain_f));
    CHECK_THAT(plain_f[0], Catch::Matchers::WithinRel(-0.5 * 0.75 + std::sin(t) + (t > 3 ? 1.0 : 0.0), 1e-14));
    system.switches(t, x.data(), virtual_g.data());
    g.context[0] = t;
    g.function(g.context, x.data(), plain_g.data());
    CHECK(same_bits(virtual_g, plain_g));
  }
}

TEST_CASE("integrating through the plain functions gives the virtual calls' solution bit for bit",
          "[solve][model][native]") {
  const model::CompiledModel interpreted =
      model::load_model(std::string(EXVIVO_SOURCE_DIR) + "/models/leukocyte_exvivo.yaml");
  const model::NativeCodeResult native = model::with_native_code(interpreted);
  INFO(native.reason);
  REQUIRE(native.native);
  solve::ModelOdeSystem system(native.model, native.model.default_parameters());
  // The leukocyte protocol's LPS dose at 24 h (species index from the model).
  std::size_t lps = native.model.num_states();
  for (std::size_t i = 0; i < native.model.species().size(); ++i)
    if (native.model.species()[i].name == "LPS") lps = i;
  REQUIRE(lps < native.model.num_states());
  const std::vector<solve::Event> events{{24.0, {{solve::EventAction::Kind::add, lps, 10.0}}}};
  check_plain_equals_virtual(system, events, {0.0, 12.0, 24.0, 28.0, 48.0, 72.0});

  // f of t (the stepper sets t in the context at every stage) with a switch in t.
  const model::NativeCodeResult forced = model::with_native_code(forced_model());
  INFO(forced.reason);
  REQUIRE(forced.native);
  solve::ModelOdeSystem forced_system(forced.model, forced.model.default_parameters());
  check_plain_equals_virtual(forced_system, {}, {0.0, 1.0, 2.5, 5.0, 10.0});
}
