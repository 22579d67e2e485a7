#include <algorithm>
#include <cmath>

#include <fmt/core.h>

#include "analysis/analysis_steps.hpp"
#include "analysis/readout_runner.hpp"
#include "analysis/roc.hpp"
#include "core/parallel.hpp"
#include "scenario/seeding.hpp"

namespace exvivo::analysis {

nlohmann::ordered_json run_biomarkers(const AnalysisSpec& spec, const BiomarkerSpec& section, AnalysisReport& report) {
  const scenario::Scenario& s = *spec.scenario;
  const scenario::RunPlan plan(s);
  const ResponseSpec& response = section.response;

  // Readout 0 is the response, 1 its reference arm (fold change), then the readout candidates.
  std::vector<Readout> readouts{response.readout};
  if (response.reference) readouts.push_back(*response.reference);
  std::vector<std::size_t> readout_of(section.candidates.size(), 0);
  for (std::size_t c = 0; c < section.candidates.size(); ++c)
    if (!section.candidates[c].is_parameter) {
      readout_of[c] = readouts.size();
      readouts.push_back(section.candidates[c].readout);
    }
  const ReadoutRunner runner(s, plan, readouts);

  const std::size_t members = s.cohort.size(), first_member = s.donors.size();
  std::vector<ReadoutValues> results(members);
  parallel_for_index(members, [&](std::size_t m) { results[m] = runner.evaluate(first_member + m, {}); });

  std::vector<std::size_t> kept;
  std::vector<bool> responds;
  std::vector<std::vector<double>> markers(section.candidates.size());
  for (std::size_t m = 0; m < members; ++m) {
    const ReadoutValues& r = results[m];
    report.runs += r.solves;
    report.timing.plain_solves += static_cast<long>(r.solves);
    report.timing.plain_seconds += r.solve_seconds;
    const std::string id = plan.donor_id((first_member + m) * s.arms.size() * plan.samples_per_arm());
    if (r.failed > 0) {
      note_failure(report, fmt::format("donor {}: {}", id, r.message), r.failed);
      continue;
    }
    const double value = response.reference ? r.values[0] / r.values[1] : r.values[0];
    if (!std::isfinite(value)) continue;
    std::vector<double> marker_values(section.candidates.size());
    bool finite = true;
    for (std::size_t c = 0; c < section.candidates.size(); ++c) {
      const BiomarkerCandidate& cand = section.candidates[c];
      marker_values[c] = cand.is_parameter ? r.parameters[cand.parameter] : r.values[readout_of[c]];
      finite = finite && std::isfinite(marker_values[c]);
    }
    if (!finite) continue;
    kept.push_back(m);
    responds.push_back(response.above ? value > response.threshold : value < response.threshold);
    for (std::size_t c = 0; c < section.candidates.size(); ++c) markers[c].push_back(marker_values[c]);
  }

  const auto responders = static_cast<std::size_t>(std::count(responds.begin(), responds.end(), true));
  if (kept.empty())
    throw ScenarioError(response.where, response.path,
                        fmt::format("no cohort member could be simulated ({} failed solves)", report.failed));
  if (responders == 0 || responders == kept.size())
    throw ScenarioError(response.where, response.path,
                        fmt::format("the response '{}' is met by {} of the {} cohort members; markers need both "
                                    "responders and non-responders (change the threshold)",
                                    response.label, responders == 0 ? "none" : "all", kept.size()));

  std::vector<BiomarkerRow> rows;
  for (std::size_t c = 0; c < section.candidates.size(); ++c) {
    const std::uint64_t seed = scenario::derive_key(section.seed, scenario::name_key(section.candidates[c].label));
    const RocSummary roc = roc_summary(markers[c], responds, section.bootstrap, seed);
    rows.push_back({section.candidates[c].label, roc.auc, roc.auc_ci, roc.threshold, roc.sensitivity,
                    roc.specificity, roc.higher, roc_curve(markers[c], responds, roc.higher)});
  }
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.auc > b.auc; });
  report.biomarkers = rows;

  nlohmann::ordered_json j;
  j["response"] = response.label;
  j["cohort_members"] = members;
  j["members_analysed"] = kept.size();
  j["responders"] = responders;
  j["bootstrap"] = section.bootstrap;
  j["seed"] = section.seed;
  j["auc_convention"] = "auc = max(AUC, 1 - AUC); direction higher: a higher marker predicts response";
  return j;
}

}  // namespace exvivo::analysis
