// Measurement tables: both layouts, and every validation error with its message.
#include <cmath>
#include <limits>
#include <sstream>

#include <catch2/catch.hpp>

#include "fit/measurements.hpp"

using namespace exvivo;
using exvivo::fit::MeasurementContext;
using Distribution = exvivo::model::NoiseModel::Distribution;

namespace {

MeasurementContext context() {
  MeasurementContext c;
  c.donors = {"septic_d3", "healthy"};
  c.arms = {"control", "gmcsf"};
  c.observables = {"mHLA_DR", "TNF", "count"};
  c.noise = {Distribution::lognormal, Distribution::normal, Distribution::none};
  c.horizon = 48;
  return c;
}

fit::MeasurementTable parse(const std::string& text, const std::string& file = "data.tsv",
                            const MeasurementContext& c = context()) {
  std::istringstream in(text);
  return fit::parse_measurements(io::read_csv(in, file), c);
}

}  // namespace

TEST_CASE("exvivo layout with optional sd and replicate", "[fit][measurements]") {
  const auto t = parse(
      "donor\tarm\tobservable\ttime\tmeasurement\tsd\treplicate\n"
      "septic_d3\tgmcsf\tmHLA_DR\t24\t8000\t\tA\n"
      "healthy\tcontrol\tTNF\t0\t12.5\t3\tB\n");
  REQUIRE(t.layout == fit::MeasurementTable::Layout::exvivo);
  REQUIRE(t.rows.size() == 2);
  CHECK(t.rows[0].donor == 0);
  CHECK(t.rows[0].arm == 1);
  CHECK(t.rows[0].observable == 0);
  CHECK_THAT(t.rows[0].time, Catch::WithinAbs(24, 0));
  CHECK_THAT(t.rows[0].value, Catch::WithinAbs(8000, 0));
  CHECK_FALSE(t.rows[0].has_sd());
  CHECK(t.rows[0].replicate == "A");
  CHECK(t.rows[0].where.str() == "data.tsv:2");
  CHECK(t.rows[1].has_sd());
  CHECK_THAT(t.rows[1].sd, Catch::WithinAbs(3, 0));
  CHECK(t.rows[1].where.str() == "data.tsv:3");
}

TEST_CASE("PEtab layout: condition read as donor:arm, numeric noiseParameters", "[fit][measurements]") {
  const auto t = parse(
      "observableId,simulationConditionId,time,measurement,noiseParameters,replicateId,datasetId\n"
      "TNF,healthy:gmcsf,6,100,5,r1,d\n"
      "mHLA_DR,septic_d3:control,12,3000,,r2,d\n",
      "m.csv");
  REQUIRE(t.layout == fit::MeasurementTable::Layout::petab);
  REQUIRE(t.rows.size() == 2);
  CHECK(t.rows[0].donor == 1);
  CHECK(t.rows[0].arm == 1);
  CHECK(t.rows[0].observable == 1);
  CHECK_THAT(t.rows[0].sd, Catch::WithinAbs(5, 0));
  CHECK(t.rows[0].replicate == "r1");
  CHECK_FALSE(t.rows[1].has_sd());
}

TEST_CASE("PEtab condition without ':' names the donor when there is one arm", "[fit][measurements]") {
  auto c = context();
  c.arms = {"default"};
  const auto t = parse("observableId,simulationConditionId,time,measurement\nTNF,healthy,6,1\n", "m.csv", c);
  CHECK(t.rows.at(0).donor == 1);
  CHECK(t.rows.at(0).arm == 0);
  c = context();
  c.donors = {"default"};
  const auto u = parse("observableId,simulationConditionId,time,measurement\nTNF,gmcsf,6,1\n", "m.csv", c);
  CHECK(u.rows.at(0).donor == 0);
  CHECK(u.rows.at(0).arm == 1);
}

