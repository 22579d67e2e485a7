// Symbolic derivatives against finite differences, exact special cases,
// memoisation, and dependency queries.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>

#include "expr_test_support.hpp"

using namespace exvivo::expr;
using exvivo::expr::test::build;
using exvivo::expr::test::slot_name;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

constexpr int num_slots = 6;  // x, y, z, n, K, t
using Point = std::array<double, num_slots>;

Point random_point(std::mt19937& rng) {
  // x, y, K positive and away from 0 so that log, sqrt, powers are smooth.
  std::uniform_real_distribution<double> positive(0.3, 2.0), signed_unit(-1.0, 1.0), exponent(0.5, 4.0),
      time(0.0, 3.0);
  return {positive(rng), positive(rng), signed_unit(rng), exponent(rng), positive(rng), time(rng)};
}

double value_at(const Graph& g, NodeId f, Point p, int slot, double shift) {
  p[static_cast<std::size_t>(slot)] += shift;
  return evaluate_tree(g, f, p.data());
}

/// Central difference with one Richardson step: error O(h^4) + roundoff.
double finite_difference(const Graph& g, NodeId f, const Point& p, int slot, double h) {
  const auto central = [&](double step) {
    return (value_at(g, f, p, slot, step) - value_at(g, f, p, slot, -step)) / (2 * step);
  };
  return (4 * central(h / 2) - central(h)) / 3;
}

/// True when the one-sided slopes disagree: a kink (abs, min, max) lies within
/// h of the point and finite differences are meaningless there.
bool near_kink(const Graph& g, NodeId f, const Point& p, int slot, double h) {
  const double f0 = value_at(g, f, p, slot, 0);
  const double forward = (value_at(g, f, p, slot, h) - f0) / h;
  const double backward = (f0 - value_at(g, f, p, slot, -h)) / h;
  return std::fabs(forward - backward) > 1e-2 * (std::fabs(forward) + std::fabs(backward)) + 1e-6;
}

/// Checks every slot derivative of `f` at `points` random points against finite
/// differences: relative 1e-7, or absolute 1e-9·max(1, |f|) (the roundoff level
/// of the differences). Returns how many (point, slot) pairs were checked.
int check_against_finite_differences(Graph& g, NodeId f, const std::string& text, int points, std::mt19937& rng) {
  int checked = 0;
  for (int k = 0; k < points; ++k) {
    const Point p = random_point(rng);
    for (int slot = 0; slot < num_slots; ++slot) {
      const double h = 1e-3 * std::max(1.0, std::fabs(p[static_cast<std::size_t>(slot)]));
      if (near_kink(g, f, p, slot, h)) continue;
      const double symbolic = evaluate_tree(g, derivative(g, f, slot), p.data());
      const double numeric = finite_difference(g, f, p, slot, h);
      const double abs_tol = 1e-9 * std::max(1.0, std::fabs(evaluate_tree(g, f, p.data())));
      INFO(text << " d/d" << slot_name(slot) << " at x=" << p[0] << " y=" << p[1] << " z=" << p[2]
                << " n=" << p[3] << " K=" << p[4] << " t=" << p[5] << "\n  derivative: "
                << to_string(g, derivative(g, f, slot), slot_name));
      CHECK_THAT(symbolic, WithinRel(numeric, 1e-7) || WithinAbs(numeric, abs_tol));
      ++checked;
    }
  }
  return checked;
}

}  // namespace

