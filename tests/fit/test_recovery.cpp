// Parameter recovery: synthetic data simulated at known parameters with seeded
// noise, fitted end to end with run_fit (fit file, scenario, measurement table
// on disk, estimates.csv read back).
//
// The data come from the models' closed forms (decay.yaml: x = x0·exp(−k t);
// one_compartment.yaml without a dose: C = C0·exp(−k_el t)), not from the
// engine's solver, so the fit is checked against an independent truth.
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "fit/run_fit.hpp"
#include "io/csv_reader.hpp"

namespace fs = std::filesystem;
using namespace exvivo;

namespace {

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  REQUIRE(out.good());
}

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::path(EXVIVO_BINARY_DIR) / "fit_recovery" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string model_path(const std::string& file) {
  return (fs::path(EXVIVO_SOURCE_DIR) / "models" / file).string();
}

struct Estimate {
  double value = 0, lower = 0, upper = 0;
  std::string method;
  /// NaN bounds (a profile that never crossed the threshold) count as misses.
  bool covers(double truth) const { return lower <= truth && truth <= upper; }
};

/// estimates.csv keyed by "parameter" or "parameter/donor".
std::map<std::string, Estimate> read_estimates(const fs::path& out_dir) {
  const io::CsvTable t = io::read_csv_file(out_dir / "estimates.csv");
  std::map<std::string, Estimate> by_key;
  for (std::size_t r = 0; r < t.row_count(); ++r) {
    const std::string donor = t.get(r, "donor");
    const std::string key = t.get(r, "parameter") + (donor.empty() ? "" : "/" + donor);
    const auto bound = [&](const char* column) {
      return t.is_missing(r, column) ? std::nan("") : t.get_double(r, column);
    };
    by_key[key] = Estimate{t.get_double(r, "value"), bound("lower95"), bound("upper95"),
                           t.get(r, "method")};
  }
  return by_key;
}

fit::FitReport fit_quietly(const fs::path& fit_file) {
  fit::FitOptions options;
  options.out_dir = (fit_file.parent_path() / "out").string();
  options.threads = 1;  // replicates are many and small; one thread keeps the shared machine usable
  return fit::run_fit(fit_file.string(), options);
}

// ---- replicate coverage on decay.yaml --------------------------------------

constexpr double k_true = 0.5;    // 1/h
constexpr double x0_true = 1.0;   // 1
constexpr double sigma_x = 0.01;  // decay.yaml's x_obs noise: normal, sigma 0.01
const std::vector<double> decay_times{0.5, 1, 2, 3, 4, 6, 8};  // h

struct Coverage {
  int replicates = 0, k_covered = 0, x0_covered = 0, converged = 0;
};

