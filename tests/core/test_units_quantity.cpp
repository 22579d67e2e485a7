#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "core/error.hpp"
#include "core/number.hpp"
#include "core/quantity.hpp"

using Catch::Matchers::WithinRel;
using exvivo::parse_quantity;
using exvivo::parse_unit;
using exvivo::Quantity;
using exvivo::UnitError;

namespace {

constexpr double kRel = 1e-12;

std::string quantity_error(const char* text) {
  try {
    parse_quantity(text);
  } catch (const UnitError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("quantities split into number, unit and the just-before flag", "[core][units][quantity]") {
  const Quantity dose = parse_quantity("10 ng/mL");
  CHECK_THAT(dose.value, WithinRel(10.0, kRel));
  REQUIRE(dose.has_unit());
  CHECK(dose.unit->text == "ng/mL");
  CHECK_FALSE(dose.before);

  const Quantity rate = parse_quantity("2.5 1/h");
  CHECK_THAT(rate.value, WithinRel(2.5, kRel));
  REQUIRE(rate.has_unit());
  CHECK(rate.unit->dimension_str() == "1/s");

  const Quantity bare = parse_quantity("1e-3");
  CHECK_THAT(bare.value, WithinRel(1e-3, kRel));
  CHECK_FALSE(bare.has_unit());
  CHECK_THAT(parse_quantity(" 0.5 ").value, WithinRel(0.5, kRel));
  CHECK_THAT(parse_quantity("-1.5e-3 h").value, WithinRel(-1.5e-3, kRel));
  CHECK_THAT(parse_quantity("+2 h").value, WithinRel(2.0, kRel));
  CHECK(parse_quantity("5000 AB/C").unit->dimension_str() == "AB/C");
  CHECK(parse_quantity("10ng/mL").unit->text == "ng/mL");

  const Quantity before = parse_quantity("24 h-");
  CHECK_THAT(before.value, WithinRel(24.0, kRel));
  CHECK(before.before);
  CHECK(before.unit->text == "h");
  CHECK(before.text == "24 h-");
  const Quantity bare_before = parse_quantity("24-");
  CHECK(bare_before.before);
  CHECK_FALSE(bare_before.has_unit());
  CHECK_FALSE(parse_quantity("24 h").before);
}

TEST_CASE("quantities convert into a target unit", "[core][units][quantity]") {
  const exvivo::Unit hours = parse_unit("h");
  CHECK_THAT(exvivo::value_in(parse_quantity("30 min"), hours), WithinRel(0.5, kRel));
  CHECK_THAT(exvivo::value_in(parse_quantity("2 d"), hours), WithinRel(48.0, kRel));
  // Bare numbers are already in the target unit (e.g. the model time unit).
  CHECK_THAT(exvivo::value_in(parse_quantity("24"), hours), WithinRel(24.0, kRel));
  CHECK_THAT(exvivo::value_in(parse_quantity("10 ng/mL"), parse_unit("pM"), {17000, 0}),
             WithinRel(1e7 / 17000, kRel));
  CHECK_THAT(exvivo::value_in_required_unit(parse_quantity("90 min"), hours),
             WithinRel(1.5, kRel));

  const auto error = [](const Quantity& q, const exvivo::Unit& u) -> std::string {
    try {
      exvivo::value_in_required_unit(q, u);
    } catch (const UnitError& e) {
      return e.what();
    }
    return "no error";
  };
  CHECK(error(parse_quantity("5"), parse_unit("ng/mL")) == "quantity '5': needs a unit of ng/mL");
  CHECK(error(parse_quantity("5 AB/C"), parse_unit("ng/mL")) ==
        "cannot convert 'AB/C' to 'ng/mL': dimensions AB/C and g/L differ");
}

TEST_CASE("malformed quantities are rejected with the text", "[core][units][quantity]") {
  CHECK(quantity_error("") == "empty quantity: expected a number with an optional unit");
  CHECK(quantity_error("abc") == "quantity 'abc': expected a number with an optional unit");
  CHECK(quantity_error("h 24") == "quantity 'h 24': expected a number with an optional unit");
  CHECK(quantity_error("nan") == "quantity 'nan': the number must be finite");
  CHECK(quantity_error("-inf h") == "quantity '-inf h': the number must be finite");
  CHECK(quantity_error("1e999 h") == "quantity '1e999 h': the number must be finite, got 1e999");
  CHECK(quantity_error("10 ng/mL)") == "unit 'ng/mL)': unexpected ')' at character 6");
  CHECK(quantity_error("2.5.1 h") ==
        "unit '.1 h': only the number 1 may appear in a unit, got '.1' at character 1");
}

TEST_CASE("parse_double reads whole numbers only, whatever the locale", "[core][number]") {
  using exvivo::parse_double;
  CHECK_THAT(*parse_double("1e-3"), WithinRel(1e-3, kRel));
  CHECK_THAT(*parse_double(" -2.5 "), WithinRel(-2.5, kRel));
  CHECK_THAT(*parse_double("+7"), WithinRel(7.0, kRel));
  CHECK_THAT(*parse_double(".5"), WithinRel(0.5, kRel));
  CHECK_THAT(*parse_double("5."), WithinRel(5.0, kRel));
  CHECK(std::isnan(*parse_double("NaN")));
  CHECK(std::isnan(*parse_double("nan")));
  CHECK(*parse_double("Inf") > 0);
  CHECK(std::isinf(*parse_double("-Inf")));
  CHECK(*parse_double("-infinity") < 0);
  CHECK(std::isinf(*parse_double("1e999")));
  CHECK(*parse_double("1e-999") == 0.0);  // underflow to zero, exactly
  CHECK_FALSE(parse_double(""));
  CHECK_FALSE(parse_double("abc"));
  CHECK_FALSE(parse_double("1,5"));
  CHECK_FALSE(parse_double("0x10"));
  CHECK_FALSE(parse_double("1e"));
  CHECK_FALSE(parse_double("--1"));
  CHECK_FALSE(parse_double("1 2"));
  CHECK(exvivo::numeric_prefix_length("10ng/mL") == 2);
  CHECK(exvivo::numeric_prefix_length("5e") == 1);
  CHECK(exvivo::numeric_prefix_length("1e-3 h") == 4);
  CHECK(exvivo::numeric_prefix_length("nan") == 0);
}
