#pragma once
// CompiledModel: a model file compiled into straight-line programs that
// evaluate the right-hand side f(t, x, p), its Jacobians ∂f/∂x and ∂f/∂p, the
// initial state x0(p) with ∂x0/∂p, the observables h(t, x, p) with ∂h/∂x and
// ∂h/∂p, and the observables' noise sigmas. Derivatives are symbolic (exact).
//
// A CompiledModel is immutable and shared by all threads. Everything that
// changes per run or per thread lives in a Workspace, made once per run with
// make_workspace(); no evaluation allocates.
//
// Usage per run:
//   auto ws = model.make_workspace();
//   model.set_parameters(p.data(), ws);   // evaluates parameter-only assignments once
//   model.initial_state(ws, x0.data());
//   model.rhs(t, x, ws, dxdt);            // many times
//
// Subexpressions that depend on parameters only (parameter-only assignments,
// k1*k2, K^n of a Hill term, ...) are computed by set_parameters() and only
// read by the per-step evaluations. Assignments are shared nodes of one
// expression DAG, so a subexpression used by several equations is computed
// once per evaluation.
//
// Units: every value is in the unit the model file gives it; time in
// time_unit(). Loading converts donor-preset and culture quantities
// ("450 cells/uL") to the parameter's or species' unit.
#include <cstddef>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/noise_distribution.hpp"
#include "core/scale.hpp"

namespace exvivo::model {

struct ModelSpec;
struct NativeCodeResult;
struct SensitivityCode;
class CompiledModel;
NativeCodeResult with_native_code(const CompiledModel& model);
std::string native_source(const CompiledModel& model);
bool is_native(const CompiledModel& model);

using Scale = exvivo::Scale;  // core/scale.hpp

struct ParameterInfo {
  std::string name;
  double value = 0;           ///< default, in `unit`
  std::string unit;           ///< as written in the model file ("1" when absent)
  double lower = 0, upper = 0;
  bool has_bounds = false;
  Scale scale = Scale::lin;
  bool donor = false;         ///< describes a patient rather than biology
  std::string source;         ///< citation / "assumption: ..." text
  std::string doc;
  SourceLocation where;
};

struct SpeciesInfo {
  std::string name;
  std::string unit;
  bool soluble = false;               ///< removed by a wash
  double molar_mass = 0;              ///< g/mol; 0 = not given (needed for nM <-> ng/mL)
  double specific_activity = 0;       ///< IU/mg; 0 = not given (needed for IU/mL)
  std::string doc;
  SourceLocation where;
};

struct NoiseModel {
  using Distribution = exvivo::NoiseDistribution;  // core/noise_distribution.hpp
  Distribution distribution = Distribution::none;
  /// sigma as written in the model file: a positive number or an expression of
  /// t, species, parameters and assignments. Evaluated by CompiledModel::noise_sigmas.
  std::string sigma;
};

struct ObservableInfo {
  std::string name;
  std::string unit;
  std::string doc;
  NoiseModel noise;
  /// Lower limit of quantification in the observable's unit (the key `lloq`),
  /// NaN when not given. A fit reads an exact measurement below it as
  /// left-censored (upper = lloq), as the assay reports "< LLOQ".
  double lloq = std::numeric_limits<double>::quiet_NaN();
  SourceLocation where;
};

/// A named set of values: keys are parameter names or species names (a species
/// key overrides that species' initial value). Values are in the model's units.
using ValueSet = std::map<std::string, double>;

/// Sparsity of a dense column-major n×n Jacobian: the (row, col) pairs that can be non-zero.
struct SparsityPattern {
  std::size_t n = 0;
  std::vector<std::pair<int, int>> nonzeros;  ///< (row, col), column-major order
};

class CompiledModel {
 public:
  /// Per-run evaluation state (registers, cached parameter-only values).
  class Workspace;

  CompiledModel();
  ~CompiledModel();
  CompiledModel(CompiledModel&&) noexcept;
  CompiledModel& operator=(CompiledModel&&) noexcept;
  /// Copies share the immutable compiled programs: copying is cheap.
  CompiledModel(const CompiledModel&);
  CompiledModel& operator=(const CompiledModel&);

  const std::string& name() const;
  const std::string& title() const;
  const std::string& time_unit() const;   ///< "h", "min", "s" or "d"
  const std::string& file() const;        ///< path it was loaded from

  std::size_t num_states() const;
  std::size_t num_parameters() const;
  std::size_t num_observables() const;

  const std::vector<SpeciesInfo>& species() const;
  const std::vector<ParameterInfo>& parameters() const;
  const std::vector<ObservableInfo>& observables() const;
  /// Names of assignments (for `exvivo info`).
  const std::vector<std::string>& assignment_names() const;

  std::optional<std::size_t> species_index(const std::string& name) const;
  std::optional<std::size_t> parameter_index(const std::string& name) const;
  std::optional<std::size_t> observable_index(const std::string& name) const;

  /// Default parameter vector (model file values, model units).
  std::vector<double> default_parameters() const;

  const std::map<std::string, ValueSet>& donor_presets() const;
  const std::map<std::string, ValueSet>& cultures() const;

  // --- evaluation ------------------------------------------------------------
  // Arrays are caller-owned with the lengths stated; x has num_states values.
  // A Workspace must come from make_workspace() of the same model.

