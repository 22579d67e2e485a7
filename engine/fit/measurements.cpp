#include "fit/measurements.hpp"

#include <cmath>
#include <limits>
#include <optional>

#include <fmt/core.h>

#include "core/check.hpp"
#include "core/noise_distribution.hpp"
#include "core/number.hpp"
#include "core/quantity.hpp"
#include "core/text.hpp"
#include "core/units.hpp"
#include "fit/likelihood.hpp"

namespace exvivo::fit {

namespace {

std::string trimmed(std::string_view s) { return std::string(trim_spaces(s)); }

std::string column_key(const io::CsvTable& t, std::size_t column) {
  return "column '" + t.header.at(column) + "'";
}

/// Index of `name` in `known`, or a DataError naming what it should have been.
std::size_t lookup(const io::CsvTable& t, std::size_t row, std::size_t column,
                   const std::string& name, const std::vector<std::string>& known,
                   std::string_view what) {
  for (std::size_t i = 0; i < known.size(); ++i)
    if (known[i] == name) return i;
  if (name.empty())
    throw DataError(t.location(row, column), column_key(t, column), fmt::format("missing {}", what));
  throw DataError(t.location(row, column), column_key(t, column),
                  fmt::format("unknown {} '{}'", what, name), closest_match(name, known));
}

struct Columns {
  std::size_t observable = 0, time = 0, measurement = 0;
  std::optional<std::size_t> donor, arm, condition, sd, replicate, lower, upper, ratio_to, noise;
};

/// A PEtab column that must be empty in every row because we cannot honour it.
void reject_unsupported(const io::CsvTable& t, std::string_view name, std::string_view why) {
  const auto column = t.find_column(name);
  if (!column) return;
  for (std::size_t r = 0; r < t.row_count(); ++r)
    if (!t.is_missing(r, name))
      throw DataError(t.location(r, *column), column_key(t, *column),
                      fmt::format("'{}': {}", t.get(r, *column), why));
}

void split_condition(const io::CsvTable& t, std::size_t row, std::size_t column,
                     const MeasurementContext& c, Measurement& m) {
  const std::string text = trimmed(t.get(row, column));
  const auto colon = text.find(':');
  const SourceLocation where = t.location(row, column);
  if (colon != std::string::npos) {
    m.donor = lookup(t, row, column, text.substr(0, colon), c.donors, "donor");
    m.arm = lookup(t, row, column, text.substr(colon + 1), c.arms, "arm");
    return;
  }
  if (c.arms.size() == 1) {
    m.donor = lookup(t, row, column, text, c.donors, "donor");
    m.arm = 0;
  } else if (c.donors.size() == 1) {
    m.donor = 0;
    m.arm = lookup(t, row, column, text, c.arms, "arm");
  } else {
    throw DataError(where, column_key(t, column),
                    fmt::format("expected 'donor:arm', got '{}'", text));
  }
}

}  // namespace

namespace {
/// A time as written in a `time` field or after the last ':' of `ratio_to`:
/// core's time point ("24", "24 h", "30 min", "24 h-"), as scenario sample
/// times are read. Throws UnitError with core's message.
TimePoint parse_time(std::string_view text, const std::optional<Unit>& time_unit) {
  if (time_unit) return parse_time_point(text, *time_unit);
  // A context without a time unit (an API caller's): bare numbers only.
  const TimePoint p = parse_time_point(text, parse_unit("h"));
  if (parse_quantity(text).has_unit()) throw UnitError("a time with a unit needs the model's time unit");
  return p;
}

/// A `time` field (see parse_time); DataError located at the field.
TimePoint read_time(const io::CsvTable& t, std::size_t r, std::size_t column, const std::optional<Unit>& time_unit) {
  try {
    return parse_time(t.get(r, column), time_unit);
  } catch (const UnitError& e) {
    throw DataError(t.location(r, column), column_key(t, column), e.what());
  }
}

/// A `ratio_to` field: "donor:arm:time", a sample of the same scenario other than the row's own.
SampleRef read_ratio_to(const io::CsvTable& t, std::size_t r, std::size_t column, const MeasurementContext& c,
                        const std::optional<Unit>& time_unit, const Measurement& row) {
  const std::string text = trimmed(t.get(r, column));
  const auto fail = [&](const std::string& what, std::string suggestion = {}) {
    throw DataError(t.location(r, column), column_key(t, column), what, std::move(suggestion));
  };
  const auto first = text.find(':');
  const auto second = first == std::string::npos ? first : text.find(':', first + 1);
  if (second == std::string::npos)
    fail(
        fmt::format("expected 'donor:arm:time' naming the reference sample (same scenario and "
                    "observable), such as 'septic:control:24 h', got '{}'",
                    text));
  SampleRef ref;
  const std::string donor = trimmed(text.substr(0, first));
  const std::string arm = trimmed(text.substr(first + 1, second - first - 1));
  const auto find = [&](const std::string& name, const std::vector<std::string>& known, const char* what) {
    for (std::size_t i = 0; i < known.size(); ++i)
      if (known[i] == name) return i;
    fail(fmt::format("'{}': unknown {} '{}' of this scenario", text, what, name), closest_match(name, known));
    return std::size_t{0};
  };
  ref.donor = find(donor, c.donors, "donor");
  ref.arm = find(arm, c.arms, "arm");
  try {
    const TimePoint time = parse_time(text.substr(second + 1), time_unit);
    ref.time = time.value;
    ref.before_event = time.before;
  } catch (const UnitError& e) {
    fail(fmt::format("'{}': {}", text, e.what()));
  }
  if (ref.time < 0 || ref.time > c.horizon)
    fail(fmt::format("'{}': time {} is outside the simulated interval [0, {}]", text, check_detail::describe(ref.time),
                     check_detail::describe(c.horizon)));
  if (ref.donor == row.donor && ref.arm == row.arm && ref.time == row.time && ref.before_event == row.before_event)
    fail(fmt::format("'{}' is the row's own sample (the ratio would always be 1)", text));
  return ref;
}
}  // namespace

namespace {
using Distribution = model::NoiseModel::Distribution;

/// The optional `noise` field: a distribution name replacing the observable's
/// for this row: any of the model's names but proportional (measurements.hpp).
std::optional<Distribution> read_noise(const io::CsvTable& t, std::size_t r, std::size_t column) {
  if (t.is_missing(r, column)) return std::nullopt;
  static const std::vector<std::string> row_names = [] {
    std::vector<std::string> names;
    for (const auto& n : noise_distribution_names())
      if (n != to_string(Distribution::proportional)) names.push_back(n);
    return names;
  }();
  return check_noise_distribution<DataError>(column_key(t, column), trimmed(t.get(r, column)), row_names,
                                             t.location(r, column));
}

/// The optional `lower`/`upper` fields of a censored or interval row.
void read_bounds(const io::CsvTable& t, std::size_t r, std::optional<std::size_t> lower,
                 std::optional<std::size_t> upper, Distribution noise, double range, Measurement& m) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  m.lower = lower && !t.is_missing(r, *lower) ? t.get_double(r, *lower) : nan;
  m.upper = upper && !t.is_missing(r, *upper) ? t.get_double(r, *upper) : nan;
  if (!m.censored()) return;
  const std::size_t at = m.upper == m.upper ? *upper : *lower;
  if (m.lower == m.lower && m.upper == m.upper && !(m.lower < m.upper))
    throw DataError(t.location(r, at), column_key(t, at),
                    fmt::format("upper {} must be above lower {}", check_detail::describe(m.upper),
                                check_detail::describe(m.lower)));
  if (noise == Distribution::laplace)
    throw DataError(t.location(r, at), column_key(t, at),
                    "censored or interval rows are not supported for laplace noise (normal, lognormal, "
                    "log10normal, logitnormal or proportional are)");
  if (noise == Distribution::lognormal || noise == Distribution::log10normal || noise == Distribution::logitnormal) {
    const std::string name = to_string(noise);
    if (m.lower == m.lower && m.lower < 0)
      throw DataError(t.location(r, *lower), column_key(t, *lower),
                      name + " noise: lower must be >= 0, got " + check_detail::describe(m.lower));
    if (m.upper == m.upper && !(m.upper > 0))
      throw DataError(t.location(r, *upper), column_key(t, *upper),
                      name + " noise: upper must be positive, got " + check_detail::describe(m.upper));
  }
  if (noise == Distribution::logitnormal && m.lower == m.lower && !(m.lower < range))
    throw DataError(t.location(r, *lower), column_key(t, *lower),
                    fmt::format("logitnormal noise on (0, {}): lower must be below {}, got {}", range, range,
                                check_detail::describe(m.lower)));
}
/// The LLOQ rule (measurements.hpp): an exact row below its observable's
/// LLOQ becomes left-censored at the LLOQ.
void censor_below_lloq(const io::CsvTable& t, std::size_t r, std::size_t column, const MeasurementContext& c,
                       Distribution noise, Measurement& m) {
  const double lloq = m.observable < c.lloq.size() ? c.lloq[m.observable] : std::numeric_limits<double>::quiet_NaN();
  if (m.censored() || m.ratio_to || !(m.value < lloq)) return;
  if (noise == Distribution::laplace)
    throw DataError(t.location(r, column), column_key(t, column),
                    fmt::format("{} is below the observable's lloq {}, and a censored row cannot have laplace "
                                "noise (give the row another noise or an `upper`)",
                                check_detail::describe(m.value), check_detail::describe(lloq)));
  m.upper = lloq;
}
}  // namespace

