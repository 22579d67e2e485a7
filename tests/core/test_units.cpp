#include <catch2/catch.hpp>

#include <string>

#include "core/error.hpp"
#include "core/units.hpp"

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using exvivo::ConversionContext;
using exvivo::conversion_factor;
using exvivo::parse_unit;
using exvivo::Unit;
using exvivo::UnitError;

namespace {

// Unit scales are products of powers of ten, exact to a few ulps.
constexpr double kRel = 1e-12;

double factor(const char* from, const char* to, const ConversionContext& ctx = {}) {
  return conversion_factor(parse_unit(from), parse_unit(to), ctx);
}

std::string unit_error(const char* text) {
  try {
    parse_unit(text);
  } catch (const UnitError& e) {
    return e.what();
  }
  return "no error";
}

std::string conversion_error(const char* from, const char* to, const ConversionContext& ctx = {}) {
  try {
    factor(from, to, ctx);
  } catch (const UnitError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("unit strings parse to a scale and base dimensions", "[core][units]") {
  const Unit per_hour = parse_unit("1/h");
  CHECK_THAT(per_hour.scale, WithinRel(1.0 / 3600, kRel));
  CHECK(per_hour.dimension_str() == "1/s");
  CHECK(per_hour.text == "1/h");

  const Unit conc = parse_unit("ng/mL");
  CHECK_THAT(conc.scale, WithinRel(1e-6, kRel));
  CHECK(conc.dimension_str() == "g/L");

  const Unit rate = parse_unit("mL/(cells*h)");
  CHECK_THAT(rate.scale, WithinRel(1e-3 / 3600, kRel));
  CHECK(rate.dimension_str() == "L/(cells*s)");

  CHECK(parse_unit("AB/C").dimension_str() == "AB/C");
  CHECK(parse_unit("beads/cell").dimension_str() == "beads/cells");
  CHECK(parse_unit("1").is_dimensionless());
  CHECK(parse_unit("%").is_dimensionless());
  CHECK_THAT(parse_unit("%").scale, WithinRel(0.01, kRel));
  CHECK(parse_unit("U/mL").dimension_str() == "IU/L");
  CHECK(parse_unit("h^2").dimension_str() == "s^2");
  CHECK(parse_unit("  ng / mL ").text == "ng / mL");
}

TEST_CASE("equivalent spellings of a unit are the same unit", "[core][units]") {
  const auto same = [](const char* a, const char* b) {
    const Unit ua = parse_unit(a), ub = parse_unit(b);
    INFO(a << " vs " << b);
    CHECK(exvivo::same_dimension(ua, ub));
    CHECK_THAT(ua.scale, WithinRel(ub.scale, kRel));
  };
  same("1/h", "h^-1");
  same("1/h", "h^(-1)");
  same("ng/mL/h", "(ng/mL)/h");
  same("ng/mL/h", "ng*mL^-1*h^-1");
  same("mL/(cells*h)", "mL/cells/h");
  same("µg/mL", "ug/mL");       // micro sign U+00B5
  same("μg/mL", "ug/mL");       // Greek small mu U+03BC
  same("cells/µL", "cells/uL");
  same("cell/uL", "cells/uL");
  same("IU/mL", "U/mL");
  same("ng/ml", "ng/mL");
  same("cells/µl", "cells/uL");
  same("nM", "nmol/L");
  same("h*h/h", "h");
  same("1", "h/h");
}

TEST_CASE("is_time and same_dimension", "[core][units]") {
  CHECK(exvivo::is_time(parse_unit("min")));
  CHECK(exvivo::is_time(parse_unit("d")));
  CHECK_FALSE(exvivo::is_time(parse_unit("1/h")));
  CHECK_FALSE(exvivo::is_time(parse_unit("ng/mL")));
  CHECK(exvivo::same_dimension(parse_unit("ng/mL"), parse_unit("g/L")));
  CHECK_FALSE(exvivo::same_dimension(parse_unit("ng/mL"), parse_unit("pM")));
  CHECK_FALSE(exvivo::same_dimension(parse_unit("AB/C"), parse_unit("AB")));
}

TEST_CASE("malformed unit strings are rejected with what is wrong", "[core][units]") {
  CHECK(unit_error("") == "unit '': empty unit");
  CHECK(unit_error("ng/mL)") == "unit 'ng/mL)': unexpected ')' at character 6");
  CHECK(unit_error("(ng/mL") == "unit '(ng/mL': missing ')' for the '(' at character 1");
  CHECK(unit_error("ng mL") == "unit 'ng mL': expected '*' or '/' before 'mL' at character 4");
  CHECK(unit_error("ng/") == "unit 'ng/': expected a unit after '/' at character 4");
  CHECK(unit_error("/h") == "unit '/h': expected a unit before '/' at character 1");
  CHECK(unit_error("h^x") == "unit 'h^x': expected an integer power after '^' at character 3");
  CHECK(unit_error("h^1.5") == "unit 'h^1.5': powers must be integers at character 4");
  CHECK(unit_error("10/h") ==
        "unit '10/h': only the number 1 may appear in a unit, got '10' at character 1");
  CHECK(unit_error("ng#mL") == "unit 'ng#mL': unexpected character '#' at character 3");
  CHECK(unit_error("µg§") == "unit 'µg§': unexpected character '§' at character 3");
  CHECK(unit_error("()") == "unit '()': empty parentheses at character 2");
}

TEST_CASE("mass concentrations convert by powers of ten", "[core][units]") {
  CHECK_THAT(factor("ng/mL", "pg/mL"), WithinRel(1e3, kRel));
  CHECK_THAT(factor("pg/mL", "ng/mL"), WithinRel(1e-3, kRel));
  CHECK_THAT(factor("ng/mL", "ug/mL"), WithinRel(1e-3, kRel));
  CHECK_THAT(factor("ug/mL", "g/L"), WithinRel(1e-3, kRel));
  CHECK_THAT(factor("mg/mL", "g/L"), WithinRel(1.0, kRel));
  CHECK_THAT(factor("ng/mL", "ng/mL"), WithinRel(1.0, kRel));
  CHECK_THAT(exvivo::convert(250, parse_unit("pg/mL"), parse_unit("ng/mL")),
             WithinRel(0.25, kRel));
}

TEST_CASE("times, rates, counts and dimensionless units convert", "[core][units]") {
  CHECK_THAT(factor("d", "h"), WithinRel(24.0, kRel));
  CHECK_THAT(factor("h", "min"), WithinRel(60.0, kRel));
  CHECK_THAT(factor("min", "s"), WithinRel(60.0, kRel));
  CHECK_THAT(factor("d", "s"), WithinRel(86400.0, kRel));
  CHECK_THAT(factor("min", "h"), WithinRel(1.0 / 60, kRel));
  CHECK_THAT(factor("1/h", "1/min"), WithinRel(1.0 / 60, kRel));
  CHECK_THAT(factor("1/min", "h^-1"), WithinRel(60.0, kRel));
  CHECK_THAT(factor("cells/uL", "cells/mL"), WithinRel(1e3, kRel));
  CHECK_THAT(factor("cells/mL", "cell/uL"), WithinRel(1e-3, kRel));
  CHECK_THAT(factor("%", "1"), WithinRel(0.01, kRel));
  CHECK_THAT(factor("1", "%"), WithinRel(100.0, kRel));
  CHECK_THAT(factor("AB/C", "AB/C"), WithinRel(1.0, kRel));
  CHECK_THAT(factor("nM", "pM"), WithinRel(1e3, kRel));
  CHECK_THAT(factor("mL/(cells*h)", "uL/(cell*min)"), WithinRel(1e3 / 60, kRel));
}

TEST_CASE("mass and molar concentrations convert through the molar mass", "[core][units]") {
  // IFN-γ, 17 kDa: 1 ng/mL = 1e-6 g/L / 17000 g/mol = 5.88e-11 M = 58.8 pM.
  const ConversionContext ifng{17000, 0};
  CHECK_THAT(factor("ng/mL", "pM", ifng), WithinRel(1e6 / 17000, kRel));
  CHECK_THAT(factor("ng/mL", "pM", ifng), WithinAbs(58.8235, 1e-4));
  CHECK_THAT(factor("pM", "ng/mL", ifng), WithinRel(17000 / 1e6, kRel));
  CHECK_THAT(factor("nM", "ug/mL", ifng), WithinRel(0.017, kRel));
  CHECK_THAT(factor("pmol", "ng", ifng), WithinRel(17.0, kRel));
  // A rate per amount concentration to one per mass concentration.
  CHECK_THAT(factor("1/(nM*h)", "mL/(ng*h)", ifng), WithinRel(1.0 / 17, kRel));
}

TEST_CASE("activity concentrations convert through the specific activity", "[core][units]") {
  // 2e7 IU/mg: 1 ng/mL = 1e-6 mg/mL = 20 IU/mL.
  const ConversionContext activity{0, 2e7};
  CHECK_THAT(factor("ng/mL", "IU/mL", activity), WithinRel(20.0, kRel));
  CHECK_THAT(factor("U/mL", "ng/mL", activity), WithinRel(0.05, kRel));
  // Both properties: 20 IU/mL = 1 ng/mL = 58.8 pM at 17 kDa.
  const ConversionContext both{17000, 2e7};
  CHECK_THAT(factor("IU/mL", "pM", both), WithinRel(1e6 / 17000 / 20, kRel));
  CHECK_THAT(factor("pM", "IU/mL", both), WithinRel(20 * 17000 / 1e6, kRel));
  // Same dimension needs no species property.
  CHECK_THAT(factor("IU/mL", "IU/uL"), WithinRel(1e-3, kRel));
}

TEST_CASE("incompatible conversions name both units and what would help", "[core][units]") {
  CHECK(conversion_error("AB/C", "ng/mL") ==
        "cannot convert 'AB/C' to 'ng/mL': dimensions AB/C and g/L differ");
  CHECK(conversion_error("ng/mL", "1/h") ==
        "cannot convert 'ng/mL' to '1/h': dimensions g/L and 1/s differ");
  CHECK(conversion_error("ng/mL", "nmol") ==
        "cannot convert 'ng/mL' to 'nmol': dimensions g/L and mol differ");
  CHECK(conversion_error("ng/mL", "pM") ==
        "cannot convert 'ng/mL' to 'pM': needs the species' molar_mass");
  CHECK(conversion_error("IU/mL", "ng/mL") ==
        "cannot convert 'IU/mL' to 'ng/mL': needs the species' specific_activity");
  CHECK(conversion_error("IU/mL", "pM") ==
        "cannot convert 'IU/mL' to 'pM': needs the species' molar_mass and specific_activity");
  CHECK(conversion_error("IU/mL", "pM", ConversionContext{17000, 0}) ==
        "cannot convert 'IU/mL' to 'pM': needs the species' specific_activity");
  // A non-positive property counts as unknown.
  CHECK(conversion_error("ng/mL", "pM", ConversionContext{-1, 0}) ==
        "cannot convert 'ng/mL' to 'pM': needs the species' molar_mass");
}

TEST_CASE("molar masses and specific activities parse with their units", "[core][units]") {
  CHECK_THAT(exvivo::parse_molar_mass("14.5 kDa"), WithinRel(14500.0, kRel));
  CHECK_THAT(exvivo::parse_molar_mass("17000 Da"), WithinRel(17000.0, kRel));
  CHECK_THAT(exvivo::parse_molar_mass("17000 g/mol"), WithinRel(17000.0, kRel));
  CHECK_THAT(exvivo::parse_molar_mass("17 kg/mol"), WithinRel(17000.0, kRel));
  CHECK_THAT(exvivo::parse_specific_activity("5.6e6 IU/mg"), WithinRel(5.6e6, kRel));
  CHECK_THAT(exvivo::parse_specific_activity("5.6e3 IU/ug"), WithinRel(5.6e6, kRel));
  CHECK_THAT(exvivo::parse_specific_activity("2e7 U/mg"), WithinRel(2e7, kRel));

  const auto error = [](auto parse, const char* text) -> std::string {
    try {
      parse(text);
    } catch (const UnitError& e) {
      return e.what();
    }
    return "no error";
  };
  const auto mm = [](const char* t) { return exvivo::parse_molar_mass(t); };
  const auto sa = [](const char* t) { return exvivo::parse_specific_activity(t); };
  CHECK(error(mm, "17000") == "molar_mass '17000': needs a unit (Da, kDa or g/mol)");
  CHECK(error(mm, "14.5 kD") ==
        "molar_mass '14.5 kD': unit 'kD' is not a molar mass (expected Da, kDa or g/mol)");
  CHECK(error(mm, "-5 kDa") == "molar_mass '-5 kDa': must be positive");
  CHECK(error(mm, "abc") == "molar_mass 'abc': expected a number with an optional unit");
  CHECK(error(mm, "14.5 kDa-") == "molar_mass '14.5 kDa-': unexpected '-' after the value");
  CHECK(error(sa, "5.6e6 IU/mL") ==
        "specific_activity '5.6e6 IU/mL': unit 'IU/mL' is not a specific activity "
        "(expected e.g. IU/mg or U/ug)");
}
