#include "solve/model_ode_system.hpp"

namespace exvivo::solve {

ModelOdeSystem::ModelOdeSystem(const model::CompiledModel& model,
                               const std::vector<double>& parameters)
    : model_(model), workspace_(model.make_workspace()) {
  model_.set_parameters(parameters.data(), workspace_);
}

std::size_t ModelOdeSystem::size() const { return model_.num_states(); }

void ModelOdeSystem::rhs(double t, const double* x, double* dxdt) {
  model_.rhs(t, x, workspace_, dxdt);
}

OdeSystem::PlainFunction ModelOdeSystem::rhs_function() {
  const auto native = model_.native_rhs(workspace_);
  return {native.function, native.in};
}

OdeSystem::PlainFunction ModelOdeSystem::switches_function() {
  const auto native = model_.native_switches(workspace_);
  return {native.function, native.in};
}

void ModelOdeSystem::jacobian(double t, const double* x, double* J) {
  model_.jacobian(t, x, workspace_, J);
}

const std::vector<std::pair<int, int>>* ModelOdeSystem::jacobian_pattern() const {
  return &model_.jacobian_sparsity().nonzeros;
}

void ModelOdeSystem::jacobian_nonzeros(double t, const double* x, double* values) {
  model_.jacobian_nonzeros(t, x, workspace_, values);
}

bool ModelOdeSystem::autonomous() const { return !model_.rhs_depends_on_time(); }

std::string ModelOdeSystem::state_name(std::size_t i) const {
  return "species " + model_.species()[i].name;
}

std::string ModelOdeSystem::time_unit() const { return model_.time_unit(); }

std::vector<double> ModelOdeSystem::initial_state() {
  std::vector<double> x0(model_.num_states());
  model_.initial_state(workspace_, x0.data());
  return x0;
}

void ModelOdeSystem::observables(double t, const double* x, double* y) {
  model_.observables(t, x, workspace_, y);
}

}  // namespace exvivo::solve
