// Program -> C source: the interpreter's instruction list written out as one
// straight-line C function, for native compilation (model/native_code.cpp).
//
// Input registers are read where they are used (`in[k]`): `in` is restrict
// and never written, so the compiler may load each value when it needs it
// instead of loading every input at the top and spilling most of them to the
// stack (20-30 % of the leukocyte right-hand side's time, bench/README.md).
// Constants are const locals; each instruction's value is its own const
// local t<i> (SSA form), so the instructions can be written in another order
// than the interpreter's (see Schedule: the state programs are reordered and
// their divisions paired). Every case performs exactly the operation
// evaluate() performs, with the same libm function, and the instructions are
// pure, so native and interpreted results agree to the last bit.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <set>
#include <utility>
#include <vector>

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

/// The C statement for one instruction: `dst = ...;` with `dst` the
/// declaration of its value, or `out[k] = ...;` for a store; a, b, c name the
/// operand values.
std::string c_statement(const Instruction& i, const std::string& dst, const std::string& a, const std::string& b,
                        const std::string& c) {
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

/// How many register operands (a, b, c) an instruction reads.
int operand_count(Opcode code) {
  switch (code) {
    case Opcode::select: return 3;
    case Opcode::add:
    case Opcode::subtract:
    case Opcode::multiply:
    case Opcode::divide:
    case Opcode::power:
    case Opcode::min:
    case Opcode::max:
    case Opcode::less_equal:
    case Opcode::xlogy:
    case Opcode::rem:
    case Opcode::quotient:
    case Opcode::less:
    case Opcode::equal:
    case Opcode::not_equal:
    case Opcode::logical_and:
    case Opcode::logical_or: return 2;
    case Opcode::store:
    case Opcode::negate:
    case Opcode::square:
    case Opcode::reciprocal:
    case Opcode::powi:  // b is the exponent
    case Opcode::exp:
    case Opcode::log:
    case Opcode::log10:
    case Opcode::sqrt:
    case Opcode::abs:
    case Opcode::sin:
    case Opcode::cos:
    case Opcode::tanh:
    case Opcode::erf:
    case Opcode::sign:
    case Opcode::tan:
    case Opcode::asin:
    case Opcode::acos:
    case Opcode::atan:
    case Opcode::sinh:
    case Opcode::cosh:
    case Opcode::asinh:
    case Opcode::acosh:
    case Opcode::atanh:
    case Opcode::floor:
    case Opcode::ceil:
    case Opcode::factorial:
    case Opcode::logical_not: return 1;
  }
  return 0;
}

bool is_division(Opcode code) { return code == Opcode::divide || code == Opcode::reciprocal; }

constexpr std::uint32_t fixed_value = UINT32_MAX;  // an operand read from an input or constant register

/// Roughly the cycles until an instruction's value is ready (x86-64, about
/// right elsewhere); only the emission order depends on it.
int latency(Opcode code) {
  switch (code) {
    case Opcode::store: return 1;
    case Opcode::negate:
    case Opcode::abs:
    case Opcode::min:
    case Opcode::max:
    case Opcode::sign:
    case Opcode::select:
    case Opcode::less_equal:
    case Opcode::less:
    case Opcode::equal:
    case Opcode::not_equal:
    case Opcode::logical_and:
    case Opcode::logical_or:
    case Opcode::logical_not: return 2;
    case Opcode::add:
    case Opcode::subtract:
    case Opcode::multiply:
    case Opcode::square: return 3;
    case Opcode::powi: return 12;
    // Division: ~13 cycles of latency, and the divider is not pipelined;
    // weighted more so that chains through divisions start early.
    case Opcode::divide:
    case Opcode::reciprocal:
    case Opcode::quotient:
    case Opcode::sqrt: return 20;
    default: return 40;  // a libm call
  }
}

/// The order in which c_source() writes a program's instructions: steps of
/// one instruction, or of two independent divisions computed together
/// (EX_DIV2).
///
/// The leukocyte model's f is ~600 machine instructions with 34 divisions
/// (mostly Michaelis-Menten x / (x + K)), more than the CPU's out-of-order
/// window: in the order the program was built (by node id), chains through
/// slow divisions stall it. List scheduling by height (the longest
/// latency-weighted path from an instruction to the end) starts the long
/// chains first, and a division whose step comes takes the next ready
/// division along into one two-lane vector division (one divpd, which costs
/// what a scalar division does). Measured on that f: 16 % less time than the
/// build order; four-lane groups gained less (bench/README.md). The
/// instructions are pure and IEEE division is correctly rounded per lane, so
/// any such order gives the same bits.
class Schedule {
 public:
  /// `producer[i][k]`: the instruction whose value is operand k of
  /// instruction i, or fixed_value. Without `reorder`: one step per
  /// instruction, in program order.
  Schedule(const std::vector<Instruction>& code, const std::vector<std::array<std::uint32_t, 3>>& producer,
           bool reorder) {
    const std::size_t n = code.size();
    if (!reorder) {
      for (std::size_t i = 0; i < n; ++i) steps_.push_back({static_cast<std::uint32_t>(i)});
      return;
    }
    std::vector<std::vector<std::uint32_t>> users(n);
    std::vector<std::uint32_t> waiting(n, 0);  // operand instructions not yet scheduled
    for (std::size_t i = 0; i < n; ++i) {
      const auto& p = producer[i];
      for (int o = 0; o < operand_count(code[i].code); ++o) {
        const std::uint32_t k = p[static_cast<std::size_t>(o)];
        if (k == fixed_value || std::find(p.begin(), p.begin() + o, k) != p.begin() + o) continue;
        users[k].push_back(static_cast<std::uint32_t>(i));
        ++waiting[i];
      }
    }
    // Two stores to one output keep their order.
    std::map<std::uint32_t, std::uint32_t> last_store;
    for (std::size_t i = 0; i < n; ++i) {
      if (code[i].code != Opcode::store) continue;
      const auto [it, first] = last_store.try_emplace(code[i].dst, static_cast<std::uint32_t>(i));
      if (first) continue;
      users[it->second].push_back(static_cast<std::uint32_t>(i));
      ++waiting[i];
      it->second = static_cast<std::uint32_t>(i);
    }
    std::vector<int> height(n, 0);
    for (std::size_t i = n; i-- > 0;) {
      int tail = 0;
      for (const std::uint32_t u : users[i]) tail = std::max(tail, height[u]);
      height[i] = latency(code[i].code) + tail;
    }
    // Ready instructions, highest first, then in program order.
    using Ready = std::set<std::pair<int, std::uint32_t>>;
    Ready divisions, others;
    const auto make_ready = [&](std::uint32_t i) {
      (is_division(code[i].code) ? divisions : others).insert({-height[i], i});
    };
    for (std::size_t i = 0; i < n; ++i)
      if (waiting[i] == 0) make_ready(static_cast<std::uint32_t>(i));
    while (!divisions.empty() || !others.empty()) {
      std::vector<std::uint32_t> step;
      if (!divisions.empty() && (others.empty() || *divisions.begin() < *others.begin())) {
        for (std::size_t lane = 0; lane < 2 && !divisions.empty(); ++lane) {
          step.push_back(divisions.begin()->second);
          divisions.erase(divisions.begin());
        }
      } else {
        step.push_back(others.begin()->second);
        others.erase(others.begin());
      }
      for (const std::uint32_t i : step)
        for (const std::uint32_t u : users[i])
          if (--waiting[u] == 0) make_ready(u);
      steps_.push_back(std::move(step));
    }
  }

  const std::vector<std::vector<std::uint32_t>>& steps() const { return steps_; }

 private:
  std::vector<std::vector<std::uint32_t>> steps_;
};

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
/* EX_DIV2(q, a0, a1, b0, b1): two independent divisions computed together,
   q[k] = ak / bk. With GCC's or Clang's vector extensions that is one
   two-lane vector division (one divpd), which costs about what one scalar
   division does; each lane is the same correctly rounded IEEE division, so
   the same bits. Elsewhere (or with -DEXVIVO_SCALAR_DIVISIONS), two scalar
   divisions into an array. */
#if defined(__GNUC__) && (defined(__clang__) || __GNUC__ * 100 + __GNUC_MINOR__ >= 406) && \
    !defined(__TINYC__) && !defined(EXVIVO_SCALAR_DIVISIONS)
typedef double ex_v2 __attribute__((vector_size(16)));
#define EX_DIV2(q, a0, a1, b0, b1) const ex_v2 q = (ex_v2){a0, a1} / (ex_v2){b0, b1}
#else
#define EX_DIV2(q, a0, a1, b0, b1) const double q[2] = {a0 / b0, a1 / b1}
#endif
)";
}

