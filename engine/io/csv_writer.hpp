#pragma once
// Writing CSV tables (DESIGN.md §5): header row, '.' decimal separator, full
// round-trip precision, readable by pandas and R without options.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace exvivo::io {

/// "%.17g" (via fmt), which reads back bit-identical; non-finite values as
/// NaN, Inf, -Inf (read as such by pandas.read_csv and R's read.csv).
std::string format_double(double value);

/// The field as it must appear in a CSV line: unchanged, or — when it holds
/// the separator, a quote, CR or LF, or begins/ends with a space — wrapped in
/// '"' with inner quotes doubled.
std::string quote_field(std::string_view field, char separator = ',');

/// Streams rows to `out`, one line each, '\n' line ends. Either whole rows
/// (write_row) or field by field (field() … end_row()).
///
///     CsvWriter csv(out);
///     csv.write_row({"run", "time", "value"});
///     csv.field(3).field("ok").field(0.1).end_row();
class CsvWriter {
 public:
  explicit CsvWriter(std::ostream& out, char separator = ',');

  void write_row(const std::vector<std::string>& fields);  ///< quoted as needed

  CsvWriter& field(std::string_view text);  ///< quoted as needed
  CsvWriter& field(const char* text) { return field(std::string_view(text)); }
  CsvWriter& field(const std::string& text) { return field(std::string_view(text)); }
  CsvWriter& field(double value);           ///< format_double
  CsvWriter& field(std::int64_t value);
  CsvWriter& field(int value) { return field(static_cast<std::int64_t>(value)); }
  CsvWriter& field(std::uint64_t value);
  void end_row();

 private:
  std::ostream& out_;
  char separator_;
  bool row_started_ = false;
  void begin_field();
};

/// Writes a CSV file atomically (io/atomic_file.hpp): `body` fills the rows.
void write_csv_file(const std::filesystem::path& path, const std::function<void(CsvWriter&)>& body);

}  // namespace exvivo::io
