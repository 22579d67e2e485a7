#pragma once
// run_scenario: every run of a scenario, in parallel (TBB), written as the tidy
// tables of DESIGN.md §5. Runs are solved in chunks; within a chunk in
// parallel, and each chunk is written in run order, so the output bytes do not
// depend on the thread count. A failing run is recorded with its status and
// message; the others go on.
#include <cstddef>
#include <string>
#include <vector>

#include "scenario/scenario.hpp"

namespace exvivo::sweep {

struct RunOptions {
  std::string out_dir;          ///< "" = the scenario's output.dir
  int threads = 0;              ///< 0 = all cores
  int shard_index = 1;          ///< 1-based: this process computes runs r with r mod shard_count == shard_index-1
  int shard_count = 1;
  bool quiet = false;           ///< no progress on stderr

  /// Throws OptionError naming the bad flag.
  void validate() const;
};

struct RunReport {
  std::size_t runs = 0;         ///< runs computed by this process
  std::size_t ok = 0;
  std::size_t failed = 0;
  double wall_seconds = 0;
  std::string out_dir;
  /// "run 12 (donor septic, arm gmcsf): max_steps: At t = …" for the first failures.
  std::vector<std::string> failures;
  static constexpr std::size_t max_listed_failures = 20;
};

RunReport run_scenario(const scenario::Scenario& scenario, const RunOptions& options);

}  // namespace exvivo::sweep
