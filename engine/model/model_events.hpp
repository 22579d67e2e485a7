#pragma once
// CompiledEvents: the events of a ModelSpec (SBML events) compiled for
// evaluation along a solution. Triggers and assignment values are compiled as
// the observables of a companion CompiledModel that has the same states,
// parameters and assignments as the model itself, so they take the same x
// and p arrays.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "model/compiled_model.hpp"
#include "model/model_spec.hpp"

namespace exvivo::model {

class CompiledEvents {
 public:
  CompiledEvents() = default;
  /// Compiles the events of `spec` (whose model was compiled from the same
  /// spec). Throws ModelError for a bad trigger or value expression, or an
  /// assignment to something that is not a state.
  explicit CompiledEvents(const ModelSpec& spec);

  std::size_t size() const { return ids_.size(); }
  bool empty() const { return ids_.empty(); }
  const std::string& id(std::size_t e) const { return ids_[e]; }
  bool initial_value(std::size_t e) const { return initial_value_[e]; }
  bool persistent(std::size_t e) const { return persistent_[e]; }
  bool use_values_from_trigger_time(std::size_t e) const { return use_trigger_values_[e]; }
  /// State indices the event assigns, in document order.
  const std::vector<std::size_t>& targets(std::size_t e) const { return targets_[e]; }

  /// A workspace for the evaluations below, holding parameters p.
  CompiledModel::Workspace make_workspace(const std::vector<double>& p) const;
  /// Every trigger (out[e] != 0: true) and every assignment value (values[k]
  /// for the k-th assignment over all events, in order) at (t, x).
  void evaluate(double t, const double* x, CompiledModel::Workspace& ws, std::vector<double>& triggers,
                std::vector<double>& values) const;
  /// Offset of event e's first value in `values`.
  std::size_t value_offset(std::size_t e) const { return value_offset_[e]; }

  /// For sensitivities at events: the compiled trigger and value functions
  /// as observables of a model with the same states and parameters, and the
  /// observable index of event e's k-th assignment value and of its root
  /// function g = a − b for a trigger `a OP b` with OP one of < <= > >=
  /// (none for other triggers: their event time is taken as independent of
  /// the parameters).
  const CompiledModel& functions() const { return functions_; }
  std::size_t value_observable(std::size_t e, std::size_t k) const { return size() + value_offset_[e] + k; }
  std::optional<std::size_t> root_observable(std::size_t e) const { return root_observable_[e]; }

 private:
  CompiledModel functions_;  // observables: triggers, then assignment values, then trigger roots
  std::vector<std::string> ids_;
  std::vector<bool> initial_value_, persistent_, use_trigger_values_;
  std::vector<std::vector<std::size_t>> targets_;
  std::vector<std::size_t> value_offset_;
  std::size_t num_values_ = 0;
  std::vector<std::optional<std::size_t>> root_observable_;
};

}  // namespace exvivo::model
