#include "sweep/run_scenario.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <iterator>
#include <fstream>
#include <future>
#include <limits>
#include <string_view>
#include <thread>

#include <fmt/compile.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/check.hpp"
#include "core/error.hpp"
#include "core/parallel.hpp"
#include "core/text.hpp"
#include "core/version.hpp"
#include "io/atomic_file.hpp"
#include "io/csv_writer.hpp"
#include "io/output_dir.hpp"
#include "io/provenance.hpp"
#include "io/sha256.hpp"
#include "scenario/run_plan.hpp"
#include "solve/solve.hpp"
#include "sweep/assemble.hpp"
#include "sweep/chunk_store.hpp"
#include "sweep/output_units.hpp"
#include "sweep/progress.hpp"

namespace exvivo::sweep {

namespace fs = std::filesystem;

void RunOptions::validate() const {
  check_thread_count(threads);
  if (shard_count < 1 || shard_index < 1 || shard_index > shard_count)
    throw OptionError(SourceLocation{}, "--shard",
                      fmt::format("expected I/N with 1 <= I <= N, got {}/{}", shard_index, shard_count));
  if (chunk_runs < 1) throw OptionError(SourceLocation{}, "chunk_runs", "must be at least 1");
}

namespace {

/// Waits for a pending chunk write (if any) after the computation of the next
/// chunk failed with `compute_error`, and throws the write's own error if it
/// failed: an EnvironmentError keeps its type and errno (exit 4) and names
/// the computation's error as well; another exception is rethrown as is.
/// Returns normally when there was no write or it succeeded.
void rethrow_write_error(std::future<void>& pending_write, std::string_view compute_error) {
  if (!pending_write.valid()) return;
  try {
    pending_write.get();
  } catch (const EnvironmentError& e) {
    throw EnvironmentError(fmt::format("{} (while that chunk was being written, computing the next one failed too: {})",
                                       e.what(), compute_error),
                           e.error_number());
  }
}

/// Solves one run; any exception becomes a failed Solution (a sweep never dies for one run).
solve::Solution solve_one(const scenario::RunPlan& plan, const scenario::Scenario& s, std::size_t run) {
  try {
    return solve::solve(plan.make_run(run), s.solver);
  } catch (const std::exception& e) {
    solve::Solution sol;
    sol.status = solve::Status::error;
    sol.message = e.what();
    return sol;
  }
}

/// The rows one run contributes to each chunk file.
struct RunOutput {
  std::string timecourses, runs;
  bool ok = false;
};

/// io::format_double appended to `out` without a temporary string. The
/// digits come from std::to_chars (general, 17 digits): the bytes of printf's
/// and fmt's "%.17g" (both exact), at about half of fmt's cost, which was
/// 1.8 % of a leukocyte cohort's instructions (bench/README.md).
void append_double(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "Inf" : "-Inf";
  } else {
    char digits[32];  // "-1.2345678901234567e-308": 24 characters at most
    const auto end = std::to_chars(digits, digits + sizeof digits, value, std::chars_format::general, 17).ptr;
    out.append(digits, end);
  }
}

/// The parts of the CSV rows that are the same for every run, formatted once
/// per scenario: per sample time ",<time>,<- or empty>," and per observable
/// "<quoted name>,". A timecourse row is then the run's prefix, these two and
/// the value: one number to format per row instead of two numbers, four
/// integers and three quoted strings through an ostream (format_run was 10 %
/// of a leukocyte cohort's time, bench/README.md). The bytes are those of
/// io::CsvWriter.
struct RowParts {
  std::vector<std::string> times, observables;

