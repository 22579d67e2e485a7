#include "sweep/assemble.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <memory>
#include <queue>
#include <string>

#include <fmt/core.h>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/csv_writer.hpp"
#include "sweep/summary.hpp"

namespace exvivo::sweep {

namespace fs = std::filesystem;

std::vector<std::string> timecourses_header() {
  return {"run", "donor", "arm", "sample", "time", "side", "observable", "value"};
}

std::vector<std::string> runs_header(const OutputLayout& layout) {
  std::vector<std::string> h{"run", "donor", "arm", "sample", "status", "message", "steps", "rhs_evals", "wall_ms"};
  h.insert(h.end(), layout.factor_columns.begin(), layout.factor_columns.end());
  return h;
}

namespace {

fs::path chunk_path(const ShardInput& s, std::size_t chunk, const char* kind) {
  return s.dir / fmt::format("chunk-{:06d}.{}", chunk, kind);
}

[[noreturn]] void missing_chunk(const ShardInput& s, std::size_t chunk) {
  throw OptionError(SourceLocation{}, "",
                    fmt::format("shard {}/{} in '{}' is incomplete (chunk {} of {} missing): finish it with "
                                "`exvivo run ... --shard {}/{} --resume`",
                                s.layout.shard_index, s.layout.shard_count, s.dir.string(), chunk,
                                s.layout.chunks(s.layout.shard_index), s.layout.shard_index, s.layout.shard_count));
}

/// The lines of one kind of chunk file of one shard, in order.
class LineStream {
 public:
  LineStream(const ShardInput& shard, const char* kind) : shard_(shard), kind_(kind) { advance(); }
  bool done() const { return done_; }
  const std::string& line() const { return line_; }
  std::size_t run() const { return run_; }
  void advance() {
    while (true) {
      if (in_ && std::getline(*in_, line_)) {
        const auto [end, err] = std::from_chars(line_.data(), line_.data() + line_.size(), run_);
        if (err != std::errc() || end == line_.data() + line_.size() || *end != ',')
          throw OptionError(SourceLocation{chunk_path(shard_, next_chunk_ - 1, kind_).string(), 0, 0}, "",
                            "damaged chunk: a line does not begin with a run number; run again without --resume");
        return;
      }
      if (next_chunk_ >= shard_.layout.chunks(shard_.layout.shard_index)) {
        done_ = true;
        return;
      }
      const fs::path p = chunk_path(shard_, next_chunk_, kind_);
      in_ = std::make_unique<std::ifstream>(p);
      if (!*in_) missing_chunk(shard_, next_chunk_);
      ++next_chunk_;
    }
  }

