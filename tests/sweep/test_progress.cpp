// The progress line fits the terminal (issue 16: the bar wrapped on an
// 80-column terminal, so every redraw added a line).
#include <catch2/catch.hpp>

#include <string>

#include "sweep/progress.hpp"

using exvivo::sweep::format_duration;
using exvivo::sweep::format_progress;
using exvivo::sweep::ProgressState;

namespace {
ProgressState state(std::size_t done, std::size_t total, std::size_t failed, double elapsed) {
  ProgressState s;
  s.done = done;
  s.total = total;
  s.failed = failed;
  s.elapsed_seconds = elapsed;
  return s;
}
}  // namespace

TEST_CASE("progress lines fit 80 columns with a bar, whatever the label and counts", "[sweep][progress]") {
  const std::string long_label(70, 'x');
  for (const std::string& label : {std::string("gmcsf_restores_hladr"), long_label}) {
    for (const auto& st : {state(0, 10, 0, 0.0), state(123456, 1000000, 7890, 3.5), state(1000000, 1000000, 0, 9.5),
                           state(5, 10000000000ULL, 3, 1e5)}) {
      for (bool final : {false, true}) {
        const std::string bar = format_progress(label, st, true, final, 80);
        const std::string plain = format_progress(label, st, false, final, 80);
        INFO(bar << "\n" << plain);
        CHECK(bar.size() <= 79);
        CHECK(plain.size() <= 79);
        CHECK(bar.find('\n') == std::string::npos);
      }
    }
  }
}

TEST_CASE("a progress bar shows the counts, the rate and the ETA", "[sweep][progress]") {
  const std::string line = format_progress("cohort_gmcsf", state(250, 1000, 2, 2.5), true, false, 80);
  // The bar shrinks from 30 to 23 characters so that the line fits 79 columns.
  CHECK(line == "cohort_gmcsf [#####..................] 250/1000 25% 2 failed 100 runs/s ETA 8 s");
  CHECK(line.size() <= 79);
  const std::string done = format_progress("cohort_gmcsf", state(1000, 1000, 0, 10), true, true, 80);
  CHECK(done == "cohort_gmcsf [##############################] 1000/1000 100% 100 runs/s 10 s");
}

TEST_CASE("a long label is shortened before the numbers go", "[sweep][progress]") {
  const std::string line = format_progress(std::string(60, 'a'), state(1, 2, 0, 1), true, false, 80);
  CHECK(line.find("...") != std::string::npos);
  CHECK(line.find("1/2 50%") != std::string::npos);
  CHECK(line.find("ETA") != std::string::npos);
  const std::string narrow = format_progress("gmcsf", state(1, 2, 0, 1), true, false, 40);
  CHECK(narrow.size() <= 39);
  CHECK(narrow.find("ETA 1 s") != std::string::npos);
}

TEST_CASE("durations read in s, min or h", "[sweep][progress]") {
  CHECK(format_duration(42) == "42 s");
  CHECK(format_duration(600) == "10 min");
  CHECK(format_duration(4 * 3600) == "4.0 h");
  CHECK(format_duration(-1) == "0 s");
}
