// Compiled Program: agreement with the tree-walk oracle on random expressions,
// output placement, skipped zero outputs, register reuse, no allocation.
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <limits>
#include <cstdlib>
#include <new>
#include <random>
#include <thread>

#include "expr_test_support.hpp"

// Counts every heap allocation of the test process, to show that evaluate()
// makes none.
namespace {
std::atomic<long> allocations{0};
}
// Every plain, array and nothrow form is replaced, so that allocation and
// release always pair up (sanitizers check that).
void* operator new(std::size_t size) {
  ++allocations;
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  ++allocations;
  return std::malloc(size ? size : 1);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return operator new(size, tag); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

using namespace exvivo::expr;
using exvivo::expr::test::build;
using exvivo::expr::test::same_value;
using exvivo::expr::test::slot_name;

namespace {

/// A random expression over slots 0..3, up to `depth` levels, using every
/// operation including the internal ones that derivatives produce.
NodeId random_expression(Graph& g, std::mt19937& rng, int depth) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  if (depth == 0 || unit(rng) < 0.15) {
    if (unit(rng) < 0.6) return g.variable(static_cast<int>(rng() % 4));
    static const double constants[] = {0.0, 1.0, -1.0, 2.0, 0.5, 3.0, 1.7, -2.5};
    return g.constant(constants[rng() % 8]);
  }
  static const Op ops[] = {Op::negate, Op::add,  Op::subtract, Op::multiply, Op::divide, Op::power,
                           Op::exp,    Op::log,  Op::log10,    Op::sqrt,     Op::abs,    Op::sin,
                           Op::cos,    Op::tanh, Op::erf,      Op::min,      Op::max,    Op::sign,
                           Op::less_equal, Op::select, Op::xlogy,
                           Op::tan, Op::asin, Op::acos, Op::atan, Op::sinh, Op::cosh, Op::asinh,
                           Op::acosh, Op::atanh, Op::floor, Op::ceil, Op::factorial, Op::rem,
                           Op::quotient, Op::less, Op::equal, Op::not_equal, Op::logical_and,
                           Op::logical_or, Op::logical_not};
  const Op op = ops[rng() % (sizeof ops / sizeof ops[0])];
  const auto sub = [&] { return random_expression(g, rng, depth - 1); };
  if (op == Op::power && unit(rng) < 0.6) {
    // Constant exponents take the Program's specialised paths (square, powi, ...).
    static const double exponents[] = {2.0, 3.0, -1.0, 0.5, -2.0, 16.0, 1.7};
    return g.power(sub(), g.constant(exponents[rng() % 7]));
  }
  const int arity = op_arity(op);
  const NodeId a = sub();
  const NodeId b = arity >= 2 ? sub() : no_node;
  const NodeId c = arity >= 3 ? sub() : no_node;
  return g.make(op, a, b, c);
}

}  // namespace

TEST_CASE("Program equals the tree walk on random expressions and their derivatives", "[expr][program]") {
  std::mt19937 rng(424242);
  std::uniform_real_distribution<double> value(-3.0, 3.0);
  int finite_outputs = 0;
  for (int trial = 0; trial < 400; ++trial) {
    Graph g;
    const NodeId f = random_expression(g, rng, 6);
    std::vector<NodeId> outputs{f, derivative(g, f, 0), derivative(g, f, 1), derivative(g, f, 3)};
    const Program program(g, outputs);
    std::vector<double> scratch(program.scratch_size()), out(outputs.size());
    for (int point = 0; point < 10; ++point) {
      double inputs[4] = {value(rng), value(rng), value(rng), value(rng)};
      program.evaluate(inputs, out.data(), scratch.data());
      for (std::size_t k = 0; k < outputs.size(); ++k) {
        const double expected = evaluate_tree(g, outputs[k], inputs);
        INFO("trial " << trial << " output " << k << ": " << to_string(g, outputs[k], slot_name, 300));
        CHECK(same_value(out[k], expected, 1e-9));
        if (std::isfinite(expected)) ++finite_outputs;
      }
    }
  }
  CHECK(finite_outputs > 400 * 10 * 4 / 3);  // most comparisons are of real numbers
}

