// Coverage of 95 % profile-likelihood intervals under logit-normal noise with
// rows censored at both detection limits, on replicate synthetic data.
//
// Model: a fraction p decays, p' = −k·p, p(0) = p0, read out as pct = 100·p
// (unit %, logitnormal noise σ = 0.2 on logit(pct/100)). Truth k = 0.3 1/h,
// p0 = 0.6. Data: logit(m/100) = logit(p(t)) + N(0, 0.2²) at 8 times; values
// below 5 % are reported as "< 5 %" (upper = 5) and values above 50 % as
// "> 50 %" (lower = 50), as an assay with a detection range reports them (on
// average 2 of 8 rows per replicate are censored: at 0.5 h 63 % of the time,
// at 8 h 34 %, at 10 h almost always). Data are drawn from the closed form
// p0·exp(−k t), not from the engine's solver.
#include <cmath>
#include <cstdint>
#include <random>
#include <string>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "fit/fit_problem.hpp"
#include "fit/multi_start.hpp"
#include "fit/objective.hpp"
#include "fit/uncertainty.hpp"
#include "scenario/scenario_fixture.hpp"

using namespace exvivo;

namespace {

constexpr double k_true = 0.3, p0_true = 0.6, sigma_logit = 0.2;
constexpr double lloq = 5, uloq = 50;  // %
const double times[] = {0.5, 1, 2, 3, 4, 6, 8, 10};

struct Coverage {
  int replicates = 0, k_covered = 0, p0_covered = 0, censored_rows = 0;
};

void fit_replicate(const test::TempDir& dir, std::uint64_t seed, Coverage& c) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, sigma_logit);
  std::string tsv = "donor\tarm\tobservable\ttime\tmeasurement\tlower\tupper\n";
  for (const double t : times) {
    const double p = p0_true * std::exp(-k_true * t);
    const double z = std::log(p / (1 - p)) + noise(rng);
    const double m = 100 / (1 + std::exp(-z));
    if (m < lloq) {
      tsv += fmt::format("d\tculture\tpct\t{}\t\t\t{}\n", t, lloq);
      ++c.censored_rows;
    } else if (m > uloq) {
      tsv += fmt::format("d\tculture\tpct\t{}\t\t{}\t\n", t, uloq);
      ++c.censored_rows;
    } else {
      tsv += fmt::format("d\tculture\tpct\t{}\t{:.12g}\t\t\n", t, m);
    }
  }
  dir.write("data.tsv", tsv);
  const fit::FitProblem problem = fit::load_fit_problem((dir.path / "fit.yaml").string());
  const fit::Objective objective(problem);
  const fit::LeastSquaresProblem lsq = objective.least_squares_problem();
  fit::MultiStartOptions ms;
  ms.starts = 1;  // the likelihood has one optimum here; profiles dominate the cost
  ms.seed = seed;
  ms.threads = 1;
  ms.optimizer = problem.spec.optimizer;
  const auto starts = fit::multi_start(lsq, ms);
  const fit::OptimizerResult& best = starts.front().result;
  REQUIRE(best.converged());
  const fit::Interval k = fit::profile_likelihood(lsq, best, 0, ms.optimizer).interval;
  const fit::Interval p0 = fit::profile_likelihood(lsq, best, 1, ms.optimizer).interval;
  ++c.replicates;
  // θ = (log10 k, p0); NaN bounds (a profile that did not cross) count as misses.
  c.k_covered += k.lower <= std::log10(k_true) && std::log10(k_true) <= k.upper ? 1 : 0;
  c.p0_covered += p0.lower <= p0_true && p0_true <= p0.upper ? 1 : 0;
}

}  // namespace

// Nominal coverage makes the count of 200 replicates covering the truth
// Binomial(200, 0.95): P(X ≤ 181) = 0.0058 and P(X ≥ 199) = 0.0004, so the
// two-sided check 182 ≤ X ≤ 198 fails for a correct engine with probability
// < 0.7 % per parameter (the seeds are fixed: the outcome is reproducible),
// while intervals of true coverage 85 % pass with probability < 1 % and
// intervals that are much too wide (coverage 99.5 %) are caught too.
TEST_CASE(
    "logit-normal rows censored at both detection limits: 95% profile intervals cover the "
    "truth in 182-198 of 200 replicates",
    "[fit][recovery][censored][logitnormal]") {
  test::TempDir dir;
  dir.write("model.yaml",
            "# A fraction p decaying first-order, read out in percent.\n"
            "model: fraction_decay\n"
            "time_unit: h\n"
            "parameters:\n"
            "  k: {value: 0.3, unit: 1/h, bounds: [0.03, 3], scale: log10}\n"
            "  p0: {value: 0.5, unit: 1, bounds: [0.1, 0.99], scale: lin}\n"
            "species:\n"
            "  p: {initial: p0, unit: 1}\n"
            "odes:\n"
            "  p: -k * p\n"
            "observables:\n"
            "  pct: {formula: 100 * p, unit: \"%\", noise: {distribution: logitnormal, sigma: 0.2}}\n");
  dir.write("scenario.yaml",
            "scenario: fraction\nmodel: model.yaml\n"
            "solver: {method: rosenbrock, rel_tol: 1e-8, abs_tol: 1e-11}\n"
            "donors: [{id: d}]\narms: [{id: culture}]\n"
            "samples: {times: [0 h, 10 h]}\n");
  dir.write("fit.yaml",
            "fit: fraction\nscenario: scenario.yaml\ndata: data.tsv\n"
            "estimate: {k: {}, p0: {}}\n"
            "optimizer: {method: trust_region_lm, max_iter: 200, tol: 1e-8}\n");
  Coverage c;
  for (int i = 0; i < 200; ++i) fit_replicate(dir, 5000 + static_cast<std::uint64_t>(i), c);
  INFO("k covered " << c.k_covered << "/200, p0 covered " << c.p0_covered << "/200, censored rows " << c.censored_rows
                    << "/1600");
  CHECK(c.k_covered >= 182);
  CHECK(c.k_covered <= 198);
  CHECK(c.p0_covered >= 182);
  CHECK(c.p0_covered <= 198);
  CHECK(c.censored_rows > 200);  // the censoring is not incidental
}
