#include "fit/objective.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>
#include <numbers>
#include <stdexcept>

#include <fmt/core.h>

#include "core/number.hpp"
#include "core/parallel.hpp"
#include "fit/likelihood.hpp"
#include "fit/sensitivity.hpp"
#include "model/sensitivity_code.hpp"

namespace exvivo::fit {

namespace {
constexpr double half_log_2pi = 0.91893853320467274178;

/// The distribution a row is evaluated with (see objective.hpp).
Distribution row_distribution(const FitScenario& p, const Measurement& m) {
  const Distribution d = m.noise ? *m.noise : p.context.noise.at(m.observable);
  return d == Distribution::proportional || d == Distribution::none ? Distribution::normal : d;
}
/// The row's σ when it cannot change with the parameters (an sd, or a model
/// sigma written as a number for a normal or lognormal observable), else NaN.
double constant_sigma(const FitScenario& p, const Measurement& m) {
  if (m.has_sd()) return m.sd;
  const model::ObservableInfo& info = p.scenario->model->observables().at(m.observable);
  if (info.noise.distribution == Distribution::proportional) return std::nan("");
  return parse_double(info.noise.sigma).value_or(std::nan(""));
}

/// The least-squares terms of row m at simulation y and σ (censored rows: the
/// interval's probability, likelihood.hpp).
/// `range`: the logitnormal c (likelihood.hpp).
ResidualTerms row_terms(Distribution d, double range, const Measurement& m, double y, double sigma) {
  return m.censored() ? censored_residual_terms(d, y, m.lower, m.upper, sigma, range)
                      : residual_terms(d, y, m.value, sigma, range);
}
double row_nllh(Distribution d, double range, const Measurement& m, double y, double sigma) {
  return m.censored() ? censored_negative_log_likelihood(d, y, m.lower, m.upper, sigma, range)
                      : negative_log_likelihood(d, y, m.value, sigma, range);
}
}  // namespace

struct Objective::Simulated {
  SensitivityResult result;
};

/// y and σ of a row with, when asked, their θ-gradients as (θ entry, value) terms.
struct Objective::RowValue {
  double y = 0, sigma = 0;
  struct Term {
    std::size_t column, estimate;
    double dy, dsigma;  ///< ∂/∂p of the estimate's model parameter
  };
  std::vector<Term> terms;
};

namespace {
bool log_scale(Distribution d) { return d == Distribution::lognormal || d == Distribution::log10normal; }
}  // namespace

Objective::Objective(const FitProblem& problem) : problem_(problem) {
  const auto& spec = problem.spec;
  const auto& donors = problem.donors;
  // A per-donor value is estimated for donors with rows or named as a ratio's reference.
  std::vector<bool> has_data(donors.size(), false);
  for (const FitScenario& fs : problem.scenarios)
    for (const auto& row : fs.data.rows) {
      has_data[fs.donor[row.donor]] = true;
      if (row.ratio_to) has_data[fs.donor[row.ratio_to->donor]] = true;
    }
  index_.resize(spec.estimates.size());
  for (std::size_t e = 0; e < spec.estimates.size(); ++e) {
    const auto& est = spec.estimates[e];
    index_[e].assign(donors.size(), no_entry);
    if (est.per_donor) {
      for (std::size_t d = 0; d < donors.size(); ++d) {
        if (!has_data[d]) continue;  // nothing to estimate it from: the scenario's value stays
        index_[e][d] = entries_.size();
        entries_.push_back({e, d, true, est.name + "[" + donors[d] + "]"});
      }
    } else {
      std::fill(index_[e].begin(), index_[e].end(), entries_.size());
      entries_.push_back({e, 0, false, est.name});
    }
  }

  // One run per (scenario, donor, arm) with rows or references, in that order.
  std::map<std::tuple<std::size_t, std::size_t, std::size_t>, std::size_t> run_of;
  for (std::size_t k = 0; k < problem.scenarios.size(); ++k)
    for (const auto& row : problem.scenarios[k].data.rows) {
      run_of.emplace(std::make_tuple(k, row.donor, row.arm), 0);
      if (row.ratio_to) run_of.emplace(std::make_tuple(k, row.ratio_to->donor, row.ratio_to->arm), 0);
    }
  for (std::size_t k = 0; k < problem.scenarios.size(); ++k) {
    const scenario::RunPlan plan(*problem.scenarios[k].scenario);
    const std::size_t n_arms = problem.scenarios[k].context.arms.size();
    for (auto& [key, index] : run_of) {
      if (std::get<0>(key) != k) continue;
      index = runs_.size();
      RunData rd;
      rd.scenario = k;
      rd.donor = std::get<1>(key);
      rd.arm = std::get<2>(key);
      rd.run = plan.make_run((rd.donor * n_arms + rd.arm) * plan.samples_per_arm());
      rd.run.samples.clear();
      runs_.push_back(std::move(rd));
    }
  }
  for (std::size_t k = 0; k < problem.scenarios.size(); ++k)
    for (const auto& row : problem.scenarios[k].data.rows) {
      RowData rd;
      rd.measurement = &row;
      rd.distribution = row_distribution(problem.scenarios[k], row);
      rd.range = logit_range(problem.scenarios[k].context.observable_units.at(row.observable));
      rd.run = run_of.at({k, row.donor, row.arm});
      runs_[rd.run].run.samples.push_back({row.time, row.before_event});
      if (row.ratio_to) {
        rd.ref_run = run_of.at({k, row.ratio_to->donor, row.ratio_to->arm});
        runs_[rd.ref_run].run.samples.push_back({row.ratio_to->time, row.ratio_to->before_event});
      }
      rows_.push_back(rd);
    }
  // Sorted as integrate() wants them: by time, "t-" (before the events) first.
  const auto before = [](const solve::SampleTime& a, const solve::SampleTime& b) {
    return a.time < b.time || (a.time == b.time && a.before_event && !b.before_event);
  };
  // The generated sensitivity code is built (compiled, for native models) here
  // rather than inside the first timed sensitivity solve: one per scenario
  // model and its estimated parameters (the same model shares it).
  // The solves get it from here, without the model cache's lock; a scenario
  // with `when:` steps also gets the code its runs continue with after a jump.
  for (std::size_t k = 0; k < problem.scenarios.size(); ++k) {
    const model::CompiledModel& model = *problem.scenarios[k].scenario->model;
    codes_.push_back(model::sensitivity_code(model, problem.scenarios[k].parameter));
    if (std::any_of(runs_.begin(), runs_.end(),
                    [&](const RunData& rd) { return rd.scenario == k && !rd.run.state_events.empty(); }))
      codes_.back() = model::with_continued(model, std::move(codes_.back()));
  }
  for (RunData& rd : runs_) {
    auto& samples = rd.run.samples;
    std::sort(samples.begin(), samples.end(), before);
    samples.erase(std::unique(samples.begin(), samples.end(),
                              [](auto& a, auto& b) { return a.time == b.time && a.before_event == b.before_event; }),
                  samples.end());
  }
  const auto sample_index = [&](std::size_t run, double time, bool before_event) {
    const auto& samples = runs_[run].run.samples;
    const auto it = std::lower_bound(samples.begin(), samples.end(), solve::SampleTime{time, before_event}, before);
    return static_cast<std::size_t>(it - samples.begin());
  };

  for (RowData& rd : rows_) {
    const Measurement& row = *rd.measurement;
    rd.sample = sample_index(rd.run, row.time, row.before_event);
    if (row.ratio_to) rd.ref_sample = sample_index(rd.ref_run, row.ratio_to->time, row.ratio_to->before_event);
    if (row.censored()) continue;  // nllh = ½r² exactly, no sigma residual
    constant_ += half_log_2pi - 0.5 * sigma_residual_offset;
    // A constant σ's sigma residual is a constant: moved here so that the
    // optimizer's relative-reduction test sees only what θ can change. A ratio
    // row's model σ is divided by the reference unless on a log scale.
    const Distribution d = rd.distribution;
    double sigma = constant_sigma(problem.scenarios[runs_[rd.run].scenario], row);
    if (row.ratio_to && !row.has_sd() && !log_scale(d)) sigma = std::nan("");
    if (sigma == sigma) constant_ += std::log(sigma) + 0.5 * sigma_residual_offset;
    rd.sigma_varies = sigma != sigma;
    if (d == Distribution::lognormal) constant_ += std::log(row.value);
    if (d == Distribution::log10normal) constant_ += std::log(row.value * std::numbers::ln10);
    if (d == Distribution::laplace) constant_ += std::numbers::ln2 - half_log_2pi;
    if (d == Distribution::logitnormal) constant_ += std::log(row.value * (1 - row.value / rd.range));
  }
}

Objective::RowValue Objective::row_value(const RowData& rd, const std::vector<Simulated>& sims,
                                         bool derivatives) const {
  const Measurement& row = *rd.measurement;
  const RunData& run = runs_[rd.run];
  const SensitivityResult& sim = sims[rd.run].result;
  const auto s = static_cast<Eigen::Index>(rd.sample);
  const auto o = static_cast<Eigen::Index>(row.observable);
  RowValue v;
  v.y = sim.observables(s, o);
  v.sigma = row.has_sd() ? row.sd : sim.sigmas(s, o);
  const std::size_t n_estimates = problem_.spec.estimates.size();
  const FitScenario& fs = problem_.scenarios[run.scenario];
  // Scales applied to the row sample's dy and dσ (1 unless a ratio row).
  double y_scale = 1, sigma_scale = row.has_sd() ? 0.0 : 1.0;
  double y_ref = 1;
  if (row.ratio_to) {
    y_ref = sims[rd.ref_run].result.observables(static_cast<Eigen::Index>(rd.ref_sample), o);
    v.y /= y_ref;
    y_scale = 1 / y_ref;
    if (!row.has_sd() && !log_scale(rd.distribution)) {
      v.sigma /= std::abs(y_ref);
      sigma_scale = 1 / std::abs(y_ref);
    }
  }
  if (!derivatives) return v;
  for (std::size_t e = 0; e < n_estimates; ++e) {
    const auto ec = static_cast<Eigen::Index>(e);
    const std::size_t col = theta_index(e, fs.donor[run.donor]);
    const double dy = sim.observable_sensitivities[rd.sample](o, ec);
    const double ds = sigma_scale == 0 ? 0.0 : sim.sigma_sensitivities[rd.sample](o, ec);
    v.terms.push_back({col, e, dy * y_scale, ds * sigma_scale});
    if (!row.ratio_to) continue;
    const RunData& ref = runs_[rd.ref_run];
    const double dy_ref = sims[rd.ref_run].result.observable_sensitivities[rd.ref_sample](o, ec);
    // y = y_row / y_ref: ∂y/∂y_ref = −y/y_ref; σ = σ_row/|y_ref|: ∂σ/∂y_ref = −σ/y_ref.
    const double dsigma_dref = row.has_sd() || log_scale(rd.distribution) ? 0.0 : -v.sigma / y_ref;
    v.terms.push_back({theta_index(e, fs.donor[ref.donor]), e, -v.y / y_ref * dy_ref, dsigma_dref * dy_ref});
  }
  return v;
}

std::size_t Objective::theta_index(std::size_t e, std::size_t donor) const { return index_.at(e).at(donor); }

Eigen::VectorXd Objective::lower() const {
  Eigen::VectorXd v(static_cast<Eigen::Index>(entries_.size()));
  for (std::size_t j = 0; j < entries_.size(); ++j) {
    const auto& est = problem_.spec.estimates[entries_[j].estimate];
    v[static_cast<Eigen::Index>(j)] = to_scale(est.scale, est.lower);
  }
  return v;
}

Eigen::VectorXd Objective::upper() const {
  Eigen::VectorXd v(static_cast<Eigen::Index>(entries_.size()));
  for (std::size_t j = 0; j < entries_.size(); ++j) {
    const auto& est = problem_.spec.estimates[entries_[j].estimate];
    v[static_cast<Eigen::Index>(j)] = to_scale(est.scale, est.upper);
  }
  return v;
}

void Objective::apply(const Eigen::VectorXd& theta, std::size_t scenario, std::size_t donor, solve::Run& run) const {
  const auto& estimates = problem_.spec.estimates;
  const FitScenario& fs = problem_.scenarios.at(scenario);
  for (std::size_t e = 0; e < estimates.size(); ++e) {
    const std::size_t j = theta_index(e, fs.donor.at(donor));
    if (j != no_entry)
      run.parameters.at(fs.parameter[e]) = from_scale(estimates[e].scale, theta[static_cast<Eigen::Index>(j)]);
  }
}

bool Objective::simulate(const RunData& rd, const Eigen::VectorXd& theta, bool with_sensitivities,
                         Simulated& out) const {
  solve::Run run = rd.run;
  apply(theta, rd.scenario, rd.donor, run);
  const FitScenario& fs = problem_.scenarios[rd.scenario];
  const std::vector<std::size_t> none;
  const long long start = thread_cpu_ns();
  out.result = with_sensitivities
                   ? solve_with_sensitivities(run, fs.parameter, fs.scenario->solver, nullptr, &codes_[rd.scenario])
                   : solve_with_sensitivities(run, none, fs.scenario->solver);
  timer_.add(with_sensitivities, thread_cpu_ns() - start);
  return out.result.ok();
}

SolveTiming Objective::timing() const { return timer_.timing(); }

bool Objective::residuals(const Eigen::VectorXd& theta, Eigen::VectorXd& r, Eigen::MatrixXd* J) const {
  const auto m = static_cast<Eigen::Index>(rows_.size());
  r.setZero(2 * m);
  if (J) J->setZero(2 * m, static_cast<Eigen::Index>(entries_.size()));
  std::vector<Simulated> sims(runs_.size());
  std::vector<char> ok(runs_.size(), 0);
  parallel_for_index(runs_.size(), [&](std::size_t k) { ok[k] = simulate(runs_[k], theta, J != nullptr, sims[k]); });
  if (std::find(ok.begin(), ok.end(), 0) != ok.end()) return false;

  const auto& estimates = problem_.spec.estimates;
  for (std::size_t q = 0; q < rows_.size(); ++q) {
    const RowData& rd = rows_[q];
    const RowValue v = row_value(rd, sims, J != nullptr);
    const ResidualTerms t = row_terms(rd.distribution, rd.range, *rd.measurement, v.y, v.sigma);
    const auto i = static_cast<Eigen::Index>(q);
    r[i] = t.r;
    r[m + i] = rd.sigma_varies ? t.r_sigma : 0.0;
    if (!J) continue;
    for (const RowValue::Term& term : v.terms) {
      const auto col = static_cast<Eigen::Index>(term.column);
      const double dp = value_derivative(estimates[term.estimate].scale, theta[col]);
      (*J)(i, col) += (t.dr_dy * term.dy + t.dr_dsigma * term.dsigma) * dp;
      if (rd.sigma_varies) (*J)(m + i, col) += (t.dr_sigma_dy * term.dy + t.dr_sigma_dsigma * term.dsigma) * dp;
    }
  }
  return r.allFinite();
}

LeastSquaresProblem Objective::least_squares_problem() const {
  LeastSquaresProblem p;
  p.evaluate = [this](const Eigen::VectorXd& theta, Eigen::VectorXd& r, Eigen::MatrixXd* J) {
    return residuals(theta, r, J);
  };
  p.lower = lower();
  p.upper = upper();
  return p;
}

std::string Objective::diagnose(const Eigen::VectorXd& theta) const {
  std::vector<Simulated> sims(runs_.size());
  for (std::size_t k = 0; k < runs_.size(); ++k) {
    const RunData& rd = runs_[k];
    if (!simulate(rd, theta, false, sims[k])) {
      const FitScenario& fs = problem_.scenarios[rd.scenario];
      return fmt::format("{}donor '{}', arm '{}': {}: {}",
                         problem_.scenarios.size() > 1 ? "scenario '" + fs.scenario->name + "', " : "",
                         fs.context.donors[rd.donor], fs.context.arms[rd.arm], solve::to_string(sims[k].result.status),
                         sims[k].result.message);
    }
  }
  for (const RowData& rd : rows_) {
    const Measurement& row = *rd.measurement;
    const RowValue v = row_value(rd, sims, false);
    const ResidualTerms t = row_terms(rd.distribution, rd.range, row, v.y, v.sigma);
    if (!std::isfinite(t.r) || !std::isfinite(t.r_sigma)) {
      const FitScenario& fs = problem_.scenarios[runs_[rd.run].scenario];
      return fmt::format("{}: simulated {}{} = {} at t = {} with sigma {} cannot be compared under {} noise",
                         row.where.str(), fs.context.observables[row.observable],
                         row.ratio_to ? " / (the same at " + row.ratio_text + ")" : std::string(), v.y, row.time,
                         t.sigma_eff, to_string(rd.distribution));
    }
  }
  return {};
}

std::vector<RowPrediction> Objective::predict(const Eigen::VectorXd& theta) const {
  std::vector<Simulated> sims(runs_.size());
  for (std::size_t k = 0; k < runs_.size(); ++k)
    if (!simulate(runs_[k], theta, false, sims[k])) {
      const FitScenario& fs = problem_.scenarios[runs_[k].scenario];
      throw std::runtime_error("simulation of donor '" + fs.context.donors[runs_[k].donor] + "', arm '" +
                               fs.context.arms[runs_[k].arm] + "' failed: " + sims[k].result.message);
    }
  std::vector<RowPrediction> out(rows_.size());
  for (std::size_t q = 0; q < rows_.size(); ++q) {
    const RowData& rd = rows_[q];
    const Measurement& row = *rd.measurement;
    const RowValue v = row_value(rd, sims, false);
    RowPrediction& p = out[q];
    p.simulation = v.y;
    const ResidualTerms t = row_terms(rd.distribution, rd.range, row, v.y, v.sigma);
    p.sigma = t.sigma_eff;
    p.residual = t.r;
    p.nllh = row_nllh(rd.distribution, rd.range, row, v.y, v.sigma);
  }
  return out;
}

}  // namespace exvivo::fit
