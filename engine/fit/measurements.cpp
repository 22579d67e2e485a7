#include "fit/measurements.hpp"

#include <cctype>
#include <cmath>
#include <limits>
#include <optional>

#include <fmt/core.h>

#include "core/check.hpp"
#include "core/number.hpp"
#include "core/units.hpp"
#include "fit/likelihood.hpp"

namespace exvivo::fit {

namespace {

std::string trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

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
/// A time as written in a `time` field: "24", "24 h", "30 min", each
/// optionally followed by '-'. Returns an error message instead on failure.
std::optional<double> parse_time(std::string text, const std::string& time_unit, bool& before_event,
                                 std::string& error) {
  text = trimmed(text);
  const std::string written = text;
  before_event = !text.empty() && text.back() == '-';
  if (before_event) text = trimmed(text.substr(0, text.size() - 1));
  if (const auto v = parse_double(text)) return *v;
  const std::size_t space = text.find_first_of(" \t");
  const auto number = space == std::string::npos ? std::nullopt : parse_double(text.substr(0, space));
  if (!number) {
    error = fmt::format(
        "expected a time such as 24, 24 h, 30 min or 24 h- (just before the events "
        "at 24 h), got '{}'",
        written);
    return std::nullopt;
  }
  const std::string unit = trimmed(text.substr(space));
  if (time_unit.empty()) {
    error = "a time with a unit needs the model's time unit";
    return std::nullopt;
  }
  try {
    return *number * conversion_factor(parse_unit(unit), parse_unit(time_unit));
  } catch (const UnitError& e) {
    error = fmt::format("'{}' is not a time unit convertible to {}: {}", unit, time_unit, e.what());
  }
  return std::nullopt;
}

/// A `time` field (see parse_time); DataError located at the field.
double read_time(const io::CsvTable& t, std::size_t r, std::size_t column, const std::string& time_unit,
                 bool& before_event) {
  std::string error;
  const auto v = parse_time(t.get(r, column), time_unit, before_event, error);
  if (!v) throw DataError(t.location(r, column), column_key(t, column), error);
  return *v;
}

/// A `ratio_to` field: "donor:arm:time", a sample of the same scenario other than the row's own.
SampleRef read_ratio_to(const io::CsvTable& t, std::size_t r, std::size_t column, const MeasurementContext& c,
                        const Measurement& row) {
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
  std::string error;
  const auto time = parse_time(text.substr(second + 1), c.time_unit, ref.before_event, error);
  if (!time) fail(fmt::format("'{}': {}", text, error));
  ref.time = *time;
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

const char* distribution_name(Distribution d) {
  switch (d) {
    case Distribution::normal: return "normal";
    case Distribution::lognormal: return "lognormal";
    case Distribution::proportional: return "proportional";
    case Distribution::log10normal: return "log10normal";
    case Distribution::laplace: return "laplace";
    case Distribution::logitnormal: return "logitnormal";
    case Distribution::none: break;
  }
  return "none";
}

/// The optional `noise` field: a distribution name replacing the observable's for this row.
std::optional<Distribution> read_noise(const io::CsvTable& t, std::size_t r, std::size_t column) {
  if (t.is_missing(r, column)) return std::nullopt;
  const std::string name = trimmed(t.get(r, column));
  const std::vector<std::string> names = {"normal", "lognormal", "log10normal", "laplace", "logitnormal"};
  for (const Distribution d : {Distribution::normal, Distribution::lognormal, Distribution::log10normal,
                               Distribution::laplace, Distribution::logitnormal})
    if (name == distribution_name(d)) return d;
  throw DataError(t.location(r, column), column_key(t, column),
                  fmt::format("unknown noise distribution '{}' (expected normal, lognormal, log10normal, laplace "
                              "or logitnormal)",
                              name),
                  closest_match(name, names));
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
    const std::string name = distribution_name(noise);
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

    m.time = read_time(t, r, col.time, c.time_unit, m.before_event);
    if (m.time < 0 || m.time > c.horizon)
      throw DataError(t.location(r, col.time), column_key(t, col.time),
                      fmt::format("time {} is outside the simulated interval [0, {}]",
                                  check_detail::describe(m.time), check_detail::describe(c.horizon)));

    if (col.ratio_to && !t.is_missing(r, *col.ratio_to)) {
      m.ratio_to = read_ratio_to(t, r, *col.ratio_to, c, m);
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
    if ((noise == Distribution::lognormal || noise == Distribution::log10normal) && !m.censored() &&
        !(m.value > 0))
      throw DataError(
          t.location(r, col.measurement), column_key(t, col.measurement),
          fmt::format("observable '{}' has {} noise: measurements must be "
                      "positive, got {}",
                      c.observables[m.observable], distribution_name(noise), check_detail::describe(m.value)));
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
      throw DataError(
          t.location(r, at), column_key(t, at),
          fmt::format("the row's noise '{}' differs from observable '{}''s ({}): give the row a "
                      "standard deviation on the {} scale ('{}' column)",
                      distribution_name(*m.noise), c.observables[m.observable], distribution_name(model_noise),
                      distribution_name(*m.noise), petab ? "noiseParameters" : "sd"));
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
