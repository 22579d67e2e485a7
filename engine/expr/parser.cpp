#include "expr/parser.hpp"

#include <charconv>
#include <limits>
#include <optional>
#include <cstdio>
#include <string>

namespace exvivo::expr {

namespace {

constexpr const char* expected_operand = "(expected a number, a name, '(' or '-')";

bool is_name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_symbol(char c) {
  return c == '+' || c == '-' || c == '*' || c == '/' || c == '^' || c == '(' || c == ')' || c == ',' ||
         c == '<' || c == '>' || c == '=' || c == '!' || c == '&' || c == '|';
}

std::string hex_byte(unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", c);
  return buf;
}

/// Length of the valid UTF-8 sequence at the start of `s` and its code point,
/// or 0 when the bytes are not valid UTF-8.
std::size_t decode_utf8(std::string_view s, char32_t& code_point) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte(0);
  std::size_t length;
  char32_t cp;
  if (lead >= 0xC2 && lead <= 0xDF) { length = 2; cp = lead & 0x1F; }
  else if (lead >= 0xE0 && lead <= 0xEF) { length = 3; cp = lead & 0x0F; }
  else if (lead >= 0xF0 && lead <= 0xF4) { length = 4; cp = lead & 0x07; }
  else return 0;
  if (s.size() < length) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i) & 0x3F);
  }
  const bool overlong = (length == 3 && cp < 0x800) || (length == 4 && cp < 0x10000);
  if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  code_point = cp;
  return length;
}

/// Text shown for a token in messages; very long tokens are cut.
std::string shown(std::string_view token) {
  constexpr std::size_t limit = 40;
  if (token.size() <= limit) return std::string(token);
  return std::string(token.substr(0, limit)) + "...";
}

struct Token {
  enum class Kind { end, number, name, symbol } kind = Kind::end;
  std::string_view text;
  double value = 0;
  SourceLocation where;
};

class Parser {
 public:
  Parser(std::string_view text, const SourceLocation& start, std::string_view key_path)
      : text_(text), key_path_(key_path), file_(start.file),
        track_position_(start.line > 0), line_(start.line), column_(start.column > 0 ? start.column : 1) {}

  Ast parse() {
    ast_.source = std::string(text_);
    const SourceLocation start = here();
    advance();
    if (token_.kind == Token::Kind::end) fail(start, "empty expression");
    ast_.root = parse_expression();
    if (is(')')) fail(token_.where, "unbalanced parenthesis: ')' has no matching '('");
    if (token_.kind != Token::Kind::end)
      fail(token_.where, "unexpected token '" + shown(token_.text) +
                             "' (expected an operator or the end of the expression)");
    return std::move(ast_);
  }

 private:
  // --- errors -----------------------------------------------------------------
  [[noreturn]] void fail(const SourceLocation& where, const std::string& what,
                         const std::string& suggestion = {}) const {
    throw ModelError(where, key_path_, what, suggestion);
  }

  // --- lexer ------------------------------------------------------------------
  SourceLocation here() const {
    if (!track_position_) return SourceLocation{file_, 0, 0};
    return SourceLocation{file_, line_, column_};
  }

  void step() {  // consume one byte of text
    const char c = text_[pos_++];
    if (c == '\n') {
      ++line_;
      column_ = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++column_;  // UTF-8 continuation bytes do not start a new character
    }
  }

  void advance() {
    while (pos_ < text_.size() && is_space(text_[pos_])) step();
    token_ = Token{};
    token_.where = here();
    if (pos_ >= text_.size()) return;
    const std::size_t begin = pos_;
    const char c = text_[pos_];
    if (is_name_start(c)) {
      while (pos_ < text_.size() && is_name_char(text_[pos_])) step();
      token_.kind = Token::Kind::name;
    } else if (is_digit(c) || c == '.') {
      lex_number();
    } else if (is_symbol(c)) {
      lex_symbol();
    } else {
      unexpected_character();
    }
    if (token_.kind != Token::Kind::number) token_.text = text_.substr(begin, pos_ - begin);
  }

