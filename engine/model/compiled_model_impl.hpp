#pragma once
// Internal to engine/model: the data behind a CompiledModel, shared by the
// compiler (model_compiler.cpp) and the evaluation functions (compiled_model.cpp).
//
// Every evaluation reads one input array, laid out as
//   [ t | x (num_states) | p (num_parameters) | cached parameter-only values ]
// The cached values are the largest subexpressions of the per-step programs
// that depend on parameters only; set_parameters() computes them once per run.
#include <map>
#include <tuple>
#include <memory>
#include <mutex>
#include <utility>
#include <string>
#include <vector>

#include "expr/program.hpp"
#include "model/compiled_model.hpp"

namespace exvivo::model {

/// The expressions behind the per-step programs, kept for programs built
/// after compilation (the fused forward-sensitivity right-hand side,
/// model/sensitivity_code.hpp). Nodes read the per-step input layout (cached
/// parameter-only values already substituted).
struct SymbolicModel {
  expr::Graph graph;
  std::vector<expr::NodeId> rhs;                 ///< f, num_states nodes
  std::vector<expr::NodeId> jacobian_nonzeros;   ///< ∂f/∂x at the sparsity pattern's entries
  std::vector<expr::NodeId> parameter_jacobian;  ///< ∂f/∂p, column-major num_states × num_parameters
  std::vector<expr::NodeId> initial_jacobian;    ///< ∂x0/∂p, column-major num_states × num_parameters
};

struct ObservableStructure;

/// The programs of model/sensitivity_code.hpp for one parameter selection.
struct SensitivityPrograms {
  std::shared_ptr<expr::Program> rhs, terms, products, initial;
  std::shared_ptr<const ObservableStructure> observables;
  std::vector<std::size_t> product_rows;  ///< SensitivityCode::product_rows
  std::size_t product_stride = 0;         ///< SensitivityCode::product_stride
  std::string reason;  ///< why not native, for a native model ("" if it is)
};

/// Sensitivity programs built so far, per (native, selected parameters).
struct SensitivityCodeCache {
  std::mutex mutex;
  std::map<std::tuple<bool, bool, std::vector<std::size_t>>, SensitivityPrograms>
      programs;  ///< (native, every_row, selected)
};

struct CompiledModel::Impl {
  std::string name, title, time_unit, file;
  std::vector<SpeciesInfo> species;
  std::vector<ParameterInfo> parameters;
  std::vector<ObservableInfo> observables;
  std::vector<std::string> assignment_names;
  std::map<std::string, ValueSet> donor_presets, cultures;

  std::size_t num_states = 0, num_parameters = 0, num_observables = 0, num_cached = 0, num_switches = 0;
  std::size_t slot_x = 1, slot_p = 0, slot_cache = 0, num_inputs = 0;

  expr::Program cache;                     ///< p -> cached values (written into the input array)
  expr::Program initial;                   ///< x0(p)
  expr::Program initial_jacobian;          ///< ∂x0/∂p, zero entries skipped
  expr::Program rhs;
  expr::Program jacobian_nonzeros;         ///< ∂f/∂x at the sparsity pattern's entries
  SparsityPattern sparsity;
  expr::Program parameter_jacobian;        ///< ∂f/∂p dense, zero entries skipped
  expr::Program switches;                  ///< state-dependent switch functions (CompiledModel::switches)
  expr::Program observables_program;
  expr::Program observable_state_jacobian;      ///< zero entries skipped
  expr::Program observable_parameter_jacobian;  ///< zero entries skipped
  expr::Program sigma;                          ///< observables with noise only
  expr::Program sigma_state_jacobian;           ///< zero entries skipped
  expr::Program sigma_parameter_jacobian;       ///< zero entries skipped
  std::vector<std::size_t> observables_without_noise;
  std::size_t scratch_size = 0;
  /// Whether the programs run as native code (model/native_code.hpp).
  bool native = false;
  /// Shared by the copies of a model (interpreted and native); never null.
  std::shared_ptr<const SymbolicModel> symbolic;
  std::shared_ptr<SensitivityCodeCache> sensitivity_codes;

  /// Every program above with a name unique within the model (the native code
  /// generator names its C functions after them). A program added to Impl
  /// must be listed here.
  std::vector<std::pair<const char*, expr::Program*>> programs() {
    return {{"cache", &cache},
            {"initial", &initial},
            {"initial_jacobian", &initial_jacobian},
            {"rhs", &rhs},
            {"jacobian_nonzeros", &jacobian_nonzeros},
            {"parameter_jacobian", &parameter_jacobian},
            {"switches", &switches},
            {"observables", &observables_program},
            {"observable_state_jacobian", &observable_state_jacobian},
            {"observable_parameter_jacobian", &observable_parameter_jacobian},
            {"sigma", &sigma},
            {"sigma_state_jacobian", &sigma_state_jacobian},
            {"sigma_parameter_jacobian", &sigma_parameter_jacobian}};
  }
};

struct CompiledModel::Workspace::Data {
  std::vector<double> inputs;
  std::vector<double> scratch;
  std::vector<double> jacobian_values;  ///< ∂f/∂x non-zeros, scattered by jacobian()
};

}  // namespace exvivo::model
