#pragma once
// Durable, resumable output of a (possibly sharded) run.
//
// A process computing shard I of N writes its runs in chunks of a fixed number
// of runs (independent of the thread count) under
//   DIR/chunks/shard-I-of-N/chunk-<c>.{timecourses.csv,runs.csv,values.bin}
// with a manifest.json describing the output layout, and a chunk-<c>.check
// (JSON: rows and SHA-256 of each chunk file) that `exvivo merge` verifies.
// Each chunk file is made durable atomically (temporary file + rename) and the
// runs file is renamed last, so a chunk is complete exactly when its runs file
// exists: after a
// kill -9 at any moment, --resume recomputes only incomplete chunks. The final
// tables are assembled from the chunks of one or several shards (assemble.hpp).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace exvivo::sweep {

/// Everything needed to assemble final tables from chunks, without the scenario.
struct OutputLayout {
  std::vector<std::string> listed_donors;  ///< donor ids in file order
  std::size_t cohort_size = 0;             ///< virtual donors after the listed ones (ids cohort_0001, ...)
  std::vector<std::string> arms;
  std::size_t samples_per_arm = 1;
  std::vector<double> times;               ///< sample times, model time unit
  std::vector<bool> before_event;          ///< per sample time: written `24 h-` (just before the events)
  std::vector<std::string> observables;    ///< written observables, in order
  std::vector<std::string> factor_columns; ///< extra runs.csv columns
  bool timecourses = true;
  std::size_t total_runs = 0;
  std::size_t chunk_runs = 256;            ///< runs per chunk (per shard)
  int shard_index = 1, shard_count = 1;
  std::string scenario_sha256, model_sha256, engine_version;

  std::size_t donors() const { return listed_donors.size() + cohort_size; }
  /// Values per run in values.bin: times × observables (time-major).
  std::size_t value_columns() const { return times.size() * observables.size(); }
  /// This shard's runs: r with r mod shard_count == shard_index − 1.
  std::size_t local_runs(int shard) const;
  std::size_t chunks(int shard) const;

  std::string to_json() const;
  /// Throws OptionError naming `file` when the manifest is unreadable.
  static OutputLayout from_json_file(const std::filesystem::path& file);
};

/// Checks every chunk of a shard directory against its layout and check
/// files: present, the runs file holding the expected runs, row counts and
/// SHA-256 of each file as written. Returns one message per problem (empty
/// when the shard is whole); never throws for damaged content.
std::vector<std::string> verify_shard(const std::filesystem::path& shard_dir, const OutputLayout& layout);

class ChunkStore {
 public:
  /// The shard directory DIR/chunks/shard-I-of-N for layout.shard_index.
  ChunkStore(const std::filesystem::path& out_dir, const OutputLayout& layout);

  const std::filesystem::path& dir() const { return dir_; }
  static std::filesystem::path shard_dir(const std::filesystem::path& out_dir, int index, int count);
  std::filesystem::path chunk_file(std::size_t chunk, const char* kind) const;

  /// Starts afresh: removes any previous chunks of this shard, writes the manifest.
  void reset() const;
  /// For --resume: checks that the stored manifest matches this layout (same
  /// scenario, model, runs and chunking); throws OptionError saying what differs.
  void check_resumable() const;
  bool complete(std::size_t chunk) const;

  /// The names of files and folders under DIR/chunks (for io::OutputDir).
  static std::string file_name_pattern();

  /// Writes one chunk durably; `values` holds value_columns() doubles per run.
  void write_chunk(std::size_t chunk, const std::string& timecourses, const std::string& runs,
                   const std::vector<double>& values) const;

 private:
  std::filesystem::path dir_;
  OutputLayout layout_;
};

}  // namespace exvivo::sweep