  void lex_symbol() {
    const char c = text_[pos_];
    const char next = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
    const bool pair = (next == '=' && (c == '<' || c == '>' || c == '=' || c == '!')) ||
                      (c == '&' && next == '&') || (c == '|' && next == '|');
    if ((c == '=' || c == '&' || c == '|') && !pair) {
      const std::string meant = c == '=' ? "==" : std::string(2, c);
      fail(here(), std::string("unexpected character '") + c + "'", meant);
    }
    step();
    if (pair) step();
    token_.kind = Token::Kind::symbol;
  }

  void lex_number() {
    const std::size_t begin = pos_;
    const auto at = [&](char want) { return pos_ < text_.size() && text_[pos_] == want; };
    const auto digits = [&] {
      std::size_t n = 0;
      for (; pos_ < text_.size() && is_digit(text_[pos_]); ++n) step();
      return n;
    };
    std::size_t mantissa_digits = digits();
    if (at('.')) {
      step();
      mantissa_digits += digits();
    }
    bool well_formed = mantissa_digits > 0;
    if (at('e') || at('E')) {
      step();
      if (at('+') || at('-')) step();
      well_formed = well_formed && digits() > 0;
    }
    // A number glued to letters, digits or dots ("2x", "1.2.3", "1e") is a typo,
    // not a number followed by something else.
    while (pos_ < text_.size() && (is_name_char(text_[pos_]) || text_[pos_] == '.')) {
      step();
      well_formed = false;
    }
    token_.kind = Token::Kind::number;
    token_.text = text_.substr(begin, pos_ - begin);
    if (!well_formed) fail(token_.where, "malformed number '" + shown(token_.text) + "'");
    const auto [end, ec] = std::from_chars(token_.text.data(), token_.text.data() + token_.text.size(),
                                           token_.value);
    if (ec == std::errc::result_out_of_range)
      fail(token_.where, "number '" + shown(token_.text) + "' is out of range");
    if (ec != std::errc() || end != token_.text.data() + token_.text.size())
      fail(token_.where, "malformed number '" + shown(token_.text) + "'");
  }

