#include <catch2/catch.hpp>

#include <cerrno>
#include <string>

#include "core/error.hpp"
#include "core/text.hpp"

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

TEST_CASE("environment errors carry the OS's reason and tell bad paths apart", "[core][error][issue15]") {
  const exvivo::EnvironmentError full("cannot write", "out/runs.csv", ENOSPC);
  CHECK(std::string(full.what()) == "cannot write 'out/runs.csv': No space left on device");
  CHECK_FALSE(full.is_bad_path());
  CHECK_FALSE(exvivo::EnvironmentError("cannot write", "x", EROFS).is_bad_path());
  CHECK(exvivo::EnvironmentError("cannot write", "x", EISDIR).is_bad_path());
}

TEST_CASE("paths of any bytes become valid UTF-8 for JSON records", "[core][text][issue15]") {
  CHECK(exvivo::utf8_or_escaped("plain/path.yaml") == "plain/path.yaml");
  CHECK(exvivo::utf8_or_escaped("caf\xc3\xa9/\xce\xbcg") == "caf\xc3\xa9/\xce\xbcg");
  CHECK(exvivo::utf8_or_escaped("odd_\xff\xfe_dir") == "odd_\\xFF\\xFE_dir");
  CHECK(exvivo::utf8_or_escaped("cut \xc3") == "cut \\xC3");
  CHECK(exvivo::utf8_or_escaped("overlong \xc0\xaf") == "overlong \\xC0\\xAF");
}