  RowParts(const scenario::Scenario& s, const OutputLayout& layout) {
    for (const auto& t : s.samples) {
      std::string part = ",";
      append_double(part, t.time);
      part += t.before_event ? ",-," : ",,";
      times.push_back(std::move(part));
    }
    for (const auto& name : layout.observables) observables.push_back(io::quote_field(name) + ",");
  }
};

RunOutput format_run(const scenario::Scenario& s, const scenario::RunPlan& plan, const RowParts& parts, std::size_t run,
                     const solve::Solution& sol, double* values) {
  RunOutput out;
  out.ok = sol.ok();
  const auto key = plan.key(run);
  // "run,donor,arm,sample": the start of this run's row in both files.
  // (Formats compiled: fmt parses them at build time, not once per run.)
  std::string prefix = fmt::format(FMT_COMPILE("{},{},{},{}"), run, io::quote_field(plan.donor_id(run)),
                                   io::quote_field(s.arms[key.arm].id), key.sample);
  out.runs = prefix;
  fmt::format_to(std::back_inserter(out.runs), FMT_COMPILE(",{},{},{},{},{:.3f}"),
                 io::quote_field(solve::to_string(sol.status)), io::quote_field(sol.message), sol.stats.steps,
                 sol.stats.rhs_evals, sol.stats.wall_ms);
  for (double v : plan.factor_values(run)) {
    out.runs += ',';
    append_double(out.runs, v);
  }
  out.runs += '\n';

  const std::size_t n_obs = s.observables.size();
  const std::size_t n_times = s.samples.size();
  if (s.output.timecourses) out.timecourses.reserve(std::min(n_times, sol.completed) * n_obs * (prefix.size() + 64));
  for (std::size_t ti = 0; ti < n_times; ++ti)
    for (std::size_t oi = 0; oi < n_obs; ++oi) {
      double value = std::numeric_limits<double>::quiet_NaN();
      if (ti < sol.completed) {
        value = sol.observables(static_cast<Eigen::Index>(ti), static_cast<Eigen::Index>(s.observables[oi]));
        if (s.output.timecourses) {
          out.timecourses += prefix;
          out.timecourses += parts.times[ti];
          out.timecourses += parts.observables[oi];
          append_double(out.timecourses, value);
          out.timecourses += '\n';
        }
      }
      values[ti * n_obs + oi] = sol.ok() ? value : std::numeric_limits<double>::quiet_NaN();
    }
  return out;
}

/// Runs per chunk: at most `requested`, and few enough that a chunk's rows in
/// memory (values and CSV text) stay within about chunk_memory_budget bytes
/// however many sample times and observables a run has.
std::size_t chunk_runs_within_budget(std::size_t requested, std::size_t value_columns, bool timecourses) {
  constexpr std::size_t chunk_memory_budget = 64u << 20;
  const std::size_t per_run = 1024 + value_columns * (sizeof(double) + (timecourses ? 96 : 0));
  return std::clamp<std::size_t>(chunk_memory_budget / per_run, 1, requested);
}

/// JSON strings must be UTF-8; a path of other bytes keeps them as \xNN escapes.
std::string json_path(const std::string& path) { return utf8_or_escaped(path); }

OutputLayout make_layout(const scenario::Scenario& s, const scenario::RunPlan& plan, const RunOptions& o) {
  OutputLayout l;
  for (const auto& d : s.donors) l.listed_donors.push_back(d.id);
  l.cohort_size = s.cohort.size();
  for (const auto& a : s.arms) l.arms.push_back(a.id);
  l.samples_per_arm = plan.samples_per_arm();
  for (const auto& t : s.samples) {
    l.times.push_back(t.time);
    l.before_event.push_back(t.before_event);
  }
  for (std::size_t oi : s.observables) l.observables.push_back(s.model->observables()[oi].name);
  l.factor_columns = plan.factor_names();
  l.timecourses = s.output.timecourses;
  l.total_runs = plan.size();
  l.chunk_runs = chunk_runs_within_budget(o.chunk_runs, l.value_columns(), l.timecourses);
  l.shard_index = o.shard_index;
  l.shard_count = o.shard_count;
  l.scenario_sha256 = io::sha256_file(s.file);
  l.model_sha256 = io::sha256_file(s.model_file);
  l.engine_version = engine_version;
  return l;
}

io::Computation run_computation(const std::string& scenario_name, const OutputLayout& layout) {
  std::string name = scenario_name;
  if (layout.shard_count > 1) name += fmt::format(" (shard {}/{})", layout.shard_index, layout.shard_count);
  return {"run", name, io::sha256_hex(layout.to_json())};
}

io::OutputDir::Tree chunk_tree() { return {"chunks", ChunkStore::file_name_pattern()}; }

/// The tables and record a run writes in its output directory.
std::vector<std::string> output_files(const OutputLayout& layout) {
  std::vector<std::string> files{"runs.csv", "summary.csv", "run.json"};
  if (layout.timecourses) files.push_back("timecourses.csv");
  return files;
}

/// `--resume` on finished results of the same computation: the counts of run.json.
RunReport finished_report(const fs::path& dir) {
  RunReport report;
  report.out_dir = dir.string();
  report.already_complete = true;
  std::ifstream in(dir / "run.json");
  const auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_object()) {
    report.runs = j.value("runs", std::size_t{0});
    report.ok = j.value("runs_ok", std::size_t{0});
    report.failed = j.value("runs_failed", std::size_t{0});
  }
  return report;
}