  [[noreturn]] void unexpected_character() const {
    const auto c = static_cast<unsigned char>(text_[pos_]);
    if (c >= 0x21 && c <= 0x7E) fail(here(), std::string("unexpected character '") + static_cast<char>(c) + "'");
    if (c < 0x80) fail(here(), "unexpected character " + hex_byte(c));
    char32_t cp = 0;
    const std::size_t length = decode_utf8(text_.substr(pos_), cp);
    if (length == 0) fail(here(), "unexpected byte " + hex_byte(c) + " (not valid UTF-8)");
    char code[16];
    std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(cp));
    fail(here(), "unexpected character '" + std::string(text_.substr(pos_, length)) + "' (" + code + ")");
  }

  bool is(char symbol) const {
    return token_.kind == Token::Kind::symbol && token_.text.size() == 1 && token_.text[0] == symbol;
  }
  bool is(std::string_view symbol) const { return token_.kind == Token::Kind::symbol && token_.text == symbol; }

  // --- grammar ----------------------------------------------------------------
  /// Counts one level of nesting for the lifetime of the guard.
  class NestingGuard {
   public:
    NestingGuard(Parser& p, const SourceLocation& where) : p_(p) {
      if (++p_.depth_ > max_nesting_depth)
        p_.fail(where, "expression nested too deeply (more than " + std::to_string(max_nesting_depth) +
                           " levels)");
    }
    ~NestingGuard() { --p_.depth_; }
    NestingGuard(const NestingGuard&) = delete;
    NestingGuard& operator=(const NestingGuard&) = delete;

   private:
    Parser& p_;
  };

  std::int32_t add_node(AstNode node) {
    ast_.nodes.push_back(std::move(node));
    return static_cast<std::int32_t>(ast_.nodes.size() - 1);
  }

  std::int32_t add_operation(AstKind kind, const SourceLocation& where, std::int32_t lhs, std::int32_t rhs = -1) {
    AstNode n;
    n.kind = kind;
    n.where = where;
    n.children = {lhs, rhs, -1};
    n.num_children = rhs < 0 ? 1 : 2;
    return add_node(std::move(n));
  }

  std::int32_t parse_expression() { return parse_or(); }

  std::int32_t parse_or() {
    std::int32_t lhs = parse_and();
    while (is("||")) {
      const SourceLocation where = token_.where;
      advance();
      lhs = add_operation(AstKind::logical_or, where, lhs, parse_and());
    }
    return lhs;
  }

  std::int32_t parse_and() {
    std::int32_t lhs = parse_comparison();
    while (is("&&")) {
      const SourceLocation where = token_.where;
      advance();
      lhs = add_operation(AstKind::logical_and, where, lhs, parse_comparison());
    }
    return lhs;
  }

  std::optional<AstKind> comparison_kind() const {
    if (is('<')) return AstKind::less;
    if (is("<=")) return AstKind::less_equal;
    if (is('>')) return AstKind::greater;
    if (is(">=")) return AstKind::greater_equal;
    if (is("==")) return AstKind::equal;
    if (is("!=")) return AstKind::not_equal;
    return std::nullopt;
  }

  std::int32_t parse_comparison() {
    const std::int32_t lhs = parse_sum();
    const std::optional<AstKind> kind = comparison_kind();
    if (!kind) return lhs;
    const SourceLocation where = token_.where;
    advance();
    const std::int32_t result = add_operation(*kind, where, lhs, parse_sum());
    if (comparison_kind())
      fail(token_.where, "comparisons do not chain (write 'a < b && b < c')");
    return result;
  }

  std::int32_t parse_sum() {
    std::int32_t lhs = parse_product();
    while (is('+') || is('-')) {
      const AstKind kind = is('+') ? AstKind::add : AstKind::subtract;
      const SourceLocation where = token_.where;
      advance();
      lhs = add_operation(kind, where, lhs, parse_product());
    }
    return lhs;
  }

  std::int32_t parse_product() {
    std::int32_t lhs = parse_unary();
    while (is('*') || is('/')) {
      const AstKind kind = is('*') ? AstKind::multiply : AstKind::divide;
      const SourceLocation where = token_.where;
      advance();
      lhs = add_operation(kind, where, lhs, parse_unary());
    }
    return lhs;
  }

  std::int32_t parse_unary() {
    if (is('-') || is('+') || is('!')) {
      const char sign = token_.text[0];
      const SourceLocation where = token_.where;
      NestingGuard guard(*this, where);
      advance();
      const std::int32_t operand = parse_unary();
      if (sign == '-') return add_operation(AstKind::negate, where, operand);
      if (sign == '!') return add_operation(AstKind::logical_not, where, operand);
      return operand;
    }
    return parse_power();
  }

  std::int32_t parse_power() {
    const std::int32_t base = parse_primary();
    if (!is('^')) return base;
    const SourceLocation where = token_.where;
    NestingGuard guard(*this, where);
    advance();
    // The exponent is a unary: 2^-1 is allowed and 2^3^2 = 2^(3^2).
    return add_operation(AstKind::power, where, base, parse_unary());
  }

  std::int32_t parse_primary() {
    switch (token_.kind) {
      case Token::Kind::end:
        fail(token_.where, std::string("unexpected end of expression ") + expected_operand);
      case Token::Kind::number: {
        AstNode n;
        n.kind = AstKind::number;
        n.value = token_.value;
        n.where = token_.where;
        advance();
        return add_node(std::move(n));
      }
      case Token::Kind::name: {
        AstNode n;
        n.kind = AstKind::name;
        n.name = std::string(token_.text);
        n.where = token_.where;
        advance();
        if (is('(')) return parse_call(std::move(n));
        if (n.name == "INF" || n.name == "NaN") {  // reserved constants
          n.kind = AstKind::number;
          n.value = n.name == "INF" ? std::numeric_limits<double>::infinity()
                                    : std::numeric_limits<double>::quiet_NaN();
          n.name.clear();
        }
        return add_node(std::move(n));
      }
      case Token::Kind::symbol:
        if (is('(')) return parse_group();
        break;
    }
    fail(token_.where, "unexpected token '" + shown(token_.text) + "' " + expected_operand);
  }

  std::int32_t parse_group() {
    const SourceLocation open = token_.where;
    NestingGuard guard(*this, open);
    advance();
    const std::int32_t inner = parse_expression();
    if (token_.kind == Token::Kind::end) fail(open, "unbalanced parenthesis: '(' is not closed");
    if (!is(')'))
      fail(token_.where, "unexpected token '" + shown(token_.text) + "' (expected an operator or ')')");
    advance();
    return inner;
  }

  std::int32_t parse_call(AstNode call) {
    const std::optional<Function> function = find_function(call.name);
    if (!function)
      fail(call.where, "unknown function '" + shown(call.name) + "'", closest_match(call.name, function_names()));
    const SourceLocation open = token_.where;
    NestingGuard guard(*this, open);
    advance();
    std::vector<std::int32_t> args;
    if (!is(')')) {
      while (true) {
        args.push_back(parse_expression());
        if (is(',')) {
          advance();
          continue;
        }
        if (is(')')) break;
        if (token_.kind == Token::Kind::end) fail(open, "unbalanced parenthesis: '(' is not closed");
        fail(token_.where, "unexpected token '" + shown(token_.text) + "' (expected an operator, ',' or ')')");
      }
    }
    advance();  // ')'
    const int least = function_min_arity(*function), most = function_max_arity(*function);
    const int got = static_cast<int>(args.size());
    if (got < least || (most >= 0 && got > most)) {
      const std::string takes = most < 0       ? "at least " + std::to_string(least)
                                : least == most ? std::to_string(least)
                                                : std::to_string(least) + " or " + std::to_string(most);
      fail(call.where, "function '" + call.name + "' takes " + takes + (takes == "1" ? " argument" : " arguments") +
                           ", got " + std::to_string(got));
    }
    call.kind = AstKind::call;
    call.function = *function;
    if (*function == Function::piecewise) return add_piecewise(std::move(call), args);
    call.num_children = got;
    for (int k = 0; k < got; ++k) call.children[static_cast<std::size_t>(k)] = args[static_cast<std::size_t>(k)];
    return add_node(std::move(call));
  }

  /// piecewise(v1, c1, ..., [otherwise]) as nested (value, condition, otherwise) calls.
  std::int32_t add_piecewise(AstNode call, const std::vector<std::int32_t>& args) {
    std::size_t pairs = args.size() / 2;
    std::int32_t rest;
    if (args.size() % 2 == 1) {
      rest = args.back();
    } else {
      AstNode nan;
      nan.kind = AstKind::number;
      nan.value = std::numeric_limits<double>::quiet_NaN();
      nan.where = call.where;
      rest = add_node(std::move(nan));
    }
    while (pairs-- > 0) {
      AstNode piece = call;
      piece.num_children = 3;
      piece.children = {args[2 * pairs], args[2 * pairs + 1], rest};
      rest = add_node(std::move(piece));
    }
    return rest;
  }

  std::string_view text_;
  std::string key_path_;
  std::string file_;
  bool track_position_;
  int line_, column_;
  std::size_t pos_ = 0;
  Token token_;
  Ast ast_;
  int depth_ = 0;
};

}  // namespace

Ast parse(std::string_view text, const SourceLocation& start, std::string_view key_path) {
  return Parser(text, start, key_path).parse();
}

}  // namespace exvivo::expr