TEST_CASE("Program of a parsed model right-hand side and its dense Jacobian", "[expr][program]") {
  Graph g;
  const std::vector<NodeId> rhs{build(g, "-K * x / (n + x) + hill(y, K, 2)"), build(g, "x*y - exp(-t) * y"),
                                build(g, "min(x, y) - z^3")};
  const int states[] = {0, 1, 2};
  std::vector<ProgramOutput> jacobian;  // column-major 3x3
  std::vector<NodeId> entries;
  for (std::size_t col = 0; col < 3; ++col)
    for (std::size_t row = 0; row < 3; ++row) {
      entries.push_back(derivative(g, rhs[row], states[col]));
      jacobian.push_back({entries.back(), row + 3 * col});
    }
  const Program f(g, rhs), J(g, jacobian);
  CHECK(f.num_inputs() == 6);
  CHECK(J.output_extent() == 9);
  std::vector<double> scratch(std::max(f.scratch_size(), J.scratch_size()));
  const double in[] = {0.7, 1.3, -0.4, 0.9, 1.1, 2.0};
  double dxdt[3], dense[9];
  f.evaluate(in, dxdt, scratch.data());
  J.evaluate(in, dense, scratch.data());
  for (std::size_t i = 0; i < 3; ++i) CHECK(same_value(dxdt[i], evaluate_tree(g, rhs[i], in)));
  for (std::size_t k = 0; k < 9; ++k) CHECK(same_value(dense[k], evaluate_tree(g, entries[k], in)));
  CHECK(dense[3 * 2 + 0] == 0.0);  // d f0 / dz is structurally zero
}

TEST_CASE("outputs go to their offsets; constants and inputs are outputs too", "[expr][program]") {
  Graph g;
  const NodeId f = build(g, "x * y + 1");
  const Program p(g, {{f, 5}, {g.constant(2.5), 0}, {g.variable(1), 2}, {f, 3}});
  CHECK(p.output_extent() == 6);
  const double in[] = {3.0, 4.0};
  double out[6] = {-7, -7, -7, -7, -7, -7};
  std::vector<double> scratch(p.scratch_size());
  p.evaluate(in, out, scratch.data());
  CHECK(out[5] == 13.0);  // exact in binary
  CHECK(out[3] == 13.0);
  CHECK(out[0] == 2.5);
  CHECK(out[2] == 4.0);
  CHECK(out[1] == -7.0);  // untouched
  CHECK(out[4] == -7.0);
}

TEST_CASE("skip_zero_outputs leaves constant-zero entries alone", "[expr][program]") {
  Graph g;
  const NodeId f = build(g, "x * y");
  const std::vector<ProgramOutput> outs{{derivative(g, f, 0), 0}, {derivative(g, f, 2), 1}, {derivative(g, f, 1), 2}};
  const Program sparse(g, outs, ProgramOptions{.skip_zero_outputs = true});
  CHECK(sparse.zero_outputs() == std::vector<std::size_t>{1});
  CHECK(sparse.output_extent() == 3);
  const Program dense(g, outs);
  CHECK(dense.zero_outputs().empty());
  const double in[] = {3.0, 4.0, 5.0};
  double a[3] = {9, 9, 9}, b[3] = {9, 9, 9};
  std::vector<double> scratch(std::max(sparse.scratch_size(), dense.scratch_size()));
  sparse.evaluate(in, a, scratch.data());
  dense.evaluate(in, b, scratch.data());
  CHECK(a[0] == 4.0);
  CHECK(a[1] == 9.0);  // skipped
  CHECK(a[2] == 3.0);
  CHECK(b[1] == 0.0);
}

TEST_CASE("registers are reused along a long chain", "[expr][program]") {
  Graph g;
  const NodeId x = g.variable(0), y = g.variable(1);
  NodeId chain = x;
  for (int i = 0; i < 1000; ++i) chain = g.add(g.multiply(chain, y), x);
  const Program p(g, {chain});
  CHECK(p.num_instructions() == 2001);  // 1000 products, 1000 sums, 1 store
  CHECK(p.scratch_size() <= 2 + 2);    // the two inputs plus at most two temporaries
  const double in[] = {0.5, 0.999};
  double out = 0;
  std::vector<double> scratch(p.scratch_size());
  p.evaluate(in, &out, scratch.data());
  // Compare with a plain loop (the tree walk would recurse 2000 levels deep).
  double expected = 0.5;
  for (int i = 0; i < 1000; ++i) expected = expected * 0.999 + 0.5;
  CHECK_THAT(out, Catch::Matchers::WithinRel(expected, 1e-14));
}

TEST_CASE("constant powers take the specialised paths and agree with pow", "[expr][program]") {
  Graph g;
  std::vector<NodeId> outs;
  for (const double e : {2.0, 3.0, -1.0, -2.0, 0.5, 7.0, -16.0, 17.0, 2.5})
    outs.push_back(g.power(g.variable(0), g.constant(e)));
  const Program p(g, outs);
  std::vector<double> scratch(p.scratch_size()), out(outs.size());
  for (const double x : {0.3, 1.7, -2.2, 0.0}) {
    p.evaluate(&x, out.data(), scratch.data());
    for (std::size_t k = 0; k < outs.size(); ++k) {
      INFO("x = " << x << ", " << to_string(g, outs[k], slot_name));
      CHECK(same_value(out[k], evaluate_tree(g, outs[k], &x), 1e-14));
    }
  }
}

