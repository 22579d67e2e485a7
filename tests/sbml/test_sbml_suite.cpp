// The SBML Test Suite's semantic cases of tiers A (no events), B (time-only
// event triggers) and C (state-triggered events), from ../shared/external
// relative to the project root (skipped with a message when absent). Every
// case either passes the suite's rule |C − U| ≤ absolute + relative·|C| or is
// refused with a reason; counts per tier are printed and written to
// build/sbml_suite_results.tsv (one line per case: case, tier, outcome, detail).
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <tbb/parallel_for.h>

#include "core/error.hpp"
#include "sbml/sbml_case.hpp"

namespace {

namespace fs = std::filesystem;

fs::path suite_dir() { return fs::path(EXVIVO_SOURCE_DIR) / ".." / "shared" / "external" / "sbml-test-suite"; }

struct Case {
  std::string id, tier;
  std::string outcome;  // pass, fail, refused
  std::string detail;
};

std::vector<Case> in_scope_cases() {
  std::vector<Case> cases;
  std::ifstream index(suite_dir() / "case_index.tsv");
  std::string line;
  std::getline(index, line);  // header
  while (std::getline(index, line)) {
    std::stringstream ss(line);
    std::string id, tier;
    std::getline(ss, id, '\t');
    std::getline(ss, tier, '\t');
    if (tier == "A" || tier == "B" || tier == "C") cases.push_back({id, tier, "", ""});
  }
  return cases;
}

void run_case(Case& c) {
  const std::string dir = (suite_dir() / "cases" / "semantic" / c.id).string();
  try {
    const auto result = exvivo::sbml::run_sbml_case(dir);
    const auto comparison = exvivo::sbml::compare_sbml_case(dir, result);
    c.outcome = comparison.pass ? "pass" : "fail";
    c.detail = comparison.detail;
  } catch (const exvivo::Error& e) {
    c.outcome = "refused";
    c.detail = e.what();
  } catch (const std::exception& e) {
    c.outcome = "fail";
    c.detail = std::string("exception: ") + e.what();
  }
  for (char& ch : c.detail)
    if (ch == '\n' || ch == '\t') ch = ' ';
}

}  // namespace

TEST_CASE("SBML Test Suite: tiers A, B and C", "[sbml_suite]") {
  if (!fs::exists(suite_dir() / "case_index.tsv")) {
    WARN("SBML Test Suite not found at " << suite_dir().string() << ": skipped");
    return;
  }
  std::vector<Case> cases = in_scope_cases();
  REQUIRE(!cases.empty());
  tbb::parallel_for(std::size_t{0}, cases.size(), [&](std::size_t i) { run_case(cases[i]); });

  std::map<std::string, std::map<std::string, int>> counts;
  std::ofstream out(fs::path(EXVIVO_BINARY_DIR) / "sbml_suite_results.tsv");
  out << "case\ttier\toutcome\tdetail\n";
  for (const auto& c : cases) {
    ++counts[c.tier][c.outcome];
    ++counts[c.tier]["total"];
    out << c.id << '\t' << c.tier << '\t' << c.outcome << '\t' << c.detail << '\n';
  }
  std::ostringstream summary;
  for (const auto& [tier, n] : counts) {
    const auto get = [&](const char* k) { const auto it = n.find(k); return it == n.end() ? 0 : it->second; };
    summary << "tier " << tier << ": " << get("pass") << " / " << get("total") << " pass, " << get("fail")
            << " fail, " << get("refused") << " refused\n";
  }
  std::printf("%s", summary.str().c_str());
  // The acceptance levels: tier A (no events) 95 %, tier B (time-only
  // triggers) all, tier C (state-triggered events) 80 % of the cases pass.
  CHECK(counts["A"]["pass"] * 100 >= 95 * counts["A"]["total"]);
  CHECK(counts["B"]["pass"] == counts["B"]["total"]);
  CHECK(counts["C"]["pass"] * 100 >= 80 * counts["C"]["total"]);
  // A case that was neither passed nor refused simulated something wrong.
  for (const auto& c : cases) {
    INFO(c.id << " (tier " << c.tier << "): " << c.detail);
    CHECK(c.outcome != "fail");
  }
}
