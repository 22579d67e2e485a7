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
  // Extended language (SBML MathML); each is apply_op() of the Op of the same name.
  tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh,  // f(r[a])
  floor, ceil, factorial,                                  // f(r[a]); factorial: n! or NaN
  rem,          // std::fmod(r[a], r[b])
  quotient,     // std::trunc(r[a] / r[b])
  less,         // r[a] < r[b] ? 1 : 0
  equal,        // r[a] == r[b] ? 1 : 0
  not_equal,    // r[a] != r[b] ? 1 : 0
  logical_and,  // (r[a] != 0 && r[b] != 0) ? 1 : 0
  logical_or,   // (r[a] != 0 || r[b] != 0) ? 1 : 0
  logical_not,  // r[a] == 0 ? 1 : 0
};

}  // namespace exvivo::expr::detail