  /// A workspace holding the default parameters (set_parameters already applied).
  Workspace make_workspace() const;
  /// Stores p (length num_parameters) in ws and evaluates parameter-only assignments.
  void set_parameters(const double* p, Workspace& ws) const;
  /// x0(p) from the species' `initial` expressions.
  void initial_state(Workspace& ws, double* x0) const;
  /// ∂x0/∂p, dense column-major num_states × num_parameters.
  void initial_state_jacobian(Workspace& ws, double* dx0dp) const;

  /// dx/dt = f(t, x, p), num_states values.
  void rhs(double t, const double* x, Workspace& ws, double* dxdt) const;
  /// ∂f/∂x, dense column-major num_states × num_states (zeros included).
  void jacobian(double t, const double* x, Workspace& ws, double* J) const;
  /// The entries of ∂f/∂x that are not identically zero.
  const SparsityPattern& jacobian_sparsity() const;
  /// ∂f/∂x at the entries of jacobian_sparsity(), in its order
  /// (values[k] = J(nonzeros[k].first, nonzeros[k].second)), for sparse solvers.
  void jacobian_nonzeros(double t, const double* x, Workspace& ws, double* values) const;
  /// Whether f(t, x, p) depends on t explicitly (else Rosenbrock steps skip ∂f/∂t).
  bool rhs_depends_on_time() const;
  /// ∂f/∂p, dense column-major num_states × num_parameters.
  void parameter_jacobian(double t, const double* x, Workspace& ws, double* Jp) const;
  /// As parameter_jacobian, but writes only the entries that are not identically
  /// zero and leaves the others as they are: zero Jp once, then call this on the
  /// hot path (forward sensitivities) without refilling num_states × num_parameters zeros.
  void parameter_jacobian_nonzeros(double t, const double* x, Workspace& ws, double* Jp) const;

  /// Number of switch functions: one per comparison (`<`, `<=`, `>`, `>=`,
  /// in a piecewise condition or not), `min` and `max` in f whose operands
  /// depend on t or the state (a − b for a < b, b − a for a <= b, min and
  /// max). Where the test g < 0 changes value, f or its derivatives jump;
  /// the integrator restarts there (solve/integrate.hpp).
  std::size_t num_switches() const;
  /// The switch functions at (t, x), num_switches() values.
  void switches(double t, const double* x, Workspace& ws, double* g) const;

  /// rhs() and switches() as plain native functions, when the model has
  /// native code (else `function` is nullptr): function(in, x, out) with
  /// in = `in`, ws's input array, after the caller has set in[0] = t; x and
  /// out must not overlap. The same arithmetic as rhs() and switches(),
  /// without their checks and call layers, for the integrator's innermost
  /// loop (solve::OdeSystem::plain_rhs()). Valid as long as ws.
  struct StateFunction {
    void (*function)(const double* in, const double* x, double* out) = nullptr;
    double* in = nullptr;
  };
  StateFunction native_rhs(Workspace& ws) const;
  StateFunction native_switches(Workspace& ws) const;

  /// h(t, x, p), num_observables values.
  void observables(double t, const double* x, Workspace& ws, double* y) const;
  /// ∂h/∂x, dense column-major num_observables × num_states.
  void observable_state_jacobian(double t, const double* x, Workspace& ws, double* dhdx) const;
  /// ∂h/∂p, dense column-major num_observables × num_parameters.
  void observable_parameter_jacobian(double t, const double* x, Workspace& ws, double* dhdp) const;
  /// Noise standard deviation of each observable at (t, x), NaN where the
  /// observable has no noise model:
  ///   normal        sigma as written (absolute, in the observable's unit)
  ///   lognormal     sigma as written (of ln y, dimensionless)
  ///   proportional  sigma·|h| (sigma as written is relative)
  void noise_sigmas(double t, const double* x, Workspace& ws, double* sigma) const;
  /// ∂sigma/∂x, dense column-major num_observables × num_states (0 rows without noise).
  void noise_sigma_state_jacobian(double t, const double* x, Workspace& ws, double* dsdx) const;
  /// ∂sigma/∂p, dense column-major num_observables × num_parameters (0 rows without noise).
  void noise_sigma_parameter_jacobian(double t, const double* x, Workspace& ws, double* dsdp) const;

  /// Number of parameter-only subexpressions that set_parameters() evaluates
  /// once per run so that the per-step programs only read them.
  std::size_t num_cached_values() const;

  struct Impl;  // defined in compiled_model.cpp / the compiler

 private:
  std::shared_ptr<const Impl> impl_;
  friend CompiledModel compile(const ModelSpec& spec, std::vector<std::string>* warnings);
  friend NativeCodeResult with_native_code(const CompiledModel& model);
  friend std::string native_source(const CompiledModel& model);
  friend bool is_native(const CompiledModel& model);
  friend SensitivityCode sensitivity_code(const CompiledModel& model, const std::vector<std::size_t>& selected,
                                          bool every_row);
  friend class Workspace;
};

class CompiledModel::Workspace {
 public:
  Workspace();
  ~Workspace();
  Workspace(Workspace&&) noexcept;
  Workspace& operator=(Workspace&&) noexcept;
  Workspace(const Workspace&);
  Workspace& operator=(const Workspace&);

  struct Data;
  std::unique_ptr<Data> data;
};

/// Reads, validates and compiles a model file. Throws ModelError with file:line:col.
/// Warnings (unused parameters, ...) are appended to *warnings when given.
CompiledModel load_model(const std::string& path, std::vector<std::string>* warnings = nullptr);
/// As load_model for model YAML held in memory; `filename` names it in messages.
CompiledModel load_model_from_string(const std::string& text, const std::string& filename,
                                     std::vector<std::string>* warnings = nullptr);

}  // namespace exvivo::model
