#include <catch2/catch.hpp>

#include <sstream>
#include <string>

#include "core/error.hpp"
#include "core/error_message.hpp"
#include "io/csv_reader.hpp"

using Catch::Matchers::WithinRel;
using exvivo::DataError;
using exvivo::io::CsvTable;
using exvivo::io::read_csv;

namespace {

CsvTable read_text(const std::string& text, const std::string& name = "data.csv") {
  std::istringstream in(text);
  return read_csv(in, name);
}

template <class F>
std::string data_error(F f) {
  return exvivo::test::message_of<DataError>(f);
}

}  // namespace

TEST_CASE("the separator is detected from the header line", "[io][csv]") {
  CHECK(read_text("a\tb\n1\t2\n").separator == '\t');
  CHECK(read_text("a,b\n1,2\n").separator == ',');
  CHECK(read_text("a;b\n1,5;2\n").separator == ';');
  // Commas inside a quoted tab-separated header do not count.
  const CsvTable quoted = read_text("\"x,y,z\"\tb\n1\t2\n");
  CHECK(quoted.separator == '\t');
  CHECK(quoted.header == std::vector<std::string>{"x,y,z", "b"});
  // One column: by file extension.
  CHECK(read_text("a\n1\n", "m.tsv").separator == '\t');
  CHECK(read_text("a\n1\n", "m.csv").separator == ',');
}

TEST_CASE("tables read with quoted fields, CRLF, BOM and blank lines", "[io][csv]") {
  const CsvTable t = read_text(
      "\xEF\xBB\xBF donor ,arm,note\r\n"
      "d1,control,\"with, comma\"\r\n"
      "\r\n"
      "d2,gmcsf,\"two\nlines and \"\"quotes\"\"\"\r\n"
      "d3,lps,\n");
  CHECK(t.header == std::vector<std::string>{"donor", "arm", "note"});
  REQUIRE(t.row_count() == 3);
  CHECK(t.get(0, "note") == "with, comma");
  CHECK(t.get(1, "note") == "two\nlines and \"quotes\"");
  CHECK(t.get(2, "note").empty());
  CHECK(t.row_lines == std::vector<int>{2, 4, 6});  // the quoted newline counts
  CHECK(t.column("arm") == 1);
  CHECK_FALSE(t.has_column("time"));
}

TEST_CASE("numbers are read with get_double and missing values recognised", "[io][csv]") {
  const CsvTable t = read_text("time\tmeasurement\tsd\n0\t 12.5 \tNA\n24\t1e-3\t\n");
  CHECK_THAT(t.get_double(0, "measurement"), WithinRel(12.5, 1e-15));
  CHECK_THAT(t.get_double(1, "measurement"), WithinRel(1e-3, 1e-15));
  CHECK_THAT(t.get_double(1, std::size_t{0}), WithinRel(24.0, 1e-15));
  CHECK(t.is_missing(0, "sd"));
  CHECK(t.is_missing(1, "sd"));
  CHECK_FALSE(t.get_optional_double(0, "sd").has_value());
  CHECK_THAT(*t.get_optional_double(1, "time"), WithinRel(24.0, 1e-15));
}

TEST_CASE("bad fields are reported at file:line:column", "[io][csv]") {
  const CsvTable t = read_text(
      "donor\tobservable\tmeasurement\n"
      "d1\tTNF\t12\n"
      "\n"
      "d1\tTNF\tabc\n"
      "d1\tTNF\tinf\n"
      "d1\tTNF\t1,5\n",
      "data.tsv");
  CHECK(data_error([&] { t.get_double(1, "measurement"); }) ==
        "data.tsv:4:3: column 'measurement': expected a number, got 'abc'");
  CHECK(data_error([&] { t.get_double(2, "measurement"); }) ==
        "data.tsv:5:3: column 'measurement': expected a finite number, got 'inf'");
  CHECK(data_error([&] { t.get_double(3, "measurement"); }) ==
        "data.tsv:6:3: column 'measurement': expected a number, got '1,5'");
  CHECK(data_error([&] { t.get_double(0, "measurment"); }) ==
        "data.tsv:1: no column 'measurment' (did you mean 'measurement'?)");
  CHECK(t.location(1, 2).str() == "data.tsv:4:3");
}

TEST_CASE("missing required columns are listed with suggestions", "[io][csv]") {
  const CsvTable t = read_text("donor,arm,observable,measurment\n", "data.csv");
  CHECK(data_error([&] { t.require_columns({"donor", "arm"}); }) == "no error");
  CHECK(data_error([&] { t.require_columns({"donor", "time", "measurement"}); }) ==
        "data.csv:1: missing required columns 'time' and 'measurement' (did you mean "
        "'measurment'?); the header has: donor, arm, observable, measurment");
  CHECK(data_error([&] { t.require_columns({"time"}); }) ==
        "data.csv:1: missing required column 'time'; the header has: donor, arm, observable, "
        "measurment");
}

TEST_CASE("malformed tables are rejected with their location", "[io][csv]") {
  CHECK(data_error([] { read_text("", "e.csv"); }) == "e.csv: empty table: no header line");
  CHECK(data_error([] { read_text("\n\n", "e.csv"); }) == "e.csv: empty table: no header line");
  CHECK(data_error([] { read_text("a,b\n1,2\n3\n", "r.csv"); }) ==
        "r.csv:3: expected 2 fields like the header, got 1");
  CHECK(data_error([] { read_text("a,b\n1,2,3\n", "r.csv"); }) ==
        "r.csv:2: expected 2 fields like the header, got 3");
  CHECK(data_error([] { read_text("a,b\n1,\"open\n2,3\n", "q.csv"); }) ==
        "q.csv:2:2: unterminated quoted field");
  CHECK(data_error([] { read_text("a,b\n1,\"x\"y\n", "q.csv"); }) ==
        "q.csv:2:2: unexpected text after the closing quote of a field");
  CHECK(data_error([] { read_text("a,,b\n", "h.csv"); }) == "h.csv:1:2: empty column name in the header");
  CHECK(data_error([] { read_text("time,value,time\n", "h.csv"); }) ==
        "h.csv:1:3: duplicate column 'time' (also column 1)");
  CHECK(data_error([] { exvivo::io::read_csv_file("no/such/file.tsv"); }) ==
        "no/such/file.tsv: cannot open file: No such file or directory");
}
