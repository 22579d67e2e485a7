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

/// ISO 8601 UTC time stamp, "2026-11-24T23:51:36Z" (run.json, fit.json, analysis.json).
std::string utc_timestamp(std::chrono::system_clock::time_point t);

}  // namespace exvivo
