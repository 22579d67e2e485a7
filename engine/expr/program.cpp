#include "expr/program.hpp"

#include "expr/opcode.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace exvivo::expr {


using detail::Instruction;
using detail::Opcode;

namespace {

constexpr int max_powi_exponent = 16;  // beyond this, repeated squaring loses accuracy

double powi(double x, std::int32_t n) {
  unsigned k = static_cast<unsigned>(n < 0 ? -n : n);
  double result = 1.0;
  while (k) {
    if (k & 1U) result *= x;
    x *= x;
    k >>= 1;
  }
  return n < 0 ? 1.0 / result : result;
}

Opcode opcode_of(Op op) {
  switch (op) {
    case Op::negate: return Opcode::negate;
    case Op::add: return Opcode::add;
    case Op::subtract: return Opcode::subtract;
    case Op::multiply: return Opcode::multiply;
    case Op::divide: return Opcode::divide;
    case Op::power: return Opcode::power;
    case Op::exp: return Opcode::exp;
    case Op::log: return Opcode::log;
    case Op::log10: return Opcode::log10;
    case Op::sqrt: return Opcode::sqrt;
    case Op::abs: return Opcode::abs;
    case Op::sin: return Opcode::sin;
    case Op::cos: return Opcode::cos;
    case Op::tanh: return Opcode::tanh;
    case Op::erf: return Opcode::erf;
    case Op::min: return Opcode::min;
    case Op::max: return Opcode::max;
    case Op::sign: return Opcode::sign;
    case Op::less_equal: return Opcode::less_equal;
    case Op::select: return Opcode::select;
    case Op::xlogy: return Opcode::xlogy;
    case Op::tan: return Opcode::tan;
    case Op::asin: return Opcode::asin;
    case Op::acos: return Opcode::acos;
    case Op::atan: return Opcode::atan;
    case Op::sinh: return Opcode::sinh;
    case Op::cosh: return Opcode::cosh;
    case Op::asinh: return Opcode::asinh;
    case Op::acosh: return Opcode::acosh;
    case Op::atanh: return Opcode::atanh;
    case Op::floor: return Opcode::floor;
    case Op::ceil: return Opcode::ceil;
    case Op::factorial: return Opcode::factorial;
    case Op::rem: return Opcode::rem;
    case Op::quotient: return Opcode::quotient;
    case Op::less: return Opcode::less;
    case Op::equal: return Opcode::equal;
    case Op::not_equal: return Opcode::not_equal;
    case Op::logical_and: return Opcode::logical_and;
    case Op::logical_or: return Opcode::logical_or;
    case Op::logical_not: return Opcode::logical_not;
    case Op::constant:
    case Op::variable: break;
  }
  throw std::logic_error("expr::Program: leaves have no opcode");
}

bool is_leaf(const Graph& g, NodeId id) { return op_arity(g.node(id).op) == 0; }

/// How one operation node is computed: opcode and operand nodes (no_node when unused).
struct Plan {
  Opcode code = Opcode::store;
  NodeId operands[3] = {no_node, no_node, no_node};
  std::int32_t immediate = 0;  // powi exponent
};

Plan plan_node(const Graph& g, NodeId id) {
  const Node& n = g.node(id);
  Plan p;
  p.code = opcode_of(n.op);
  p.operands[0] = n.a;
  p.operands[1] = n.b;
  p.operands[2] = n.c;
  if (n.op == Op::power && g.is_constant(n.b)) {
    // Constant exponents are common (x^2, K^-1) and std::pow is slow for them.
    const double e = g.node(n.b).value;
    if (e == 2) p.code = Opcode::square;
    else if (e == -1) p.code = Opcode::reciprocal;
    else if (e == 0.5) p.code = Opcode::sqrt;
    else if (e == std::trunc(e) && std::fabs(e) <= max_powi_exponent) {
      p.code = Opcode::powi;
      p.immediate = static_cast<std::int32_t>(e);
    }
    if (p.code != Opcode::power) p.operands[1] = no_node;
  }
  return p;
}

const char* opcode_name(Opcode c) {
  static const char* const names[] = {
      "store", "negate", "add", "subtract", "multiply", "divide", "power", "square", "reciprocal", "powi",
      "exp", "log", "log10", "sqrt", "abs", "sin", "cos", "tanh", "erf", "min", "max", "sign",
      "less_equal", "select", "xlogy", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh",
      "atanh", "floor", "ceil", "factorial", "rem", "quotient", "less", "equal", "not_equal", "logical_and",
      "logical_or", "logical_not"};
  return names[static_cast<std::size_t>(c)];
}

}  // namespace

