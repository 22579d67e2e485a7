#pragma once
// Reading an input file (model, scenario, fit, analysis, measurement table)
// with its limits checked before any parsing: the path must name a regular
// file (a directory, FIFO, socket or device such as /dev/zero is refused at
// once, without reading or blocking) of at most a given size.
#include <cstdint>
#include <functional>
#include <string>

namespace exvivo::io {

/// Size limits of input files. Far above any real file (the leukocyte model is
/// a few tens of kB); they keep a mistaken path to a data dump from exhausting
/// memory or time in the parsers.
inline constexpr std::uintmax_t max_yaml_file_bytes = 16u << 20;   ///< model, scenario, fit, analysis
inline constexpr std::uintmax_t max_table_file_bytes = 256u << 20; ///< measurement tables

/// The whole content of `path`. Bad input — missing file, not a regular file,
/// larger than max_bytes — calls fail(message), which must throw (the caller's
/// Error subclass, located at the file); a failure of the operating system
/// while reading (permission denied, I/O error) throws EnvironmentError.
std::string read_input_file(const std::string& path, std::uintmax_t max_bytes,
                            const std::function<void(const std::string&)>& fail);

/// "a directory", "a FIFO (named pipe)", "a character device", ... for the
/// st_mode of a file that is not regular.
std::string describe_file_kind(unsigned mode);

}  // namespace exvivo::io
