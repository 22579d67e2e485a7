#include "core/quantity.hpp"

#include <cctype>
#include <cmath>

#include "core/error.hpp"
#include "core/number.hpp"
#include "core/text.hpp"

namespace exvivo {

namespace {

bool starts_with_word(std::string_view s, std::string_view word) {
  if (s.size() < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != word[i]) return false;
  return true;
}

}  // namespace

Quantity parse_quantity(std::string_view text) {
  Quantity q;
  std::string_view rest = trim_spaces(text);
  q.text = std::string(rest);
  const auto fail = [&](const std::string& what) -> void {
    throw UnitError("quantity '" + q.text + "': " + what);
  };
  if (rest.empty()) throw UnitError("empty quantity: expected a number with an optional unit");

  if (rest.back() == '-') {
    q.before = true;
    rest = trim_spaces(rest.substr(0, rest.size() - 1));
  }

  const std::size_t number_length = numeric_prefix_length(rest);
  if (number_length == 0) {
    std::string_view unsigned_rest = rest;
    if (!unsigned_rest.empty() && (unsigned_rest.front() == '-' || unsigned_rest.front() == '+'))
      unsigned_rest.remove_prefix(1);
    if (starts_with_word(unsigned_rest, "nan") || starts_with_word(unsigned_rest, "inf"))
      fail("the number must be finite");
    fail("expected a number with an optional unit");
  }
  const std::optional<double> value = parse_double(rest.substr(0, number_length));
  if (!value) fail("expected a number with an optional unit");
  if (!std::isfinite(*value))
    fail("the number must be finite, got " + std::string(rest.substr(0, number_length)));
  q.value = *value;

  const std::string_view unit_text = trim_spaces(rest.substr(number_length));
  if (!unit_text.empty()) q.unit = parse_unit(unit_text);
  return q;
}

double value_in(const Quantity& q, const Unit& target, const ConversionContext& ctx) {
  if (!q.has_unit()) return q.value;
  return q.value * conversion_factor(*q.unit, target, ctx);
}

double value_in_required_unit(const Quantity& q, const Unit& target, const ConversionContext& ctx) {
  if (!q.has_unit())
    throw UnitError("quantity '" + q.text + "': needs a unit of " +
                    (target.text.empty() ? target.dimension_str() : target.text));
  return value_in(q, target, ctx);
}

double time_value_in(const Quantity& q, const Unit& time_unit) {
  if (!q.has_unit()) return q.value;
  if (!is_time(*q.unit)) throw UnitError("expected a time such as '24 h' or '30 min', got '" + q.text + "'");
  const double t = q.value * q.unit->scale / time_unit.scale;
  if (!std::isfinite(t)) throw UnitError("time '" + q.text + "' is too large");
  return t;
}

TimePoint parse_time_point(std::string_view text, const Unit& time_unit) {
  const std::string_view written = trim_spaces(text);
  std::string_view number = written;
  if (!number.empty() && number.back() == '-') number = trim_spaces(number.substr(0, number.size() - 1));
  // Words and empty fields get the time message; "nan" and "inf" are numbers
  // and get parse_quantity's "must be finite".
  const std::string_view first_word = number.substr(0, number.find_first_of(" \t"));
  if (numeric_prefix_length(number) == 0 && !parse_double(first_word))
    throw UnitError("expected a time such as '24 h' or '30 min', got '" + std::string(written) + "'");
  const Quantity q = parse_quantity(written);
  return {time_value_in(q, time_unit), q.before};
}

}  // namespace exvivo
