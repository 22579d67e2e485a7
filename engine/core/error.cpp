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
