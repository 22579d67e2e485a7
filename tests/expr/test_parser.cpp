// Parser: accepted forms, precedence and associativity, source locations, and
// one test per error kind asserting the exact message.
#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "expr/ast.hpp"
#include "expr/parser.hpp"

using exvivo::ModelError;
using exvivo::SourceLocation;
using exvivo::expr::Ast;
using exvivo::expr::AstKind;
using exvivo::expr::collect_names;
using exvivo::expr::parse;
using exvivo::expr::to_string;

namespace {
const SourceLocation line1{"m.yaml", 1, 1};

std::string tree(std::string_view text) { return to_string(parse(text, line1)); }

/// The message of the ModelError thrown by parsing `text` at `start`.
std::string error_of(std::string_view text, const SourceLocation& start = line1, std::string_view key_path = {}) {
  try {
    parse(text, start, key_path);
  } catch (const ModelError& e) {
    return e.what();
  }
  return "<no error>";
}

double number(std::string_view text) {
  const Ast ast = parse(text, line1);
  REQUIRE(ast.root_node().kind == AstKind::number);
  return ast.root_node().value;
}
}  // namespace

TEST_CASE("numbers in every accepted form", "[expr][parser]") {
  CHECK(number("1") == 1.0);  // exact: small integers and binary fractions are exact doubles
  CHECK(number("1.5") == 1.5);
  CHECK(number(".5") == 0.5);
  CHECK(number("2.") == 2.0);
  CHECK(number("1E+3") == 1000.0);
  CHECK(number("2.5e2") == 250.0);
  CHECK_THAT(number("1e-3"), Catch::Matchers::WithinRel(1e-3, 1e-15));
  CHECK_THAT(number("6.02214076e23"), Catch::Matchers::WithinRel(6.02214076e23, 1e-15));
}

TEST_CASE("precedence and associativity", "[expr][parser]") {
  CHECK(tree("-x^2") == "(-(x ^ 2))");
  CHECK(tree("2^3^2") == "(2 ^ (3 ^ 2))");
  CHECK(tree("2^-1") == "(2 ^ (-1))");
  CHECK(tree("-a*b") == "((-a) * b)");
  CHECK(tree("a*-b") == "(a * (-b))");
  CHECK(tree("a - b - c") == "((a - b) - c)");
  CHECK(tree("a / b / c") == "((a / b) / c)");
  CHECK(tree("a / b * c") == "((a / b) * c)");
  CHECK(tree("a + b * c ^ d") == "(a + (b * (c ^ d)))");
  CHECK(tree("(a + b) * c") == "((a + b) * c)");
  CHECK(tree("+x") == "x");
  CHECK(tree("--x") == "(-(-x))");
  CHECK(tree("a - -b") == "(a - (-b))");
  CHECK(tree("(-x)^2") == "((-x) ^ 2)");
}

TEST_CASE("function calls and whitespace", "[expr][parser]") {
  CHECK(tree("hill(x, K, n)") == "hill(x, K, n)");
  CHECK(tree("max(a, min(b, c))") == "max(a, min(b, c))");
  CHECK(tree("exp(log(x)) + log10(x) - sqrt(abs(x))") ==
        "((exp(log(x)) + log10(x)) - sqrt(abs(x)))");
  CHECK(tree("sin(x)*cos(x)/tanh(x)^erf(x)") == "((sin(x) * cos(x)) / (tanh(x) ^ erf(x)))");
  CHECK(tree("pow( x ,\t2 )\r\n + k_1") == "(pow(x, 2) + k_1)");
  CHECK(tree("_a1 * B_2") == "(_a1 * B_2)");
}

TEST_CASE("names keep their source locations", "[expr][parser]") {
  const Ast ast = parse("k_syn * exp(-t)\n  / (K + GMCSF)", SourceLocation{"m.yaml", 12, 10});
  const auto names = collect_names(ast);  // function names are not names
  REQUIRE(names.size() == 4);
  CHECK(names[0].name == "k_syn");
  CHECK(names[0].where.str() == "m.yaml:12:10");
  CHECK(names[1].name == "t");
  CHECK(names[1].where.str() == "m.yaml:12:23");
  CHECK(names[2].name == "K");
  CHECK(names[2].where.str() == "m.yaml:13:6");
  CHECK(names[3].name == "GMCSF");
  CHECK(names[3].where.str() == "m.yaml:13:10");
  CHECK(ast.source == "k_syn * exp(-t)\n  / (K + GMCSF)");
}

