#include "sbml/petab_plan.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "core/error.hpp"
#include "core/number.hpp"

namespace exvivo::sbml {

bool is_nan_text(const std::string& s) { return s.empty() || s == "nan" || s == "NaN" || s == "NAN"; }

PetabConditionPlan plan_condition_pairs(const io::CsvTable& measurements) {
  PetabConditionPlan plan;
  const auto preeq_col = measurements.find_column("preequilibrationConditionId");
  const std::size_t sim_col = measurements.column("simulationConditionId");
  const std::size_t time_col = measurements.column("time");
  std::map<std::pair<std::string, std::string>, std::size_t> pair_of;
  std::map<std::string, std::size_t> preequilibration_of;
  for (std::size_t r = 0; r < measurements.row_count(); ++r) {
    const auto& row = measurements.rows[r];
    const std::string& time_text = row[time_col];
    const auto t = is_nan_text(time_text) ? std::nullopt : parse_double(time_text);
    if (!t || std::isnan(*t))
      throw DataError(SourceLocation{measurements.file, measurements.row_lines[r], 0}, "time",
                      "expected a number or inf");
    plan.time.push_back(*t);
    const std::string preeq = preeq_col && !is_nan_text(row[*preeq_col]) ? row[*preeq_col] : "";
    const auto [at, added] = pair_of.try_emplace({preeq, row[sim_col]}, plan.pairs.size());
    if (added) {
      PetabConditionPair pair;
      pair.preequilibration = preeq;
      pair.simulation = row[sim_col];
      if (!preeq.empty()) {
        const auto [pre, new_pre] = preequilibration_of.try_emplace(preeq, plan.preequilibrations.size());
        if (new_pre) plan.preequilibrations.push_back(preeq);
        pair.preequilibration_index = pre->second;
      }
      plan.pairs.push_back(std::move(pair));
    }
    PetabConditionPair& pair = plan.pairs[at->second];
    pair.rows.push_back(r);
    if (std::isinf(*t))
      pair.steady_state = true;
    else
      pair.finite_times.insert(*t);
  }
  for (const auto& [conditions, k] : pair_of) plan.evaluation_order.push_back(k);  // the map's (sorted) order
  return plan;
}

}  // namespace exvivo::sbml