 private:
  const ShardInput& shard_;
  const char* kind_;
  std::unique_ptr<std::ifstream> in_;
  std::size_t next_chunk_ = 0;
  std::string line_;
  std::size_t run_ = 0;
  bool done_ = false;
};

/// Merges the shards' streams of `kind` by run index into `out`; calls on_line for each line.
template <class OnLine>
void merge_lines(const std::vector<ShardInput>& shards, const char* kind, std::ostream& out, OnLine on_line) {
  std::vector<std::unique_ptr<LineStream>> streams;
  for (const auto& s : shards) streams.push_back(std::make_unique<LineStream>(s, kind));
  auto later = [&](std::size_t a, std::size_t b) { return streams[a]->run() > streams[b]->run(); };
  std::priority_queue<std::size_t, std::vector<std::size_t>, decltype(later)> heap(later);
  for (std::size_t i = 0; i < streams.size(); ++i)
    if (!streams[i]->done()) heap.push(i);
  while (!heap.empty()) {
    const std::size_t i = heap.top();
    heap.pop();
    auto& st = *streams[i];
    const std::size_t run = st.run();
    while (!st.done() && st.run() == run) {
      out << st.line() << '\n';
      on_line(st.line());
      st.advance();
    }
    if (!st.done()) heap.push(i);
  }
}

/// merge_lines() for a single shard and no callback: its chunks' lines in
/// order, checked as LineStream checks them (each begins with a run number
/// and a comma), copied a chunk at a time. The same bytes; the 100,000 lines
/// of a 10,000-run cohort's timecourses went through getline and operator<<
/// one by one, on the serial end of every run (bench/README.md).
void copy_lines(const ShardInput& shard, const char* kind, std::ostream& out) {
  const std::size_t n_chunks = shard.layout.chunks(shard.layout.shard_index);
  std::string text;
  for (std::size_t c = 0; c < n_chunks; ++c) {
    std::ifstream in(chunk_path(shard, c, kind), std::ios::binary);
    if (!in) missing_chunk(shard, c);
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    in.seekg(0);
    text.resize(size > 0 ? static_cast<std::size_t>(size) : 0);
    if (!in.read(text.data(), static_cast<std::streamsize>(text.size()))) missing_chunk(shard, c);
    if (!text.empty() && text.back() != '\n') text += '\n';  // as getline and '\n' would write it
    for (std::size_t pos = 0; pos < text.size();) {
      const std::size_t end = std::min(text.find('\n', pos), text.size());
      std::size_t run = 0;
      const auto [p, err] = std::from_chars(text.data() + pos, text.data() + end, run);
      if (err != std::errc() || p == text.data() + end || *p != ',')
        throw OptionError(SourceLocation{chunk_path(shard, c, kind).string(), 0, 0}, "",
                          "damaged chunk: a line does not begin with a run number; run again without --resume");
      pos = end + 1;
    }
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  }
}

/// Random access to the values.bin rows of a set of shards. A chunk's file is
/// read whole into memory when it fits `buffer_bytes` (one read per chunk
/// instead of a seek and a read per run); larger ones are read row by row.
class ValueReader {
 public:
  static constexpr std::size_t buffer_bytes = std::size_t{64} << 20;

  explicit ValueReader(const std::vector<ShardInput>& shards)
      : shards_(shards), files_(shards.size()), buffers_(shards.size()), open_chunk_(shards.size(), SIZE_MAX) {
    const auto& l = shards.front().layout;
    by_index_.assign(static_cast<std::size_t>(l.shard_count), SIZE_MAX);
    for (std::size_t i = 0; i < shards.size(); ++i) by_index_[static_cast<std::size_t>(shards[i].layout.shard_index - 1)] = i;
  }
  /// False when run's shard is not among the inputs.
  bool read(std::size_t run, std::vector<double>& row) {
    const auto& l = shards_.front().layout;
    const std::size_t n = static_cast<std::size_t>(l.shard_count);
    const std::size_t s = by_index_[run % n];
    if (s == SIZE_MAX) return false;
    const std::size_t local = run / n, chunk = local / l.chunk_runs, pos = local % l.chunk_runs;
    row.resize(l.value_columns());
    const std::size_t row_bytes = row.size() * sizeof(double);
    const bool buffered = l.chunk_runs * row_bytes <= buffer_bytes;
    if (open_chunk_[s] != chunk) {
      files_[s] = std::make_unique<std::ifstream>(chunk_path(shards_[s], chunk, "values.bin"), std::ios::binary);
      if (!*files_[s]) missing_chunk(shards_[s], chunk);
      open_chunk_[s] = chunk;
      buffers_[s].clear();
      if (buffered) {
        auto& f = *files_[s];
        f.seekg(0, std::ios::end);
        const auto size = static_cast<std::size_t>(f.tellg());
        f.seekg(0);
        buffers_[s].resize(size / sizeof(double));
        f.read(reinterpret_cast<char*>(buffers_[s].data()), static_cast<std::streamsize>(buffers_[s].size() * sizeof(double)));
        if (!f) missing_chunk(shards_[s], chunk);
      }
    }
    if (buffered) {
      const std::size_t first = pos * row.size();
      if (first + row.size() > buffers_[s].size()) missing_chunk(shards_[s], chunk);
      std::copy_n(buffers_[s].begin() + static_cast<std::ptrdiff_t>(first), row.size(), row.begin());
      return true;
    }
    auto& f = *files_[s];
    f.seekg(static_cast<std::streamoff>(pos * row_bytes));
    f.read(reinterpret_cast<char*>(row.data()), static_cast<std::streamsize>(row_bytes));
    if (!f) missing_chunk(shards_[s], chunk);
    return true;
  }

