#pragma once
// Native code for compiled models.
//
// with_native_code() writes every program of a CompiledModel (right-hand side,
// Jacobians, observables, ...) as one C source file, compiles it with the
// system C compiler into a shared library, loads it and returns a copy of the
// model that evaluates through it. Results agree with the interpreter to the
// last bit (see expr/program.hpp); tests check this on every bundled model.
//
// Cache: the library is stored as <cache>/<key>.so, key = SHA-256 of the
// generated source, which embeds the engine version and the compiler flags,
// so a changed model, engine or flag set never reuses a stale library. The
// cache directory is, in order: $EXVIVO_CACHE_DIR, $XDG_CACHE_HOME/exvivo,
// $HOME/.cache/exvivo. A library is compiled under a name unique to the
// process and thread, then renamed into place (atomic), so processes sharing
// a home directory (SLURM array tasks) never load a half-written file; a
// cached file that fails to load or carries the wrong key is rebuilt. When
// the cache directory cannot be written, the library is built in a private
// temporary directory instead. Within one process a model is compiled and
// loaded once, however many scenarios use it.
//
// Compiler: $EXVIVO_CC if set, else `cc`, run as
//   cc -std=c99 -O2 -fPIC -shared -ffp-contract=off -fno-math-errno -o LIB SRC -lm
// (no fast-math, no FMA contraction: the interpreter's arithmetic exactly).
#include <string>
#include <utility>
#include <vector>

#include "expr/program.hpp"
#include "model/compiled_model.hpp"

namespace exvivo::model {

struct NativeCodeResult {
  CompiledModel model;        ///< native when `native`, else the input model unchanged
  bool native = false;
  std::string reason;         ///< why native code is not used (compiler missing, failed, ...)
  bool cache_hit = false;     ///< loaded from the cache or this process's memo, not compiled
  double compile_seconds = 0; ///< wall time spent generating, compiling and loading
  std::string library;        ///< path of the shared library loaded
};

/// Native code for `model`; never throws for a failure to build it (the
/// result then says why and holds the interpreted model).
NativeCodeResult with_native_code(const CompiledModel& model);

/// The C source with_native_code() compiles for `model` (for tests and debugging).
std::string native_source(const CompiledModel& model);

/// Whether `model` evaluates through native code.
bool is_native(const CompiledModel& model);

/// Compiles `programs` (C function exvivo_<name> each) into one shared library
/// as with_native_code() does (same compiler, flags and cache) and makes each
/// program evaluate through it. `title` names the code in the source's header
/// comment. Returns "" on success, else why native code is not available (the
/// programs are then left as they were). Fills `result`'s cache_hit and
/// library when given. For programs built after the model's own, such as the
/// fused forward-sensitivity right-hand side (model/sensitivity_code.hpp).
/// `vector_clones`: each function is also compiled for AVX2 (no FMA, so the
/// same arithmetic) and the CPU's version chosen at load (GCC's
/// target_clones; x86-64 GCC only, elsewhere the one plain version).
std::string attach_native_code(const std::string& title,
                               const std::vector<std::pair<std::string, expr::Program*>>& programs,
                               NativeCodeResult* result = nullptr, bool vector_clones = false);

}  // namespace exvivo::model