/// run.json (io/provenance.hpp): `extra` holds the scenario's keys (name,
/// files, model, units, ...) as run_scenario writes them and merge copies them.
void write_run_json(const fs::path& dir, const nlohmann::ordered_json& extra, const OutputLayout& l,
                    const RunReport& report, std::chrono::system_clock::time_point start, int threads,
                    const std::string& shard) {
  const auto text = [&](const char* key) {
    return extra.contains(key) && extra[key].is_string() ? extra[key].get<std::string>() : std::string();
  };
  io::Provenance p;
  p.command = "scenario";
  p.name = text("scenario");
  p.inputs = {{"scenario", text("scenario_file"), l.scenario_sha256}, {"model", text("model_file"), l.model_sha256}};
  p.threads = threads;
  p.start = start;
  p.wall_seconds = report.wall_seconds;
  nlohmann::ordered_json details;
  for (const auto& [k, v] : extra.items())
    if (k != "scenario" && k != "scenario_file" && k != "model_file") details[k] = v;
  details["shard"] = shard;
  details["runs_total"] = l.total_runs;
  details["runs"] = report.runs;
  details["runs_ok"] = report.ok;
  details["runs_failed"] = report.failed;
  io::write_provenance(dir / "run.json", p, details);
}

}  // namespace

RunReport run_scenario(const scenario::Scenario& s, const RunOptions& options) {
  options.validate();
  const auto start_wall = std::chrono::system_clock::now();
  const auto start = std::chrono::steady_clock::now();
  const scenario::RunPlan plan(s);
  const auto& model = *s.model;

  RunReport report;
  report.out_dir = options.out_dir.empty() ? s.output.dir : options.out_dir;
  const fs::path dir(report.out_dir);

  const int threads =
      options.threads > 0 ? options.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  const OutputLayout layout = make_layout(s, plan, options);
  io::OutputDir out(dir, run_computation(s.name, layout), options.resume, {chunk_tree()});
  if (out.already_complete()) return finished_report(dir);
  out.claim_tree("chunks");
  const ChunkStore store(dir, layout);
  if (options.resume) store.check_resumable(); else store.reset();

  const std::size_t local_runs = layout.local_runs(options.shard_index);
  const std::size_t n_chunks = layout.chunks(options.shard_index);
  const std::size_t n_cols = layout.value_columns();
  Progress progress(s.name, local_runs, options.reporter);
  const RowParts row_parts(s, layout);
  // A finished chunk is written (concatenated, hashed, four files renamed
  // into place) on its own thread while the next chunk computes, instead of
  // holding every worker at the end of each chunk; at most one write is
  // pending, and it is awaited before the next one starts and before
  // returning (so an interruption leaves exactly the chunks counted).
  std::future<void> pending_write;
  const auto await_write = [&] {
    if (pending_write.valid()) pending_write.get();  // rethrows the writer's error
  };
  for (std::size_t chunk = 0; chunk < n_chunks; ++chunk) {
    const std::size_t first = chunk * layout.chunk_runs;
    const std::size_t count = std::min(layout.chunk_runs, local_runs - first);
    if (store.complete(chunk)) {
      progress.advance(count, 0);
      continue;
    }
    if (options.stop_after_chunks && report.chunks_computed == options.stop_after_chunks) {
      await_write();
      report.interrupted = true;
      return report;
    }
    auto outputs = std::make_shared<std::vector<RunOutput>>(count);
    auto values = std::make_shared<std::vector<double>>(count * n_cols, 0.0);
    try {
      with_threads(threads, [&] {
        parallel_for_index(count, [&](std::size_t i) {
          const std::size_t run = (first + i) * static_cast<std::size_t>(options.shard_count) +
                                  static_cast<std::size_t>(options.shard_index - 1);
          const solve::Solution sol = solve_one(plan, s, run);
          (*outputs)[i] = format_run(s, plan, row_parts, run, sol, values->data() + i * n_cols);
          progress.advance(1, sol.ok() ? 0 : 1);
        });
      });
    } catch (const std::exception& e) {
      // Computing this chunk failed (e.g. the caller's reporter stopped the
      // sweep) while the previous chunk was being written: a failed write
      // (disk full, exit 4) is the earlier error and must not be lost when
      // the future is dropped. It is thrown, naming this one too.
      rethrow_write_error(pending_write, e.what());
      throw;
    } catch (...) {
      rethrow_write_error(pending_write, "an exception of unknown type");
      throw;
    }
    await_write();
    pending_write = std::async(std::launch::async, [&store, chunk, outputs, values] {
      std::string tc, runs;
      for (const auto& o : *outputs) {
        tc += o.timecourses;
        runs += o.runs;
      }
      store.write_chunk(chunk, tc, runs, *values);
    });
    ++report.chunks_computed;
  }
  await_write();
  progress.finish();

  out.claim(output_files(layout));
  const AssembleCounts counts = assemble_outputs({ShardInput{store.dir(), layout}}, dir);
  report.runs = counts.runs;
  report.ok = counts.ok;
  report.failed = counts.failed;
  for (const auto& row : counts.first_failures) report.failures.push_back("run " + row);
  if (options.shard_count == 1) out.remove("chunks");  // assembled: the chunks are no longer needed

  report.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  nlohmann::ordered_json extra;
  extra["scenario"] = s.name;
  extra["description"] = json_path(s.description);
  extra["scenario_file"] = json_path(s.file);
  extra["model"] = model.name();
  extra["model_file"] = json_path(s.model_file);
  extra["seed"] = s.sweep.seed;
  extra["time_unit"] = model.time_unit();
  extra["evaluator"] = s.evaluator.used;
  if (s.evaluator.used == "native")
    extra["native_code"] = {{"cache_hit", s.evaluator.cache_hit}, {"compile_seconds", s.evaluator.compile_seconds}};
  nlohmann::ordered_json units;
  for (std::size_t oi : s.observables) units[model.observables()[oi].name] = model.observables()[oi].unit;
  extra["observable_units"] = units;
  nlohmann::ordered_json factor_unit_map = nlohmann::ordered_json::object();
  const std::vector<std::string> f_units = factor_units(s, plan);
  for (std::size_t i = 0; i < f_units.size(); ++i) factor_unit_map[plan.factor_names()[i]] = f_units[i];
  extra["factor_units"] = factor_unit_map;
  write_run_json(dir, extra, layout, report, start_wall, threads,
                 fmt::format("{}/{}", options.shard_index, options.shard_count));
  out.finish();
  return report;
}

