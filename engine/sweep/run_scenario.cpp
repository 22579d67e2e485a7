#include "sweep/run_scenario.hpp"

#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include "core/version.hpp"
#include "io/csv_writer.hpp"
#include "io/sha256.hpp"
#include "scenario/run_plan.hpp"
#include "solve/solve.hpp"
#include "sweep/progress.hpp"
#include "sweep/summary.hpp"

namespace exvivo::sweep {

namespace fs = std::filesystem;

void RunOptions::validate() const {
  if (threads < 0) throw OptionError(SourceLocation{}, "--threads", fmt::format("must be 0 (all cores) or more, got {}", threads));
  if (shard_count < 1 || shard_index < 1 || shard_index > shard_count)
    throw OptionError(SourceLocation{}, "--shard",
                      fmt::format("expected I/N with 1 <= I <= N, got {}/{}", shard_index, shard_count));
}

namespace {

std::string iso_time(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
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

struct Writers {
  std::ofstream timecourses_file, runs_file;
  io::CsvWriter timecourses, runs;
  Writers(const fs::path& dir, bool with_timecourses)
      : timecourses_file(with_timecourses ? dir / "timecourses.csv" : fs::path()),
        runs_file(dir / "runs.csv"),
        timecourses(timecourses_file),
        runs(runs_file) {}
};

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
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw OptionError(SourceLocation{}, "-o", fmt::format("cannot create output directory '{}': {}", report.out_dir, ec.message()));

  const int threads = options.threads > 0 ? options.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));

  // This shard's runs, in run order.
  std::vector<std::size_t> runs;
  for (std::size_t r = static_cast<std::size_t>(options.shard_index - 1); r < plan.size();
       r += static_cast<std::size_t>(options.shard_count))
    runs.push_back(r);
  report.runs = runs.size();

  Writers out(dir, s.output.timecourses);
  if (!out.runs_file) throw OptionError(SourceLocation{}, "-o", fmt::format("cannot write in '{}'", report.out_dir));
  if (s.output.timecourses) {
    out.timecourses.write_row({"run", "donor", "arm", "sample", "time", "observable", "value"});
  }
  std::vector<std::string> header{"run", "donor", "arm", "sample", "status", "message", "steps", "rhs_evals", "wall_ms"};
  for (const auto& f : plan.factor_names()) header.push_back(f);
  out.runs.write_row(header);

  // summary values: [donor][arm][sample time][observable] -> values over sweep samples
  const std::size_t n_times = s.samples.size(), n_obs = s.observables.size();
  std::vector<std::vector<double>> pooled(s.donors.size() * s.arms.size() * n_times * n_obs);
  auto pool_index = [&](std::size_t donor, std::size_t arm, std::size_t ti, std::size_t oi) {
    return ((donor * s.arms.size() + arm) * n_times + ti) * n_obs + oi;
  };

  Progress progress(s.name, runs.size(), options.quiet);
  const std::size_t chunk = std::max<std::size_t>(64, 16 * static_cast<std::size_t>(threads));
  std::vector<solve::Solution> solutions;
  for (std::size_t begin = 0; begin < runs.size(); begin += chunk) {
    const std::size_t end = std::min(runs.size(), begin + chunk);
    solutions.assign(end - begin, solve::Solution{});
    tbb::parallel_for(begin, end, [&](std::size_t i) {
      solutions[i - begin] = solve_one(plan, s, runs[i]);
      progress.advance(1, solutions[i - begin].ok() ? 0 : 1);
    });
    for (std::size_t i = begin; i < end; ++i) {
      const std::size_t run = runs[i];
      const auto key = plan.key(run);
      const solve::Solution& sol = solutions[i - begin];
      const std::string& donor = s.donors[key.donor].id;
      const std::string& arm = s.arms[key.arm].id;
      if (sol.ok()) {
        ++report.ok;
      } else {
        ++report.failed;
        if (report.failures.size() < RunReport::max_listed_failures)
          report.failures.push_back(fmt::format("run {} (donor {}, arm {}, sample {}): {}: {}", run, donor, arm,
                                                key.sample, solve::to_string(sol.status), sol.message));
      }
      out.runs.field(run).field(donor).field(arm).field(key.sample).field(solve::to_string(sol.status))
          .field(sol.message).field(static_cast<std::int64_t>(sol.stats.steps))
          .field(static_cast<std::int64_t>(sol.stats.rhs_evals)).field(sol.stats.wall_ms);
      for (double v : plan.factor_values(run)) out.runs.field(v);
      out.runs.end_row();
      for (std::size_t ti = 0; ti < sol.completed && ti < n_times; ++ti) {
        for (std::size_t oi = 0; oi < n_obs; ++oi) {
          const double value = sol.observables(static_cast<Eigen::Index>(ti), static_cast<Eigen::Index>(s.observables[oi]));
          if (s.output.timecourses) {
            out.timecourses.field(run).field(donor).field(arm).field(key.sample).field(s.samples[ti].time)
                .field(model.observables()[s.observables[oi]].name).field(value);
            out.timecourses.end_row();
          }
          if (sol.ok()) pooled[pool_index(key.donor, key.arm, ti, oi)].push_back(value);
        }
      }
    }
  }
  progress.finish();

  {
    std::ofstream summary_file(dir / "summary.csv");
    io::CsvWriter summary(summary_file);
    summary.write_row({"donor", "arm", "time", "observable", "n", "mean", "sd", "q05", "q25", "median", "q75", "q95"});
    for (std::size_t d = 0; d < s.donors.size(); ++d)
      for (std::size_t a = 0; a < s.arms.size(); ++a)
        for (std::size_t ti = 0; ti < n_times; ++ti)
          for (std::size_t oi = 0; oi < n_obs; ++oi) {
            auto& values = pooled[pool_index(d, a, ti, oi)];
            const Summary sm = summarize(values);
            summary.field(s.donors[d].id).field(s.arms[a].id).field(s.samples[ti].time)
                .field(model.observables()[s.observables[oi]].name).field(sm.n).field(sm.mean).field(sm.sd)
                .field(sm.q05).field(sm.q25).field(sm.median).field(sm.q75).field(sm.q95);
            summary.end_row();
          }
  }

  report.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  nlohmann::ordered_json j;
  j["engine_version"] = engine_version;
  j["git_revision"] = git_revision;
  j["scenario"] = s.name;
  j["scenario_file"] = s.file;
  j["scenario_sha256"] = io::sha256_file(s.file);
  j["model"] = model.name();
  j["model_file"] = s.model_file;
  j["model_sha256"] = io::sha256_file(s.model_file);
  j["seed"] = s.sweep.seed;
  j["threads"] = threads;
  j["shard"] = fmt::format("{}/{}", options.shard_index, options.shard_count);
  j["runs_total"] = plan.size();
  j["runs"] = report.runs;
  j["runs_ok"] = report.ok;
  j["runs_failed"] = report.failed;
  j["start_time"] = iso_time(start_wall);
  j["end_time"] = iso_time(std::chrono::system_clock::now());
  j["wall_seconds"] = report.wall_seconds;
  j["time_unit"] = model.time_unit();
  nlohmann::ordered_json units;
  for (std::size_t oi : s.observables) units[model.observables()[oi].name] = model.observables()[oi].unit;
  j["observable_units"] = units;
  std::ofstream(dir / "run.json") << j.dump(2) << "\n";
  return report;
}

}  // namespace exvivo::sweep
