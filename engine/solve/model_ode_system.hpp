#pragma once
// ModelOdeSystem: a CompiledModel with one parameter vector seen as an
// OdeSystem. The model's species are concentrations or counts, so the system
// is non-negative (see integrate.hpp); failure messages name species
// ("species IL10") and use the model's time unit.
#include <cstddef>
#include <string>
#include <vector>

#include "model/compiled_model.hpp"
#include "solve/ode_system.hpp"

namespace exvivo::solve {

class ModelOdeSystem final : public OdeSystem {
 public:
  /// Keeps a reference to `model`; evaluates the parameter-only assignments of
  /// `parameters` (length model.num_parameters()) once into its own workspace.
  ModelOdeSystem(const model::CompiledModel& model, const std::vector<double>& parameters);

  std::size_t size() const override;
  void rhs(double t, const double* x, double* dxdt) override;
  void jacobian(double t, const double* x, double* J) override;
  const std::vector<std::pair<int, int>>* jacobian_pattern() const override;
  void jacobian_nonzeros(double t, const double* x, double* values) override;
  bool has_analytic_jacobian() const override { return true; }
  bool autonomous() const override;
  bool nonnegative() const override { return true; }
  std::size_t num_switches() const override { return model_.num_switches(); }
  void switches(double t, const double* x, double* g) override { model_.switches(t, x, workspace_, g); }
  PlainFunction rhs_function() override;
  PlainFunction switches_function() override;
  std::string state_name(std::size_t i) const override;
  std::string time_unit() const override;

  /// x0(p) from the species' initial expressions (length size()).
  std::vector<double> initial_state();
  /// Observables h(t, x) into y (length model.num_observables()).
  void observables(double t, const double* x, double* y);

  const model::CompiledModel& model() const { return model_; }

 private:
  const model::CompiledModel& model_;
  model::CompiledModel::Workspace workspace_;
};

}  // namespace exvivo::solve
