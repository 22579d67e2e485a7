// The calibration-table helpers of calibration_band.hpp: how bands and values
// are written, and the row a passing check appends to EXVIVO_CALIBRATION_TABLE.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

#include "calibration_band.hpp"

using namespace exvivo::test;

TEST_CASE("calibration table numbers keep at most 4 significant digits, whole from 1000 up", "[models][table]") {
  CHECK(table_number(25023.4) == "25023");
  CHECK(table_number(2094.1) == "2094");
  CHECK(table_number(93.56) == "93.56");
  CHECK(table_number(93.6) == "93.6");
  CHECK(table_number(0.20081) == "0.2008");
  CHECK(table_number(0.30) == "0.3");
  CHECK(table_number(0.000165234) == "0.0001652");
  CHECK(table_number(-1234.6) == "-1235");
}

TEST_CASE("calibration bands are written as in models/README.md", "[models][table]") {
  CHECK(band_text(between(700, 7000)) == "700-7000");
  CHECK(band_text(at_least(85)) == ">=85");
  CHECK(band_text(above(15000)) == ">15000");
  CHECK(band_text(at_most(1.1)) == "<=1.1");
  CHECK(band_text(below(0.1)) == "<0.1");
}

TEST_CASE("a passing band check appends its row to the EXVIVO_CALIBRATION_TABLE file", "[models][table]") {
  const auto path =
      std::filesystem::temp_directory_path() / ("exvivo_calibration_rows_" + std::to_string(getpid()) + ".md");
  std::filesystem::remove(path);
  REQUIRE(setenv("EXVIVO_CALIBRATION_TABLE", path.c_str(), 1) == 0);
  check_band("V2", "H TNF 3 h (pg/mL)", 2094.1, between(700, 7000));
  check_band("V1", "H mHLA-DR 0 h", 25023.4, above(15000));
  check_near("V5", "a: S PBMC %DR+ 0 h", 31.97, 32, 4);
  unsetenv("EXVIVO_CALIBRATION_TABLE");
  check_band("V3", "not recorded without the variable", 1, below(2));

  std::ostringstream rows;
  rows << std::ifstream(path).rdbuf();
  std::filesystem::remove(path);
  CHECK(rows.str() ==
        "| V2 | H TNF 3 h (pg/mL) | 700-7000 | 2094 | pass |\n"
        "| V1 | H mHLA-DR 0 h | >15000 | 25023 | pass |\n"
        "| V5 | a: S PBMC %DR+ 0 h | 28-36 | 31.97 | pass |\n");
}
