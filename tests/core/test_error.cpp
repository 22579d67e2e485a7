#include <catch2/catch.hpp>

#include "core/error.hpp"

using exvivo::closest_match;
using exvivo::Error;
using exvivo::SourceLocation;

TEST_CASE("located error messages have the standard shape", "[core][error]") {
  const Error e(SourceLocation{"scenario.yaml", 14, 9}, "arms[1].protocol[0].add",
                "unknown species 'GMSCF'", "GMCSF");
  CHECK(std::string(e.what()) ==
        "scenario.yaml:14:9: arms[1].protocol[0].add: unknown species 'GMSCF' (did you mean 'GMCSF'?)");
  CHECK(std::string(Error(SourceLocation{"m.yaml", 3, 0}, "", "empty file").what()) ==
        "m.yaml:3: empty file");
  CHECK(std::string(Error(SourceLocation{}, "solver.rel_tol", "must be positive").what()) ==
        "solver.rel_tol: must be positive");
}

TEST_CASE("closest_match suggests plausible typos only", "[core][error]") {
  const std::vector<std::string> names{"GMCSF", "IFNG", "IL7", "LPS", "mHLA_DR"};
  CHECK(closest_match("GMSCF", names) == "GMCSF");  // transposition
  CHECK(closest_match("ifng", names) == "IFNG");    // case
  CHECK(closest_match("mHLA_D", names) == "mHLA_DR");
  CHECK(closest_match("completely_else", names).empty());
  CHECK(closest_match("x", {}).empty());
}
