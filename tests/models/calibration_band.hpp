#pragma once
// Calibration bands of MODEL.md §5 as Catch2 checks that can also write the
// "Simulated values" table of models/README.md.
//
//   check_band("V2", "H TNF 3 h (pg/mL)", tnf, between(700, 7000));
//
// checks 700 <= tnf <= 7000 (one CHECK per bound) and, when the environment
// variable EXVIVO_CALIBRATION_TABLE names a file, appends the markdown row
//
//   | V2 | H TNF 3 h (pg/mL) | 700-7000 | 2094 | pass |
//
// tools/calibration_table.sh runs the calibration tests with that variable
// set and pastes the rows into the README, so the table always shows what the
// engine computes.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

namespace exvivo::test {

/// One end of a band: the limit and whether a value equal to it is inside.
struct BandLimit {
  double value;
  bool inclusive;
};

/// An interval of accepted values; a missing limit is unbounded.
struct Band {
  std::optional<BandLimit> lower, upper;
};

inline Band at_least(double lo) { return {BandLimit{lo, true}, std::nullopt}; }
inline Band above(double lo) { return {BandLimit{lo, false}, std::nullopt}; }
inline Band at_most(double hi) { return {std::nullopt, BandLimit{hi, true}}; }
inline Band below(double hi) { return {std::nullopt, BandLimit{hi, false}}; }
/// lo <= value <= hi (the only two-sided form, so "lo-hi" is unambiguous).
inline Band between(double lo, double hi) { return {BandLimit{lo, true}, BandLimit{hi, true}}; }

/// `value` with at most 4 significant digits, trailing zeros dropped, and
/// whole numbers from 1000 up: 25023, 2094, 93.6, 0.2012.
inline std::string table_number(double value) {
  char text[32];
  if (std::isfinite(value) && std::abs(value) >= 1000)
    std::snprintf(text, sizeof text, "%.0f", value);
  else
    std::snprintf(text, sizeof text, "%.4g", value);
  return text;
}

/// The band as the README writes it: "700-7000", ">=85", ">1", "<=1.1", "<0.1".
inline std::string band_text(const Band& band) {
  if (band.lower && band.upper)
    return table_number(band.lower->value) + "-" + table_number(band.upper->value);
  if (band.lower) return (band.lower->inclusive ? ">=" : ">") + table_number(band.lower->value);
  if (band.upper) return (band.upper->inclusive ? "<=" : "<") + table_number(band.upper->value);
  return "any";
}

/// Appends one row to the file named by EXVIVO_CALIBRATION_TABLE, if set.
inline void append_calibration_row(const std::string& id, const std::string& quantity, const std::string& band,
                                   const std::string& simulated, bool pass) {
  const char* path = std::getenv("EXVIVO_CALIBRATION_TABLE");
  if (path == nullptr || *path == '\0') return;
  std::ofstream table(path, std::ios::app);
  table << "| " << id << " | " << quantity << " | " << band << " | " << simulated << " | " << (pass ? "pass" : "fail")
        << " |\n";
  if (!table) FAIL("cannot append to EXVIVO_CALIBRATION_TABLE file " << path);
}

/// CHECKs that `value` lies in `band` (one CHECK per limit, with the limit's
/// inclusiveness) and records the row `id | quantity | band | value | pass`.
/// A NaN value fails every limit.
inline void check_band(const std::string& id, const std::string& quantity, double value, const Band& band) {
  INFO(id << ": " << quantity << " = " << value << ", band " << band_text(band));
  bool pass = true;
  if (const auto& lo = band.lower) {
    const bool ok = lo->inclusive ? value >= lo->value : value > lo->value;
    if (lo->inclusive)
      CHECK(value >= lo->value);
    else
      CHECK(value > lo->value);
    pass = pass && ok;
  }
  if (const auto& hi = band.upper) {
    const bool ok = hi->inclusive ? value <= hi->value : value < hi->value;
    if (hi->inclusive)
      CHECK(value <= hi->value);
    else
      CHECK(value < hi->value);
    pass = pass && ok;
  }
  append_calibration_row(id, quantity, band_text(band), table_number(value), pass);
}

/// CHECKs |value - target| <= margin with Catch's WithinAbs (bounds included)
/// and records the row with the band written "target-margin to target+margin".
inline void check_near(const std::string& id, const std::string& quantity, double value, double target,
                       double margin) {
  INFO(id << ": " << quantity << " = " << value << ", band " << target << " +/- " << margin);
  const auto matcher = Catch::Matchers::WithinAbs(target, margin);
  CHECK_THAT(value, matcher);
  append_calibration_row(id, quantity, table_number(target - margin) + "-" + table_number(target + margin),
                         table_number(value), matcher.match(value));
}

}  // namespace exvivo::test