TEST_CASE("empty programs and invalid outputs", "[expr][program]") {
  const Program empty;
  CHECK(empty.scratch_size() == 0);
  CHECK(empty.num_inputs() == 0);
  CHECK(empty.output_extent() == 0);
  empty.evaluate(nullptr, nullptr, nullptr);
  Graph g;
  CHECK_THROWS_AS(Program(g, std::vector<NodeId>{42}), std::invalid_argument);
  const Program constant_only(g, std::vector<NodeId>{g.constant(3.5)});
  CHECK(constant_only.scratch_size() == 1);  // the constant's register
  CHECK(constant_only.num_inputs() == 0);
  double out = 0, scratch = 0;
  constant_only.evaluate(nullptr, &out, &scratch);
  CHECK(out == 3.5);
}

TEST_CASE("evaluate allocates nothing", "[expr][program][allocation]") {
  Graph g;
  const NodeId f = build(g, "hill(x, K, n) * exp(-t) + max(y, z) / sqrt(x + y)");
  std::vector<NodeId> outs{f};
  for (int slot = 0; slot < 6; ++slot) outs.push_back(derivative(g, f, slot));
  const Program p(g, outs);
  std::vector<double> scratch(p.scratch_size()), out(outs.size());
  double in[] = {0.5, 1.0, 2.0, 2.0, 0.8, 1.0};
  const long before = allocations.load();
  double sum = 0;
  for (int i = 0; i < 10000; ++i) {
    in[5] = 1e-4 * i;
    p.evaluate(in, out.data(), scratch.data());
    sum += out[0];
  }
  const long after = allocations.load();
  CHECK(after == before);
  CHECK(std::isfinite(sum));
}

TEST_CASE("one Program is evaluated from several threads", "[expr][program]") {
  Graph g;
  const NodeId f = build(g, "sin(x) * exp(-y) + hill(x, K, n)");
  const Program p(g, {f});
  const auto run = [&](double shift, double* result) {
    std::vector<double> scratch(p.scratch_size());
    double acc = 0;
    for (int i = 0; i < 20000; ++i) {
      const double in[] = {shift + 1e-5 * i, 0.3, 0, 2.0, 1.0};
      double out;
      p.evaluate(in, &out, scratch.data());
      acc += out;
    }
    *result = acc;
  };
  double threaded[2], serial[2];
  std::thread a(run, 0.1, &threaded[0]), b(run, 0.7, &threaded[1]);
  a.join();
  b.join();
  run(0.1, &serial[0]);
  run(0.7, &serial[1]);
  CHECK(threaded[0] == serial[0]);  // bitwise: same instructions, same order
  CHECK(threaded[1] == serial[1]);
}

TEST_CASE("Program and tree walk give the extended language's defined values", "[expr][program][logic]") {
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<std::pair<std::string, double>> cases{
      {"piecewise(1, x < 0, 2, x < 1, 3)", 2.0},  // x = 0.5
      {"piecewise(1, x > 1)", std::nan("")},    // no otherwise: undefined
      {"(x < 1) + (x <= 0.5) + (x > 0.5) + (x >= 0.5) + (x == 0.5) + (x != 0.5)", 4.0},
      {"(x && 0) + (x || 0) + !x + !0 + (0 || 0)", 2.0},
      {"factorial(5) + factorial(0)", 121.0},
      {"factorial(2.5)", std::nan("")},
      {"rem(-7, 3) + quotient(-7, 2)", -1.0 - 3.0},
      {"log(2, 8) + root(3, 27) + floor(-x) + ceil(x)", 3.0 + 3.0 - 1.0 + 1.0},
      {"INF * x", inf},
      {"NaN + x", std::nan("")},
      {"tan(0) + sinh(0) + cosh(0) + asin(1) * 2 - acos(-1) + atan(INF) * 2 - acosh(1) + atanh(0) + asinh(0)",
       1.0 + 3.141592653589793},
  };
  for (const auto& [text, expected] : cases) {
    Graph g;
    const NodeId f = build(g, text);
    const Program p(g, {f});
    std::vector<double> scratch(p.scratch_size());
    const double inputs[6] = {0.5, 0, 0, 0, 0, 0};
    double out = 0;
    p.evaluate(inputs, &out, scratch.data());
    INFO(text);
    CHECK(same_value(out, expected, 1e-14));
    CHECK(same_value(evaluate_tree(g, f, inputs), expected, 1e-14));
  }
}
