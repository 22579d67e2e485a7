#pragma once
// Measurement tables for fitting (DESIGN.md §6).
//
// Two layouts are read, told apart by their header:
//
//  * exvivo's own: columns `donor, arm, observable, time, measurement`, plus
//    optional `sd` (standard deviation overriding the model's noise for that
//    row, see Measurement::sd) and `replicate` (a free label). Other columns
//    are ignored.
//  * Both layouts: optional `lower` and `upper` make a row censored (one of
//    them: below a detection limit, `upper` = LLOQ; above, `lower` = ULOQ) or
//    an interval (both); `measurement` may then be empty.
//  * Both layouts: optional `noise` names the row's noise distribution
//    (normal, lognormal, log10normal, laplace, logitnormal) instead of the
//    observable's; the row then needs an `sd` on that distribution's scale
//    unless it is the observable's own.
//  * Both layouts: optional `ratio_to` = `donor:arm:time` (time as in `time`,
//    "24 h-" allowed) names a reference sample of the same scenario; the row
//    then measures simulation(row) / simulation(reference) of the same
//    observable (a fold change, a fraction of the maximum). Its `measurement`,
//    `lower`, `upper` and `sd` are on that ratio's scale.
//  * PEtab v1 measurement tables: `observableId, simulationConditionId, time,
//    measurement`, optional `noiseParameters` (a number = that row's sd),
//    `replicateId` (read as replicate) and `datasetId` (ignored).
//    `simulationConditionId` is read as `donor:arm`; a condition without ':'
//    names the donor when the fit has one arm, or the arm when it has one
//    donor. Non-empty `preequilibrationConditionId` or `observableParameters`
//    and symbolic `noiseParameters` are not supported and rejected.
//
// The LLOQ rule: an exact row (not censored, interval or ratio) whose
// measurement is below its observable's lower limit of quantification
// (MeasurementContext::lloq) is not quantified: the assay reports "< LLOQ",
// so the row is read as left-censored, upper = LLOQ, its measurement kept for
// the record. This includes a reading of 0 under lognormal, log10normal or
// logitnormal noise, which without an LLOQ is refused. A row below the LLOQ
// whose own `noise` is laplace is an error (laplace rows cannot be censored).
// Every reader of a table for a likelihood goes through here, so the rule
// holds for `exvivo fit`, the Python FitObjective and anything else.
//
// Times are bare numbers in the model's time unit or numbers with a time unit
// ("30 min", "24 h"); measurements in the observable's unit. A measurement at
// an event time is compared with the state after that time's events (as a
// sample "24 h" in a scenario), unless its time ends in '-' ("24 h-", "24-"):
// then with the state just before them.
// Every problem is a DataError located at file:line:column (column = 1-based
// field number) of the offending field:
//
//     data.tsv:7:3: column 'observable': unknown observable 'mHLA_D' (did you mean 'mHLA_DR'?)
#include <cstddef>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "io/csv_reader.hpp"
#include "model/compiled_model.hpp"

namespace exvivo::fit {

/// What a table is checked against; the fit problem derives it from the scenario.
struct MeasurementContext {
  std::vector<std::string> donors;        ///< donor ids of the scenario
  std::vector<std::string> arms;          ///< arm ids of the scenario
  std::vector<std::string> observables;   ///< observable names of the model
  /// Noise distribution of each observable (same order as `observables`);
  /// rows of lognormal observables must have measurement > 0, rows of
  /// observables without noise model must give an sd.
  std::vector<model::NoiseModel::Distribution> noise;
  std::vector<std::string> observable_units;  ///< same order; "%" sets the logitnormal range (likelihood.hpp)
  /// Lower limit of quantification of each observable (the model's `lloq`,
  /// same order; NaN or absent: none). See "The LLOQ rule" above.
  std::vector<double> lloq;
  double horizon = 0;                     ///< times must lie in [0, horizon]
  std::string time_unit;                  ///< the model's; a `time` may carry a unit ("30 min")
};

/// A sample of a scenario: the reference of a ratio row.
struct SampleRef {
  std::size_t donor = 0;  ///< index into MeasurementContext::donors
  std::size_t arm = 0;    ///< index into MeasurementContext::arms
  double time = 0;        ///< model time unit
  bool before_event = false;
};

struct Measurement {
  std::size_t donor = 0;       ///< index into MeasurementContext::donors
  std::size_t arm = 0;         ///< index into MeasurementContext::arms
  std::size_t observable = 0;  ///< index into MeasurementContext::observables
  double time = 0;              ///< model time unit
  /// Written "24 h-": compared with the state just before the events at that time.
  bool before_event = false;
  double value = 0;
  /// Row-specific standard deviation replacing the observable's sigma, NaN when
  /// not given. Its scale follows the observable's distribution: for lognormal
  /// observables the sd of ln(y); otherwise an absolute sd in the observable's
  /// unit (the row is then normal even for a proportional observable).
  double sd = 0;
  /// Censored or interval row: the value is known to lie in [lower, upper]
  /// (NaN = unbounded on that side; both NaN = an exact measurement). The
  /// likelihood is the noise model's probability of that interval.
  double lower = std::numeric_limits<double>::quiet_NaN();
  double upper = std::numeric_limits<double>::quiet_NaN();
  /// The row's `noise` column: a distribution replacing the observable's for
  /// this row (then `sd` is required unless it is the observable's own).
  std::optional<model::NoiseModel::Distribution> noise;
  /// Ratio row: the reference sample (same observable), see above.
  std::optional<SampleRef> ratio_to;
  std::string ratio_text;  ///< `ratio_to` as written ("" when not a ratio row)
  std::string replicate;
  SourceLocation where;        ///< file:line of the row
  bool has_sd() const { return sd == sd; }
  bool censored() const { return lower == lower || upper == upper; }
};

struct MeasurementTable {
  enum class Layout { exvivo, petab };
  std::string file;
  Layout layout = Layout::exvivo;
  std::vector<Measurement> rows;  ///< file order
};

/// Reads and validates a table read with io::read_csv. Throws DataError.
MeasurementTable parse_measurements(const io::CsvTable& table, const MeasurementContext& context);

/// Reads and validates a CSV/TSV file. Throws DataError (also for an unreadable file).
MeasurementTable read_measurements(const std::filesystem::path& path,
                                   const MeasurementContext& context);

}  // namespace exvivo::fit
