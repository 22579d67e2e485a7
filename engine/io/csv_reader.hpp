#pragma once
// Reading CSV/TSV tables (measurement tables, merged outputs).
//
// Format: RFC 4180 with the separator detected from the header line (tab,
// comma or semicolon, whichever occurs most outside quotes; a one-column
// header uses tab for *.tsv/*.tab files, comma otherwise). Fields may be
// quoted with '"' ("" is a literal quote; quoted fields may hold separators
// and newlines). CRLF line ends and a UTF-8 byte-order mark are accepted.
// Blank lines are skipped. Every row must have as many fields as the header.
//
// Every error is a DataError located at file:line:column, the line being the
// line in the file where the row starts (the header is line 1) and the column
// the 1-based field number:
//
//     data.tsv:12:3: column 'measurement': expected a number, got 'abc'
#include <cstddef>
#include <filesystem>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace exvivo::io {

class CsvTable {
 public:
  std::string file;                             ///< name used in messages
  char separator = ',';
  std::vector<std::string> header;              ///< column names, trimmed of surrounding spaces
  int header_line = 1;                          ///< file line of the header (after blank lines)
  std::vector<std::vector<std::string>> rows;   ///< data rows, header excluded
  std::vector<int> row_lines;                   ///< file line where each row starts

  std::size_t row_count() const { return rows.size(); }

  /// Index of column `name`, or nullopt.
  std::optional<std::size_t> find_column(std::string_view name) const;
  bool has_column(std::string_view name) const { return find_column(name).has_value(); }
  /// Index of column `name`; throws DataError "file:1: no column 'x' (did you
  /// mean 'y'?)" when absent (located at the header line).
  std::size_t column(std::string_view name) const;

  /// Throws one DataError listing every missing column, each with a
  /// suggestion when a header name is close, and the header found:
  /// "data.tsv:1: missing required columns 'measurement' (did you mean
  /// 'measurment'?) and 'time'; the header has: donor, arm, measurment".
  void require_columns(const std::vector<std::string>& names) const;

  /// Raw field text (as read, not trimmed).
  const std::string& get(std::size_t row, std::string_view column_name) const;
  const std::string& get(std::size_t row, std::size_t column_index) const;

  /// The field as a finite number (surrounding spaces ignored). Throws
  /// DataError "file:line:col: column 'x': expected a number, got 'abc'" or
  /// "… expected a finite number, got 'inf'".
  double get_double(std::size_t row, std::string_view column_name) const;
  double get_double(std::size_t row, std::size_t column_index) const;

  /// True when the field is empty (after trimming spaces) or one of NA, NaN, nan, null.
  bool is_missing(std::size_t row, std::string_view column_name) const;
  bool is_missing(std::size_t row, std::size_t column_index) const;
  /// nullopt for a missing field (see is_missing), otherwise get_double.
  std::optional<double> get_optional_double(std::size_t row, std::string_view column_name) const;
  std::optional<double> get_optional_double(std::size_t row, std::size_t column_index) const;

  /// Location of a field, for callers raising their own errors about it.
  SourceLocation location(std::size_t row, std::size_t column_index) const;
};

/// Reads a table from a stream; `file_name` is used in messages only. Throws
/// DataError for an empty input, an unterminated quote, text after a closing
/// quote, a row with the wrong number of fields, empty or duplicate column names.
CsvTable read_csv(std::istream& in, std::string file_name);

/// Reads a table from a file; the file name in messages is `path` as given.
/// Throws DataError "path: cannot open: No such file or directory" when unreadable.
CsvTable read_csv_file(const std::filesystem::path& path);

}  // namespace exvivo::io
