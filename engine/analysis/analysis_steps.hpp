#pragma once
// The sections of an analysis, run by run_analysis() (run_analysis.hpp
// documents the files they write). Each fills its rows of `report`, adds its
// solves and failures, and returns its summary for analysis.json. Called
// inside the caller's TBB arena.
#include <nlohmann/json.hpp>

#include "analysis/analysis_spec.hpp"
#include "analysis/run_analysis.hpp"

namespace exvivo::analysis {

nlohmann::ordered_json run_sensitivity(const AnalysisSpec& spec, const SensitivitySpec& section,
                                       AnalysisReport& report);
nlohmann::ordered_json run_biomarkers(const AnalysisSpec& spec, const BiomarkerSpec& section, AnalysisReport& report);
nlohmann::ordered_json run_design(const AnalysisSpec& spec, const DesignSpec& section, AnalysisReport& report);

/// Counts `count` failed solves and keeps `message` among the first few.
void note_failure(AnalysisReport& report, const std::string& message, std::size_t count = 1);

}  // namespace exvivo::analysis
