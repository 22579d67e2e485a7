#pragma once
// Small text helpers shared by the readers of numbers, quantities and tables.
#include <cctype>
#include <chrono>
#include <string>
#include <string_view>

namespace exvivo {

/// `s` without leading and trailing white space.
inline std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

/// ASCII case-insensitive equality.
inline bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

/// `s` when it is valid UTF-8; otherwise each byte that is not part of a valid
/// UTF-8 sequence is written as the four characters "\xNN" (for paths in
/// JSON records, which must be UTF-8; file names on Linux may hold any byte).
std::string utf8_or_escaped(std::string_view s);

/// ISO 8601 UTC time stamp, "2026-11-24T23:51:36Z" (run.json, fit.json, analysis.json).
std::string utc_timestamp(std::chrono::system_clock::time_point t);

}  // namespace exvivo