TEST_CASE("repeated names are reported once per occurrence", "[expr][parser]") {
  const auto names = collect_names(parse("x*x + y", line1));
  REQUIRE(names.size() == 3);
  CHECK(names[0].where.column == 1);
  CHECK(names[1].where.column == 3);
  CHECK(names[2].name == "y");
}

TEST_CASE("parse error: unexpected token where an operand is expected", "[expr][parser][errors]") {
  CHECK(error_of("k_deg * * x", SourceLocation{"m.yaml", 12, 12}) ==
        "m.yaml:12:20: unexpected token '*' (expected a number, a name, '(' or '-')");
  CHECK(error_of("a + )") == "m.yaml:1:5: unexpected token ')' (expected a number, a name, '(' or '-')");
  CHECK(error_of("f(,)") == "m.yaml:1:1: unknown function 'f'");
  CHECK(error_of("min(,x)") == "m.yaml:1:5: unexpected token ',' (expected a number, a name, '(' or '-')");
}

TEST_CASE("parse error: unexpected end of expression", "[expr][parser][errors]") {
  CHECK(error_of("a +") == "m.yaml:1:4: unexpected end of expression (expected a number, a name, '(' or '-')");
  CHECK(error_of("2^") == "m.yaml:1:3: unexpected end of expression (expected a number, a name, '(' or '-')");
}

TEST_CASE("parse error: empty expression", "[expr][parser][errors]") {
  CHECK(error_of("") == "m.yaml:1:1: empty expression");
  CHECK(error_of("  \n ", SourceLocation{"m.yaml", 4, 7}) == "m.yaml:4:7: empty expression");
}

TEST_CASE("parse error: trailing input", "[expr][parser][errors]") {
  CHECK(error_of("a b") == "m.yaml:1:3: unexpected token 'b' (expected an operator or the end of the expression)");
  CHECK(error_of("1 2") == "m.yaml:1:3: unexpected token '2' (expected an operator or the end of the expression)");
  CHECK(error_of("x, y") == "m.yaml:1:2: unexpected token ',' (expected an operator or the end of the expression)");
  CHECK(error_of("(a b)") == "m.yaml:1:4: unexpected token 'b' (expected an operator or ')')");
  CHECK(error_of("min(x y)") == "m.yaml:1:7: unexpected token 'y' (expected an operator, ',' or ')')");
}

TEST_CASE("parse error: unbalanced parenthesis", "[expr][parser][errors]") {
  CHECK(error_of("(a + b") == "m.yaml:1:1: unbalanced parenthesis: '(' is not closed");
  CHECK(error_of("exp(a + b") == "m.yaml:1:4: unbalanced parenthesis: '(' is not closed");
  CHECK(error_of("a + b)") == "m.yaml:1:6: unbalanced parenthesis: ')' has no matching '('");
}

TEST_CASE("parse error: unknown function with suggestion", "[expr][parser][errors]") {
  CHECK(error_of("2 * expp(x)") == "m.yaml:1:5: unknown function 'expp' (did you mean 'exp'?)");
  CHECK(error_of("Hill(x, K, n)") == "m.yaml:1:1: unknown function 'Hill' (did you mean 'hill'?)");
  CHECK(error_of("foo(x)") == "m.yaml:1:1: unknown function 'foo'");
}

TEST_CASE("parse error: wrong number of arguments", "[expr][parser][errors]") {
  CHECK(error_of("hill(x, K)") == "m.yaml:1:1: function 'hill' takes 3 arguments, got 2");
  CHECK(error_of("exp(x, y)") == "m.yaml:1:1: function 'exp' takes 1 argument, got 2");
  CHECK(error_of("1 + max()") == "m.yaml:1:5: function 'max' takes 2 arguments, got 0");
}

