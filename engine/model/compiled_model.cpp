// CompiledModel: accessors and the evaluation entry points. Each evaluation
// copies t and x into the workspace's input array (whose parameter and cached
// parts set_parameters filled) and runs one precompiled program.
#include <algorithm>
#include <cstring>
#include <limits>

#include "model/compiled_model_impl.hpp"
#include "model/model_compiler.hpp"
#include "model/model_spec.hpp"

namespace exvivo::model {

CompiledModel::CompiledModel() {
  auto impl = std::make_shared<Impl>();
  impl->symbolic = std::make_shared<SymbolicModel>();
  impl->sensitivity_codes = std::make_shared<SensitivityCodeCache>();
  impl_ = std::move(impl);
}
CompiledModel::~CompiledModel() = default;
CompiledModel::CompiledModel(CompiledModel&&) noexcept = default;
CompiledModel& CompiledModel::operator=(CompiledModel&&) noexcept = default;
CompiledModel::CompiledModel(const CompiledModel&) = default;
CompiledModel& CompiledModel::operator=(const CompiledModel&) = default;

const std::string& CompiledModel::name() const { return impl_->name; }
const std::string& CompiledModel::title() const { return impl_->title; }
const std::string& CompiledModel::time_unit() const { return impl_->time_unit; }
const std::string& CompiledModel::file() const { return impl_->file; }

std::size_t CompiledModel::num_states() const { return impl_->num_states; }
std::size_t CompiledModel::num_parameters() const { return impl_->num_parameters; }
std::size_t CompiledModel::num_observables() const { return impl_->num_observables; }
std::size_t CompiledModel::num_cached_values() const { return impl_->num_cached; }

const std::vector<SpeciesInfo>& CompiledModel::species() const { return impl_->species; }
const std::vector<ParameterInfo>& CompiledModel::parameters() const { return impl_->parameters; }
const std::vector<ObservableInfo>& CompiledModel::observables() const { return impl_->observables; }
const std::vector<std::string>& CompiledModel::assignment_names() const { return impl_->assignment_names; }

namespace {
template <class Info, class NameOf>
std::optional<std::size_t> index_of(const std::vector<Info>& items, const std::string& name, NameOf name_of) {
  for (std::size_t i = 0; i < items.size(); ++i)
    if (name_of(items[i]) == name) return i;
  return std::nullopt;
}
}  // namespace

std::optional<std::size_t> CompiledModel::species_index(const std::string& name) const {
  return index_of(impl_->species, name, [](const SpeciesInfo& s) -> const std::string& { return s.name; });
}
std::optional<std::size_t> CompiledModel::parameter_index(const std::string& name) const {
  return index_of(impl_->parameters, name, [](const ParameterInfo& p) -> const std::string& { return p.name; });
}
std::optional<std::size_t> CompiledModel::observable_index(const std::string& name) const {
  return index_of(impl_->observables, name, [](const ObservableInfo& o) -> const std::string& { return o.name; });
}

std::vector<double> CompiledModel::default_parameters() const {
  std::vector<double> p;
  p.reserve(impl_->parameters.size());
  for (const auto& info : impl_->parameters) p.push_back(info.value);
  return p;
}

const std::map<std::string, ValueSet>& CompiledModel::donor_presets() const { return impl_->donor_presets; }
const std::map<std::string, ValueSet>& CompiledModel::cultures() const { return impl_->cultures; }

const SparsityPattern& CompiledModel::jacobian_sparsity() const { return impl_->sparsity; }
bool CompiledModel::rhs_depends_on_time() const { return impl_->rhs.reads_input(0); }

// --- workspace -----------------------------------------------------------------

CompiledModel::Workspace::Workspace() = default;
CompiledModel::Workspace::~Workspace() = default;
CompiledModel::Workspace::Workspace(Workspace&&) noexcept = default;
CompiledModel::Workspace& CompiledModel::Workspace::operator=(Workspace&&) noexcept = default;
CompiledModel::Workspace::Workspace(const Workspace& other)
    : data(other.data ? std::make_unique<Data>(*other.data) : nullptr) {}
CompiledModel::Workspace& CompiledModel::Workspace::operator=(const Workspace& other) {
  if (this != &other) data = other.data ? std::make_unique<Data>(*other.data) : nullptr;
  return *this;
}

CompiledModel::Workspace CompiledModel::make_workspace() const {
  Workspace ws;
  ws.data = std::make_unique<Workspace::Data>();
  // Parameters default to the model's values, so a workspace is usable before set_parameters.
  ws.data->inputs.assign(std::max<std::size_t>(impl_->num_inputs, 1), 0.0);
  ws.data->scratch.assign(std::max<std::size_t>(impl_->scratch_size, 1), 0.0);
  ws.data->jacobian_values.assign(std::max<std::size_t>(impl_->sparsity.nonzeros.size(), 1), 0.0);
  const std::vector<double> p = default_parameters();
  set_parameters(p.data(), ws);
  return ws;
}

// --- evaluation ----------------------------------------------------------------

namespace {
/// The input array with t and x filled in.
double* load_state(const CompiledModel::Impl& impl, double t, const double* x, CompiledModel::Workspace& ws) {
  double* in = ws.data->inputs.data();
  in[0] = t;
  std::copy(x, x + impl.num_states, in + impl.slot_x);
  return in;
}
}  // namespace

void CompiledModel::set_parameters(const double* p, Workspace& ws) const {
  double* in = ws.data->inputs.data();
  std::copy(p, p + impl_->num_parameters, in + impl_->slot_p);
  impl_->cache.evaluate(in, in + impl_->slot_cache, ws.data->scratch.data());
}

void CompiledModel::initial_state(Workspace& ws, double* x0) const {
  impl_->initial.evaluate(ws.data->inputs.data(), x0, ws.data->scratch.data());
}

void CompiledModel::initial_state_jacobian(Workspace& ws, double* dx0dp) const {
  std::fill(dx0dp, dx0dp + impl_->num_states * impl_->num_parameters, 0.0);
  impl_->initial_jacobian.evaluate(ws.data->inputs.data(), dx0dp, ws.data->scratch.data());
}

void CompiledModel::rhs(double t, const double* x, Workspace& ws, double* dxdt) const {
  const std::size_t n = impl_->num_states;
  if (impl_->rhs.has_native_state() && (x + n <= dxdt || dxdt + n <= x)) {
    // Native code reads x where it is: no copy into the input array (the
    // copy was 4 % of a leukocyte cohort's instructions, bench/README.md).
    double* in = ws.data->inputs.data();
    in[0] = t;
    impl_->rhs.evaluate_native_state(in, x, dxdt);
    return;
  }
  impl_->rhs.evaluate(load_state(*impl_, t, x, ws), dxdt, ws.data->scratch.data());
}

void CompiledModel::jacobian(double t, const double* x, Workspace& ws, double* J) const {
  // The non-zeros scattered into place: one program serves the dense and the
  // sparse form (half the native code to compile).
  std::fill(J, J + impl_->num_states * impl_->num_states, 0.0);
  double* values = ws.data->jacobian_values.data();
  impl_->jacobian_nonzeros.evaluate(load_state(*impl_, t, x, ws), values, ws.data->scratch.data());
  const auto& nonzeros = impl_->sparsity.nonzeros;
  for (std::size_t k = 0; k < nonzeros.size(); ++k)
    J[static_cast<std::size_t>(nonzeros[k].first) +
      static_cast<std::size_t>(nonzeros[k].second) * impl_->num_states] = values[k];
}

void CompiledModel::jacobian_nonzeros(double t, const double* x, Workspace& ws, double* values) const {
  impl_->jacobian_nonzeros.evaluate(load_state(*impl_, t, x, ws), values, ws.data->scratch.data());
}

void CompiledModel::parameter_jacobian(double t, const double* x, Workspace& ws, double* Jp) const {
  std::fill(Jp, Jp + impl_->num_states * impl_->num_parameters, 0.0);
  impl_->parameter_jacobian.evaluate(load_state(*impl_, t, x, ws), Jp, ws.data->scratch.data());
}

void CompiledModel::parameter_jacobian_nonzeros(double t, const double* x, Workspace& ws, double* Jp) const {
  impl_->parameter_jacobian.evaluate(load_state(*impl_, t, x, ws), Jp, ws.data->scratch.data());
}

std::size_t CompiledModel::num_switches() const { return impl_->num_switches; }

void CompiledModel::switches(double t, const double* x, Workspace& ws, double* g) const {
  if (impl_->switches.has_native_state()) {  // as rhs(): x read in place
    double* in = ws.data->inputs.data();
    in[0] = t;
    impl_->switches.evaluate_native_state(in, x, g);
    return;
  }
  impl_->switches.evaluate(load_state(*impl_, t, x, ws), g, ws.data->scratch.data());
}

CompiledModel::StateFunction CompiledModel::native_rhs(Workspace& ws) const {
  return {impl_->rhs.native_state(), ws.data->inputs.data()};
}

CompiledModel::StateFunction CompiledModel::native_switches(Workspace& ws) const {
  return {impl_->switches.native_state(), ws.data->inputs.data()};
}

void CompiledModel::observables(double t, const double* x, Workspace& ws, double* y) const {
  impl_->observables_program.evaluate(load_state(*impl_, t, x, ws), y, ws.data->scratch.data());
}

void CompiledModel::observable_state_jacobian(double t, const double* x, Workspace& ws, double* dhdx) const {
  std::fill(dhdx, dhdx + impl_->num_observables * impl_->num_states, 0.0);
  impl_->observable_state_jacobian.evaluate(load_state(*impl_, t, x, ws), dhdx, ws.data->scratch.data());
}

void CompiledModel::observable_parameter_jacobian(double t, const double* x, Workspace& ws, double* dhdp) const {
  std::fill(dhdp, dhdp + impl_->num_observables * impl_->num_parameters, 0.0);
  impl_->observable_parameter_jacobian.evaluate(load_state(*impl_, t, x, ws), dhdp, ws.data->scratch.data());
}

void CompiledModel::noise_sigmas(double t, const double* x, Workspace& ws, double* sigma) const {
  impl_->sigma.evaluate(load_state(*impl_, t, x, ws), sigma, ws.data->scratch.data());
  for (const std::size_t k : impl_->observables_without_noise) sigma[k] = std::numeric_limits<double>::quiet_NaN();
}

void CompiledModel::noise_sigma_state_jacobian(double t, const double* x, Workspace& ws, double* dsdx) const {
  std::fill(dsdx, dsdx + impl_->num_observables * impl_->num_states, 0.0);
  impl_->sigma_state_jacobian.evaluate(load_state(*impl_, t, x, ws), dsdx, ws.data->scratch.data());
}

void CompiledModel::noise_sigma_parameter_jacobian(double t, const double* x, Workspace& ws, double* dsdp) const {
  std::fill(dsdp, dsdp + impl_->num_observables * impl_->num_parameters, 0.0);
  impl_->sigma_parameter_jacobian.evaluate(load_state(*impl_, t, x, ws), dsdp, ws.data->scratch.data());
}

// --- loading -------------------------------------------------------------------

CompiledModel load_model(const std::string& path, std::vector<std::string>* warnings) {
  return compile(read_model_spec(path), warnings);
}

CompiledModel load_model_from_string(const std::string& text, const std::string& filename,
                                     std::vector<std::string>* warnings) {
  return compile(read_model_spec_from_string(text, filename), warnings);
}

}  // namespace exvivo::model
