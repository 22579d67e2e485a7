#include "io/csv_writer.hpp"

#include "io/atomic_file.hpp"

#include <cmath>

#include <fmt/format.h>

namespace exvivo::io {

std::string format_double(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Inf" : "-Inf";
  return fmt::format("{:.17g}", value);
}

std::string quote_field(std::string_view field, char separator) {
  const bool needs_quotes =
      field.find_first_of(std::string{separator, '"', '\r', '\n'}) != std::string_view::npos ||
      (!field.empty() && (field.front() == ' ' || field.back() == ' '));
  if (!needs_quotes) return std::string(field);
  std::string quoted = "\"";
  for (char c : field) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

CsvWriter::CsvWriter(std::ostream& out, char separator) : out_(out), separator_(separator) {}

void CsvWriter::begin_field() {
  if (row_started_) out_ << separator_;
  row_started_ = true;
}

void CsvWriter::write_row(const std::vector<std::string>& fields) {
  for (const auto& f : fields) field(std::string_view(f));
  end_row();
}

CsvWriter& CsvWriter::field(std::string_view text) {
  begin_field();
  out_ << quote_field(text, separator_);
  return *this;
}

CsvWriter& CsvWriter::field(double value) {
  begin_field();
  out_ << format_double(value);
  return *this;
}

CsvWriter& CsvWriter::field(std::int64_t value) {
  begin_field();
  out_ << fmt::format("{}", value);
  return *this;
}

CsvWriter& CsvWriter::field(std::uint64_t value) {
  begin_field();
  out_ << fmt::format("{}", value);
  return *this;
}

void CsvWriter::end_row() {
  out_ << '\n';
  row_started_ = false;
}

void write_csv_file(const std::filesystem::path& path, const std::function<void(CsvWriter&)>& body) {
  write_file_atomically(path, [&](std::ostream& out) {
    CsvWriter csv(out);
    body(csv);
  });
}

}  // namespace exvivo::io
