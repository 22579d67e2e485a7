// One provenance head for run.json, fit.json and analysis.json.
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "core/version.hpp"
#include "io/provenance.hpp"

using namespace exvivo;

TEST_CASE("provenance records open with the same keys in the same order", "[io][provenance]") {
  io::Provenance p;
  p.command = "fit";
  p.name = "gmcsf";
  p.inputs = {{"fit", "fit.yaml", "aa"}, {"data", "", "bb"}};
  p.threads = 2;
  p.start = std::chrono::system_clock::time_point{};
  p.wall_seconds = 1.5;
  nlohmann::ordered_json details;
  details["starts"] = 20;
  details["best"] = {{"nllh", 1.0}};
  const auto j = io::provenance_record(p, details);
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"fit", "engine_version", "git_revision", "fit_file", "fit_sha256",
                                         "data_sha256", "threads", "start_time", "end_time", "wall_seconds", "starts",
                                         "best"});
  CHECK(j["fit"] == "gmcsf");
  CHECK(j["engine_version"] == engine_version);
  CHECK(j["fit_sha256"] == "aa");
  CHECK(j["start_time"] == "1970-01-01T00:00:00Z");
  CHECK(j["wall_seconds"] == 1.5);
}

TEST_CASE("a command cannot overwrite a provenance key", "[io][provenance]") {
  io::Provenance p;
  p.command = "analysis";
  nlohmann::ordered_json details;
  details["threads"] = 3;
  CHECK_THROWS_AS(io::provenance_record(p, details), std::logic_error);
}
