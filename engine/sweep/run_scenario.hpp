#pragma once
// run_scenario: every run of a scenario, in parallel (TBB), written as the tidy
// tables of DESIGN.md §5. Runs are solved in chunks; within a chunk in
// parallel, and each chunk is written in run order, so the output bytes do not
// depend on the thread count. A failing run is recorded with its status and
// message; the others go on.
#include <cstddef>
#include <string>
#include <vector>

#include "core/reporter.hpp"
#include "scenario/scenario.hpp"

namespace exvivo::sweep {

struct RunOptions {
  std::string out_dir;          ///< "" = the scenario's output.dir
  int threads = 0;              ///< 0 = all cores
  int shard_index = 1;          ///< 1-based: this process computes runs r with r mod shard_count == shard_index-1
  int shard_count = 1;
  bool resume = false;          ///< keep the complete chunks of an interrupted run with the same layout
  Reporter* reporter = nullptr;  ///< where progress goes (core/reporter.hpp); nullptr: nowhere
  std::size_t chunk_runs = 256; ///< runs per durable chunk (part of the layout; not the thread count)
  /// Stop after computing this many chunks, leaving the output as a kill would
  /// (for tests of --resume); 0 = no limit.
  std::size_t stop_after_chunks = 0;

  /// Throws OptionError naming the bad flag.
  void validate() const;
};

struct RunReport {
  std::size_t runs = 0;         ///< runs computed by this process
  std::size_t ok = 0;
  std::size_t failed = 0;
  std::size_t chunks_computed = 0;  ///< chunks solved by this call (resumed ones excluded)
  bool interrupted = false;         ///< stopped by stop_after_chunks; nothing assembled
  bool already_complete = false;    ///< --resume found this computation's finished results: nothing done
  double wall_seconds = 0;
  std::string out_dir;
  /// "run <runs.csv row>" for the first failures (at most AssembleCounts::max_listed_failures).
  std::vector<std::string> failures;
};

/// The output directory is owned as io/output_dir.hpp says: a directory of
/// another computation or with files exvivo did not write is refused
/// (OptionError) before anything is computed.
RunReport run_scenario(const scenario::Scenario& scenario, const RunOptions& options);

/// exvivo merge: assembles the shard directories written by `run --shard I/N`
/// (all N of them, any order) into out_dir, byte-identical to an unsharded run
/// apart from wall-clock columns. Every chunk of every shard is checked first
/// (present, row counts and SHA-256 as recorded when it was written); when any
/// shard is missing, duplicated, incomplete, damaged or from another scenario,
/// throws OptionError listing every problem, and writes nothing.
RunReport merge_shards(const std::vector<std::string>& shard_dirs, const std::string& out_dir);

}  // namespace exvivo::sweep
