// Expression DAG: sharing of equal subexpressions, simplification rules,
// lowering from the AST, and the infix printer.
#include <catch2/catch.hpp>

#include <cmath>

#include "expr_test_support.hpp"

using namespace exvivo::expr;
using exvivo::ModelError;
using exvivo::expr::test::build;
using exvivo::expr::test::slot_name;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

TEST_CASE("equal subexpressions share one node", "[expr][graph][cse]") {
  Graph g;
  const NodeId f = build(g, "exp(x*y) + exp(y*x)");
  // 0 and 1 (always present), x, y, x*y, exp(x*y), and the sum: exp(...)
  // appears once because y*x is the same node as x*y.
  CHECK(g.size() == 7);
  CHECK(g.node(f).op == Op::add);
  CHECK(g.node(f).a == g.node(f).b);
  const std::size_t before = g.size();
  CHECK(build(g, "exp(x*y) + exp(y*x)") == f);
  CHECK(build(g, "y*x") == build(g, "x*y"));
  CHECK(build(g, "min(y, x)") == build(g, "min(x, y)"));
  CHECK(build(g, "max(y, x)") == build(g, "max(x, y)"));
  CHECK(build(g, "y + x") == build(g, "x + y"));
  CHECK(g.size() == before + 3);  // min, max, + are new; the products were already there
  CHECK(build(g, "x - y") != build(g, "y - x"));
  CHECK(build(g, "x / y") != build(g, "y / x"));
  CHECK(g.constant(2.5) == g.constant(2.5));
  CHECK(g.variable(3) == g.variable(3));
}

TEST_CASE("hill lowers to shared powers", "[expr][graph][cse]") {
  Graph g;
  const NodeId h = build(g, "hill(x, K, n)");
  // 0, 1, x, K, n, x^n, K^n, K^n + x^n, x^n / (...): x^n is shared.
  CHECK(g.size() == 9);
  CHECK(h == build(g, "x^n / (K^n + x^n)"));
  const double in[] = {2.0, 0, 0, 3.0, 1.5, 0};  // x, y, z, n, K, t
  CHECK_THAT(evaluate_tree(g, h, in), WithinRel(8.0 / (std::pow(1.5, 3) + 8.0), 1e-15));
}

TEST_CASE("constant folding", "[expr][graph][simplify]") {
  Graph g;
  const NodeId c = build(g, "2*3 + 1 - 8/4 + 2^3^2 - exp(0) + max(1, 2) * hill(2, 2, 1)");
  REQUIRE(g.is_constant(c));
  CHECK_THAT(*g.constant_value(c), WithinRel(6.0 + 1 - 2 + 512 - 1 + 2 * 0.5, 1e-15));
  CHECK(g.is_constant(build(g, "-(-(3))"), 3.0));
  CHECK_THAT(*g.constant_value(build(g, "log10(1000)")), WithinRel(3.0, 1e-15));
  // Folding uses the same arithmetic as evaluation: NaN folds to NaN, not an error.
  CHECK(std::isnan(*g.constant_value(build(g, "log(-1)"))));
}

