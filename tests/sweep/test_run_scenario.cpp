// The run pipeline: resume after an interruption, determinism across thread
// counts and chunk sizes, failure isolation (tests/cli covers the CLI side).
#include <catch2/catch.hpp>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "core/error.hpp"
#include "io/csv_writer.hpp"
#include "scenario/run_plan.hpp"
#include "scenario/scenario.hpp"
#include "solve/solve.hpp"
#include "sweep/assemble.hpp"
#include "sweep/chunk_store.hpp"
#include "sweep/run_scenario.hpp"

#include <mutex>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

using namespace exvivo;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// runs.csv without the wall_ms column (the 9th), which differs between runs.
std::string runs_without_wall(const fs::path& p) {
  std::istringstream in(slurp(p));
  std::string line, out;
  while (std::getline(in, line)) {
    std::size_t start = 0;
    for (int i = 0; i < 8; ++i) start = line.find(',', start) + 1;
    const std::size_t end = line.find(',', start);
    out += line.substr(0, start) + (end == std::string::npos ? "" : line.substr(end + 1)) + "\n";
  }
  return out;
}

struct Dir {
  fs::path path = fs::temp_directory_path() / ("exvivo_sweep_" + std::to_string(::getpid()));
  Dir() { fs::remove_all(path); }
  ~Dir() { fs::remove_all(path); }
};

}  // namespace

TEST_CASE("resume after an interruption recomputes only unfinished chunks and gives identical output", "[sweep][resume]") {
  const auto s = scenario::load_scenario(std::string(EXVIVO_SOURCE_DIR) + "/scenarios/one_compartment_dosing.yaml");
  Dir dir;
  sweep::RunOptions o;
  o.chunk_runs = 5;  // 12 runs -> 3 chunks
  o.threads = 1;
  o.out_dir = (dir.path / "reference").string();
  const auto ref = sweep::run_scenario(s, o);
  REQUIRE(ref.ok == 12);
  CHECK(ref.chunks_computed == 3);

  o.out_dir = (dir.path / "resumed").string();
  o.stop_after_chunks = 2;  // "killed" after two chunks
  const auto first = sweep::run_scenario(s, o);
  CHECK(first.interrupted);
  CHECK(first.chunks_computed == 2);
  CHECK_FALSE(fs::exists(dir.path / "resumed" / "runs.csv"));
  // A half-written temporary from the kill must not confuse the resume.
  std::ofstream(dir.path / "resumed" / "chunks" / "shard-1-of-1" / "chunk-000002.runs.csv.tmp-1") << "garbage";

  o.stop_after_chunks = 0;
  o.resume = true;
  o.threads = 2;
  const auto second = sweep::run_scenario(s, o);
  CHECK_FALSE(second.interrupted);
  CHECK(second.chunks_computed == 1);
  CHECK(second.ok == 12);
  for (const char* f : {"timecourses.csv", "summary.csv"})
    CHECK(slurp(dir.path / "reference" / f) == slurp(dir.path / "resumed" / f));
  CHECK(runs_without_wall(dir.path / "reference" / "runs.csv") == runs_without_wall(dir.path / "resumed" / "runs.csv"));
}

TEST_CASE("output does not depend on the chunk size or thread count", "[sweep][determinism]") {
  const auto s = scenario::load_scenario(std::string(EXVIVO_SOURCE_DIR) + "/scenarios/one_compartment_dosing.yaml");
  Dir dir;
  sweep::RunOptions o;
  o.threads = 1;
  o.chunk_runs = 256;
  o.out_dir = (dir.path / "a").string();
  sweep::run_scenario(s, o);
  o.threads = 2;
  o.chunk_runs = 1;
  o.out_dir = (dir.path / "b").string();
  sweep::run_scenario(s, o);
  for (const char* f : {"timecourses.csv", "summary.csv"}) CHECK(slurp(dir.path / "a" / f) == slurp(dir.path / "b" / f));
  CHECK(runs_without_wall(dir.path / "a" / "runs.csv") == runs_without_wall(dir.path / "b" / "runs.csv"));
}

TEST_CASE("resume refuses a changed scenario", "[sweep][resume]") {
  auto s = scenario::load_scenario(std::string(EXVIVO_SOURCE_DIR) + "/scenarios/one_compartment_dosing.yaml");
  Dir dir;
  sweep::RunOptions o;
  o.chunk_runs = 5;
  o.stop_after_chunks = 1;
  o.out_dir = (dir.path / "x").string();
  sweep::run_scenario(s, o);
  o.resume = true;
  o.stop_after_chunks = 0;
  s.output.timecourses = false;  // a different layout
  CHECK_THROWS_WITH(sweep::run_scenario(s, o), Catch::Contains("cannot resume in") && Catch::Contains("the run layout changed"));
}

