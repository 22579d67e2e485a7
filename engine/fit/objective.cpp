#include "fit/objective.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <numbers>
#include <stdexcept>

#include <fmt/core.h>
#include <tbb/parallel_for.h>

#include "core/number.hpp"
#include "fit/likelihood.hpp"
#include "fit/sensitivity.hpp"
#include "model/sensitivity_code.hpp"

namespace exvivo::fit {

namespace {
constexpr double half_log_2pi = 0.91893853320467274178;

/// The distribution a row is evaluated with (see objective.hpp).
Distribution row_distribution(const FitProblem& p, const Measurement& m) {
  const Distribution d = p.context.noise.at(m.observable);
  return d == Distribution::proportional || d == Distribution::none ? Distribution::normal : d;
}
/// The row's σ when it cannot change with the parameters (an sd, or a model
/// sigma written as a number for a normal or lognormal observable), else NaN.
double constant_sigma(const FitProblem& p, const Measurement& m) {
  if (m.has_sd()) return m.sd;
  const model::ObservableInfo& info = p.scenario->model->observables().at(m.observable);
  if (info.noise.distribution == Distribution::proportional) return std::nan("");
  return parse_double(info.noise.sigma).value_or(std::nan(""));
}
const char* distribution_name(Distribution d) {
  switch (d) {
    case Distribution::lognormal: return "lognormal";
    case Distribution::log10normal: return "log10normal";
    case Distribution::laplace: return "laplace";
    default: return "normal";
  }
}

/// The least-squares terms of row m at simulation y and σ (censored rows: the
/// interval's probability, likelihood.hpp).
ResidualTerms row_terms(const FitProblem& p, const Measurement& m, double y, double sigma) {
  const Distribution d = row_distribution(p, m);
  return m.censored() ? censored_residual_terms(d, y, m.lower, m.upper, sigma)
                      : residual_terms(d, y, m.value, sigma);
}
double row_nllh(const FitProblem& p, const Measurement& m, double y, double sigma) {
  const Distribution d = row_distribution(p, m);
  return m.censored() ? censored_negative_log_likelihood(d, y, m.lower, m.upper, sigma)
                      : negative_log_likelihood(d, y, m.value, sigma);
}
}  // namespace

struct Objective::Simulated {
  SensitivityResult result;
};

Objective::Objective(const FitProblem& problem) : problem_(problem), plan_(*problem.scenario) {
  const auto& spec = problem.spec;
  const auto& donors = problem.context.donors;
  std::vector<bool> has_data(donors.size(), false);
  for (const auto& row : problem.data.rows) has_data[row.donor] = true;
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

  const std::size_t n_arms = problem.context.arms.size();
  std::map<std::pair<std::size_t, std::size_t>, std::size_t> run_of;
  const auto& rows = problem.data.rows;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto key = std::make_pair(rows[i].donor, rows[i].arm);
    if (!run_of.count(key)) run_of.emplace(key, 0);
  }
  for (auto& [key, index] : run_of) {
    index = runs_.size();
    RunData rd;
    rd.donor = key.first;
    rd.arm = key.second;
    rd.plan_run = (key.first * n_arms + key.second) * plan_.samples_per_arm();
    rd.run = plan_.make_run(rd.plan_run);
    rd.run.samples.clear();
    runs_.push_back(std::move(rd));
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    RunData& rd = runs_[run_of.at({rows[i].donor, rows[i].arm})];
    rd.rows.push_back(i);
    rd.run.samples.push_back({rows[i].time, rows[i].before_event});
    if (rows[i].censored()) {  // nllh = ½r² exactly, no sigma residual
      sigma_varies_.push_back(false);
      continue;
    }
    constant_ += half_log_2pi - 0.5 * sigma_residual_offset;
    // A constant σ's sigma residual is a constant: moved here so that the
    // optimizer's relative-reduction test sees only what θ can change.
    const double sigma = constant_sigma(problem, rows[i]);
    if (sigma == sigma) constant_ += std::log(sigma) + 0.5 * sigma_residual_offset;
    sigma_varies_.push_back(sigma != sigma);
    const Distribution d = row_distribution(problem, rows[i]);
    if (d == Distribution::lognormal) constant_ += std::log(rows[i].value);
    if (d == Distribution::log10normal) constant_ += std::log(rows[i].value * std::numbers::ln10);
    if (d == Distribution::laplace) constant_ += std::numbers::ln2 - half_log_2pi;
  }
  // The generated sensitivity code is built (compiled, for native models) here
  // rather than inside the first timed sensitivity solve.
  std::vector<std::size_t> estimated;
  for (const auto& est : spec.estimates) estimated.push_back(est.parameter);
  model::sensitivity_code(*problem.scenario->model, estimated);
  for (RunData& rd : runs_) {
    // Sorted as integrate() wants them: by time, "t-" (before the events) first.
    auto& samples = rd.run.samples;
    const auto before = [](const solve::SampleTime& a, const solve::SampleTime& b) {
      return a.time < b.time || (a.time == b.time && a.before_event && !b.before_event);
    };
    std::sort(samples.begin(), samples.end(), before);
    samples.erase(std::unique(samples.begin(), samples.end(),
                              [](auto& a, auto& b) { return a.time == b.time && a.before_event == b.before_event; }),
                  samples.end());
    for (const std::size_t i : rd.rows) {
      const solve::SampleTime key{rows[i].time, rows[i].before_event};
      const auto it = std::lower_bound(samples.begin(), samples.end(), key, before);
      rd.row_sample.push_back(static_cast<std::size_t>(it - samples.begin()));
    }
  }
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

void Objective::apply(const Eigen::VectorXd& theta, std::size_t donor, solve::Run& run) const {
  const auto& estimates = problem_.spec.estimates;
  for (std::size_t e = 0; e < estimates.size(); ++e) {
    const std::size_t j = theta_index(e, donor);
    if (j != no_entry)
      run.parameters.at(estimates[e].parameter) = from_scale(estimates[e].scale, theta[static_cast<Eigen::Index>(j)]);
  }
}

bool Objective::simulate(const RunData& rd, const Eigen::VectorXd& theta, bool with_sensitivities,
                         Simulated& out) const {
  solve::Run run = rd.run;
  apply(theta, rd.donor, run);
  std::vector<std::size_t> parameters;
  if (with_sensitivities)
    for (const auto& est : problem_.spec.estimates) parameters.push_back(est.parameter);
  const auto start = std::chrono::steady_clock::now();
  out.result = solve_with_sensitivities(run, parameters, problem_.scenario->solver);
  const long long ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
  if (with_sensitivities) {
    ++sensitivity_solves_;
    sensitivity_ns_ += ns;
  } else {
    ++plain_solves_;
    plain_ns_ += ns;
  }
  return out.result.ok();
}

SolveTiming Objective::timing() const {
  SolveTiming t;
  t.plain_solves = plain_solves_.load();
  t.plain_seconds = 1e-9 * static_cast<double>(plain_ns_.load());
  t.sensitivity_solves = sensitivity_solves_.load();
  t.sensitivity_seconds = 1e-9 * static_cast<double>(sensitivity_ns_.load());
  return t;
}

bool Objective::residuals(const Eigen::VectorXd& theta, Eigen::VectorXd& r, Eigen::MatrixXd* J) const {
  const auto& rows = problem_.data.rows;
  const auto m = static_cast<Eigen::Index>(rows.size());
  r.setZero(2 * m);
  if (J) J->setZero(2 * m, static_cast<Eigen::Index>(entries_.size()));
  std::vector<Simulated> sims(runs_.size());
  std::vector<char> ok(runs_.size(), 0);
  tbb::parallel_for(std::size_t{0}, runs_.size(), [&](std::size_t k) {
    ok[k] = simulate(runs_[k], theta, J != nullptr, sims[k]);
  });
  if (std::find(ok.begin(), ok.end(), 0) != ok.end()) return false;

  const auto& estimates = problem_.spec.estimates;
  for (std::size_t k = 0; k < runs_.size(); ++k) {
    const RunData& rd = runs_[k];
    const SensitivityResult& sim = sims[k].result;
    for (std::size_t q = 0; q < rd.rows.size(); ++q) {
      const Measurement& row = rows[rd.rows[q]];
      const auto s = static_cast<Eigen::Index>(rd.row_sample[q]);
      const auto o = static_cast<Eigen::Index>(row.observable);
      const double y = sim.observables(s, o);
      const double sigma = row.has_sd() ? row.sd : sim.sigmas(s, o);
      const ResidualTerms t = row_terms(problem_, row, y, sigma);
      const auto i = static_cast<Eigen::Index>(rd.rows[q]);
      r[i] = t.r;
      const bool varies = sigma_varies_[rd.rows[q]];
      r[m + i] = varies ? t.r_sigma : 0.0;
      if (!J) continue;
      for (std::size_t e = 0; e < estimates.size(); ++e) {
        const auto col = static_cast<Eigen::Index>(theta_index(e, rd.donor));
        const double dp = value_derivative(estimates[e].scale, theta[col]);
        const double dy = sim.observable_sensitivities[rd.row_sample[q]](o, static_cast<Eigen::Index>(e));
        const double ds =
            row.has_sd() ? 0.0 : sim.sigma_sensitivities[rd.row_sample[q]](o, static_cast<Eigen::Index>(e));
        (*J)(i, col) += (t.dr_dy * dy + t.dr_dsigma * ds) * dp;
        if (varies) (*J)(m + i, col) += (t.dr_sigma_dy * dy + t.dr_sigma_dsigma * ds) * dp;
      }
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
  const auto& rows = problem_.data.rows;
  for (const RunData& rd : runs_) {
    Simulated sim;
    if (!simulate(rd, theta, false, sim))
      return fmt::format("donor '{}', arm '{}': {}: {}", problem_.context.donors[rd.donor],
                         problem_.context.arms[rd.arm], solve::to_string(sim.result.status),
                         sim.result.message);
    for (std::size_t q = 0; q < rd.rows.size(); ++q) {
      const Measurement& row = rows[rd.rows[q]];
      const auto s = static_cast<Eigen::Index>(rd.row_sample[q]);
      const auto o = static_cast<Eigen::Index>(row.observable);
      const double y = sim.result.observables(s, o);
      const double sigma = row.has_sd() ? row.sd : sim.result.sigmas(s, o);
      const Distribution d = row_distribution(problem_, row);
      const ResidualTerms t = row_terms(problem_, row, y, sigma);
      if (!std::isfinite(t.r) || !std::isfinite(t.r_sigma))
        return fmt::format("{}: simulated {} = {} at t = {} with sigma {} cannot be compared under {} noise",
                           row.where.str(), problem_.context.observables[row.observable], y, row.time,
                           t.sigma_eff, distribution_name(d));
    }
  }
  return {};
}

std::vector<RowPrediction> Objective::predict(const Eigen::VectorXd& theta) const {
  const auto& rows = problem_.data.rows;
  std::vector<RowPrediction> out(rows.size());
  for (const RunData& rd : runs_) {
    Simulated sim;
    if (!simulate(rd, theta, false, sim))
      throw std::runtime_error("simulation of donor '" + problem_.context.donors[rd.donor] + "', arm '" +
                               problem_.context.arms[rd.arm] + "' failed: " + sim.result.message);
    for (std::size_t q = 0; q < rd.rows.size(); ++q) {
      const Measurement& row = rows[rd.rows[q]];
      const auto s = static_cast<Eigen::Index>(rd.row_sample[q]);
      const auto o = static_cast<Eigen::Index>(row.observable);
      RowPrediction& p = out[rd.rows[q]];
      p.simulation = sim.result.observables(s, o);
      const double sigma = row.has_sd() ? row.sd : sim.result.sigmas(s, o);
      const ResidualTerms t = row_terms(problem_, row, p.simulation, sigma);
      p.sigma = t.sigma_eff;
      p.residual = t.r;
      p.nllh = row_nllh(problem_, row, p.simulation, sigma);
    }
  }
  return out;
}

}  // namespace exvivo::fit