TEST_CASE("derivatives equal finite differences for every function", "[expr][derivative]") {
  const std::vector<std::string> battery{
      "x + y - z",
      "x * y * z",
      "x / y / K",
      "-x^2 + 3*y - n",
      "x^-2 + 1/(x*x + y)",
      "(x + y)^3",
      "2^x + x^0.5",
      "pow(x, y)",
      "x^y^z",
      "pow(x*y, n - 1)",
      "exp(x*y) - exp(-t*K)",
      "log(x + y) * log10(x*y)",
      "sqrt(x^2 + y)",
      "abs(x - y) + abs(z)",
      "sin(x*y) + cos(x/y)",
      "tanh(x - 2*y) * tanh(z)",
      "erf(x - y) + erf(z*n)",
      "min(x*y, n) + min(z, t)",
      "max(x, y^2) - max(K, t)",
      "max(min(x, y), K) * x",
      "hill(x, K, n)",
      "hill(x*y, K, n) * exp(-t)",
      "hill(x, K, 2) + hill(y, K^2, z + 2)",
      "x^n / (K^n + x^n) * exp(-y)",
      "log(1 + exp(sin(x*y)))",
      "sqrt(abs(tanh(x) - erf(y)) + 0.1)",
      "exp(-(x - y)^2 / (2*K^2)) / sqrt(K)",
      "min(x, y)^n + max(x, y)^(n - z)",
      "(x - y) * (x + y) / (x * y + z^2 + 1)",
      // Extended language (SBML MathML):
      "tan(0.5 * x) + atan(x * y)",
      "asin(0.9 * z) - acos(0.5 * z)",
      "sinh(x - y) * cosh(z)",
      "asinh(z * n) + acosh(x + 1.5) + atanh(0.8 * z)",
      "rem(5 * x, y) + quotient(7 * x, y) * K",
      "log(K + 1, x * y) + root(n, x + y)",
      "piecewise(x * y, z > 0, x^2, t < 1, exp(y))",
      "piecewise(sin(x), z >= 0 && x < 1 || !(y <= K), cos(y))",
      "(x < y) * x + (x == y) + (x != y) * y^2 + floor(3 * x) * ceil(y) + factorial(2) * K",
  };
  std::mt19937 rng(7);
  for (const auto& text : battery) {
    Graph g;
    const NodeId f = build(g, text);
    const int checked = check_against_finite_differences(g, f, text, 20, rng);
    INFO(text);
    CHECK(checked >= 20 * num_slots / 2);  // kinks are rare: most pairs are checked
  }
}

TEST_CASE("second derivatives equal finite differences of first derivatives", "[expr][derivative]") {
  // Differentiating derivatives exercises the rules of the internal operations
  // (xlogy from variable exponents, select from min/max, sign from abs).
  std::mt19937 rng(11);
  for (const std::string text : {"hill(x, K, n)", "pow(x, y) * log(y)", "min(x*y, K)^n", "abs(z)*exp(z) + x^x"}) {
    Graph g;
    const NodeId f = build(g, text);
    for (int slot = 0; slot < num_slots; ++slot) {
      const NodeId d = derivative(g, f, slot);
      check_against_finite_differences(g, d, text + " d/d" + slot_name(slot), 5, rng);
    }
  }
}

TEST_CASE("derivatives of the extended language: piecewise of derivatives, 0 through comparisons",
          "[expr][derivative][logic]") {
  Graph g;
  CHECK(to_string(g, derivative(g, build(g, "piecewise(x^2, y > 0, 3*x)"), 0), slot_name) ==
        "select(0 < y, x * 2, 3)");
  CHECK(derivative(g, build(g, "x < y"), 0) == g.zero());
  CHECK(derivative(g, build(g, "(x <= y) || !(x == y) && (x != 1)"), 0) == g.zero());
  CHECK(derivative(g, build(g, "floor(x) + ceil(x) + quotient(x, y) + factorial(x)"), 0) == g.zero());
  CHECK(to_string(g, derivative(g, build(g, "rem(x, y)"), 1), slot_name) == "-quotient(x, y)");
}

TEST_CASE("hill derivatives are finite at x = 0", "[expr][derivative]") {
  // d(x^n)/dn = x^n log x would be 0·(-inf) = NaN at x = 0 without xlogy; a
  // species that starts at 0 must not poison the parameter sensitivities.
  Graph g;
  const NodeId h = build(g, "hill(x, K, n)");
  const double at_zero[] = {0.0, 0, 0, 2.5, 1.5, 0};  // x = 0, n = 2.5, K = 1.5
  CHECK(evaluate_tree(g, derivative(g, h, test::slot_of("n")), at_zero) == 0.0);
  CHECK(evaluate_tree(g, derivative(g, h, test::slot_of("K")), at_zero) == 0.0);
  CHECK(evaluate_tree(g, derivative(g, h, test::slot_of("x")), at_zero) == 0.0);
  const double linear[] = {0.0, 0, 0, 1.0, 1.5, 0};  // n = 1: slope 1/K at 0
  CHECK_THAT(evaluate_tree(g, derivative(g, h, test::slot_of("x")), linear), WithinRel(1 / 1.5, 1e-15));
}

