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

#include "core/names.hpp"  // closest_match, for the suggestions of messages

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

/// A failure of the environment rather than of the input: the disk is full,
/// permission is denied, the file system is read-only, the output directory is
/// in use by another process. what() says what was attempted on which path and
/// the operating system's own reason (strerror of the real errno). The CLI maps
/// it to exit 4, or to exit 2 when the errno says the path itself is wrong
/// (a directory where a file is expected, a missing parent): see is_bad_path().
class EnvironmentError : public std::runtime_error {
 public:
  /// "what 'path': strerror(err)".
  EnvironmentError(std::string_view what, std::string_view path, int err);
  /// A message composed by the caller; `err` 0 when there is no errno.
  EnvironmentError(const std::string& message, int err) : std::runtime_error(message), errno_(err) {}
  int error_number() const { return errno_; }
  /// True for errnos that mean the path names the wrong thing (ENOTDIR,
  /// EISDIR, ENOENT, EEXIST, ENAMETOOLONG, ELOOP, ENXIO): bad input, exit 2.
  bool is_bad_path() const;

 private:
  int errno_ = 0;
};

/// Formats the standard message shape used by Error's located constructor.
std::string format_error(const SourceLocation& where, std::string_view key_path,
                         std::string_view what, std::string_view suggestion = {});

/// How many errors of one file `exvivo check` and the loaders report at once.
inline constexpr std::size_t max_reported_errors = 20;

/// Several errors of one file as one message, one per line, with a closing
/// count ("(3 errors)", or a note that there may be more once
/// max_reported_errors are listed). `errors` must not be empty.
std::string combine_errors(const std::vector<std::string>& errors);

}  // namespace exvivo
