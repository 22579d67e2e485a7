#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/number.hpp"
#include "io/csv_reader.hpp"
#include "io/csv_writer.hpp"

using exvivo::io::CsvWriter;
using exvivo::io::format_double;
using exvivo::io::quote_field;

TEST_CASE("doubles are written with 17 significant digits and NaN/Inf", "[io][csv]") {
  CHECK(format_double(0.1) == "0.10000000000000001");
  CHECK(format_double(24) == "24");
  CHECK(format_double(-1.5e-300) == "-1.5000000000000001e-300");
  CHECK(format_double(-0.0) == "-0");
  CHECK(format_double(std::numeric_limits<double>::quiet_NaN()) == "NaN");
  CHECK(format_double(std::numeric_limits<double>::infinity()) == "Inf");
  CHECK(format_double(-std::numeric_limits<double>::infinity()) == "-Inf");
}

TEST_CASE("fields holding separators, quotes or newlines are quoted", "[io][csv]") {
  CHECK(quote_field("septic_d3") == "septic_d3");
  CHECK(quote_field("a,b") == "\"a,b\"");
  CHECK(quote_field("a\tb") == "a\tb");
  CHECK(quote_field("a\tb", '\t') == "\"a\tb\"");
  CHECK(quote_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(quote_field("two\nlines") == "\"two\nlines\"");
  CHECK(quote_field(" padded") == "\" padded\"");
  CHECK(quote_field("").empty());

  std::ostringstream out;
  CsvWriter csv(out);
  csv.write_row({"run", "message", "value"});
  csv.field(3).field("At t = 1, species IL10 became NaN").field(0.5).end_row();
  csv.field(std::uint64_t{4}).field(std::string("ok")).field(std::int64_t{-2}).end_row();
  CHECK(out.str() ==
        "run,message,value\n"
        "3,\"At t = 1, species IL10 became NaN\",0.5\n"
        "4,ok,-2\n");
}

TEST_CASE("written doubles read back bit-identical", "[io][csv]") {
  std::vector<double> values = {0.0,
                                -0.0,
                                0.1,
                                1.0 / 3,
                                -2.5e-7,
                                123456789.123456789,
                                std::numeric_limits<double>::max(),
                                std::numeric_limits<double>::lowest(),
                                std::numeric_limits<double>::min(),
                                std::numeric_limits<double>::denorm_min(),
                                std::nextafter(1.0, 2.0),
                                std::numeric_limits<double>::infinity(),
                                -std::numeric_limits<double>::infinity()};
  std::mt19937_64 rng(20261124);
  for (int i = 0; i < 2000; ++i) {
    // Random bit patterns cover every exponent; NaN payloads are not preserved by design.
    const double v = std::bit_cast<double>(rng());
    if (!std::isnan(v)) values.push_back(v);
  }

  std::ostringstream out;
  CsvWriter csv(out);
  csv.write_row({"index", "label", "value"});
  for (std::size_t i = 0; i < values.size(); ++i)
    csv.field(std::uint64_t{i}).field("row, " + std::to_string(i)).field(values[i]).end_row();
  csv.field(std::uint64_t{values.size()}).field("nan").field(std::numeric_limits<double>::quiet_NaN()).end_row();

  std::istringstream in(out.str());
  const exvivo::io::CsvTable table = exvivo::io::read_csv(in, "roundtrip.csv");
  REQUIRE(table.row_count() == values.size() + 1);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::optional<double> back = exvivo::parse_double(table.get(i, "value"));
    REQUIRE(back.has_value());
    INFO("row " << i << ": " << table.get(i, "value"));
    CHECK(std::bit_cast<std::uint64_t>(*back) == std::bit_cast<std::uint64_t>(values[i]));
    CHECK(table.get(i, "label") == "row, " + std::to_string(i));
  }
  CHECK(std::isnan(*exvivo::parse_double(table.get(values.size(), "value"))));
}