std::string Program::c_source(const std::string& function_name) const {
  // Values in SSA form: instruction i's value is the local t<i>, so that
  // instructions can be reordered (registers are reused in code_).
  const auto num_inputs = static_cast<std::uint32_t>(input_slots_.size());
  const auto num_fixed = static_cast<std::uint32_t>(input_slots_.size() + constants_.size());
  std::vector<std::array<std::uint32_t, 3>> producer(code_.size(), {fixed_value, fixed_value, fixed_value});
  {
    std::vector<std::uint32_t> holder(num_registers_, fixed_value);
    for (std::size_t i = 0; i < code_.size(); ++i) {
      const Instruction& ins = code_[i];
      const std::uint32_t operands[3] = {ins.a, ins.b, ins.c};
      for (int o = 0; o < operand_count(ins.code); ++o)
        if (operands[o] >= num_fixed) producer[i][static_cast<std::size_t>(o)] = holder[operands[o]];
      if (ins.code != Opcode::store) holder[ins.dst] = static_cast<std::uint32_t>(i);
    }
  }
  // Only the state programs (f, switching functions: called at every
  // integrator stage) are reordered; for the rest, called once per step or
  // per run, the scheduled code took GCC ~30 % longer to compile.
  const Schedule schedule(code_, producer, state_count_ > 0);

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
    // Operand o of instruction i: an input (`in[slot]` or `x[k]`), a constant r<k>, or a value t<j>.
    const auto operand = [&](std::uint32_t i, int o) {
      const Instruction& ins = code_[i];
      const std::uint32_t k = o == 0 ? ins.a : (o == 1 ? ins.b : ins.c);
      if (o >= operand_count(ins.code)) return std::string();
      if (const std::uint32_t p = producer[i][static_cast<std::size_t>(o)]; p != fixed_value)
        return fmt::format("t{}", p);
      if (k >= num_inputs) return fmt::format("r{}", k);
      const std::uint32_t slot = input_slots_[k];
      return in_window(slot) ? fmt::format("x[{}]", slot - state_first_) : fmt::format("in[{}]", slot);
    };
    std::uint32_t k = num_inputs;
    for (const double v : constants_) s += fmt::format("  const double r{} = {};\n", k++, c_literal(v));
    for (const std::vector<std::uint32_t>& step : schedule.steps()) {
      if (step.size() == 1) {
        const std::uint32_t i = step[0];
        const Instruction& ins = code_[i];
        s += "  ";
        s += c_statement(ins, fmt::format("const double t{}", i), operand(i, 0), operand(i, 1), operand(i, 2));
        s += '\n';
        continue;
      }
      // A pair of divisions (a reciprocal divides 1.0).
      std::string numerators, denominators, results;
      for (std::size_t lane = 0; lane < step.size(); ++lane) {
        const char* sep = lane == 0 ? "" : ", ";
        const std::uint32_t i = step[lane];
        const bool reciprocal = code_[i].code == Opcode::reciprocal;
        numerators += fmt::format("{}{}", sep, reciprocal ? std::string("1.0") : operand(i, 0));
        denominators += fmt::format("{}{}", sep, operand(i, reciprocal ? 0 : 1));
        results += fmt::format("{}t{} = q{}[{}]", sep, i, step[0], lane);
      }
      s += fmt::format("  EX_DIV2(q{}, {}, {});\n  const double {};\n", step[0], numerators, denominators, results);
    }
    s += "}\n";
  }
  return s;
}

}  // namespace exvivo::expr
