#pragma once
// Program: expression DAG nodes compiled into straight-line code.
//
// A Program evaluates a list of output nodes from an input array. It is built
// once (topological order, common subexpressions computed once, registers
// reused as soon as their value is dead) and then evaluated many times with no
// allocation: evaluate() is a loop over a contiguous vector of small POD
// instructions with one switch, reading `inputs`, using caller-provided
// `scratch` registers and writing `outputs`.
//
// A Program is immutable, so one Program may be evaluated concurrently by many
// threads, each with its own scratch array.
//
// Native code: c_source() writes the same instructions as one C function,
// which the model layer compiles into a shared library (model/native_code.hpp)
// and attaches with use_native(); evaluate() then calls that function instead
// of interpreting. Both perform the same IEEE operations on the same operands
// (a program with a state window, set_state_slots(), is written in another
// order, with independent divisions computed two per vector division: the
// operations are pure and IEEE division is correctly rounded in every lane),
// so their results agree to the last bit when the C compiler does not
// contract or reassociate floating-point arithmetic (-ffp-contract=off, no
// -ffast-math).
//
// Usage:
//   Program p(graph, {{f0, 0}, {f1, 5}});          // f1 goes to out[5]
//   std::vector<double> scratch(p.scratch_size());
//   p.evaluate(inputs, out, scratch.data());       // inputs: >= p.num_inputs() values
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "expr/graph.hpp"

namespace exvivo::expr {

/// Where one output node is written: outputs[offset]. Offsets are arbitrary,
/// e.g. row + col * rows for a dense column-major Jacobian.
struct ProgramOutput {
  ProgramOutput() = default;
  ProgramOutput(NodeId output_node, std::size_t output_offset) : node(output_node), offset(output_offset) {}
  NodeId node = no_node;
  std::size_t offset = 0;
};

struct ProgramOptions {
  /// Leave out outputs whose node is the constant 0 (listed in zero_outputs()):
  /// the caller zeroes the destination once and every evaluation then writes
  /// only the entries that can be non-zero (sparse Jacobian fill).
  bool skip_zero_outputs = false;
};

namespace detail {
enum class Opcode : std::uint8_t;
/// One instruction: registers[dst] = op(registers[a], registers[b], registers[c]);
/// for a store, outputs[dst] = registers[a]. Registers are laid out as
/// [used inputs | constants | temporaries]: evaluate() first gathers the used
/// inputs and copies the constants, so operations never dispatch on operand kind.
struct Instruction {
  Opcode code;
  std::uint32_t dst, a, b, c;
};
}  // namespace detail

/// The signature of a program compiled to native code: reads inputs[slot] for
/// the slots the program uses and writes outputs[offset] for every store.
using NativeFunction = void (*)(const double* inputs, double* outputs);
/// The same with the state window (Program::set_state_slots) read from `x`.
using NativeStateFunction = void (*)(const double* inputs, const double* x, double* outputs);

class Program {
 public:
  /// An empty program: evaluates nothing.
  Program() = default;
  /// outputs[i] is written to out[i].
  Program(const Graph& graph, const std::vector<NodeId>& outputs);
  /// Same, for a braced list: Program(graph, {f, g}).
  Program(const Graph& graph, std::initializer_list<NodeId> outputs)
      : Program(graph, std::vector<NodeId>(outputs)) {}
  /// Each output written at its offset. Throws std::invalid_argument for an
  /// invalid node id.
  Program(const Graph& graph, const std::vector<ProgramOutput>& outputs, ProgramOptions options = {});

  /// Writes every (non-skipped) output. `inputs` holds num_inputs() values,
  /// `outputs` output_extent() values, `scratch` scratch_size() values (its
  /// content on entry is irrelevant). Allocates nothing, never throws.
  void evaluate(const double* inputs, double* outputs, double* scratch) const;

  /// Registers needed by evaluate(): the used inputs, the constants and the
  /// temporaries (reused as soon as their value is dead).
  std::size_t scratch_size() const { return num_registers_; }
  /// 1 + the largest input slot used (0 when none).
  std::size_t num_inputs() const { return num_inputs_; }
  /// Whether evaluate() reads inputs[slot].
  bool reads_input(std::size_t slot) const;
  /// 1 + the largest output offset (0 when no outputs).
  std::size_t output_extent() const { return output_extent_; }
  /// Offsets skipped because their node is constant 0 (skip_zero_outputs only).
  const std::vector<std::size_t>& zero_outputs() const { return zero_outputs_; }
  std::size_t num_instructions() const { return code_.size(); }

  /// Human-readable instruction listing, one per line (debugging).
  std::string listing() const;

  /// The program as a C99 function `void NAME(const double* restrict in,
  /// double* restrict out)` with external linkage. Needs the helper functions
  /// and macros of c_source_preamble() earlier in the same translation unit.
  /// With a state window (set_state_slots()), the instructions are reordered
  /// (critical paths first) and independent divisions paired (EX_DIV2: one
  /// vector division with GCC/Clang vector extensions, two scalar ones
  /// elsewhere or with -DEXVIVO_SCALAR_DIVISIONS).
  std::string c_source(const std::string& function_name) const;
  /// Helpers (powi, min, max, ...) and macros (EX_DIV2, ...) that every
  /// c_source() function uses; once per file.
  static std::string c_source_preamble();

  /// Marks inputs[first_slot, first_slot + count) as a state vector x that
  /// callers usually hold in an array of their own: c_source() then also
  /// writes `NAME_x(const double* restrict in, const double* restrict x,
  /// double* restrict out)`, which reads those inputs from x[0, count), so a
  /// native evaluation need not copy x into the input array first
  /// (evaluate_native_state()).
  void set_state_slots(std::size_t first_slot, std::size_t count);
  /// Suffix of the C function with a separate state array.
  static constexpr const char* state_function_suffix = "_x";
  bool has_state_slots() const { return state_count_ > 0; }

  /// Evaluate natively with the state window read from `x` (`function`
  /// compiled from c_source()'s NAME_x; same library as use_native()).
  void use_native_state(NativeStateFunction function) { native_state_ = function; }
  bool has_native_state() const { return native_state_ != nullptr; }
  /// The function of use_native_state() (nullptr when none).
  NativeStateFunction native_state() const { return native_state_; }
  /// As evaluate(), natively, with inputs[first_slot + i] taken from x[i]
  /// (inputs there are not read). Only when has_native_state(); `x` must not
  /// overlap `outputs`.
  void evaluate_native_state(const double* inputs, const double* x, double* outputs) const {
    native_state_(inputs, x, outputs);
  }

  /// Evaluate through `function` (compiled from c_source()) from now on;
  /// `library` keeps the code it lives in loaded as long as this Program (or
  /// a copy) exists. nullptr: back to the interpreter.
  void use_native(NativeFunction function, std::shared_ptr<const void> library);
  bool is_native() const { return native_ != nullptr; }

 private:
  std::vector<detail::Instruction> code_;
  std::vector<std::uint32_t> input_slots_;  // register k <- inputs[input_slots_[k]]
  std::vector<double> constants_;           // registers after the inputs
  std::vector<std::size_t> zero_outputs_;
  std::size_t num_registers_ = 0;
  std::size_t num_inputs_ = 0;
  std::size_t output_extent_ = 0;
  NativeFunction native_ = nullptr;
  NativeStateFunction native_state_ = nullptr;  // lives in native_library_ too
  std::shared_ptr<const void> native_library_;
  std::size_t state_first_ = 0, state_count_ = 0;  // set_state_slots()
};

}  // namespace exvivo::expr
