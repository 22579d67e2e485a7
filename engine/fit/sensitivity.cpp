#include "fit/sensitivity.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "model/compiled_model.hpp"
#include "solve/integrate.hpp"
#include "solve/ode_system.hpp"

namespace exvivo::fit {

namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

/// The state x and the columns of S stacked: z = (x, S_·0, S_·1, …).
class AugmentedSystem final : public solve::OdeSystem {
 public:
  AugmentedSystem(const model::CompiledModel& model, const std::vector<double>& p,
                  const std::vector<std::size_t>& selected)
      : model_(model),
        selected_(selected),
        ws_(model.make_workspace()),
        n_(static_cast<Index>(model.num_states())),
        k_(static_cast<Index>(selected.size())),
        J_(n_, n_),
        Jp_full_(n_, static_cast<Index>(model.num_parameters())),
        J_shift_(n_, n_),
        Jp_shift_(n_, static_cast<Index>(model.num_parameters())),
        x_shift_(n_),
        g_base_(n_),
        g_shift_(n_) {
    model_.set_parameters(p.data(), ws_);
  }

  std::size_t size() const override { return static_cast<std::size_t>(n_ * (1 + k_)); }

  void rhs(double t, const double* z, double* dz) override {
    model_.rhs(t, z, ws_, dz);
    if (k_ == 0) return;
    model_.jacobian(t, z, ws_, J_.data());
    model_.parameter_jacobian(t, z, ws_, Jp_full_.data());
    for (Index c = 0; c < k_; ++c) {
      Eigen::Map<const VectorXd> s(z + n_ * (1 + c), n_);
      Eigen::Map<VectorXd> ds(dz + n_ * (1 + c), n_);
      ds.noalias() = J_ * s;
      ds += Jp_full_.col(static_cast<Index>(selected_[static_cast<std::size_t>(c)]));
    }
  }

  void jacobian(double t, const double* z, double* out) override {
    const Index N = n_ * (1 + k_);
    Eigen::Map<MatrixXd> A(out, N, N);
    A.setZero();
    model_.jacobian(t, z, ws_, J_.data());
    for (Index b = 0; b <= k_; ++b) A.block(b * n_, b * n_, n_, n_) = J_;
    if (k_ == 0) return;
    // Coupling ∂(J·s_c + ∂f/∂p_c)/∂x_l by forward differences of the analytic Jacobians.
    model_.parameter_jacobian(t, z, ws_, Jp_full_.data());
    Eigen::Map<const VectorXd> x(z, n_);
    for (Index l = 0; l < n_; ++l) {
      const double h = 1.4901161193847656e-08 * std::max(std::abs(x[l]), 1e-3);
      x_shift_ = x;
      x_shift_[l] += h;
      const double step = x_shift_[l] - x[l];
      model_.jacobian(t, x_shift_.data(), ws_, J_shift_.data());
      model_.parameter_jacobian(t, x_shift_.data(), ws_, Jp_shift_.data());
      for (Index c = 0; c < k_; ++c) {
        Eigen::Map<const VectorXd> s(z + n_ * (1 + c), n_);
        const Index pc = static_cast<Index>(selected_[static_cast<std::size_t>(c)]);
        g_shift_.noalias() = J_shift_ * s;
        g_shift_ += Jp_shift_.col(pc);
        g_base_.noalias() = J_ * s;
        g_base_ += Jp_full_.col(pc);
        A.block((1 + c) * n_, l, n_, 1) = (g_shift_ - g_base_) / step;
      }
    }
  }

  bool has_analytic_jacobian() const override { return true; }

  std::string state_name(std::size_t i) const override {
    const auto n = static_cast<std::size_t>(n_);
    const auto& species = model_.species();
    if (i < n) return "species " + species[i].name;
    const std::size_t c = i / n - 1;
    return "sensitivity of " + species[i % n].name + " to " +
           model_.parameters()[selected_[c]].name;
  }

  std::string time_unit() const override { return model_.time_unit(); }

  model::CompiledModel::Workspace& workspace() { return ws_; }

 private:
  const model::CompiledModel& model_;
  const std::vector<std::size_t>& selected_;
  model::CompiledModel::Workspace ws_;
  Index n_, k_;
  MatrixXd J_, Jp_full_, J_shift_, Jp_shift_;
  VectorXd x_shift_, g_base_, g_shift_;
};

}  // namespace

