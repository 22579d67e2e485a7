#pragma once
// Parser of the expression language of model files (DESIGN.md §2).
//
// Grammar (whitespace = space, tab, CR, LF between tokens):
//   expression := and ('||' and)*                            left-associative
//   and        := comparison ('&&' comparison)*              left-associative
//   comparison := sum [('<' | '<=' | '>' | '>=' | '==' | '!=') sum]   (no chains)
//   sum        := product (('+' | '-') product)*            left-associative
//   product    := unary (('*' | '/') unary)*                 left-associative
//   unary      := ('-' | '+' | '!') unary | power
//   power      := primary ('^' unary)?                       right-associative
//   primary    := number | name | name '(' args ')' | '(' expression ')'
//   number     := digits ['.' [digits]] [exponent] | '.' digits [exponent]
//   exponent   := ('e' | 'E') ['+' | '-'] digits
//   name       := [A-Za-z_][A-Za-z0-9_]*
// Hence `^` binds tighter than unary minus (-x^2 = -(x^2)), 2^3^2 = 2^9 and
// 2^-1 = 0.5. Function names and arities: see function.hpp.
// Comparisons and logical operators give 1 (true) or 0 (false); `&&`, `||`
// and `!` treat any non-zero operand as true. `INF` and `NaN` are reserved
// names of the constants.
#include <string_view>

#include "core/error.hpp"
#include "expr/ast.hpp"

namespace exvivo::expr {

/// Deepest nesting of parentheses, unary signs, powers and calls accepted.
/// Bounds the parser's recursion so that hostile input cannot overflow the stack.
inline constexpr int max_nesting_depth = 200;

/// Parses `text`. `start` is the location of the first character of `text` in
/// its file; locations inside it are start + offset (a newline in `text`
/// advances the line and restarts the column at 1; columns count characters,
/// not UTF-8 bytes; a start.column of 0 counts as 1). When start.line is 0
/// (position unknown), locations carry the file name only. `key_path` (e.g.
/// "odes.GMCSF") is put into error messages.
///
/// Throws ModelError "file:line:col: key.path: what" for
///   - `empty expression`
///   - `unexpected token '*' (expected a number, a name, '(' or '-')`
///   - `unexpected end of expression (expected a number, a name, '(' or '-')`
///   - `unexpected token 'b' (expected an operator or the end of the expression)`
///   - `unbalanced parenthesis: '(' is not closed` / `... ')' has no matching '('`
///   - `unexpected token 'b' (expected an operator or ')')` inside parentheses and
///     `unexpected token 'y' (expected an operator, ',' or ')')` in an argument list
///   - `unknown function 'expp' (did you mean 'exp'?)`
///   - `function 'hill' takes 3 arguments, got 2` (`takes 1 or 2 arguments`,
///     `takes at least 2 arguments` for log and piecewise)
///   - `comparisons do not chain (write 'a < b && b < c')`
///   - `unexpected character '=' (did you mean '=='?)`, likewise a lone '&' or '|'
///   - `malformed number '1e'`, `number '1e999' is out of range`
///   - `unexpected character '#'`, `unexpected character 0x00` (non-printable,
///     shown as hex), `unexpected character 'µ' (U+00B5)`, and
///     `unexpected byte 0xFF (not valid UTF-8)`
///   - `expression nested too deeply (more than 200 levels)`
/// Never crashes, whatever the bytes of `text`.
Ast parse(std::string_view text, const SourceLocation& start, std::string_view key_path = {});

}  // namespace exvivo::expr
