#pragma once
// The (preequilibration, simulation) condition pairs of a PEtab measurement
// table: which rows each pair measures, at which times, and which
// preequilibration it starts from. Built once per problem; the objective
// (PetabProblem::evaluate) and the time courses (PetabProblem::timecourses)
// both walk it, and pairs that share a preequilibration condition share its
// steady state within one evaluation (the condition's parameters are the
// same for all of them).
#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "io/csv_reader.hpp"

namespace exvivo::sbml {

/// A (preequilibration, simulation) condition pair and its measurement rows.
struct PetabConditionPair {
  std::string preequilibration;  ///< preequilibrationConditionId; "" for none
  std::string simulation;        ///< simulationConditionId
  /// Index into PetabConditionPlan::preequilibrations; nullopt for none.
  std::optional<std::size_t> preequilibration_index;
  std::vector<std::size_t> rows;  ///< measurement table rows, in table order
  std::set<double> finite_times;  ///< the rows' finite times
  bool steady_state = false;      ///< whether a row is at time = inf
};

struct PetabConditionPlan {
  std::vector<PetabConditionPair> pairs;  ///< in the order they first appear in the table
  /// Indices into `pairs`, sorted by (preequilibration, simulation): the
  /// order in which evaluate() adds the rows' terms to llh and its gradient
  /// (floating-point sums: a different order changes their last bits).
  std::vector<std::size_t> evaluation_order;
  /// The distinct preequilibration conditions, in the order they first appear.
  std::vector<std::string> preequilibrations;
  std::vector<double> time;  ///< per measurement row: its time (inf for the steady state)
};

/// The plan of a measurement table with columns simulationConditionId and
/// time (and optionally preequilibrationConditionId; empty or NaN means
/// none). Throws DataError (file, line, column `time`) for a time that is
/// neither a number nor inf.
PetabConditionPlan plan_condition_pairs(const io::CsvTable& measurements);

// True for a PEtab cell that means "no value": empty, nan, NaN or NAN.
bool is_nan_text(const std::string& s);

}  // namespace exvivo::sbml