/// One replicate data set (seeded), fitted with profile intervals for k and x0.
/// `set` names the replicate set, so that the 20- and 100-replicate tests can
/// run in parallel (ctest -j) without sharing directories.
/// With lloq > 0, values below it are reported as censored rows (upper = lloq,
/// measurement empty), as an assay reports "< LLOQ".
void fit_decay_replicate(const std::string& set, std::uint64_t seed, Coverage& coverage, double lloq = 0) {
  const fs::path dir = fresh_dir(fmt::format("decay_{}_{}", set, seed));
  write_text(dir / "scenario.yaml", fmt::format(R"(scenario: decay_recovery
model: {}
solver: {{method: rosenbrock, rel_tol: 1e-9, abs_tol: 1e-12}}
donors:
  - id: d
arms:
  - id: culture
samples:
  times: {{from: 0 h, to: 8 h, every: 1 h}}
)", model_path("decay.yaml")));
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, sigma_x);
  std::string tsv = "donor\tarm\tobservable\ttime\tmeasurement\tlower\tupper\n";
  for (const double t : decay_times) {
    const double value = x0_true * std::exp(-k_true * t) + noise(rng);
    tsv += value < lloq ? fmt::format("d\tculture\tx_obs\t{}\t\t\t{}\n", t, lloq)
                        : fmt::format("d\tculture\tx_obs\t{}\t{:.10g}\t\t\n", t, value);
  }
  write_text(dir / "data.tsv", tsv);
  write_text(dir / "fit.yaml", fmt::format(R"(fit: decay_recovery_{}
scenario: scenario.yaml
data: data.tsv
estimate:
  k:  {{bounds: [0.05, 5], scale: log10}}
  x0: {{bounds: [0.1, 10], scale: log10}}
starts: 4
seed: {}
optimizer: {{method: trust_region_lm, max_iter: 200, tol: 1e-10}}
uncertainty: {{fim: true, profile: [k, x0]}}
)", seed, seed));

  const fit::FitReport report = fit_quietly(dir / "fit.yaml");
  const auto est = read_estimates(dir / "out");
  REQUIRE(est.count("k") == 1);
  REQUIRE(est.count("x0") == 1);
  CHECK(est.at("k").method == "profile");
  ++coverage.replicates;
  coverage.converged += report.ok() ? 1 : 0;
  coverage.k_covered += est.at("k").covers(k_true) ? 1 : 0;
  coverage.x0_covered += est.at("x0").covers(x0_true) ? 1 : 0;
}

Coverage decay_coverage(int replicates, double lloq = 0) {
  Coverage c;
  const std::string set = std::to_string(replicates) + (lloq > 0 ? "_lloq" : "");
  for (int i = 0; i < replicates; ++i) fit_decay_replicate(set, 1000 + static_cast<std::uint64_t>(i), c, lloq);
  return c;
}

}  // namespace

// If the intervals have their nominal 95 % coverage, the number of 20
// replicates covering the truth is Binomial(20, 0.95): P(X ≤ 15) = 0.0026, so
// asserting ≥ 16 (80 %) fails for a correct engine with probability < 0.3 %
// per parameter (and the seeds are fixed, so the outcome is reproducible),
// while intervals of true coverage 70 % would pass with probability 0.24 only.
TEST_CASE("95% profile intervals cover the true decay parameters in >= 80% of 20 replicates",
          "[fit][recovery]") {
  const Coverage c = decay_coverage(20);
  INFO("k covered " << c.k_covered << "/20, x0 covered " << c.x0_covered << "/20, converged "
                    << c.converged << "/20");
  CHECK(c.converged == 20);
  CHECK(c.k_covered >= 16);
  CHECK(c.x0_covered >= 16);
}

// The issue's criterion. Binomial(100, 0.95): P(X ≤ 89) = 0.011. Hidden from
// the default run ([.slow]); CTest label `slow`. Result in tests/fit/README.md.
TEST_CASE("95% profile intervals cover the true decay parameters in >= 90% of 100 replicates",
          "[.slow][fit][recovery]") {
  const Coverage c = decay_coverage(100);
  WARN("k covered " << c.k_covered << "/100, x0 covered " << c.x0_covered << "/100, converged "
                    << c.converged << "/100");
  CHECK(c.converged == 100);
  CHECK(c.k_covered >= 90);
  CHECK(c.x0_covered >= 90);
}

// The same with an LLOQ of 0.15: the rows at 4, 6 and 8 h (x = 0.135, 0.050,
// 0.018) are mostly reported as "< 0.15" (censored), so k and x0 rest on four
// exact rows and three censored ones. Same criterion as above.
TEST_CASE("95% profile intervals stay nominal with rows censored below an LLOQ (20 replicates)",
          "[fit][recovery][censored]") {
  const Coverage c = decay_coverage(20, 0.15);
  INFO("k covered " << c.k_covered << "/20, x0 covered " << c.x0_covered << "/20, converged "
                    << c.converged << "/20");
  CHECK(c.converged == 20);
  CHECK(c.k_covered >= 16);
  CHECK(c.x0_covered >= 16);
}

