#pragma once
// Writes scenario text to a temporary file next to nothing else; the model is
// referenced by absolute path so scenarios can be written inline in tests.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

namespace exvivo::test {

inline std::string one_compartment_model() { return std::string(EXVIVO_SOURCE_DIR) + "/models/one_compartment.yaml"; }

/// A fresh directory under the system temp dir, removed on destruction.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    static std::atomic<int> counter{0};
    path = std::filesystem::temp_directory_path() /
           ("exvivo_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    const auto p = path / name;
    std::ofstream(p) << text;
    return p.string();
  }
};

}  // namespace exvivo::test