namespace {
/// Records what the engine reports instead of printing it.
struct RecordingReporter : exvivo::Reporter {
  std::mutex mutex;
  std::size_t calls = 0, finals = 0, last_done = 0, last_total = 0;
  void progress(std::string_view, const exvivo::ProgressState& state, bool final) override {
    std::lock_guard<std::mutex> lock(mutex);
    ++calls;
    finals += final ? 1 : 0;
    last_done = state.done;
    last_total = state.total;
  }
};
}  // namespace

TEST_CASE("run_scenario reports its progress to the caller's reporter and prints nothing", "[sweep][reporter]") {
  const auto s = scenario::load_scenario(std::string(EXVIVO_SOURCE_DIR) + "/scenarios/one_compartment_dosing.yaml");
  Dir dir;
  RecordingReporter reporter;
  sweep::RunOptions o;
  o.threads = 2;
  o.out_dir = (dir.path / "reported").string();
  o.reporter = &reporter;
  const auto report = sweep::run_scenario(s, o);
  REQUIRE(report.ok == 12);
  CHECK(reporter.calls == 13);  // once per run, then the final state
  CHECK(reporter.finals == 1);
  CHECK(reporter.last_done == 12);
  CHECK(reporter.last_total == 12);
}

TEST_CASE("run.json opens with the provenance keys in their fixed order", "[sweep][provenance]") {
  const auto s = scenario::load_scenario(std::string(EXVIVO_SOURCE_DIR) + "/scenarios/one_compartment_dosing.yaml");
  Dir dir;
  sweep::RunOptions o;
  o.threads = 1;
  o.out_dir = (dir.path / "provenance").string();
  REQUIRE(sweep::run_scenario(s, o).ok == 12);
  std::ifstream in(dir.path / "provenance" / "run.json");
  const auto j = nlohmann::ordered_json::parse(in);
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  REQUIRE(keys.size() >= 11);
  CHECK(std::vector<std::string>(keys.begin(), keys.begin() + 11) ==
        std::vector<std::string>{"scenario", "engine_version", "git_revision", "scenario_file", "scenario_sha256",
                                 "model_file", "model_sha256", "threads", "start_time", "end_time", "wall_seconds"});
  CHECK(j["scenario"] == s.name);
  CHECK(j["runs_ok"] == 12);
}

TEST_CASE("timecourses.csv rows hold each run's keys, sample times and solved observables as io::CsvWriter writes them",
          "[sweep][output]") {
  // format_run assembles rows from parts formatted once per scenario; every
  // field must read back to what the run solved (values bit for bit).
  const auto s = scenario::load_scenario(std::string(EXVIVO_SOURCE_DIR) + "/scenarios/one_compartment_dosing.yaml");
  Dir dir;
  sweep::RunOptions o;
  o.threads = 2;
  o.out_dir = (dir.path / "out").string();
  sweep::run_scenario(s, o);
  const scenario::RunPlan plan(s);
  const auto& model = *s.model;
  std::istringstream in(slurp(dir.path / "out" / "timecourses.csv"));
  std::string line;
  std::getline(in, line);
  CHECK(line == "run,donor,arm,sample,time,side,observable,value");
  std::size_t rows = 0;
  for (std::size_t run = 0; run < plan.size(); ++run) {
    const solve::Solution sol = solve::solve(plan.make_run(run), s.solver);
    REQUIRE(sol.ok());
    const auto key = plan.key(run);
    for (std::size_t ti = 0; ti < s.samples.size(); ++ti)
      for (std::size_t oi = 0; oi < s.observables.size(); ++oi) {
        REQUIRE(std::getline(in, line));
        std::ostringstream expected;
        io::CsvWriter csv(expected);
        csv.field(static_cast<std::uint64_t>(run))
            .field(plan.donor_id(run))
            .field(s.arms[key.arm].id)
            .field(static_cast<std::uint64_t>(key.sample))
            .field(s.samples[ti].time)
            .field(s.samples[ti].before_event ? "-" : "")
            .field(model.observables()[s.observables[oi]].name)
            .field(sol.observables(static_cast<Eigen::Index>(ti), static_cast<Eigen::Index>(s.observables[oi])));
        csv.end_row();
        CHECK(line + "\n" == expected.str());
        ++rows;
      }
  }
  CHECK(rows == plan.size() * s.samples.size() * s.observables.size());
  CHECK_FALSE(std::getline(in, line));
}