TEST_CASE("measurement table errors name file:line:column", "[fit][measurements][errors]") {
  const std::string head = "donor\tarm\tobservable\ttime\tmeasurement\tsd\n";
  using Catch::Matchers::Equals;
  CHECK_THROWS_MATCHES(parse(head + "septic_d3\tgmcsf\tmHLA_D\t24\t8000\t\n"), DataError,
                       Catch::Message("data.tsv:2:3: column 'observable': unknown observable "
                                      "'mHLA_D' (did you mean 'mHLA_DR'?)"));
  CHECK_THROWS_MATCHES(parse(head + "septic_d4\tgmcsf\tTNF\t24\t1\t\n"), DataError,
                       Catch::Message("data.tsv:2:1: column 'donor': unknown donor 'septic_d4' "
                                      "(did you mean 'septic_d3'?)"));
  CHECK_THROWS_MATCHES(parse(head + "healthy\tgmscf\tTNF\t24\t1\t\n"), DataError,
                       Catch::Message("data.tsv:2:2: column 'arm': unknown arm 'gmscf' (did you "
                                      "mean 'gmcsf'?)"));
  CHECK_THROWS_MATCHES(parse(head + "healthy\tgmcsf\tTNF\tsix\t1\t\n"), DataError,
                       Catch::Message("data.tsv:2:4: column 'time': expected a time such as '24 h' or '30 "
                                      "min', got 'six'"));
  CHECK_THROWS_MATCHES(parse(head + "healthy\tgmcsf\tTNF\t6\tinf\t\n"), DataError,
                       Catch::Message("data.tsv:2:5: column 'measurement': expected a finite "
                                      "number, got 'inf'"));
  CHECK_THROWS_MATCHES(parse(head + "healthy\tgmcsf\tTNF\t6\t1\t-2\n"), DataError,
                       Catch::Message("data.tsv:2:6: column 'sd': must be positive, got -2"));
  CHECK_THROWS_MATCHES(parse(head + "healthy\tgmcsf\tTNF\t60\t1\t\n"), DataError,
                       Catch::Message("data.tsv:2:4: column 'time': time 60 is outside the "
                                      "simulated interval [0, 48]"));
  CHECK_THROWS_MATCHES(parse(head + "healthy\tgmcsf\tTNF\t-1\t1\t\n"), DataError,
                       Catch::Message("data.tsv:2:4: column 'time': time -1 is outside the "
                                      "simulated interval [0, 48]"));
  CHECK_THROWS_MATCHES(parse(head + "\nhealthy\tgmcsf\tmHLA_DR\t6\t0\t\n"), DataError,
                       Catch::Message("data.tsv:3:5: column 'measurement': observable 'mHLA_DR' "
                                      "has lognormal noise: measurements must be positive, got 0 (a reading "
                                      "below the assay's limit is a censored row: give 'upper', or the "
                                      "observable an lloq in the model file)"));
  CHECK_THROWS_MATCHES(parse(head + "healthy\tgmcsf\tcount\t6\t10\t\n"), DataError,
                       Catch::Message("data.tsv:2:6: column 'sd': observable 'count' has no noise "
                                      "model in the model file: give this row a standard "
                                      "deviation ('sd' column)"));
  CHECK_THROWS_MATCHES(parse("donor\tarm\tobservable\ttime\tmeasurment\n"), DataError,
                       Catch::Message("data.tsv:1: missing required column 'measurement' (did "
                                      "you mean 'measurment'?); the header has: donor, arm, "
                                      "observable, time, measurment"));
}

TEST_CASE("PEtab-specific errors", "[fit][measurements][errors]") {
  CHECK_THROWS_MATCHES(
      parse("observableId,simulationConditionId,time,measurement,noiseParameters\n"
            "TNF,healthy:gmcsf,6,1,sigma_TNF\n",
            "m.csv"),
      DataError,
      Catch::Message("m.csv:2:5: column 'noiseParameters': only numeric noise parameters are "
                     "supported, got 'sigma_TNF'"));
  CHECK_THROWS_MATCHES(
      parse("observableId,simulationConditionId,time,measurement\nTNF,healthy,6,1\n", "m.csv"),
      DataError, Catch::Message("m.csv:2:2: column 'simulationConditionId': expected 'donor:arm', got 'healthy'"));
  CHECK_THROWS_MATCHES(
      parse("observableId,simulationConditionId,time,measurement\nTNF,healthy:gmcfs,6,1\n", "m.csv"),
      DataError,
      Catch::Message("m.csv:2:2: column 'simulationConditionId': unknown arm 'gmcfs' (did you mean 'gmcsf'?)"));
  CHECK_THROWS_MATCHES(
      parse("observableId,simulationConditionId,preequilibrationConditionId,time,measurement\n"
            "TNF,healthy:gmcsf,pre,6,1\n",
            "m.csv"),
      DataError,
      Catch::Message("m.csv:2:3: column 'preequilibrationConditionId': 'pre': pre-equilibration is not supported"));
}

TEST_CASE("read_measurements reports an unreadable file", "[fit][measurements][errors]") {
  CHECK_THROWS_AS(fit::read_measurements("no/such/file.tsv", context()), DataError);
}

