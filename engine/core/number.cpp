#include "core/number.hpp"

#include "core/text.hpp"

#include <cctype>
#include <charconv>
#include <limits>
#include <system_error>

namespace exvivo {

namespace {


bool is_digit(char c) { return c >= '0' && c <= '9'; }

// For a literal that from_chars reports out of range: does it overflow
// (|x| too large) rather than underflow (|x| too small)?
bool literal_overflows(std::string_view literal) {
  const std::size_t e = literal.find_first_of("eE");
  if (e != std::string_view::npos) return e + 1 < literal.size() && literal[e + 1] != '-';
  for (char c : literal) {
    if (c == '.') break;
    if (c >= '1' && c <= '9') return true;
  }
  return false;
}

}  // namespace

std::size_t numeric_prefix_length(std::string_view text) {
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  std::size_t digits = 0;
  while (i < text.size() && is_digit(text[i])) ++i, ++digits;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && is_digit(text[i])) ++i, ++digits;
  }
  if (digits == 0) return 0;
  // An exponent counts only when digits follow it: "5e" is 5 followed by "e".
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    std::size_t j = i + 1;
    if (j < text.size() && (text[j] == '+' || text[j] == '-')) ++j;
    if (j < text.size() && is_digit(text[j])) {
      while (j < text.size() && is_digit(text[j])) ++j;
      i = j;
    }
  }
  return i;
}

std::optional<double> parse_double(std::string_view text) {
  text = trim_spaces(text);
  if (text.empty()) return std::nullopt;

  bool negative = false;
  std::string_view body = text;
  if (body.front() == '+' || body.front() == '-') {
    negative = body.front() == '-';
    body.remove_prefix(1);
  }
  if (equals_ignoring_case(body, "nan")) return std::numeric_limits<double>::quiet_NaN();
  if (equals_ignoring_case(body, "inf") || equals_ignoring_case(body, "infinity"))
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();

  if (numeric_prefix_length(text) != text.size()) return std::nullopt;
  double value = 0;
  const auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), value,
                                         std::chars_format::general);
  if (end != body.data() + body.size()) return std::nullopt;
  if (ec == std::errc::result_out_of_range)
    value = literal_overflows(body) ? std::numeric_limits<double>::infinity() : 0.0;
  else if (ec != std::errc())
    return std::nullopt;
  return negative ? -value : value;
}

}  // namespace exvivo
