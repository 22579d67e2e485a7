#pragma once
// The provenance record of a computation: run.json (exvivo run and exvivo
// merge), fit.json and analysis.json open with the same keys in the same
// order, written by this one function.
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace exvivo::io {

/// One input of the computation. `role` names its keys: "<role>_file" (when
/// `path` is not empty; invalid UTF-8 escaped) and "<role>_sha256".
struct ProvenanceInput {
  std::string role;  ///< "scenario", "model", "fit", "data", "analysis"
  std::string path;
  std::string sha256;  ///< hex digest of the file's bytes
};

struct Provenance {
  std::string command;  ///< the record's first key: "scenario", "fit" or "analysis"
  std::string name;     ///< its value: the name in the input file
  std::vector<ProvenanceInput> inputs;
  int threads = 0;  ///< as asked for (0 = all cores)
  std::chrono::system_clock::time_point start;
  double wall_seconds = 0;
};

/// The record, keys in this order: <command>: name, engine_version,
/// git_revision, <role>_file and <role>_sha256 for each input in the order
/// given, threads, start_time, end_time (now), wall_seconds; then the keys of
/// `details` in their order (a key of `details` already written is an error:
/// std::logic_error).
nlohmann::ordered_json provenance_record(const Provenance& provenance, const nlohmann::ordered_json& details);

/// provenance_record written atomically to `file` (two-space indent, a final
/// newline); throws EnvironmentError when it cannot be written.
void write_provenance(const std::filesystem::path& file, const Provenance& provenance,
                      const nlohmann::ordered_json& details);

}  // namespace exvivo::io