SensitivityResult solve_with_sensitivities(const solve::Run& run,
                                           const std::vector<std::size_t>& parameters,
                                           const solve::SolverOptions& options) {
  if (run.model == nullptr) throw std::invalid_argument("solve_with_sensitivities: Run.model is null");
  const model::CompiledModel& model = *run.model;
  const std::size_t np = model.num_parameters();
  if (run.parameters.size() != np)
    throw std::invalid_argument("solve_with_sensitivities: Run.parameters has the wrong length");
  for (const std::size_t p : parameters)
    if (p >= np) throw std::invalid_argument("solve_with_sensitivities: parameter index out of range");
  options.validate(model.num_states());

  const Index n = static_cast<Index>(model.num_states());
  const Index k = static_cast<Index>(parameters.size());
  const Index no = static_cast<Index>(model.num_observables());
  AugmentedSystem system(model, run.parameters, parameters);
  auto& ws = system.workspace();

  VectorXd z(n * (1 + k));
  model.initial_state(ws, z.data());
  MatrixXd dx0dp(n, static_cast<Index>(np));
  model.initial_state_jacobian(ws, dx0dp.data());
  for (Index c = 0; c < k; ++c)
    z.segment(n * (1 + c), n) = dx0dp.col(static_cast<Index>(parameters[static_cast<std::size_t>(c)]));
  for (const auto& [species, value] : run.initial_overrides) {
    if (species >= model.num_states())
      throw std::invalid_argument("solve_with_sensitivities: initial override out of range");
    const auto i = static_cast<Index>(species);
    z[i] = value;
    for (Index c = 0; c < k; ++c) z[n * (1 + c) + i] = 0;
  }

  // Jump conditions of the sensitivities at protocol events.
  std::vector<solve::Event> events = run.events;
  for (auto& event : events) {
    const std::size_t original = event.actions.size();
    for (std::size_t a = 0; a < original; ++a) {
      const solve::EventAction action = event.actions[a];
      if (action.kind == solve::EventAction::Kind::add) continue;
      for (Index c = 0; c < k; ++c) {
        solve::EventAction s = action;
        s.species = static_cast<std::size_t>(n * (1 + c)) + action.species;
        if (action.kind == solve::EventAction::Kind::set) s.value = 0;
        event.actions.push_back(s);
      }
    }
  }

  solve::SolverOptions augmented = options;
  if (options.abs_tol.size() > 1) {
    augmented.abs_tol.clear();
    for (Index b = 0; b <= k; ++b)
      augmented.abs_tol.insert(augmented.abs_tol.end(), options.abs_tol.begin(), options.abs_tol.end());
  }
  solve::IntegrationResult integrated =
      solve::integrate(system, z, run.t0, events, run.samples, augmented);

  SensitivityResult out;
  out.status = integrated.status;
  out.message = std::move(integrated.message);
  out.completed = integrated.completed;
  out.stats = std::move(integrated.stats);
  const auto ns = static_cast<Index>(run.samples.size());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  out.states = integrated.states.leftCols(n);
  out.observables = MatrixXd::Constant(ns, no, nan);
  out.sigmas = MatrixXd::Constant(ns, no, nan);
  out.state_sensitivities.assign(static_cast<std::size_t>(ns), MatrixXd::Constant(n, k, nan));
  out.observable_sensitivities.assign(static_cast<std::size_t>(ns), MatrixXd::Constant(no, k, nan));
  out.sigma_sensitivities.assign(static_cast<std::size_t>(ns), MatrixXd::Constant(no, k, nan));

  VectorXd x(n), y(no), sigma(no);
  MatrixXd dhdx(no, n), dhdp(no, static_cast<Index>(np)), dsdx(no, n), dsdp(no, static_cast<Index>(np));
  for (std::size_t s = 0; s < out.completed; ++s) {
    const auto row = static_cast<Index>(s);
    const double t = run.samples[s].time;
    x = integrated.states.row(row).head(n).transpose();
    model.observables(t, x.data(), ws, y.data());
    model.noise_sigmas(t, x.data(), ws, sigma.data());
    out.observables.row(row) = y.transpose();
    out.sigmas.row(row) = sigma.transpose();
    MatrixXd S(n, k);
    for (Index c = 0; c < k; ++c) S.col(c) = integrated.states.row(row).segment(n * (1 + c), n).transpose();
    model.observable_state_jacobian(t, x.data(), ws, dhdx.data());
    model.observable_parameter_jacobian(t, x.data(), ws, dhdp.data());
    model.noise_sigma_state_jacobian(t, x.data(), ws, dsdx.data());
    model.noise_sigma_parameter_jacobian(t, x.data(), ws, dsdp.data());
    MatrixXd dy = dhdx * S, ds = dsdx * S;
    for (Index c = 0; c < k; ++c) {
      const auto pc = static_cast<Index>(parameters[static_cast<std::size_t>(c)]);
      dy.col(c) += dhdp.col(pc);
      ds.col(c) += dsdp.col(pc);
    }
    out.state_sensitivities[s] = std::move(S);
    out.observable_sensitivities[s] = std::move(dy);
    out.sigma_sensitivities[s] = std::move(ds);
  }
  return out;
}

}  // namespace exvivo::fit