TEST_CASE("algebraic simplification rules", "[expr][graph][simplify]") {
  Graph g;
  const NodeId x = g.variable(0), y = g.variable(1), zero = g.zero(), one = g.one();
  const NodeId two = g.constant(2), minus_one = g.constant(-1);
  CHECK(g.add(x, zero) == x);
  CHECK(g.add(zero, x) == x);
  CHECK(g.subtract(x, zero) == x);
  CHECK(g.subtract(zero, x) == g.negate(x));
  CHECK(g.subtract(x, x) == zero);
  CHECK(g.multiply(x, one) == x);
  CHECK(g.multiply(one, x) == x);
  CHECK(g.multiply(x, zero) == zero);
  CHECK(g.multiply(zero, x) == zero);
  CHECK(g.multiply(minus_one, x) == g.negate(x));
  CHECK(g.multiply(two, g.multiply(g.constant(3), x)) == g.multiply(g.constant(6), x));
  CHECK(g.multiply(two, g.negate(x)) == g.multiply(g.constant(-2), x));
  CHECK(g.multiply(g.negate(x), g.negate(y)) == g.multiply(x, y));
  CHECK(g.divide(x, one) == x);
  CHECK(g.divide(zero, x) == zero);
  CHECK(g.divide(x, minus_one) == g.negate(x));
  CHECK(g.power(x, one) == x);
  CHECK(g.power(x, zero) == one);
  CHECK(g.power(one, x) == one);
  CHECK(g.negate(g.negate(x)) == x);
  CHECK(g.negate(g.subtract(x, y)) == g.subtract(y, x));
  CHECK(g.add(x, g.negate(y)) == g.subtract(x, y));
  CHECK(g.add(g.negate(y), x) == g.subtract(x, y));
  CHECK(g.subtract(x, g.negate(y)) == g.add(x, y));
  CHECK(g.unary(Op::abs, g.negate(x)) == g.unary(Op::abs, x));
  CHECK(g.unary(Op::abs, g.unary(Op::abs, x)) == g.unary(Op::abs, x));
  CHECK(g.min(x, x) == x);
  CHECK(g.max(x, x) == x);
  CHECK(g.less_equal(x, x) == one);
  CHECK(g.select(x, y, y) == y);
  CHECK(g.select(one, x, y) == x);
  CHECK(g.select(zero, x, y) == y);
  CHECK(g.xlogy(zero, x) == zero);
  CHECK(g.xlogy(x, one) == zero);
  // Rules apply through parsing too: nothing but x is left.
  const std::size_t before = g.size();
  CHECK(build(g, "((x + 0) * 1 - 0) / 1 ^ 1 + 0 * y + (y - y)") == x);
  CHECK(g.size() == before);
}

TEST_CASE("invalid node ids are rejected", "[expr][graph]") {
  Graph g;
  CHECK_THROWS_AS(g.add(g.zero(), 99), std::invalid_argument);
  CHECK_THROWS_AS(g.negate(-1), std::invalid_argument);
  CHECK_THROWS_AS(g.variable(-2), std::invalid_argument);
  CHECK_THROWS_AS(g.unary(Op::add, g.one()), std::invalid_argument);
  CHECK_THROWS_AS(g.make(Op::constant, g.one()), std::invalid_argument);
}

TEST_CASE("operand ids are smaller than their users'", "[expr][graph]") {
  Graph g;
  build(g, "hill(x*y, K + exp(-t), n) - max(z, log(x)) / sqrt(abs(y))");
  for (std::size_t i = 0; i < g.size(); ++i) {
    const Node& n = g.node(static_cast<NodeId>(i));
    for (const NodeId child : {n.a, n.b, n.c})
      if (child != no_node) CHECK(child < static_cast<NodeId>(i));
  }
}

TEST_CASE("lowering reports undefined names through the resolver", "[expr][graph][errors]") {
  Graph g;
  try {
    lower(parse("x * xx", exvivo::SourceLocation{"m.yaml", 7, 5}), g, test::test_resolver(g));
    FAIL("no error");
  } catch (const ModelError& e) {
    CHECK(std::string(e.what()) == "m.yaml:7:9: undefined name 'xx' (did you mean 'x'?)");
  }
}

TEST_CASE("printer writes readable infix with minimal parentheses", "[expr][graph][printer]") {
  Graph g;
  const auto show = [&](std::string_view text) { return to_string(g, build(g, text), slot_name); };
  CHECK(show("-K * x / (y + x)") == "-K * x / (x + y)");  // x + y: canonical operand order
  CHECK(show("x - (y - z)") == "x - (y - z)");
  CHECK(show("(x - y) - z") == "x - y - z");
  CHECK(show("x / (y * z)") == "x / (y * z)");
  CHECK(show("(x^y)^z") == "(x ^ y) ^ z");
  CHECK(show("x^y^z") == "x ^ y ^ z");
  CHECK(show("(-x)^2") == "(-x) ^ 2");
  CHECK(show("-x^2") == "-x ^ 2");
  CHECK(show("x * -2") == "x * -2");
  CHECK(show("exp(-t) + max(x, 0.25)") == "exp(-t) + max(x, 0.25)");
  CHECK(to_string(g, g.variable(7)) == "$7");
  const NodeId d = derivative(g, build(g, "min(x, y) + abs(x)"), 0);
  CHECK(to_string(g, d, slot_name) == "select(x <= y, 1, 0) + sign(x)");
  std::string long_sum = "x";
  for (int i = 0; i < 1000; ++i) long_sum += " + x*" + std::to_string(i + 2);
  const std::string cut = to_string(g, build(g, long_sum), slot_name, 100);
  CHECK(cut.size() == 103);
  CHECK(cut.substr(100) == "...");
}