MeasurementTable parse_measurements(const io::CsvTable& t, const MeasurementContext& c) {
  MeasurementTable out;
  out.file = t.file;
  const bool petab = t.has_column("observableId") || t.has_column("simulationConditionId");
  Columns col;
  if (petab) {
    out.layout = MeasurementTable::Layout::petab;
    t.require_columns({"observableId", "simulationConditionId", "time", "measurement"});
    col.observable = t.column("observableId");
    col.condition = t.column("simulationConditionId");
    col.sd = t.find_column("noiseParameters");
    col.replicate = t.find_column("replicateId");
    reject_unsupported(t, "preequilibrationConditionId", "pre-equilibration is not supported");
    reject_unsupported(t, "observableParameters", "observable parameters are not supported");
  } else {
    t.require_columns({"donor", "arm", "observable", "time", "measurement"});
    col.donor = t.column("donor");
    col.arm = t.column("arm");
    col.observable = t.column("observable");
    col.sd = t.find_column("sd");
    col.replicate = t.find_column("replicate");
  }
  col.time = t.column("time");
  col.measurement = t.column("measurement");
  col.lower = t.find_column("lower");
  col.upper = t.find_column("upper");
  col.ratio_to = t.find_column("ratio_to");
  col.noise = t.find_column("noise");

  std::optional<Unit> time_unit;
  if (!c.time_unit.empty()) time_unit = parse_unit(c.time_unit);
  out.rows.reserve(t.row_count());
  for (std::size_t r = 0; r < t.row_count(); ++r) {
    Measurement m;
    m.where = SourceLocation{t.file, t.row_lines.at(r), 0};
    if (petab) {
      split_condition(t, r, *col.condition, c, m);
    } else {
      m.donor = lookup(t, r, *col.donor, trimmed(t.get(r, *col.donor)), c.donors, "donor");
      m.arm = lookup(t, r, *col.arm, trimmed(t.get(r, *col.arm)), c.arms, "arm");
    }
    m.observable =
        lookup(t, r, col.observable, trimmed(t.get(r, col.observable)), c.observables, "observable");

    const TimePoint time = read_time(t, r, col.time, time_unit);
    m.time = time.value;
    m.before_event = time.before;
    if (m.time < 0 || m.time > c.horizon)
      throw DataError(t.location(r, col.time), column_key(t, col.time),
                      fmt::format("time {} is outside the simulated interval [0, {}]",
                                  check_detail::describe(m.time), check_detail::describe(c.horizon)));

    if (col.ratio_to && !t.is_missing(r, *col.ratio_to)) {
      m.ratio_to = read_ratio_to(t, r, *col.ratio_to, c, time_unit, m);
      m.ratio_text = trimmed(t.get(r, *col.ratio_to));
    }

    const Distribution model_noise = m.observable < c.noise.size() ? c.noise[m.observable] : Distribution::none;
    if (col.noise) m.noise = read_noise(t, r, *col.noise);
    const Distribution noise = m.noise ? *m.noise : model_noise;
    const double range = m.observable < c.observable_units.size() ? logit_range(c.observable_units[m.observable]) : 1.0;
    if (noise == Distribution::logitnormal && m.ratio_to)
      throw DataError(t.location(r, *col.ratio_to), column_key(t, *col.ratio_to),
                      fmt::format("a ratio row cannot have logitnormal noise (a ratio is not a fraction of {}); "
                                  "give the row another distribution in a 'noise' column, with an sd",
                                  range == 1 ? "1" : "100 %"));
    read_bounds(t, r, col.lower, col.upper, noise, range, m);
    m.value = m.censored() && t.is_missing(r, col.measurement) ? std::numeric_limits<double>::quiet_NaN()
                                                                : t.get_double(r, col.measurement);
    censor_below_lloq(t, r, col.measurement, c, noise, m);
    if ((noise == Distribution::lognormal || noise == Distribution::log10normal) && !m.censored() &&
        !(m.value > 0))
      throw DataError(t.location(r, col.measurement), column_key(t, col.measurement),
                      fmt::format("observable '{}' has {} noise: measurements must be "
                                  "positive, got {} (a reading below the assay's limit is a censored row: "
                                  "give 'upper', or the observable an lloq in the model file)",
                                  c.observables[m.observable], to_string(noise), check_detail::describe(m.value)));
    if (noise == Distribution::logitnormal && !m.censored() && !(m.value > 0 && m.value < range))
      throw DataError(t.location(r, col.measurement), column_key(t, col.measurement),
                      fmt::format("observable '{}' has logitnormal noise on (0, {}){}: measurements must lie "
                                  "strictly inside, got {} (a value at a bound can be a censored row: "
                                  "'upper' or 'lower' instead of 'measurement')",
                                  c.observables[m.observable], range, range == 100 ? " (unit %)" : "",
                                  check_detail::describe(m.value)));

    m.sd = std::numeric_limits<double>::quiet_NaN();
    if (col.sd && !t.is_missing(r, *col.sd)) {
      const std::string text = trimmed(t.get(r, *col.sd));
      if (petab && !parse_double(text))
        throw DataError(t.location(r, *col.sd), column_key(t, *col.sd),
                        fmt::format("only numeric noise parameters are supported, got '{}'", text));
      m.sd = t.get_double(r, *col.sd);
      if (!(m.sd > 0))
        throw DataError(t.location(r, *col.sd), column_key(t, *col.sd),
                        "must be positive, got " + check_detail::describe(m.sd));
    }
    if (m.noise && *m.noise != model_noise && !m.has_sd()) {
      const std::size_t at = col.sd ? *col.sd : *col.noise;
      throw DataError(t.location(r, at), column_key(t, at),
                      fmt::format("the row's noise '{}' differs from observable '{}''s ({}): give the row a "
                                  "standard deviation on the {} scale ('{}' column)",
                                  to_string(*m.noise), c.observables[m.observable], to_string(model_noise),
                                  to_string(*m.noise), petab ? "noiseParameters" : "sd"));
    }
    if (noise == Distribution::none && !m.has_sd()) {
      const std::size_t at = col.sd ? *col.sd : col.measurement;
      throw DataError(t.location(r, at), column_key(t, at),
                      fmt::format("observable '{}' has no noise model in the model file: give "
                                  "this row a standard deviation ('{}' column)",
                                  c.observables[m.observable], petab ? "noiseParameters" : "sd"));
    }
    if (col.replicate) m.replicate = trimmed(t.get(r, *col.replicate));
    out.rows.push_back(std::move(m));
  }
  return out;
}

MeasurementTable read_measurements(const std::filesystem::path& path,
                                   const MeasurementContext& context) {
  return parse_measurements(io::read_csv_file(path), context);
}

}  // namespace exvivo::fit
