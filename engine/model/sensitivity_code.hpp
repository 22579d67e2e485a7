#pragma once
// The forward-sensitivity right-hand side of a model as one generated program:
// for the state x and the sensitivity columns S_c = ∂x/∂p_c of the selected
// parameters p_c (c = 0 … k−1),
//
//   out = ( f(t, x, p),  J·S_0 + ∂f/∂p_0,  …,  J·S_{k−1} + ∂f/∂p_{k−1} )   J = ∂f/∂x
//
// written as straight-line code from the model's symbolic f, ∂f/∂x and ∂f/∂p:
// f and J share their subexpressions, every product J_ij·S_cj is emitted
// only for the structurally non-zero J_ij, and only the selected columns of
// ∂f/∂p are computed (their non-zero entries). Each row is summed in the
// order ∂f_i/∂p_c + Σ_j J_ij·S_cj over ascending j, the order of the sparse
// loop it replaces, so the result is the same to the last bit.
//
// The program reads the model's per-step input array (model/compiled_model_impl.hpp)
// extended by the k sensitivity columns:
//   [ t | x | p | cached parameter-only values | S_0 | … | S_{k−1} ]
// and writes n·(1+k) values. For a native model it is compiled to native code
// too (model/native_code.hpp; cached on disk by its source like the model's
// own code; interpreted beyond 200,000 instructions, which would take the C
// compiler minutes), else interpreted. Built once per model and parameter selection
// per process (later calls return the same program). Thread-safe.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "expr/program.hpp"
#include "model/compiled_model.hpp"

namespace exvivo::model {

/// Where the model's programs for ∂h/∂x, ∂σ/∂x (dense column-major
/// num_observables × num_states) and ∂h/∂p, ∂σ/∂p (× num_parameters) write,
/// the latter for the selected columns only: each entry (observable, column,
/// offset into the program's output). A straight-line program writes the same
/// offsets at every evaluation, so outputs need not be cleared, and the chain
/// rule runs over these entries alone.
struct ObservableStructure {
  struct Entry {
    std::size_t row, column, offset;
  };
  std::vector<Entry> dhdx, dsdx;  ///< column: the state j
  std::vector<Entry> dhdp, dsdp;  ///< column: c, the index into the selection
};

struct SensitivityCode {
  /// f and the k columns, as above.
  std::shared_ptr<const expr::Program> program;
  /// The same columns in two parts, for steppers that evaluate them for
  /// several S at one (t, x), with S row-interleaved over the rows that can
  /// be non-zero: row r of the product layout is state product_rows[r], and
  /// S_cj sits at r·product_stride + c. The stride is k rounded up to an even
  /// number (columns c ≥ k are padding, always 0), so that the k sums of a row
  /// have the same shape and fill whole vector registers, which the C compiler
  /// turns into packed instructions (AVX2: one multiply and one add per
  /// non-zero of J for 3 columns). `terms` reads the per-step input array and
  /// writes [ J's non-zeros (jacobian_sparsity() order) | b interleaved ],
  /// b_c = ∂f/∂p_c (0 in the padding); `products` reads [ that output | S
  /// interleaved ] and writes b_c + J·S_c interleaved (per column the sums of
  /// `program`, plus products with its structurally zero rows: the same
  /// values for finite J).
  std::shared_ptr<const expr::Program> terms, products;
  std::vector<std::size_t> product_rows;  ///< the states of the product layout's rows, ascending
  std::size_t product_stride = 0;         ///< values per row of the product layout
  /// ∂x0/∂p_c of the selected parameters, n × k column-major, from the same
  /// input array (only its parameters and cached values are read); writes
  /// only the non-zero entries (clear the output first).
  std::shared_ptr<const expr::Program> initial;
  /// The model's own programs (owned by the model, valid while it lives) for
  /// ∂h/∂x, ∂h/∂p, ∂σ/∂x, ∂σ/∂p of the observables h and noise sigmas σ,
  /// dense column-major as CompiledModel's functions of those names write
  /// them, but without clearing the output first: they write the entries of
  /// `observable_structure` only. They read the same input array as `program`
  /// (its first slot_sensitivities values).
  const expr::Program* observable_state_jacobian = nullptr;
  const expr::Program* observable_parameter_jacobian = nullptr;
  const expr::Program* sigma_state_jacobian = nullptr;
  const expr::Program* sigma_parameter_jacobian = nullptr;
  std::shared_ptr<const ObservableStructure> observable_structure;
  std::size_t model_scratch = 0;       ///< scratch those programs need
  std::vector<std::size_t> selected;   ///< the parameters of the columns
  bool every_row = false;              ///< see sensitivity_code()
  /// The same selection with every_row, for the pieces of a run with `when:`
  /// steps that continue after a jump (fit/state_event_sensitivities.hpp),
  /// when the holder built it (with_continued()); else null.
  std::shared_ptr<const SensitivityCode> continued;
  std::size_t slot_sensitivities = 0;  ///< input slot of S_0[0]
  std::size_t num_inputs = 0;          ///< length of the extended input array
  bool native = false;                 ///< the program runs as native code
  std::string reason;                  ///< why not native, for a native model (else empty)
};

/// The fused sensitivity right-hand side of `model` for the parameters with
/// indices `selected` (each < num_parameters(); may repeat, may be empty).
/// `every_row`: S may start non-zero in any row (a solve continued from an
/// earlier one's S, e.g. after an SBML event's jump), so no row is left out
/// as structurally zero.
SensitivityCode sensitivity_code(const CompiledModel& model, const std::vector<std::size_t>& selected,
                                 bool every_row = false);

/// `code` (not every_row) with its `continued` code built: for a caller that
/// hands its code to solves of runs with `when:` steps.
SensitivityCode with_continued(const CompiledModel& model, SensitivityCode code);

/// The per-step input array of `ws` (t, x, p and the cached parameter-only
/// values set by set_parameters: SensitivityCode::slot_sensitivities values),
/// copied into `inputs`.
void copy_step_inputs(const CompiledModel::Workspace& ws, double* inputs, std::size_t count);

}  // namespace exvivo::model
