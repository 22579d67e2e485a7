#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "core/error.hpp"
#include "io/atomic_file.hpp"

#include <cerrno>

namespace fs = std::filesystem;

namespace {

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

fs::path scratch_dir(const std::string& name) {
  const fs::path dir = fs::path(EXVIVO_BINARY_DIR) / "test_scratch" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

}  // namespace

TEST_CASE("atomic writes replace the file and leave no temporary", "[io][atomic]") {
  const fs::path dir = scratch_dir("atomic_replace");
  const fs::path target = dir / "run.json";
  exvivo::io::write_file_atomically(target, std::string_view("first\n"));
  CHECK(read_all(target) == "first\n");
  exvivo::io::write_file_atomically(target, [](std::ostream& out) { out << "second " << 2 << '\n'; });
  CHECK(read_all(target) == "second 2\n");
  CHECK_FALSE(fs::exists(exvivo::io::temporary_path_for(target)));
  CHECK(exvivo::io::temporary_path_for(target).filename().string().rfind("run.json.tmp-", 0) == 0);
}

TEST_CASE("a failed atomic write keeps the old file", "[io][atomic]") {
  const fs::path dir = scratch_dir("atomic_failure");
  const fs::path target = dir / "chunk.csv";
  exvivo::io::write_file_atomically(target, std::string_view("complete\n"));
  CHECK_THROWS_WITH(exvivo::io::write_file_atomically(target,
                                                      [](std::ostream& out) {
                                                        out << "half";
                                                        throw std::runtime_error("writer failed");
                                                      }),
                    "writer failed");
  CHECK(read_all(target) == "complete\n");
  CHECK_FALSE(fs::exists(exvivo::io::temporary_path_for(target)));

  CHECK_THROWS_AS(exvivo::io::write_file_atomically(dir / "missing_dir" / "x.csv", std::string_view("x")),
                  exvivo::EnvironmentError);
  try {
    exvivo::io::write_file_atomically(dir / "missing_dir" / "x.csv", std::string_view("x"));
  } catch (const exvivo::EnvironmentError& e) {
    CHECK(e.error_number() == ENOENT);
    CHECK(std::string(e.what()).find("No such file or directory") != std::string::npos);
    CHECK(e.is_bad_path());
  }
}
