// Ownership of output directories (issue 15): refusals before anything is
// written, stale files of the same computation removed, foreign files kept.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.hpp"
#include "io/output_dir.hpp"

namespace fs = std::filesystem;
using exvivo::io::Computation;
using exvivo::io::OutputDir;
using Catch::Matchers::Contains;

namespace {

fs::path scratch_dir(const std::string& name) {
  const fs::path dir = fs::path(EXVIVO_BINARY_DIR) / "test_scratch" / name;
  fs::remove_all(dir);
  return dir;
}

void touch(const fs::path& p) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << "x\n";
}

const Computation run_a{"run", "scen_a", "1111"};
const Computation run_b{"run", "scen_b", "2222"};

}  // namespace

TEST_CASE("an output directory belongs to one computation", "[io][output_dir][issue15]") {
  const fs::path dir = scratch_dir("output_dir_owner");
  {
    OutputDir out(dir, run_a, false);
    out.claim({"runs.csv", "timecourses.csv"});
    touch(dir / "runs.csv");
    touch(dir / "timecourses.csv");
    out.finish();
  }
  CHECK_THROWS_WITH(OutputDir(dir, run_b, false),
                    Contains("holds the results of another computation (`exvivo run` of 'scen_a')"));
  // The refusal released the lock: the owner can come back at once (same process).
  {
    OutputDir again(dir, run_a, false);  // a fresh start: the old files are stale
    CHECK_FALSE(fs::exists(dir / "timecourses.csv"));
    CHECK_FALSE(fs::exists(dir / "runs.csv"));
    again.claim({"runs.csv"});
    touch(dir / "runs.csv");
    again.finish();
  }
  {
    OutputDir resumed(dir, run_a, true);
    CHECK(resumed.already_complete());
    CHECK(fs::exists(dir / "runs.csv"));
  }
  CHECK_THROWS_WITH(OutputDir(dir, Computation{"run", "scen_a", "changed"}, true),
                    Contains("holds the finished results of a different version of `exvivo run` of 'scen_a'"));
}

TEST_CASE("files exvivo did not write are never touched", "[io][output_dir][issue15]") {
  const fs::path dir = scratch_dir("output_dir_foreign");
  touch(dir / "chunks" / "notes.txt");
  CHECK_THROWS_WITH(OutputDir(dir, run_a, false, {{"chunks", "chunk-[0-9]+"}}),
                    Contains("holds files that exvivo did not write (chunks/)"));
  CHECK(fs::exists(dir / "chunks" / "notes.txt"));

  const fs::path owned = scratch_dir("output_dir_tree");
  {
    OutputDir out(owned, run_a, false, {{"chunks", "chunk-[0-9]+"}});
    out.claim_tree("chunks");
    touch(owned / "chunks" / "chunk-1");
  }
  touch(owned / "chunks" / "mine.txt");  // a user's file inside exvivo's folder
  CHECK_THROWS_WITH(OutputDir(owned, run_a, false, {{"chunks", "chunk-[0-9]+"}}),
                    Contains("holds files that exvivo did not write (chunks/mine.txt)"));
  CHECK(fs::exists(owned / "chunks" / "mine.txt"));
}

TEST_CASE("an output path that is a file is bad input", "[io][output_dir][issue15]") {
  const fs::path dir = scratch_dir("output_dir_file");
  touch(dir);
  CHECK_THROWS_AS(OutputDir(dir, run_a, false), exvivo::OptionError);
}
