#include "sweep/chunk_store.hpp"

#include <fstream>
#include <sstream>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "io/atomic_file.hpp"

namespace exvivo::sweep {

namespace fs = std::filesystem;

std::size_t OutputLayout::local_runs(int shard) const {
  const auto first = static_cast<std::size_t>(shard - 1);
  const auto n = static_cast<std::size_t>(shard_count);
  return total_runs > first ? (total_runs - first + n - 1) / n : 0;
}

std::size_t OutputLayout::chunks(int shard) const { return (local_runs(shard) + chunk_runs - 1) / chunk_runs; }

std::string OutputLayout::to_json() const {
  nlohmann::ordered_json j;
  j["listed_donors"] = listed_donors;
  j["cohort_size"] = cohort_size;
  j["arms"] = arms;
  j["samples_per_arm"] = samples_per_arm;
  j["times"] = times;
  j["observables"] = observables;
  j["factor_columns"] = factor_columns;
  j["timecourses"] = timecourses;
  j["total_runs"] = total_runs;
  j["chunk_runs"] = chunk_runs;
  j["shard_index"] = shard_index;
  j["shard_count"] = shard_count;
  j["scenario_sha256"] = scenario_sha256;
  j["model_sha256"] = model_sha256;
  j["engine_version"] = engine_version;
  return j.dump(1);
}

OutputLayout OutputLayout::from_json_file(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw OptionError(SourceLocation{file.string(), 0, 0}, "", "cannot read the shard manifest");
  try {
    const auto j = nlohmann::json::parse(in);
    OutputLayout l;
    j.at("listed_donors").get_to(l.listed_donors);
    j.at("cohort_size").get_to(l.cohort_size);
    j.at("arms").get_to(l.arms);
    j.at("samples_per_arm").get_to(l.samples_per_arm);
    j.at("times").get_to(l.times);
    j.at("observables").get_to(l.observables);
    j.at("factor_columns").get_to(l.factor_columns);
    j.at("timecourses").get_to(l.timecourses);
    j.at("total_runs").get_to(l.total_runs);
    j.at("chunk_runs").get_to(l.chunk_runs);
    j.at("shard_index").get_to(l.shard_index);
    j.at("shard_count").get_to(l.shard_count);
    j.at("scenario_sha256").get_to(l.scenario_sha256);
    j.at("model_sha256").get_to(l.model_sha256);
    j.at("engine_version").get_to(l.engine_version);
    return l;
  } catch (const nlohmann::json::exception& e) {
    throw OptionError(SourceLocation{file.string(), 0, 0}, "", fmt::format("corrupt shard manifest: {}", e.what()));
  }
}

fs::path ChunkStore::shard_dir(const fs::path& out_dir, int index, int count) {
  return out_dir / "chunks" / fmt::format("shard-{}-of-{}", index, count);
}

ChunkStore::ChunkStore(const fs::path& out_dir, const OutputLayout& layout)
    : dir_(shard_dir(out_dir, layout.shard_index, layout.shard_count)), layout_(layout) {}

fs::path ChunkStore::chunk_file(std::size_t chunk, const char* kind) const {
  return dir_ / fmt::format("chunk-{:06d}.{}", chunk, kind);
}

void ChunkStore::reset() const {
  fs::remove_all(dir_);
  fs::create_directories(dir_);
  io::write_file_atomically(dir_ / "manifest.json", layout_.to_json());
}

void ChunkStore::check_resumable() const {
  const fs::path manifest = dir_ / "manifest.json";
  if (!fs::exists(manifest)) {
    reset();  // nothing to resume: start afresh
    return;
  }
  const OutputLayout old = OutputLayout::from_json_file(manifest);
  auto differs = [&](const char* what) {
    throw OptionError(SourceLocation{}, "--resume",
                      fmt::format("cannot resume in '{}': the {} changed since the interrupted run; run without "
                                  "--resume to start afresh",
                                  dir_.parent_path().parent_path().string(), what));
  };
  if (old.scenario_sha256 != layout_.scenario_sha256) differs("scenario file");
  if (old.model_sha256 != layout_.model_sha256) differs("model file");
  if (old.engine_version != layout_.engine_version) differs("engine version");
  if (old.to_json() != layout_.to_json()) differs("run layout");
}

bool ChunkStore::complete(std::size_t chunk) const { return fs::exists(chunk_file(chunk, "runs.csv")); }

void ChunkStore::write_chunk(std::size_t chunk, const std::string& timecourses, const std::string& runs,
                             const std::vector<double>& values) const {
  if (layout_.timecourses) io::write_file_atomically(chunk_file(chunk, "timecourses.csv"), timecourses);
  io::write_file_atomically(chunk_file(chunk, "values.bin"), [&](std::ostream& out) {
    out.write(reinterpret_cast<const char*>(values.data()), static_cast<std::streamsize>(values.size() * sizeof(double)));
  });
  io::write_file_atomically(chunk_file(chunk, "runs.csv"), runs);  // last: marks the chunk complete
}

}  // namespace exvivo::sweep