TEST_CASE("parse error: malformed and out-of-range numbers", "[expr][parser][errors]") {
  CHECK(error_of("1e") == "m.yaml:1:1: malformed number '1e'");
  CHECK(error_of("x * 1e+") == "m.yaml:1:5: malformed number '1e+'");
  CHECK(error_of("2x") == "m.yaml:1:1: malformed number '2x'");
  CHECK(error_of("1.2.3") == "m.yaml:1:1: malformed number '1.2.3'");
  CHECK(error_of(". 5") == "m.yaml:1:1: malformed number '.'");
  CHECK(error_of("1e999") == "m.yaml:1:1: number '1e999' is out of range");
}

TEST_CASE("parse error: unexpected characters, printable, control, non-ASCII", "[expr][parser][errors]") {
  CHECK(error_of("a # b") == "m.yaml:1:3: unexpected character '#'");
  CHECK(error_of("a = b") == "m.yaml:1:3: unexpected character '=' (did you mean '=='?)");
  CHECK(error_of("a & b") == "m.yaml:1:3: unexpected character '&' (did you mean '&&'?)");
  CHECK(error_of("a | b") == "m.yaml:1:3: unexpected character '|' (did you mean '||'?)");
  CHECK(error_of(std::string_view("a\0b", 3)) == "m.yaml:1:2: unexpected character 0x00");
  CHECK(error_of("a\x7f") == "m.yaml:1:2: unexpected character 0x7F");
  CHECK(error_of("a\x01") == "m.yaml:1:2: unexpected character 0x01");
  CHECK(error_of("2 * \xC2\xB5") == "m.yaml:1:5: unexpected character '\xC2\xB5' (U+00B5)");
  CHECK(error_of("x\xE2\x80\x8B") == "m.yaml:1:2: unexpected character '\xE2\x80\x8B' (U+200B)");
  CHECK(error_of("x\xFF") == "m.yaml:1:2: unexpected byte 0xFF (not valid UTF-8)");
  CHECK(error_of("x\xC0\xAF") == "m.yaml:1:2: unexpected byte 0xC0 (not valid UTF-8)");  // overlong '/'
  CHECK(error_of("x\xE2\x82") == "m.yaml:1:2: unexpected byte 0xE2 (not valid UTF-8)");  // truncated
}

TEST_CASE("parse error: nesting deeper than the limit", "[expr][parser][errors]") {
  const int limit = exvivo::expr::max_nesting_depth;
  const auto nested = [](int depth) { return std::string(static_cast<std::size_t>(depth), '(') + "x" +
                                            std::string(static_cast<std::size_t>(depth), ')'); };
  CHECK_NOTHROW(parse(nested(limit), line1));
  CHECK(error_of(nested(limit + 1)) == "m.yaml:1:201: expression nested too deeply (more than 200 levels)");
  CHECK(error_of(nested(100000)) == "m.yaml:1:201: expression nested too deeply (more than 200 levels)");
  std::string minus(100000, '-');
  CHECK(error_of(minus + "x") == "m.yaml:1:201: expression nested too deeply (more than 200 levels)");
  std::string powers;
  for (int i = 0; i < 100000; ++i) powers += "2^";
  CHECK(error_of(powers + "2") == "m.yaml:1:402: expression nested too deeply (more than 200 levels)");
  std::string calls;
  for (int i = 0; i < 100000; ++i) calls += "exp(";
  CHECK(error_of(calls + "x") == "m.yaml:1:804: expression nested too deeply (more than 200 levels)");
}

TEST_CASE("errors carry the key path and locations across lines", "[expr][parser][errors]") {
  CHECK(error_of("k * GMCSF +\n   * 2", SourceLocation{"m.yaml", 30, 10}, "odes.GMCSF") ==
        "m.yaml:31:4: odes.GMCSF: unexpected token '*' (expected a number, a name, '(' or '-')");
  // Unknown position: only the file is named.
  CHECK(error_of("a +", SourceLocation{"m.yaml", 0, 0}) ==
        "m.yaml: unexpected end of expression (expected a number, a name, '(' or '-')");
  // Very long tokens are cut in messages.
  CHECK(error_of("a " + std::string(100, 'b')) ==
        "m.yaml:1:3: unexpected token '" + std::string(40, 'b') +
            "...' (expected an operator or the end of the expression)");
}