Program::Program(const Graph& graph, const std::vector<NodeId>& outputs) {
  std::vector<ProgramOutput> placed;
  placed.reserve(outputs.size());
  for (std::size_t i = 0; i < outputs.size(); ++i) placed.push_back({outputs[i], i});
  *this = Program(graph, placed, ProgramOptions{});
}

Program::Program(const Graph& graph, const std::vector<ProgramOutput>& outputs, ProgramOptions options) {
  const std::size_t n = graph.size();
  for (const auto& o : outputs) {
    if (o.node < 0 || static_cast<std::size_t>(o.node) >= n)
      throw std::invalid_argument("expr::Program: invalid output node id " + std::to_string(o.node));
    output_extent_ = std::max(output_extent_, o.offset + 1);
  }

  // Outputs stored per node, in request order.
  std::vector<std::vector<std::size_t>> stores_of(n);
  std::vector<char> needed(n, 0);
  std::vector<NodeId> stack;
  for (const auto& o : outputs) {
    if (options.skip_zero_outputs && graph.is_constant(o.node, 0.0)) {
      zero_outputs_.push_back(o.offset);
      continue;
    }
    const auto i = static_cast<std::size_t>(o.node);
    stores_of[i].push_back(o.offset);
    if (!needed[i]) {
      needed[i] = 1;
      stack.push_back(o.node);
    }
  }

  // Needed nodes: outputs and the register operands of needed operations.
  // reads[i] counts the register reads of node i still to be emitted.
  std::vector<Plan> plans(n);
  std::vector<std::uint32_t> reads(n, 0);
  while (!stack.empty()) {
    const NodeId id = stack.back();
    stack.pop_back();
    if (is_leaf(graph, id)) continue;
    plans[static_cast<std::size_t>(id)] = plan_node(graph, id);
    for (const NodeId operand : plans[static_cast<std::size_t>(id)].operands) {
      if (operand == no_node) continue;
      ++reads[static_cast<std::size_t>(operand)];
      if (!needed[static_cast<std::size_t>(operand)]) {
        needed[static_cast<std::size_t>(operand)] = 1;
        stack.push_back(operand);
      }
    }
  }
  for (std::size_t i = 0; i < n; ++i) reads[i] += static_cast<std::uint32_t>(stores_of[i].size());

  // Fixed registers: the used inputs (ascending slot), then the constants.
  std::vector<std::uint32_t> register_of(n, 0);
  std::vector<std::pair<int, NodeId>> used_inputs;
  for (std::size_t i = 0; i < n; ++i) {
    if (!needed[i]) continue;
    const Node& node = graph.node(static_cast<NodeId>(i));
    if (node.op == Op::variable) used_inputs.emplace_back(node.slot, static_cast<NodeId>(i));
  }
  std::sort(used_inputs.begin(), used_inputs.end());
  for (const auto& [slot, id] : used_inputs) {
    register_of[static_cast<std::size_t>(id)] = static_cast<std::uint32_t>(input_slots_.size());
    input_slots_.push_back(static_cast<std::uint32_t>(slot));
    num_inputs_ = static_cast<std::size_t>(slot) + 1;
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!needed[i] || graph.node(static_cast<NodeId>(i)).op != Op::constant) continue;
    register_of[i] = static_cast<std::uint32_t>(input_slots_.size() + constants_.size());
    constants_.push_back(graph.node(static_cast<NodeId>(i)).value);
  }
  num_registers_ = input_slots_.size() + constants_.size();

  // Emit operations in increasing id order (a topological order). Temporaries
  // come from a free list; an operand's register is released at its last read,
  // before the result is allocated, so a result may overwrite a dead operand
  // (every operation reads all its operands before writing).
  std::vector<std::uint32_t> free_registers;
  const auto allocate = [&]() -> std::uint32_t {
    if (!free_registers.empty()) {
      const std::uint32_t r = free_registers.back();
      free_registers.pop_back();
      return r;
    }
    return static_cast<std::uint32_t>(num_registers_++);
  };
  const auto release_read = [&](NodeId id) {
    if (--reads[static_cast<std::size_t>(id)] == 0 && !is_leaf(graph, id))
      free_registers.push_back(register_of[static_cast<std::size_t>(id)]);
  };

  for (std::size_t i = 0; i < n; ++i) {
    if (!needed[i]) continue;
    const auto id = static_cast<NodeId>(i);
    if (!is_leaf(graph, id)) {
      const Plan& plan = plans[i];
      Instruction ins{plan.code, 0, 0, 0, 0};
      std::uint32_t* fields[3] = {&ins.a, &ins.b, &ins.c};
      for (int k = 0; k < 3; ++k)
        if (plan.operands[k] != no_node) *fields[k] = register_of[static_cast<std::size_t>(plan.operands[k])];
      if (plan.code == Opcode::powi) ins.b = static_cast<std::uint32_t>(plan.immediate);
      for (const NodeId operand : plan.operands)
        if (operand != no_node) release_read(operand);
      ins.dst = allocate();
      register_of[i] = ins.dst;
      code_.push_back(ins);
    }
    for (const std::size_t offset : stores_of[i]) {
      code_.push_back({Opcode::store, static_cast<std::uint32_t>(offset), register_of[i], 0, 0});
      release_read(id);
    }
  }
}

