#include "sweep/chunk_store.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <optional>
#include <sstream>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/sha256.hpp"

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
  j["before_event"] = before_event;
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
  std::error_code ec;
  if (!fs::is_regular_file(file, ec))  // a FIFO here would block the reader
    throw OptionError(SourceLocation{file.string(), 0, 0}, "", "the shard manifest is not a regular file");
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
    j.at("before_event").get_to(l.before_event);
    if (l.before_event.size() != l.times.size() || l.chunk_runs < 1 || l.shard_count < 1 || l.shard_index < 1 ||
        l.shard_index > l.shard_count)
      throw OptionError(SourceLocation{file.string(), 0, 0}, "", "corrupt shard manifest: inconsistent layout");
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

std::string ChunkStore::file_name_pattern() {
  return R"((shard-[0-9]+-of-[0-9]+|manifest\.json|chunk-[0-9]+\.(timecourses\.csv|runs\.csv|values\.bin|check))(\.tmp-[0-9]+)?)";
}

namespace {

std::size_t count_lines(std::string_view text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace

void ChunkStore::write_chunk(std::size_t chunk, const std::string& timecourses, const std::string& runs,
                             const std::vector<double>& values) const {
  const std::string_view value_bytes(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(double));
  nlohmann::ordered_json check;
  check["runs"] = count_lines(runs);
  check["runs_sha256"] = io::sha256_hex(runs);
  if (layout_.timecourses) {
    check["timecourses_rows"] = count_lines(timecourses);
    check["timecourses_sha256"] = io::sha256_hex(timecourses);
  }
  check["values_bytes"] = value_bytes.size();
  check["values_sha256"] = io::sha256_hex(value_bytes);
  io::write_file_atomically(chunk_file(chunk, "check"), check.dump(1) + "\n");
  if (layout_.timecourses) io::write_file_atomically(chunk_file(chunk, "timecourses.csv"), timecourses);
  io::write_file_atomically(chunk_file(chunk, "values.bin"), value_bytes);
  io::write_file_atomically(chunk_file(chunk, "runs.csv"), runs);  // last: marks the chunk complete
}

namespace {

/// The whole content of a chunk file, or nullopt when it cannot be read.
std::optional<std::string> slurp(const fs::path& p) {
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return std::nullopt;
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The run index that begins each line of a runs or timecourses chunk, checked.
bool runs_in_order(const std::string& text, const std::vector<std::size_t>& expected_runs, bool one_line_each) {
  std::size_t pos = 0, k = 0;
  std::size_t previous = SIZE_MAX;
  while (pos < text.size()) {
    const std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) return false;  // a cut line
    std::size_t run = 0;
    const auto [p, err] = std::from_chars(text.data() + pos, text.data() + end, run);
    if (err != std::errc() || p == text.data() + end || *p != ',') return false;
    if (run != previous) {
      if (!one_line_each)  // runs that failed early have no rows here
        while (k < expected_runs.size() && expected_runs[k] != run) ++k;
      if (k >= expected_runs.size() || run != expected_runs[k]) return false;
      ++k;
    } else if (one_line_each) {
      return false;
    }
    previous = run;
    pos = end + 1;
  }
  return one_line_each ? k == expected_runs.size() : k <= expected_runs.size();
}

}  // namespace

std::vector<std::string> verify_shard(const fs::path& shard_dir, const OutputLayout& l) {
  std::vector<std::string> problems;
  const std::string shard = fmt::format("shard {}/{} in '{}'", l.shard_index, l.shard_count, shard_dir.string());
  const std::size_t local = l.local_runs(l.shard_index), n_chunks = l.chunks(l.shard_index);
  std::vector<std::size_t> missing;
  for (std::size_t c = 0; c < n_chunks; ++c) {
    auto file = [&](const char* kind) { return shard_dir / fmt::format("chunk-{:06d}.{}", c, kind); };
    const auto runs = slurp(file("runs.csv"));
    if (!runs) {
      missing.push_back(c);
      continue;
    }
    auto damaged = [&](const std::string& what) {
      problems.push_back(fmt::format("{}: chunk {} is damaged: {}", shard, c, what));
    };
    const auto check_text = slurp(file("check"));
    const auto check = check_text ? nlohmann::json::parse(*check_text, nullptr, false) : nlohmann::json();
    if (!check.is_object()) {
      damaged("its check file (row counts and SHA-256) is missing or unreadable");
      continue;
    }
    const std::size_t first = c * l.chunk_runs, count = std::min(l.chunk_runs, local - first);
    std::vector<std::size_t> expected;
    for (std::size_t i = 0; i < count; ++i)
      expected.push_back((first + i) * static_cast<std::size_t>(l.shard_count) + static_cast<std::size_t>(l.shard_index - 1));
    if (check.value("runs", SIZE_MAX) != count || count_lines(*runs) != count)
      damaged(fmt::format("runs.csv has {} rows, {} expected", count_lines(*runs), count));
    else if (check.value("runs_sha256", "") != io::sha256_hex(*runs))
      damaged("runs.csv does not match its SHA-256");
    else if (!runs_in_order(*runs, expected, true))
      damaged("runs.csv does not hold the runs of this chunk");
    if (l.timecourses) {
      const auto tc = slurp(file("timecourses.csv"));
      if (!tc) damaged("timecourses.csv is missing");
      else if (check.value("timecourses_rows", SIZE_MAX) != count_lines(*tc))
        damaged(fmt::format("timecourses.csv has {} rows, {} written", count_lines(*tc), check.value("timecourses_rows", std::size_t{0})));
      else if (check.value("timecourses_sha256", "") != io::sha256_hex(*tc))
        damaged("timecourses.csv does not match its SHA-256");
      else if (!runs_in_order(*tc, expected, false))
        damaged("timecourses.csv does not hold the runs of this chunk");
    }
    const auto values = slurp(file("values.bin"));
    const std::size_t bytes = count * l.value_columns() * sizeof(double);
    if (!values) damaged("values.bin is missing");
    else if (values->size() != bytes || check.value("values_bytes", SIZE_MAX) != bytes)
      damaged(fmt::format("values.bin has {} bytes, {} expected", values->size(), bytes));
    else if (check.value("values_sha256", "") != io::sha256_hex(*values))
      damaged("values.bin does not match its SHA-256");
  }
  if (!missing.empty()) {
    std::string list;
    for (std::size_t i = 0; i < missing.size() && i < 10; ++i) list += (i ? ", " : "") + std::to_string(missing[i]);
    if (missing.size() > 10) list += fmt::format(" and {} more", missing.size() - 10);
    problems.push_back(fmt::format("{} is incomplete: {} of {} chunks missing ({}); finish it with `exvivo run ... "
                                   "--shard {}/{} --resume`",
                                   shard, missing.size(), n_chunks, list, l.shard_index, l.shard_count));
  }
  return problems;
}

}  // namespace exvivo::sweep