TEST_CASE("derivatives simplify to the expected forms", "[expr][derivative][simplify]") {
  Graph g;
  const NodeId x = g.variable(0), y = g.variable(1);
  CHECK(derivative(g, build(g, "x*y"), 0) == y);
  CHECK(derivative(g, build(g, "3*x + y"), 0) == g.constant(3));
  CHECK(derivative(g, build(g, "x^2"), 0) == g.multiply(g.constant(2), x));
  CHECK(derivative(g, build(g, "exp(x)"), 0) == build(g, "exp(x)"));
  CHECK(derivative(g, build(g, "y"), 0) == g.zero());
  CHECK(derivative(g, build(g, "sin(y) * exp(y^2)"), 0) == g.zero());
  CHECK(derivative(g, build(g, "-x"), 0) == g.constant(-1));
  CHECK(derivative(g, build(g, "x / y"), 0) == build(g, "1 / y"));
  CHECK(to_string(g, derivative(g, build(g, "pow(y, x)"), 0), slot_name) == "xlogy(y ^ x, y)");
  CHECK(to_string(g, derivative(g, build(g, "x^n"), 0), slot_name) == "n * x ^ (n - 1)");
}

TEST_CASE("derivatives are memoised and share nodes", "[expr][derivative][cse]") {
  Graph g;
  const NodeId f = build(g, "hill(x, K, n) * exp(-t) + log(x)");
  const NodeId d1 = derivative(g, f, 0);
  const std::size_t size = g.size();
  CHECK(derivative(g, f, 0) == d1);
  CHECK(g.size() == size);  // nothing rebuilt
  // The derivative of a subexpression taken afterwards is the memoised one.
  CHECK(derivative(g, build(g, "hill(x, K, n)"), 0) == derivative(g, build(g, "x^n / (K^n + x^n)"), 0));
  CHECK(g.size() == size);
  // Derivative of a deep chain (no recursion in derivative()).
  NodeId chain = g.variable(0);
  for (int i = 0; i < 100000; ++i) chain = g.add(g.multiply(chain, g.variable(1)), g.one());
  const NodeId dchain = derivative(g, chain, 0);
  CHECK_FALSE(g.is_constant(dchain));
}

TEST_CASE("dependency queries", "[expr][derivative][sparsity]") {
  Graph g;
  const NodeId f = build(g, "x*K + exp(n) - 3");
  CHECK(slots_used(g, f) == std::vector<int>{0, 3, 4});
  CHECK(slots_used(g, g.constant(4)).empty());
  const auto is_parameter = [](int slot) { return slot == 3 || slot == 4; };
  const auto is_time = [](int slot) { return slot == 5; };
  CHECK(depends_on(g, f, is_parameter));
  CHECK_FALSE(depends_on(g, f, is_time));
  // Classify every node at once: exp(n) depends on parameters only.
  const NodeId parameter_only = build(g, "exp(n)");
  const auto uses_state = nodes_depending_on(g, [](int slot) { return slot <= 2; });
  REQUIRE(uses_state.size() == g.size());
  CHECK_FALSE(uses_state[static_cast<std::size_t>(parameter_only)]);
  CHECK(uses_state[static_cast<std::size_t>(f)]);
  CHECK(uses_state[static_cast<std::size_t>(g.variable(0))]);
  // Sparsity of a Jacobian: which slots a derivative still depends on.
  CHECK(slots_used(g, derivative(g, f, 0)) == std::vector<int>{4});
}

TEST_CASE("substitute replaces subexpressions and rebuilds users", "[expr][derivative]") {
  Graph g;
  const NodeId f = build(g, "x * exp(n) + exp(n)^2");
  const NodeId cached = g.variable(9);  // exp(n) precomputed into slot 9
  const NodeId g_f = substitute(g, f, {{build(g, "exp(n)"), cached}});
  CHECK(g_f == g.add(g.multiply(g.variable(0), cached), g.power(cached, g.constant(2))));
  CHECK(slots_used(g, g_f) == std::vector<int>{0, 9});
  CHECK(substitute(g, f, {{g.variable(2), g.one()}}) == f);  // z is not used: unchanged
  CHECK(substitute(g, f, {{f, g.zero()}}) == g.zero());
}