TEST_CASE("huge but flat expressions parse", "[expr][parser]") {
  std::string sum = "x";
  for (int i = 0; i < 200000; ++i) sum += " + x";
  const Ast ast = parse(sum, line1);
  CHECK(ast.nodes.size() == 400001);
  CHECK(collect_names(ast).size() == 200001);
  std::string digits(100000, '1');
  CHECK(error_of(digits) == "m.yaml:1:1: number '" + std::string(40, '1') + "...' is out of range");
}

TEST_CASE("random byte soup gives ModelError or an Ast, never a crash", "[expr][parser][fuzz]") {
  // Pieces of valid syntax mixed with garbage, so that the parser gets deep
  // into the grammar before failing.
  const std::vector<std::string> pieces{"x",  "1.5", "1e", "(", ")", "+",  "-", "*", "/", "^", ",",  "exp(",
                                        "hill(", "min(", " ", "\n", "\t", ".", "#", "\xC2\xB5", std::string(1, '\0'),
                                        "\xFF", "e", "_", "2x", "K"};
  std::mt19937 rng(20261124);
  std::uniform_int_distribution<std::size_t> pick(0, pieces.size() - 1), length(0, 40);
  std::uniform_int_distribution<int> byte(0, 255);
  int parsed = 0, rejected = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    std::string text;
    const std::size_t n = length(rng);
    for (std::size_t i = 0; i < n; ++i) {
      if (trial % 4 == 0) text += static_cast<char>(byte(rng));  // pure binary garbage
      else text += pieces[pick(rng)];
    }
    try {
      const Ast ast = parse(text, line1);
      CHECK(ast.root == static_cast<std::int32_t>(ast.nodes.size()) - 1);
      ++parsed;
    } catch (const ModelError& e) {
      CHECK(std::string(e.what()).rfind("m.yaml:", 0) == 0);
      ++rejected;
    }
  }
  CHECK(parsed > 0);
  CHECK(rejected > 0);
}

TEST_CASE("comparisons and logical operators: precedence and shape", "[expr][parser][logic]") {
  CHECK(tree("a + 1 < b * 2") == "((a + 1) < (b * 2))");
  CHECK(tree("a < b && c >= d || !e") == "(((a < b) && (c >= d)) || (!e))");
  CHECK(tree("a || b && c") == "(a || (b && c))");
  CHECK(tree("(a == b) != (c <= d)") == "((a == b) != (c <= d))");
  CHECK(tree("!!a > -b") == "((!(!a)) > (-b))");
  CHECK(tree("x - INF * NaN") == "(x - (inf * nan))");
  CHECK(error_of("a < b < c") == "m.yaml:1:7: comparisons do not chain (write 'a < b && b < c')");
  CHECK(error_of("a <") == "m.yaml:1:4: unexpected end of expression (expected a number, a name, '(' or '-')");
}

TEST_CASE("piecewise nests into (value, condition, otherwise) calls; variable arities", "[expr][parser][logic]") {
  CHECK(tree("piecewise(1, x < 0, 2, x < 1, 3)") == "piecewise(1, (x < 0), piecewise(2, (x < 1), 3))");
  CHECK(tree("piecewise(1, x < 0)") == "piecewise(1, (x < 0), nan)");
  CHECK(tree("piecewise(1, x < 0, 2, y)") == "piecewise(1, (x < 0), piecewise(2, y, nan))");
  CHECK(tree("log(2, x) + log(x) + root(3, x)") == "((log(2, x) + log(x)) + root(3, x))");
  CHECK(error_of("piecewise(1)") == "m.yaml:1:1: function 'piecewise' takes at least 2 arguments, got 1");
  CHECK(error_of("log(1, 2, 3)") == "m.yaml:1:1: function 'log' takes 1 or 2 arguments, got 3");
  CHECK(error_of("rem(x)") == "m.yaml:1:1: function 'rem' takes 2 arguments, got 1");
}
