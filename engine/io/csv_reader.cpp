#include "io/csv_reader.hpp"

#include "io/input_file.hpp"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "core/number.hpp"

namespace exvivo::io {

namespace {

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string s;
  for (std::size_t i = 0; i < names.size(); ++i) s += (i ? ", " : "") + names[i];
  return s;
}

// Tab, comma or semicolon: whichever occurs most on the header line outside quotes.
char detect_separator(std::string_view content, const std::string& file_name) {
  std::size_t tabs = 0, commas = 0, semicolons = 0;
  bool in_quotes = false;
  for (char c : content) {
    if (c == '"') in_quotes = !in_quotes;
    if (in_quotes) continue;
    if (c == '\n' || c == '\r') break;
    tabs += c == '\t';
    commas += c == ',';
    semicolons += c == ';';
  }
  if (tabs == 0 && commas == 0 && semicolons == 0) {
    const auto ends_with = [&](std::string_view suffix) {
      return file_name.size() >= suffix.size() &&
             file_name.compare(file_name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    return ends_with(".tsv") || ends_with(".tab") ? '\t' : ',';
  }
  if (tabs >= commas && tabs >= semicolons) return '\t';
  return commas >= semicolons ? ',' : ';';
}

struct Record {
  std::vector<std::string> fields;
  int line = 0;
  bool blank = false;  // one empty unquoted field: an empty line
};

// RFC 4180 records from `content`, tracking the line each starts on.
class RecordScanner {
 public:
  RecordScanner(std::string_view content, char separator, const std::string& file)
      : s_(content), sep_(separator), file_(file) {}

  bool next(Record& record) {
    if (pos_ >= s_.size()) return false;
    record = Record{};
    record.line = line_;
    bool any_quoted = false;
    std::string field;
    int column = 1;
    for (;;) {
      if (pos_ < s_.size() && s_[pos_] == '"') {
        any_quoted = true;
        const int open_line = line_;
        ++pos_;
        for (;;) {
          if (pos_ >= s_.size())
            throw DataError(SourceLocation{file_, open_line, column}, "",
                            "unterminated quoted field");
          const char c = s_[pos_++];
          if (c == '"') {
            if (pos_ < s_.size() && s_[pos_] == '"') {
              field += '"';
              ++pos_;
            } else {
              break;
            }
          } else {
            if (c == '\n') ++line_;
            field += c;
          }
        }
        if (pos_ < s_.size() && s_[pos_] != sep_ && s_[pos_] != '\n' && s_[pos_] != '\r')
          throw DataError(SourceLocation{file_, line_, column}, "",
                          "unexpected text after the closing quote of a field");
      } else {
        while (pos_ < s_.size() && s_[pos_] != sep_ && s_[pos_] != '\n' && s_[pos_] != '\r')
          field += s_[pos_++];
      }
      record.fields.push_back(std::move(field));
      field.clear();
      if (pos_ < s_.size() && s_[pos_] == sep_) {
        ++pos_;
        ++column;
        continue;
      }
      // End of record: "\r\n", "\n", "\r" or end of input.
      if (pos_ < s_.size() && s_[pos_] == '\r') ++pos_;
      if (pos_ < s_.size() && s_[pos_] == '\n') ++pos_;
      ++line_;
      break;
    }
    record.blank = !any_quoted && record.fields.size() == 1 &&
                   trim_spaces(record.fields.front()).empty();
    return true;
  }

 private:
  std::string_view s_;
  char sep_;
  const std::string& file_;
  std::size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

std::optional<std::size_t> CsvTable::find_column(std::string_view name) const {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  return std::nullopt;
}

std::size_t CsvTable::column(std::string_view name) const {
  if (auto i = find_column(name)) return *i;
  throw DataError(SourceLocation{file, header_line, 0}, "", "no column '" + std::string(name) + "'",
                  closest_match(name, header));
}

void CsvTable::require_columns(const std::vector<std::string>& names) const {
  std::vector<std::string> missing;
  for (const auto& name : names) {
    if (has_column(name)) continue;
    std::string item = "'" + name + "'";
    if (const std::string close = closest_match(name, header); !close.empty())
      item += " (did you mean '" + close + "'?)";
    missing.push_back(item);
  }
  if (missing.empty()) return;
  std::string list;
  for (std::size_t i = 0; i < missing.size(); ++i) {
    if (i > 0) list += i + 1 == missing.size() ? " and " : ", ";
    list += missing[i];
  }
  throw DataError(SourceLocation{file, header_line, 0}, "",
                  std::string(missing.size() == 1 ? "missing required column " : "missing required columns ") +
                      list + "; the header has: " + quoted_list(header));
}

const std::string& CsvTable::get(std::size_t row, std::size_t column_index) const {
  return rows.at(row).at(column_index);
}

const std::string& CsvTable::get(std::size_t row, std::string_view column_name) const {
  return get(row, column(column_name));
}

double CsvTable::get_double(std::size_t row, std::size_t column_index) const {
  const std::string& text = get(row, column_index);
  const std::optional<double> value = parse_double(text);
  const std::string key = "column '" + header.at(column_index) + "'";
  if (!value)
    throw DataError(location(row, column_index), key, "expected a number, got '" + text + "'");
  if (!std::isfinite(*value))
    throw DataError(location(row, column_index), key,
                    "expected a finite number, got '" + text + "'");
  return *value;
}

double CsvTable::get_double(std::size_t row, std::string_view column_name) const {
  return get_double(row, column(column_name));
}

bool CsvTable::is_missing(std::size_t row, std::size_t column_index) const {
  const std::string_view text = trim_spaces(get(row, column_index));
  return text.empty() || text == "NA" || text == "NaN" || text == "nan" || text == "null";
}

bool CsvTable::is_missing(std::size_t row, std::string_view column_name) const {
  return is_missing(row, column(column_name));
}

std::optional<double> CsvTable::get_optional_double(std::size_t row, std::size_t column_index) const {
  if (is_missing(row, column_index)) return std::nullopt;
  return get_double(row, column_index);
}

std::optional<double> CsvTable::get_optional_double(std::size_t row,
                                                    std::string_view column_name) const {
  return get_optional_double(row, column(column_name));
}

SourceLocation CsvTable::location(std::size_t row, std::size_t column_index) const {
  return SourceLocation{file, row_lines.at(row), static_cast<int>(column_index) + 1};
}

CsvTable read_csv(std::istream& in, std::string file_name) {
  std::string content{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  CsvTable table;
  table.file = std::move(file_name);
  std::string_view text = content;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  table.separator = detect_separator(text, table.file);

  RecordScanner scanner(text, table.separator, table.file);
  Record record;
  bool have_header = false;
  while (scanner.next(record)) {
    if (record.blank) continue;
    if (!have_header) {
      have_header = true;
      table.header_line = record.line;
      for (std::size_t i = 0; i < record.fields.size(); ++i) {
        const std::string name(trim_spaces(record.fields[i]));
        const SourceLocation where{table.file, record.line, static_cast<int>(i) + 1};
        if (name.empty()) throw DataError(where, "", "empty column name in the header");
        if (auto previous = table.find_column(name))
          throw DataError(where, "",
                          "duplicate column '" + name + "' (also column " +
                              std::to_string(*previous + 1) + ")");
        table.header.push_back(name);
      }
      continue;
    }
    if (record.fields.size() != table.header.size())
      throw DataError(SourceLocation{table.file, record.line, 0}, "",
                      "expected " + std::to_string(table.header.size()) +
                          " fields like the header, got " + std::to_string(record.fields.size()));
    table.rows.push_back(std::move(record.fields));
    table.row_lines.push_back(record.line);
  }
  if (!have_header) throw DataError(SourceLocation{table.file}, "", "empty table: no header line");
  return table;
}

CsvTable read_csv_file(const std::filesystem::path& path) {
  std::istringstream in(read_input_file(path.string(), max_table_file_bytes, [&](const std::string& what) {
    throw DataError(SourceLocation{path.string()}, "", what);
  }));
  return read_csv(in, path.string());
}

}  // namespace exvivo::io