 private:
  const std::vector<ShardInput>& shards_;
  std::vector<std::unique_ptr<std::ifstream>> files_;
  std::vector<std::vector<double>> buffers_;  ///< the open chunk's rows, when buffered
  std::vector<std::size_t> open_chunk_;
  std::vector<std::size_t> by_index_;
};

/// summary.csv: one group per listed donor, then one for the whole cohort; per arm.
void write_summary(const std::vector<ShardInput>& shards, std::ostream& out, std::size_t budget) {
  const auto& l = shards.front().layout;
  io::CsvWriter w(out);
  w.write_row({"donor", "arm", "time", "side", "observable", "n", "mean", "sd", "q05", "q25", "median", "q75", "q95"});
  ValueReader reader(shards);
  const std::size_t n_cols = l.value_columns();
  if (n_cols == 0) return;
  const std::size_t A = l.arms.size(), S = l.samples_per_arm;
  struct Group {
    std::string label;
    std::size_t first_donor, end_donor;
  };
  std::vector<Group> groups;
  for (std::size_t d = 0; d < l.listed_donors.size(); ++d) groups.push_back({l.listed_donors[d], d, d + 1});
  if (l.cohort_size) groups.push_back({"cohort", l.listed_donors.size(), l.donors()});

  std::vector<double> row;
  for (const auto& g : groups) {
    for (std::size_t a = 0; a < A; ++a) {
      const std::size_t group_runs = (g.end_donor - g.first_donor) * S;
      const std::size_t batch = std::max<std::size_t>(1, budget / (sizeof(double) * std::max<std::size_t>(1, group_runs)));
      for (std::size_t c0 = 0; c0 < n_cols; c0 += batch) {
        const std::size_t c1 = std::min(n_cols, c0 + batch);
        std::vector<std::vector<double>> cols(c1 - c0);
        for (std::size_t d = g.first_donor; d < g.end_donor; ++d)
          for (std::size_t smp = 0; smp < S; ++smp) {
            if (!reader.read((d * A + a) * S + smp, row)) continue;
            for (std::size_t c = c0; c < c1; ++c)
              if (!std::isnan(row[c])) cols[c - c0].push_back(row[c]);
          }
        for (std::size_t c = c0; c < c1; ++c) {
          const Summary sm = summarize(cols[c - c0]);
          const std::size_t ti = c / l.observables.size(), oi = c % l.observables.size();
          w.field(g.label).field(l.arms[a]).field(l.times[ti]).field(l.before_event[ti] ? "-" : "")
              .field(l.observables[oi]).field(sm.n).field(sm.mean)
              .field(sm.sd).field(sm.q05).field(sm.q25).field(sm.median).field(sm.q75).field(sm.q95);
          w.end_row();
        }
      }
    }
  }
}

}  // namespace

AssembleCounts assemble_outputs(const std::vector<ShardInput>& shards, const fs::path& out_dir, std::size_t budget) {
  AssembleCounts counts;
  const auto& l = shards.front().layout;
  io::write_file_atomically(out_dir / "runs.csv", [&](std::ostream& out) {
    io::CsvWriter(out).write_row(runs_header(l));
    merge_lines(shards, "runs.csv", out, [&](const std::string& line) {
      ++counts.runs;
      // run,donor,arm,sample,status,...: ids are plain names, so the status is the fifth field.
      std::size_t pos = 0;
      for (int i = 0; i < 4; ++i) pos = line.find(',', pos) + 1;
      if (line.compare(pos, 3, "ok,") == 0) {
        ++counts.ok;
      } else {
        ++counts.failed;
        if (counts.first_failures.size() < AssembleCounts::max_listed_failures) counts.first_failures.push_back(line);
      }
    });
  });
  if (l.timecourses) {
    io::write_file_atomically(out_dir / "timecourses.csv", [&](std::ostream& out) {
      io::CsvWriter(out).write_row(timecourses_header());
      if (shards.size() == 1)
        copy_lines(shards.front(), "timecourses.csv", out);
      else
        merge_lines(shards, "timecourses.csv", out, [](const std::string&) {});
    });
  }
  io::write_file_atomically(out_dir / "summary.csv", [&](std::ostream& out) { write_summary(shards, out, budget); });
  return counts;
}

}  // namespace exvivo::sweep