namespace {
/// Makes the write of chunk 0 fail (a directory where its first temporary
/// file goes), then stops the sweep while chunk 1 is computed, i.e. while
/// chunk 0's write is pending or has just failed.
struct SabotagingReporter : exvivo::Reporter {
  fs::path chunk_dir;
  std::size_t runs_per_chunk = 0;
  void progress(std::string_view, const exvivo::ProgressState& state, bool final) override {
    if (final) return;
    if (state.done == 1) fs::create_directories(chunk_dir / ("chunk-000000.check.tmp-" + std::to_string(::getpid())));
    if (state.done == runs_per_chunk + 1) throw std::runtime_error("stopped by the reporter");
  }
};
}  // namespace

TEST_CASE("a failed chunk write is reported even when computing the next chunk fails too", "[sweep][errors]") {
  const auto s = scenario::load_scenario(std::string(EXVIVO_SOURCE_DIR) + "/scenarios/one_compartment_dosing.yaml");
  Dir dir;
  SabotagingReporter reporter;
  reporter.chunk_dir = dir.path / "sabotaged" / "chunks" / "shard-1-of-1";
  reporter.runs_per_chunk = 4;
  sweep::RunOptions o;
  o.threads = 1;
  o.chunk_runs = reporter.runs_per_chunk;
  o.out_dir = (dir.path / "sabotaged").string();
  o.reporter = &reporter;
  try {
    sweep::run_scenario(s, o);
    FAIL("run_scenario did not throw");
  } catch (const EnvironmentError& e) {
    const std::string what = e.what();
    CHECK_THAT(what, Catch::Contains("cannot create"));
    CHECK_THAT(what, Catch::Contains("chunk-000000.check.tmp-"));
    CHECK_THAT(what, Catch::Contains("computing the next one failed too: stopped by the reporter"));
    CHECK(e.error_number() == EISDIR);
  }
}

TEST_CASE("one shard's timecourses are assembled a chunk at a time: the merge's lines, damaged lines refused",
          "[sweep][assemble]") {
  // A single shard's chunks are copied whole instead of merged line by line;
  // the rows must be those the k-way merge of all shards gives for that shard.
  const auto s = scenario::load_scenario(std::string(EXVIVO_SOURCE_DIR) + "/scenarios/one_compartment_dosing.yaml");
  Dir dir;
  sweep::RunOptions o;
  o.threads = 2;
  o.chunk_runs = 2;
  o.shard_count = 2;
  for (int shard : {1, 2}) {
    o.shard_index = shard;
    o.out_dir = (dir.path / ("shard" + std::to_string(shard))).string();
    sweep::run_scenario(s, o);
  }
  const auto input = [&](int shard) {
    const fs::path d = sweep::ChunkStore::shard_dir(dir.path / ("shard" + std::to_string(shard)), shard, 2);
    return sweep::ShardInput{d, sweep::OutputLayout::from_json_file(d / "manifest.json")};
  };
  const sweep::ShardInput first = input(1);
  REQUIRE(first.layout.chunks(1) > 2);
  for (const char* out : {"merged", "alone", "cut", "damaged"}) fs::create_directories(dir.path / out);
  sweep::assemble_outputs({first, input(2)}, dir.path / "merged");
  sweep::assemble_outputs({first}, dir.path / "alone");
  // The merged rows of shard 1's runs (even run numbers), in order.
  std::istringstream merged(slurp(dir.path / "merged" / "timecourses.csv"));
  std::string line, expected;
  std::getline(merged, line);
  expected = line + "\n";
  while (std::getline(merged, line))
    if (std::stoul(line.substr(0, line.find(','))) % 2 == 0) expected += line + "\n";
  CHECK(slurp(dir.path / "alone" / "timecourses.csv") == expected);

  // A chunk whose last line lost its newline gives the same bytes.
  const fs::path chunk = first.dir / "chunk-000001.timecourses.csv";
  std::string text = slurp(chunk);
  REQUIRE(!text.empty());
  text.pop_back();
  std::ofstream(chunk, std::ios::binary) << text;
  sweep::assemble_outputs({first}, dir.path / "cut");
  CHECK(slurp(dir.path / "cut" / "timecourses.csv") == expected);

  // A line that does not begin with its run number is refused, naming the chunk.
  std::ofstream(chunk, std::ios::binary) << "x" << text << "\n";
  CHECK_THROWS_WITH(sweep::assemble_outputs({first}, dir.path / "damaged"),
                    Catch::Contains("chunk-000001.timecourses.csv") &&
                        Catch::Contains("damaged chunk: a line does not begin with a run number"));
}
