#pragma once
// Writing a file so that readers never see it half-written: the content goes
// to "<path>.tmp-<pid>" in the same directory, which is then renamed over
// `path` (atomic on POSIX file systems). Used for run.json and for the chunks
// of resumable output. Atomic against the process being killed, not against
// power loss (no fsync). One process must not write the same path from two
// threads at once: they would share the temporary name.
#include <filesystem>
#include <functional>
#include <ostream>
#include <string_view>

namespace exvivo::io {

/// Calls write(stream) on the temporary file, flushes and closes it, then
/// renames it to `path`. On any failure (cannot create, write, close or
/// rename) the temporary file is removed and EnvironmentError is thrown naming
/// the path and the operating system's reason (the errno of the failed call,
/// e.g. "No space left on device"); exceptions from `write` propagate after
/// the cleanup.
/// The directory of `path` must exist.
void write_file_atomically(const std::filesystem::path& path,
                           const std::function<void(std::ostream&)>& write);

/// write_file_atomically with fixed content.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

/// The temporary name used for `path` by this process: "<path>.tmp-<pid>".
std::filesystem::path temporary_path_for(const std::filesystem::path& path);

}  // namespace exvivo::io