TEST_CASE("times are read as scenario sample times are (core's time points)", "[fit][measurements][time]") {
  const std::string head = "donor\tarm\tobservable\ttime\tmeasurement\n";
  auto c = context();
  c.time_unit = "h";
  const auto t = parse(head +
                           "healthy\tgmcsf\tTNF\t24\t1\n"
                           "healthy\tgmcsf\tTNF\t30 min\t1\n"
                           "healthy\tgmcsf\tTNF\t1d\t1\n"
                           "healthy\tgmcsf\tTNF\t24 h-\t1\n"
                           "healthy\tgmcsf\tTNF\t 6- \t1\n",
                       "data.tsv", c);
  REQUIRE(t.rows.size() == 5);
  const double expected[] = {24, 0.5, 24, 24, 6};
  const bool before[] = {false, false, false, true, true};
  for (std::size_t i = 0; i < 5; ++i) {
    CAPTURE(i);
    CHECK_THAT(t.rows[i].time, Catch::WithinRel(expected[i], 1e-15));
    CHECK(t.rows[i].before_event == before[i]);
  }
  const auto message = [&](const std::string& time, const MeasurementContext& ctx) {
    try {
      parse(head + "healthy\tgmcsf\tTNF\t" + time + "\t1\n", "data.tsv", ctx);
    } catch (const DataError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(message("5 ng/mL", c) ==
        "data.tsv:2:4: column 'time': expected a time such as '24 h' or '30 min', got '5 ng/mL'");
  CHECK(message("", c) == "data.tsv:2:4: column 'time': expected a time such as '24 h' or '30 min', got ''");
  CHECK(message("nan", c) == "data.tsv:2:4: column 'time': quantity 'nan': the number must be finite");
  CHECK(message("2 hours", c) ==
        "data.tsv:2:4: column 'time': expected a time such as '24 h' or '30 min', got '2 hours'");
  CHECK(message("2 h", context()) == "data.tsv:2:4: column 'time': a time with a unit needs the model's time unit");
  CHECK(message("2", context()) == "no error");
}

// The LLOQ rule lives in the table reader, so every likelihood built from a
// table (exvivo fit, the Python FitObjective) reads a row below the LLOQ as
// left-censored. A reading of 0 under lognormal or logitnormal noise is
// censored like any other reading below the LLOQ (without an LLOQ it is
// refused: see "measurement table errors").
TEST_CASE("a reading below the observable's lloq, 0 included, is left-censored at it", "[fit][measurements][lloq]") {
  MeasurementContext c = context();
  c.observables.push_back("viable");
  c.noise.push_back(Distribution::logitnormal);
  c.observable_units = {"AB/cell", "pg/mL", "1", "%"};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  c.lloq = {500, nan, nan, 1};
  const auto t = parse(
      "donor\tarm\tobservable\ttime\tmeasurement\tsd\tnoise\tupper\tratio_to\n"
      "healthy\tgmcsf\tmHLA_DR\t6\t0\t\t\t\t\n"
      "healthy\tgmcsf\tmHLA_DR\t12\t200\t\t\t\t\n"
      "healthy\tgmcsf\tmHLA_DR\t24\t800\t\t\t\t\n"
      "healthy\tgmcsf\tmHLA_DR\t30\t\t\t\t100\t\n"
      "healthy\tgmcsf\tmHLA_DR\t36\t0.2\t\t\t\thealthy:control:36\n"
      "healthy\tgmcsf\tviable\t6\t0\t\t\t\t\n"
      "healthy\tgmcsf\tTNF\t6\t0\t\t\t\t\n"
      "healthy\tgmcsf\tmHLA_DR\t40\t0\t1\tnormal\t\t\n",
      "data.tsv", c);
  REQUIRE(t.rows.size() == 8);
  CHECK(t.rows[0].upper == 500);  // 0 under lognormal noise: below the LLOQ, not refused
  CHECK(std::isnan(t.rows[0].lower));
  CHECK(t.rows[0].value == 0);  // the reading stays for the record (residuals.csv)
  CHECK(t.rows[1].upper == 500);
  CHECK_FALSE(t.rows[2].censored());
  CHECK(t.rows[3].upper == 100);      // the table's own limit is kept
  CHECK_FALSE(t.rows[4].censored());  // a ratio row is on the ratio's scale
  CHECK(t.rows[5].upper == 1);        // 0 % under logitnormal noise
  CHECK_FALSE(t.rows[6].censored());  // TNF declares no LLOQ: 0 is a normal reading
  CHECK(t.rows[7].upper == 500);      // the row's own noise does not change the rule
  // PEtab layout alike.
  const auto petab =
      parse("observableId\tsimulationConditionId\ttime\tmeasurement\nmHLA_DR\thealthy:gmcsf\t6\t0\n", "m.tsv", c);
  CHECK(petab.rows.at(0).upper == 500);
  // A row below the LLOQ with its own laplace noise cannot be censored.
  CHECK_THROWS_MATCHES(parse("donor\tarm\tobservable\ttime\tmeasurement\tsd\tnoise\n"
                             "healthy\tgmcsf\tmHLA_DR\t6\t0\t1\tlaplace\n",
                             "data.tsv", c),
                       DataError,
                       Catch::Message("data.tsv:2:5: column 'measurement': 0 is below the observable's lloq 500, "
                                      "and a censored row cannot have laplace noise (give the row another noise "
                                      "or an `upper`)"));
}