bool Program::reads_input(std::size_t slot) const {
  return std::find(input_slots_.begin(), input_slots_.end(), slot) != input_slots_.end();
}

void Program::set_state_slots(std::size_t first_slot, std::size_t count) {
  state_first_ = first_slot;
  state_count_ = count;
}

void Program::use_native(NativeFunction function, std::shared_ptr<const void> library) {
  native_ = function;
  if (!function) native_state_ = nullptr;
  native_library_ = function ? std::move(library) : nullptr;
}

void Program::evaluate(const double* inputs, double* out, double* r) const {
  if (native_) {
    native_(inputs, out);
    return;
  }
  const std::size_t num_used = input_slots_.size();
  for (std::size_t k = 0; k < num_used; ++k) r[k] = inputs[input_slots_[k]];
  std::copy(constants_.begin(), constants_.end(), r + num_used);
  for (const Instruction& i : code_) {
    // Each case reads its operands before writing r[dst], which may alias them.
    switch (i.code) {
      case Opcode::store: out[i.dst] = r[i.a]; break;
      case Opcode::negate: r[i.dst] = -r[i.a]; break;
      case Opcode::add: r[i.dst] = r[i.a] + r[i.b]; break;
      case Opcode::subtract: r[i.dst] = r[i.a] - r[i.b]; break;
      case Opcode::multiply: r[i.dst] = r[i.a] * r[i.b]; break;
      case Opcode::divide: r[i.dst] = r[i.a] / r[i.b]; break;
      case Opcode::power: r[i.dst] = std::pow(r[i.a], r[i.b]); break;
      case Opcode::square: r[i.dst] = r[i.a] * r[i.a]; break;
      case Opcode::reciprocal: r[i.dst] = 1.0 / r[i.a]; break;
      case Opcode::powi: r[i.dst] = powi(r[i.a], static_cast<std::int32_t>(i.b)); break;
      case Opcode::exp: r[i.dst] = std::exp(r[i.a]); break;
      case Opcode::log: r[i.dst] = std::log(r[i.a]); break;
      case Opcode::log10: r[i.dst] = std::log10(r[i.a]); break;
      case Opcode::sqrt: r[i.dst] = std::sqrt(r[i.a]); break;
      case Opcode::abs: r[i.dst] = std::fabs(r[i.a]); break;
      case Opcode::sin: r[i.dst] = std::sin(r[i.a]); break;
      case Opcode::cos: r[i.dst] = std::cos(r[i.a]); break;
      case Opcode::tanh: r[i.dst] = std::tanh(r[i.a]); break;
      case Opcode::erf: r[i.dst] = std::erf(r[i.a]); break;
      // The next cases spell out apply_op()'s definitions, inlined.
      case Opcode::min: {
        const double a = r[i.a], b = r[i.b];
        r[i.dst] = a <= b ? a : b;
        break;
      }
      case Opcode::max: {
        const double a = r[i.a], b = r[i.b];
        r[i.dst] = a >= b ? a : b;
        break;
      }
      case Opcode::sign: {
        const double a = r[i.a];
        r[i.dst] = a > 0 ? 1.0 : (a < 0 ? -1.0 : 0.0);
        break;
      }
      case Opcode::less_equal: r[i.dst] = r[i.a] <= r[i.b] ? 1.0 : 0.0; break;
      case Opcode::select: r[i.dst] = r[i.a] != 0 ? r[i.b] : r[i.c]; break;
      case Opcode::xlogy: {
        const double a = r[i.a], b = r[i.b];
        r[i.dst] = a == 0 ? 0.0 : a * std::log(b);
        break;
      }
      case Opcode::tan: r[i.dst] = std::tan(r[i.a]); break;
      case Opcode::asin: r[i.dst] = std::asin(r[i.a]); break;
      case Opcode::acos: r[i.dst] = std::acos(r[i.a]); break;
      case Opcode::atan: r[i.dst] = std::atan(r[i.a]); break;
      case Opcode::sinh: r[i.dst] = std::sinh(r[i.a]); break;
      case Opcode::cosh: r[i.dst] = std::cosh(r[i.a]); break;
      case Opcode::asinh: r[i.dst] = std::asinh(r[i.a]); break;
      case Opcode::acosh: r[i.dst] = std::acosh(r[i.a]); break;
      case Opcode::atanh: r[i.dst] = std::atanh(r[i.a]); break;
      case Opcode::floor: r[i.dst] = std::floor(r[i.a]); break;
      case Opcode::ceil: r[i.dst] = std::ceil(r[i.a]); break;
      // Rare and not in inner loops: the shared definitions.
      case Opcode::factorial: r[i.dst] = apply_op(Op::factorial, r[i.a]); break;
      case Opcode::rem: r[i.dst] = std::fmod(r[i.a], r[i.b]); break;
      case Opcode::quotient: r[i.dst] = std::trunc(r[i.a] / r[i.b]); break;
      case Opcode::less: r[i.dst] = r[i.a] < r[i.b] ? 1.0 : 0.0; break;
      case Opcode::equal: r[i.dst] = r[i.a] == r[i.b] ? 1.0 : 0.0; break;
      case Opcode::not_equal: r[i.dst] = r[i.a] != r[i.b] ? 1.0 : 0.0; break;
      case Opcode::logical_and: r[i.dst] = (r[i.a] != 0 && r[i.b] != 0) ? 1.0 : 0.0; break;
      case Opcode::logical_or: r[i.dst] = (r[i.a] != 0 || r[i.b] != 0) ? 1.0 : 0.0; break;
      case Opcode::logical_not: r[i.dst] = r[i.a] == 0 ? 1.0 : 0.0; break;
    }
  }
}

std::string Program::listing() const {
  std::string s;
  char line[128];
  for (std::size_t k = 0; k < input_slots_.size(); ++k) {
    std::snprintf(line, sizeof line, "r%zu = in[%u]\n", k, input_slots_[k]);
    s += line;
  }
  for (std::size_t k = 0; k < constants_.size(); ++k) {
    std::snprintf(line, sizeof line, "r%zu = %.17g\n", input_slots_.size() + k, constants_[k]);
    s += line;
  }
  for (const Instruction& i : code_) {
    switch (i.code) {
      case Opcode::store: std::snprintf(line, sizeof line, "out[%u] = r%u\n", i.dst, i.a); break;
      case Opcode::powi:
        std::snprintf(line, sizeof line, "r%u = powi r%u, %d\n", i.dst, i.a, static_cast<std::int32_t>(i.b));
        break;
      default:
        std::snprintf(line, sizeof line, "r%u = %s r%u, r%u, r%u\n", i.dst, opcode_name(i.code), i.a, i.b, i.c);
        break;
    }
    s += line;
  }
  return s;
}

}  // namespace exvivo::expr
