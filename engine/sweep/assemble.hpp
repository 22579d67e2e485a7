#pragma once
// Assembling the final tables (DESIGN.md §5) from chunk files: a k-way merge by
// run index of the shards' chunk streams, so one shard, all shards of a
// cluster run (exvivo merge) and an unsharded run give the same bytes.
// Summaries are exact (sorted quantiles) with bounded memory: the values of
// one summary group are read from values.bin in column batches that fit a
// fixed budget, never all runs at once.
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "sweep/chunk_store.hpp"

namespace exvivo::sweep {

struct ShardInput {
  std::filesystem::path dir;  ///< DIR/chunks/shard-I-of-N
  OutputLayout layout;
};

struct AssembleCounts {
  std::size_t runs = 0, ok = 0, failed = 0;
  std::vector<std::string> first_failures;  ///< runs.csv rows of the first failed runs
  static constexpr std::size_t max_listed_failures = 20;
};

/// Writes runs.csv, summary.csv and (if layout.timecourses) timecourses.csv in
/// out_dir, each atomically. All shards must share one layout (apart from
/// shard_index). Throws OptionError when a chunk is missing.
AssembleCounts assemble_outputs(const std::vector<ShardInput>& shards, const std::filesystem::path& out_dir,
                                std::size_t memory_budget_bytes = 32u << 20);

/// timecourses.csv header: `side` is "-" for a sample written `24 h-` (just
/// before the events at that time) and empty otherwise.
std::vector<std::string> timecourses_header();

/// runs.csv header for a layout.
std::vector<std::string> runs_header(const OutputLayout& layout);

}  // namespace exvivo::sweep
