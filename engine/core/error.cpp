#include "core/error.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

namespace exvivo {

std::string SourceLocation::str() const {
  if (file.empty() && line == 0) return {};
  std::string s = file.empty() ? std::string("<input>") : file;
  if (line > 0) {
    s += ':' + std::to_string(line);
    if (column > 0) s += ':' + std::to_string(column);
  }
  return s;
}

std::string format_error(const SourceLocation& where, std::string_view key_path,
                         std::string_view what, std::string_view suggestion) {
  std::string msg;
  const std::string loc = where.str();
  if (!loc.empty()) msg += loc + ": ";
  if (!key_path.empty()) {
    msg += key_path;
    msg += ": ";
  }
  msg += what;
  if (!suggestion.empty()) {
    msg += " (did you mean '";
    msg += suggestion;
    msg += "'?)";
  }
  return msg;
}

Error::Error(const SourceLocation& where, std::string_view key_path, std::string_view what,
             std::string_view suggestion)
    : std::runtime_error(format_error(where, key_path, what, suggestion)) {}

EnvironmentError::EnvironmentError(std::string_view what, std::string_view path, int err)
    : std::runtime_error(std::string(what) + " '" + std::string(path) + "': " + std::strerror(err)), errno_(err) {}

bool EnvironmentError::is_bad_path() const {
  switch (errno_) {
    case ENOTDIR: case EISDIR: case ENOENT: case EEXIST: case ENAMETOOLONG: case ELOOP: case ENXIO: return true;
    default: return false;
  }
}

namespace {
std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Optimal string alignment distance: insertions, deletions, substitutions and
  // transpositions of neighbouring characters each cost 1; case is ignored.
  auto lower = [](char c) { return std::tolower(static_cast<unsigned char>(c)); };
  const std::size_t n = b.size();
  std::vector<std::size_t> two_back(n + 1), prev(n + 1), cur(n + 1);
  for (std::size_t j = 0; j <= n; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= n; ++j) {
      const std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1]))
        cur[j] = std::min(cur[j], two_back[j - 2] + 1);
    }
    std::swap(two_back, prev);
    std::swap(prev, cur);
  }
  return prev[n];
}
}  // namespace

std::string closest_match(std::string_view name, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = std::string::npos;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(name, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  // Plausible typo: at most a third of the name's characters wrong (at least 1, at most 3).
  const std::size_t limit = std::clamp<std::size_t>(name.size() / 3, 1, 3);
  return best_d <= limit ? best : std::string();
}

std::string combine_errors(const std::vector<std::string>& errors) {
  std::string text = errors.front();
  for (std::size_t i = 1; i < errors.size(); ++i) text += "\n" + errors[i];
  if (errors.size() > 1)
    text += errors.size() >= max_reported_errors
                ? fmt::format("\n({} errors shown; there may be more: fix these and check again)", errors.size())
                : fmt::format("\n({} errors)", errors.size());
  return text;
}

}  // namespace exvivo