TEST_CASE("censored rows: 95% profile intervals cover in >= 90% of 100 replicates",
          "[.slow][fit][recovery][censored]") {
  const Coverage c = decay_coverage(100, 0.15);
  WARN("k covered " << c.k_covered << "/100, x0 covered " << c.x0_covered << "/100, converged "
                    << c.converged << "/100");
  CHECK(c.converged == 100);
  CHECK(c.k_covered >= 90);
  CHECK(c.x0_covered >= 90);
}

// ---- per-donor recovery on one_compartment.yaml ----------------------------

TEST_CASE("A per-donor fit of 20 donors recovers each donor's clearance and the shared C0",
          "[fit][recovery]") {
  // k_el log-spaced over a decade, 0.05–0.5 1/h; C0 = 10 ng/mL shared. Two
  // replicates per time with a row sd of 0.05 on ln C (a 5 % CV assay), so the
  // standard error of each k_el is about 1–2 % and 10 % is > 5 standard errors.
  constexpr int donors = 20;
  constexpr double C0_true = 10;
  const std::vector<double> times{0.5, 1, 2, 4, 8, 12, 24};
  constexpr double sd_log = 0.05;
  std::vector<double> k_el(donors);
  for (int i = 0; i < donors; ++i) k_el[i] = 0.05 * std::pow(10.0, i / double(donors - 1));

  const fs::path dir = fresh_dir("cohort20");
  std::string donor_list;
  for (int i = 0; i < donors; ++i) donor_list += fmt::format("  - id: d{:02}\n", i + 1);
  write_text(dir / "scenario.yaml", fmt::format(R"(scenario: cohort20_recovery
model: {}
solver: {{method: rosenbrock, rel_tol: 1e-10, abs_tol: 1e-14}}
donors:
{}arms:
  - id: culture
samples:
  times: {{from: 0 h, to: 24 h, every: 4 h}}
)", model_path("one_compartment.yaml"), donor_list));
  std::mt19937_64 rng(20);
  std::normal_distribution<double> noise(0.0, sd_log);
  std::string tsv = "donor\tarm\tobservable\ttime\tmeasurement\tsd\treplicate\n";
  for (int i = 0; i < donors; ++i)
    for (const double t : times)
      for (const char* rep : {"A", "B"})
        tsv += fmt::format("d{:02}\tculture\tC_ng\t{}\t{:.10g}\t{}\t{}\n", i + 1, t,
                           C0_true * std::exp(-k_el[i] * t + noise(rng)), sd_log, rep);
  write_text(dir / "data.tsv", tsv);
  write_text(dir / "fit.yaml", R"(fit: cohort20_recovery
scenario: scenario.yaml
data: data.tsv
estimate:
  k_el: {bounds: [0.01, 2], scale: log10, per_donor: true}
  C0:   {bounds: [1, 100], scale: log10}
starts: 4
seed: 5
optimizer: {method: trust_region_lm, max_iter: 200, tol: 1e-10}
uncertainty: {fim: true, profile: [C0]}
)");

  const fit::FitReport report = fit_quietly(dir / "fit.yaml");
  CHECK(report.ok());
  const auto est = read_estimates(dir / "out");
  REQUIRE(est.size() == donors + 1);

  const Estimate& C0 = est.at("C0");
  CHECK_THAT(C0.value, Catch::WithinRel(C0_true, 0.02));
  CHECK(C0.covers(C0_true));

  // Binomial(20, 0.95): P(X ≤ 16) = 0.016, so ≥ 17 covered intervals.
  int covered = 0;
  for (int i = 0; i < donors; ++i) {
    const std::string key = fmt::format("k_el/d{:02}", i + 1);
    REQUIRE(est.count(key) == 1);
    const Estimate& e = est.at(key);
    INFO(key << ": true " << k_el[i] << ", estimate " << e.value << " [" << e.lower << ", " << e.upper << "]");
    CHECK(e.method == "fim");
    CHECK_THAT(e.value, Catch::WithinRel(k_el[i], 0.10));
    CHECK(e.lower < e.value);
    CHECK(e.value < e.upper);
    covered += e.covers(k_el[i]) ? 1 : 0;
  }
  INFO("k_el covered " << covered << "/20");
  CHECK(covered >= 17);
}
