// Program -> C source: the interpreter's instruction list written out as one
// straight-line C function, for native compilation (model/native_code.cpp).
//
// Input registers are read where they are used (`in[k]`): `in` is restrict
// and never written, so the compiler may load each value when it needs it
// instead of loading every input at the top and spilling most of them to the
// stack (20-30 % of the leukocyte right-hand side's time, bench/README.md).
// Constants are const locals, temporaries plain locals that the C compiler
// renames into SSA form, so register reuse costs nothing. Every case
// performs exactly the operation evaluate() performs, with the same libm
// function, so that native and interpreted results agree to the last bit.
#include <cmath>
#include <cstdio>

#include <fmt/core.h>

#include "expr/opcode.hpp"
#include "expr/program.hpp"

namespace exvivo::expr {

using detail::Instruction;
using detail::Opcode;

namespace {

/// A double as an exact C literal (hexadecimal floating point; INFINITY/NAN
/// from math.h for the non-finite values).
std::string c_literal(double v) {
  if (std::isnan(v)) return "NAN";
  if (std::isinf(v)) return v > 0 ? "INFINITY" : "(-INFINITY)";
  char text[64];
  std::snprintf(text, sizeof text, "%a", v);
  return v < 0 ? fmt::format("({})", text) : std::string(text);
}

/// The C statement for one instruction; `r` names register k (an input's
/// `in[slot]`, else r<k>).
template <class Name>
std::string c_statement(const Instruction& i, const Name& r) {
  const std::string dst = r(i.dst), a = r(i.a), b = r(i.b), c = r(i.c);
  switch (i.code) {
    case Opcode::store: return fmt::format("out[{}] = {};", i.dst, a);
    case Opcode::negate: return fmt::format("{} = -{};", dst, a);
    case Opcode::add: return fmt::format("{} = {} + {};", dst, a, b);
    case Opcode::subtract: return fmt::format("{} = {} - {};", dst, a, b);
    case Opcode::multiply: return fmt::format("{} = {} * {};", dst, a, b);
    case Opcode::divide: return fmt::format("{} = {} / {};", dst, a, b);
    case Opcode::power: return fmt::format("{} = pow({}, {});", dst, a, b);
    case Opcode::square: return fmt::format("{} = {} * {};", dst, a, a);
    case Opcode::reciprocal: return fmt::format("{} = 1.0 / {};", dst, a);
    case Opcode::powi: return fmt::format("{} = ex_powi({}, {});", dst, a, static_cast<std::int32_t>(i.b));
    case Opcode::exp: return fmt::format("{} = exp({});", dst, a);
    case Opcode::log: return fmt::format("{} = log({});", dst, a);
    case Opcode::log10: return fmt::format("{} = log10({});", dst, a);
    case Opcode::sqrt: return fmt::format("{} = sqrt({});", dst, a);
    case Opcode::abs: return fmt::format("{} = fabs({});", dst, a);
    case Opcode::sin: return fmt::format("{} = sin({});", dst, a);
    case Opcode::cos: return fmt::format("{} = cos({});", dst, a);
    case Opcode::tanh: return fmt::format("{} = tanh({});", dst, a);
    case Opcode::erf: return fmt::format("{} = erf({});", dst, a);
    case Opcode::min: return fmt::format("{} = ex_min({}, {});", dst, a, b);
    case Opcode::max: return fmt::format("{} = ex_max({}, {});", dst, a, b);
    case Opcode::sign: return fmt::format("{} = ex_sign({});", dst, a);
    case Opcode::less_equal: return fmt::format("{} = {} <= {} ? 1.0 : 0.0;", dst, a, b);
    case Opcode::select: return fmt::format("{} = {} != 0 ? {} : {};", dst, a, b, c);
    case Opcode::xlogy: return fmt::format("{} = ex_xlogy({}, {});", dst, a, b);
    case Opcode::tan: return fmt::format("{} = tan({});", dst, a);
    case Opcode::asin: return fmt::format("{} = asin({});", dst, a);
    case Opcode::acos: return fmt::format("{} = acos({});", dst, a);
    case Opcode::atan: return fmt::format("{} = atan({});", dst, a);
    case Opcode::sinh: return fmt::format("{} = sinh({});", dst, a);
    case Opcode::cosh: return fmt::format("{} = cosh({});", dst, a);
    case Opcode::asinh: return fmt::format("{} = asinh({});", dst, a);
    case Opcode::acosh: return fmt::format("{} = acosh({});", dst, a);
    case Opcode::atanh: return fmt::format("{} = atanh({});", dst, a);
    case Opcode::floor: return fmt::format("{} = floor({});", dst, a);
    case Opcode::ceil: return fmt::format("{} = ceil({});", dst, a);
    case Opcode::factorial: return fmt::format("{} = ex_factorial({});", dst, a);
    case Opcode::rem: return fmt::format("{} = fmod({}, {});", dst, a, b);
    case Opcode::quotient: return fmt::format("{} = trunc({} / {});", dst, a, b);
    case Opcode::less: return fmt::format("{} = {} < {} ? 1.0 : 0.0;", dst, a, b);
    case Opcode::equal: return fmt::format("{} = {} == {} ? 1.0 : 0.0;", dst, a, b);
    case Opcode::not_equal: return fmt::format("{} = {} != {} ? 1.0 : 0.0;", dst, a, b);
    case Opcode::logical_and: return fmt::format("{} = ({} != 0 && {} != 0) ? 1.0 : 0.0;", dst, a, b);
    case Opcode::logical_or: return fmt::format("{} = ({} != 0 || {} != 0) ? 1.0 : 0.0;", dst, a, b);
    case Opcode::logical_not: return fmt::format("{} = {} == 0 ? 1.0 : 0.0;", dst, a);
  }
  return "#error unknown opcode";
}

}  // namespace

std::string Program::c_source_preamble() {
  // The same definitions as evaluate() and powi() in program.cpp (factorial:
  // apply_op() in graph.cpp).
  return R"(#include <math.h>

static inline double ex_powi(double x, int n) {
  unsigned k = (unsigned)(n < 0 ? -n : n);
  double result = 1.0;
  while (k) {
    if (k & 1U) result *= x;
    x *= x;
    k >>= 1;
  }
  return n < 0 ? 1.0 / result : result;
}
static inline double ex_min(double a, double b) { return a <= b ? a : b; }
static inline double ex_max(double a, double b) { return a >= b ? a : b; }
static inline double ex_sign(double a) { return a > 0 ? 1.0 : (a < 0 ? -1.0 : 0.0); }
static inline double ex_xlogy(double a, double b) { return a == 0 ? 0.0 : a * log(b); }
static inline double ex_factorial(double n) { return (!(n >= 0) || n != floor(n)) ? NAN : tgamma(n + 1); }
/* The state-window functions (the integrators' right-hand side) come twice,
   for AVX machines and for any x86-64, chosen when the library is loaded: the
   AVX encoding's three-operand scalar instructions save register copies (17 %
   fewer instructions for the leukocyte model's f). Same IEEE operations, no
   FMA: the same bits on every machine. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define EXVIVO_STATE_FUNCTION __attribute__((target_clones("avx", "default")))
#else
#define EXVIVO_STATE_FUNCTION
#endif
)";
}

std::string Program::c_source(const std::string& function_name) const {
  // Once as NAME(in, out); with a state window, again as NAME_x(in, x, out).
  std::string s;
  for (const bool split : {false, true}) {
    if (split && state_count_ == 0) break;
    const auto in_window = [&](std::uint32_t slot) {
      return split && slot >= state_first_ && slot < state_first_ + state_count_;
    };
    if (split)
      s += fmt::format(
          "\nEXVIVO_STATE_FUNCTION void {}{}(const double* restrict in, const double* restrict x, "
          "double* restrict out) {{\n",
          function_name, state_function_suffix);
    else
      s += fmt::format("void {}(const double* restrict in, double* restrict out) {{\n", function_name);
    if (code_.empty()) s += split ? "  (void)in; (void)x; (void)out;\n" : "  (void)in; (void)out;\n";
    const auto num_inputs = static_cast<std::uint32_t>(input_slots_.size());
    const auto r = [&](std::uint32_t k) {
      if (k >= num_inputs) return fmt::format("r{}", k);
      const std::uint32_t slot = input_slots_[k];
      return in_window(slot) ? fmt::format("x[{}]", slot - state_first_) : fmt::format("in[{}]", slot);
    };
    std::uint32_t k = num_inputs;
    for (const double v : constants_) s += fmt::format("  const double r{} = {};\n", k++, c_literal(v));
    for (std::uint32_t first = k; first < num_registers_; first += 16) {
      s += "  double";
      for (std::uint32_t t = first; t < std::min<std::size_t>(first + 16, num_registers_); ++t)
        s += fmt::format("{}r{}", t == first ? " " : ", ", t);
      s += ";\n";
    }
    for (const Instruction& i : code_) {
      s += "  ";
      s += c_statement(i, r);
      s += '\n';
    }
    s += "}\n";
  }
  return s;
}

}  // namespace exvivo::expr
