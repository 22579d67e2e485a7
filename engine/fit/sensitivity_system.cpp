#include "fit/sensitivity_system.hpp"

namespace exvivo::fit {

using Eigen::Index;

SensitivitySystem::SensitivitySystem(const model::CompiledModel& model, const std::vector<double>& p,
                                     const std::vector<std::size_t>& selected)
    : model_(model),
      selected_(selected),
      ws_(model.make_workspace()),
      n_(static_cast<Index>(model.num_states())),
      k_(static_cast<Index>(selected.size())),
      jacobian_values_(model.jacobian_sparsity().nonzeros.size()),
      parameter_jacobian_(Eigen::MatrixXd::Zero(n_, static_cast<Index>(model.num_parameters()))) {
  model_.set_parameters(p.data(), ws_);
}

void SensitivitySystem::rhs(double t, const double* z, double* dz) {
  model_.rhs(t, z, ws_, dz);
  if (k_ > 0) sensitivity_rhs(t, z, dz + n_);
}

void SensitivitySystem::sensitivity_rhs(double t, const double* z, double* ds) {
  model_.jacobian_nonzeros(t, z, ws_, jacobian_values_.data());
  model_.parameter_jacobian_nonzeros(t, z, ws_, parameter_jacobian_.data());
  for (Index c = 0; c < k_; ++c) {
    const Index p = static_cast<Index>(selected_[static_cast<std::size_t>(c)]);
    Eigen::Map<Eigen::VectorXd>(ds + n_ * c, n_) = parameter_jacobian_.col(p);
  }
  const auto& nonzeros = model_.jacobian_sparsity().nonzeros;
  const double* S = z + n_;
  for (std::size_t q = 0; q < nonzeros.size(); ++q) {
    const double v = jacobian_values_[q];
    const Index i = nonzeros[q].first, j = nonzeros[q].second;
    for (Index c = 0; c < k_; ++c) ds[n_ * c + i] += v * S[n_ * c + j];
  }
}

void SensitivitySystem::state_jacobian(double t, const double* x, double* J) {
  model_.jacobian(t, x, ws_, J);
}

std::string SensitivitySystem::state_name(std::size_t i) const {
  const auto n = static_cast<std::size_t>(n_);
  const auto& species = model_.species();
  if (i < n) return "species " + species[i].name;
  const std::size_t c = i / n - 1;
  return "sensitivity of " + species[i % n].name + " to " + model_.parameters()[selected_[c]].name;
}

}  // namespace exvivo::fit
