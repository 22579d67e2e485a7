#pragma once
// Internal to engine/expr: the instruction set of Program, shared by the
// interpreter (program.cpp) and the C code generator (program_c_source.cpp).
// Adding an opcode means a case in both; -Wswitch names the one forgotten.
#include <cstdint>

namespace exvivo::expr::detail {

enum class Opcode : std::uint8_t {
  store,        // out[dst] = r[a]
  negate, add, subtract, multiply, divide, power,
  square,       // r[a]^2
  reciprocal,   // 1 / r[a]
  powi,         // r[a]^n, n = int32 in b
  exp, log, log10, sqrt, abs, sin, cos, tanh, erf,
  min, max, sign, less_equal, select, xlogy,
};

}  // namespace exvivo::expr::detail
