#pragma once
// Error vocabulary of exvivo.
//
// Two failure channels (STYLE.md §4):
//  * bad input throws one of the Error subclasses below; the message always
//    names where the problem is (file:line:col and/or a key path), what was
//    expected and, where one exists, a suggestion. The CLI maps Error to exit 2.
//  * numerical failure never throws: solve() returns a Solution with a status.
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace exvivo {

/// A position in an input file. line and column are 1-based; 0 means unknown.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;

  /// "file:line:col", "file:line", "file" or "" depending on what is known.
  std::string str() const;
};

/// Base of every input error. what() is the full, user-facing message.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
  /// Builds "file:line:col: key.path: what (did you mean 'x'?)"; empty parts are left out.
  Error(const SourceLocation& where, std::string_view key_path, std::string_view what,
        std::string_view suggestion = {});
};

class ModelError : public Error { using Error::Error; };     ///< model files
class ScenarioError : public Error { using Error::Error; };  ///< scenario, fit and analysis files
class DataError : public Error { using Error::Error; };      ///< measurement tables
class UnitError : public Error { using Error::Error; };      ///< unit strings and conversions
class OptionError : public Error { using Error::Error; };    ///< command-line flags, option structs

/// Formats the standard message shape used by Error's located constructor.
std::string format_error(const SourceLocation& where, std::string_view key_path,
                         std::string_view what, std::string_view suggestion = {});

/// The candidate closest to `name` by edit distance (case-insensitive), or ""
/// when none is close enough to be a plausible typo.
std::string closest_match(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace exvivo