RunReport merge_shards(const std::vector<std::string>& shard_dirs, const std::string& out_dir) {
  const auto start_wall = std::chrono::system_clock::now();
  const auto start = std::chrono::steady_clock::now();
  // Everything is checked before the output directory is touched; every problem is listed.
  std::vector<std::string> problems;
  std::vector<ShardInput> shards;
  nlohmann::ordered_json extra;
  for (const auto& d : shard_dirs) {
    const fs::path chunks = fs::path(d) / "chunks";
    std::error_code ec;
    if (!fs::is_directory(chunks, ec)) {
      problems.push_back(fmt::format("'{}' is not a shard directory of `exvivo run --shard I/N` (no chunks/ folder)", d));
      continue;
    }
    for (const auto& entry : fs::directory_iterator(chunks, ec)) {
      const fs::path manifest = entry.path() / "manifest.json";
      if (!fs::exists(manifest, ec)) continue;
      try {
        shards.push_back({entry.path(), OutputLayout::from_json_file(manifest)});
      } catch (const OptionError& e) {
        problems.push_back(e.what());
      }
    }
    if (extra.empty() && fs::is_regular_file(fs::path(d) / "run.json", ec)) {
      std::ifstream in(fs::path(d) / "run.json");
      const auto j = nlohmann::ordered_json::parse(in, nullptr, false);
      for (const char* k : {"scenario", "description", "scenario_file", "model", "model_file", "seed", "time_unit", "evaluator",
                            "observable_units", "factor_units"})
        if (j.is_object() && j.contains(k)) extra[k] = j[k];
    }
  }
  auto refuse = [&] {
    std::string text = fmt::format("merge refused, nothing written ({} problem{}):", problems.size(),
                                   problems.size() == 1 ? "" : "s");
    for (const auto& p : problems) text += "\n  " + p;
    throw OptionError(SourceLocation{}, "", text);
  };
  if (shards.empty()) {
    if (problems.empty()) problems.push_back("no shard directories given");
    refuse();
  }
  std::sort(shards.begin(), shards.end(),
            [](const ShardInput& a, const ShardInput& b) { return a.layout.shard_index < b.layout.shard_index; });
  const OutputLayout& first = shards.front().layout;
  const int n = first.shard_count;
  std::vector<bool> present(static_cast<std::size_t>(n) + 1, false);
  for (std::size_t i = 0; i < shards.size(); ++i) {
    OutputLayout l = shards[i].layout;
    if (l.scenario_sha256 != first.scenario_sha256 || l.model_sha256 != first.model_sha256 || l.shard_count != n) {
      problems.push_back(fmt::format("'{}' comes from a different scenario, model or shard count than '{}'",
                                     shards[i].dir.string(), shards.front().dir.string()));
      continue;
    }
    l.shard_index = first.shard_index;
    if (l.to_json() != first.to_json()) {
      problems.push_back(fmt::format("'{}' has a different run layout than '{}'", shards[i].dir.string(),
                                     shards.front().dir.string()));
      continue;
    }
    const auto index = static_cast<std::size_t>(shards[i].layout.shard_index);
    if (present[index]) {
      problems.push_back(fmt::format("shard {}/{} is given twice ('{}')", index, n, shards[i].dir.string()));
      continue;
    }
    present[index] = true;
    for (auto& p : verify_shard(shards[i].dir, shards[i].layout)) problems.push_back(std::move(p));
  }
  std::string missing;
  for (int i = 1; i <= n; ++i)
    if (!present[static_cast<std::size_t>(i)]) missing += (missing.empty() ? "" : ", ") + fmt::format("{}/{}", i, n);
  if (!missing.empty()) problems.push_back(fmt::format("shards missing: {}", missing));
  if (!problems.empty()) refuse();

  const std::string scenario_name = extra.contains("scenario") && extra["scenario"].is_string()
                                        ? extra["scenario"].get<std::string>()
                                        : "scenario " + first.scenario_sha256.substr(0, 12);
  OutputLayout whole = first;
  whole.shard_index = whole.shard_count = 1;
  io::OutputDir out(out_dir, {"run", scenario_name, io::sha256_hex("merged\n" + whole.to_json())}, false, {chunk_tree()});
  out.claim(output_files(first));
  const AssembleCounts counts = assemble_outputs(shards, out_dir);
  RunReport report;
  report.out_dir = out_dir;
  report.runs = counts.runs;
  report.ok = counts.ok;
  report.failed = counts.failed;
  report.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  write_run_json(out_dir, extra, first, report, start_wall, 0, fmt::format("merged {}", n));
  out.finish();
  return report;
}

}  // namespace exvivo::sweep
