#pragma once
// Helpers for the analysis tests: inline scenario/analysis files in a
// temporary directory, the bundled models by absolute path.
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "scenario/scenario_fixture.hpp"

namespace exvivo::test {

inline std::string model_path(const std::string& name) {
  return std::string(EXVIVO_SOURCE_DIR) + "/models/" + name + ".yaml";
}

/// The first line of a text file (a CSV header).
inline std::string first_line(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

/// Bit-identical doubles: determinism checks, where no tolerance applies.
inline bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

/// |actual − expected| ≤ abs OR relative difference ≤ 1e-12, as one matcher
/// (Catch's `WithinAbs || WithinRel` keeps references to its operands, so it
/// cannot be returned from a helper).
class CloseTo : public Catch::MatcherBase<double> {
 public:
  CloseTo(double expected, double abs) : expected_(expected), abs_(abs) {}
  bool match(const double& actual) const override {
    return Catch::Matchers::WithinAbs(expected_, abs_).match(actual) ||
           Catch::Matchers::WithinRel(expected_, 1e-12).match(actual);
  }
  std::string describe() const override {
    return "is within " + Catch::Detail::stringify(abs_) + " (or relative 1e-12) of " +
           Catch::Detail::stringify(expected_);
  }

 private:
  double expected_, abs_;
};

inline CloseTo close_to(double expected, double abs) { return {expected, abs}; }

}  // namespace exvivo::test
