#include "scenario/cohort.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <stdexcept>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <fmt/core.h>

#include "core/bounds.hpp"
#include "scenario/seeding.hpp"

namespace exvivo::scenario {

namespace {

/// Below this smallest eigenvalue a correlation matrix counts as not positive
/// definite: a (numerically) singular copula would tie parameters exactly.
constexpr double min_eigenvalue = 1e-10;

double standard_normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

double logit(double p) { return std::log(p / (1 - p)); }

double logistic(double y) {
  if (y >= 0) return 1 / (1 + std::exp(-y));
  const double e = std::exp(y);
  return e / (1 + e);
}

/// Shortest round-trip text of a number for messages.
std::string num(double x) { return fmt::format("{}", x); }

[[noreturn]] void fail(const CohortParameter& p, const std::string& what) {
  throw ScenarioError(p.where, p.path.empty() ? "cohort.distributions." + p.name : p.path, what);
}

/// A distribution with zero spread is a point mass at this value.
bool is_degenerate(const Distribution& d, double& value) {
  return std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Lognormal>) {
          value = x.median;
          return x.gsd == 1;
        } else if constexpr (std::is_same_v<T, Normal>) {
          value = x.mean;
          return x.sd == 0;
        } else if constexpr (std::is_same_v<T, LogitNormal>) {
          value = x.median;
          return x.sigma == 0;
        } else {
          return false;
        }
      },
      d);
}

/// The value for latent standard normal z (the map T of the header).
double transform(const Distribution& d, double z) {
  return std::visit(
      [z](const auto& x) -> double {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Lognormal>) {
          return x.gsd == 1 ? x.median : x.median * std::exp(std::log(x.gsd) * z);
        } else if constexpr (std::is_same_v<T, Normal>) {
          return x.mean + x.sd * z;
        } else if constexpr (std::is_same_v<T, LogitNormal>) {
          if (x.sigma == 0) return x.median;
          const double width = x.upper - x.lower;
          const double v = x.lower + width * logistic(logit((x.median - x.lower) / width) + x.sigma * z);
          // Far tails round onto the interval's ends; the support is open.
          return std::clamp(v, std::nextafter(x.lower, x.upper), std::nextafter(x.upper, x.lower));
        } else {
          return x.lower + (x.upper - x.lower) * standard_normal_cdf(z);
        }
      },
      d);
}

/// P(X <= x) for a distribution with non-zero spread.
double cdf(const Distribution& d, double value) {
  return std::visit(
      [value](const auto& x) -> double {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Lognormal>) {
          if (value <= 0) return 0;
          return standard_normal_cdf(std::log(value / x.median) / std::log(x.gsd));
        } else if constexpr (std::is_same_v<T, Normal>) {
          return standard_normal_cdf((value - x.mean) / x.sd);
        } else if constexpr (std::is_same_v<T, LogitNormal>) {
          if (value <= x.lower) return 0;
          if (value >= x.upper) return 1;
          const double width = x.upper - x.lower;
          return standard_normal_cdf((logit((value - x.lower) / width) - logit((x.median - x.lower) / width)) /
                                     x.sigma);
        } else {
          return std::clamp((value - x.lower) / (x.upper - x.lower), 0.0, 1.0);
        }
      },
      d);
}

void validate_distribution(const CohortParameter& p) {
  auto finite = [&](double v, const char* field) {
    if (!std::isfinite(v)) fail(p, fmt::format("'{}' must be a finite number, got {}", field, num(v)));
  };
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Lognormal>) {
          finite(x.median, "median");
          finite(x.gsd, "gsd");
          if (x.median <= 0) fail(p, "lognormal: 'median' must be > 0, got " + num(x.median));
          if (x.gsd < 1) fail(p, "lognormal: 'gsd' (geometric standard deviation) must be >= 1, got " + num(x.gsd));
        } else if constexpr (std::is_same_v<T, Normal>) {
          finite(x.mean, "mean");
          finite(x.sd, "sd");
          if (x.sd < 0) fail(p, "normal: 'sd' must be >= 0, got " + num(x.sd));
        } else if constexpr (std::is_same_v<T, LogitNormal>) {
          finite(x.median, "median");
          finite(x.sigma, "sigma");
          finite(x.lower, "lower");
          finite(x.upper, "upper");
          if (x.sigma < 0) fail(p, "logitnormal: 'sigma' must be >= 0, got " + num(x.sigma));
          if (const auto problem = bounds_problem({x.lower, x.upper}, Scale::lin)) fail(p, "logitnormal: " + *problem);
          const bool inside = x.sigma == 0 ? x.lower <= x.median && x.median <= x.upper
                                           : x.lower < x.median && x.median < x.upper;
          if (!inside)
            fail(p, fmt::format("logitnormal: 'median' must lie strictly between lower and upper ({}, {}), got {}{}",
                                num(x.lower), num(x.upper), num(x.median),
                                x.median == x.lower || x.median == x.upper ? " (a median on a bound needs sigma 0)" : ""));
        } else {
          finite(x.lower, "lower");
          finite(x.upper, "upper");
          if (const auto problem = bounds_problem({x.lower, x.upper}, Scale::lin)) fail(p, "uniform: " + *problem);
        }
      },
      p.distribution);
}

double mass_within_bounds(const CohortParameter& p) {
  double point = 0;
  if (is_degenerate(p.distribution, point)) return p.lower_bound <= point && point <= p.upper_bound ? 1.0 : 0.0;
  return cdf(p.distribution, p.upper_bound) - cdf(p.distribution, p.lower_bound);
}

/// "A", "A and B", "A, B and C".
std::string name_list(const std::vector<std::string>& names) {
  std::string s;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) s += i + 1 == names.size() ? " and " : ", ";
    s += names[i];
  }
  return s;
}

/// Root of k in a union-find forest.
std::size_t find_root(std::vector<std::size_t>& parent, std::size_t k) {
  while (parent[k] != k) k = parent[k] = parent[parent[k]];
  return k;
}

}  // namespace

CohortSampler::CohortSampler(CohortSpec spec) : spec_(std::move(spec)) {
  const std::size_t p = spec_.parameters.size();
  std::map<std::string, std::size_t> index;
  std::vector<std::string> names;
  for (std::size_t k = 0; k < p; ++k) {
    const CohortParameter& par = spec_.parameters[k];
    if (par.name.empty()) fail(par, "a cohort parameter needs a name");
    if (!index.emplace(par.name, k).second) fail(par, fmt::format("parameter '{}' is listed twice", par.name));
    names.push_back(par.name);
    validate_distribution(par);
    if (std::isnan(par.lower_bound) || std::isnan(par.upper_bound) || par.lower_bound >= par.upper_bound)
      fail(par, fmt::format("the bounds [{}, {}] are empty", num(par.lower_bound), num(par.upper_bound)));
    const double mass = mass_within_bounds(par);
    if (mass < min_mass_within_bounds)
      fail(par, fmt::format("only {:.3g}% of the distribution lies within the parameter's bounds [{}, {}]; move "
                            "the median into the bounds or widen them",
                            100 * mass, num(par.lower_bound), num(par.upper_bound)));
  }

  Eigen::MatrixXd correlation = Eigen::MatrixXd::Identity(static_cast<Eigen::Index>(p), static_cast<Eigen::Index>(p));
  std::vector<std::size_t> group(p);
  std::iota(group.begin(), group.end(), std::size_t{0});
  std::set<std::pair<std::size_t, std::size_t>> seen;
  for (const Correlation& c : spec_.correlations) {
    const std::string path = c.path.empty() ? spec_.correlations_path : c.path;
    auto lookup = [&](const std::string& name) {
      const auto it = index.find(name);
      if (it == index.end())
        throw ScenarioError(c.where, path,
                            fmt::format("'{}' is not a sampled cohort parameter (sampled: {})", name,
                                        names.empty() ? std::string("none") : name_list(names)),
                            closest_match(name, names));
      return it->second;
    };
    const std::size_t a = lookup(c.first), b = lookup(c.second);
    if (a == b) throw ScenarioError(c.where, path, fmt::format("a correlation needs two different parameters, got '{}' twice", c.first));
    if (!std::isfinite(c.r) || c.r <= -1 || c.r >= 1)
      throw ScenarioError(c.where, path, fmt::format("r must lie strictly between -1 and 1, got {}", num(c.r)));
    if (!seen.emplace(std::min(a, b), std::max(a, b)).second)
      throw ScenarioError(c.where, path, fmt::format("the correlation between {} and {} is given twice", c.first, c.second));
    correlation(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b)) = c.r;
    correlation(static_cast<Eigen::Index>(b), static_cast<Eigen::Index>(a)) = c.r;
    group[find_root(group, a)] = find_root(group, b);
  }

  // Check each group of linked parameters on its own, so the message names the
  // parameters whose correlations contradict each other and no others.
  std::map<std::size_t, std::vector<std::size_t>> groups;
  for (std::size_t k = 0; k < p; ++k) groups[find_root(group, k)].push_back(k);
  for (const auto& [root, members] : groups) {
    if (members.size() < 3) continue;  // one |r| < 1 alone is always positive definite
    const auto m = static_cast<Eigen::Index>(members.size());
    Eigen::MatrixXd sub(m, m);
    for (Eigen::Index i = 0; i < m; ++i)
      for (Eigen::Index j = 0; j < m; ++j)
        sub(i, j) = correlation(static_cast<Eigen::Index>(members[static_cast<std::size_t>(i)]),
                                static_cast<Eigen::Index>(members[static_cast<std::size_t>(j)]));
    const double smallest = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(sub, Eigen::EigenvaluesOnly).eigenvalues()(0);
    if (smallest <= min_eigenvalue) {
      std::vector<std::string> involved;
      for (const std::size_t k : members) involved.push_back(names[k]);
      throw ScenarioError(spec_.correlations_where, spec_.correlations_path,
                          fmt::format("the correlations between {} cannot hold together: their correlation matrix is "
                                      "not positive definite (smallest eigenvalue {:.3g}); weaken some of them",
                                      name_list(involved), smallest));
    }
  }

  correlated_ = !spec_.correlations.empty();
  if (correlated_) {
    Eigen::LLT<Eigen::MatrixXd> llt(correlation);
    if (llt.info() != Eigen::Success)
      throw ScenarioError(spec_.correlations_where, spec_.correlations_path,
                          "the correlation matrix is not positive definite (Cholesky factorisation failed)");
    cholesky_ = llt.matrixL();
  }
  for (const auto& par : spec_.parameters) name_keys_.push_back(name_key(par.name));
  cohort_key_ = purpose_key(spec_.seed, StreamPurpose::cohort_member);
}

std::vector<std::string> CohortSampler::parameter_names() const {
  std::vector<std::string> names;
  for (const auto& par : spec_.parameters) names.push_back(par.name);
  return names;
}

bool CohortSampler::draw(std::size_t member, std::size_t attempt, Eigen::VectorXd& latent, Eigen::VectorXd& values,
                         std::size_t& outside) const {
  const std::uint64_t key = derive_key(derive_key(cohort_key_, member), attempt);
  for (std::size_t k = 0; k < name_keys_.size(); ++k)
    latent(static_cast<Eigen::Index>(k)) = CounterRng(derive_key(key, name_keys_[k])).standard_normal();
  if (correlated_) latent = cholesky_.triangularView<Eigen::Lower>() * latent;
  for (std::size_t k = 0; k < name_keys_.size(); ++k) {
    const CohortParameter& par = spec_.parameters[k];
    const double v = transform(par.distribution, latent(static_cast<Eigen::Index>(k)));
    values(static_cast<Eigen::Index>(k)) = v;
    if (!(par.lower_bound <= v && v <= par.upper_bound)) {
      outside = k;
      return false;
    }
  }
  return true;
}

Eigen::MatrixXd CohortSampler::sample(std::size_t first, std::size_t count) const {
  if (first > spec_.n || count > spec_.n - first)
    throw std::out_of_range(fmt::format("cohort members [{}, {}) outside a cohort of {}", first, first + count, spec_.n));
  const auto p = static_cast<Eigen::Index>(spec_.parameters.size());
  Eigen::MatrixXd out(static_cast<Eigen::Index>(count), p);
  Eigen::VectorXd latent(p), values(p);
  std::vector<std::size_t> misses(spec_.parameters.size());
  for (std::size_t j = 0; j < count; ++j) {
    const std::size_t member = first + j;
    std::size_t attempt = 0, outside = 0;
    std::fill(misses.begin(), misses.end(), 0);
    while (!draw(member, attempt, latent, values, outside)) {
      ++misses[outside];
      if (++attempt == max_attempts) {
        const auto worst = static_cast<std::size_t>(std::max_element(misses.begin(), misses.end()) - misses.begin());
        const CohortParameter& par = spec_.parameters[worst];
        fail(par, fmt::format("cohort member {} found no draw within the parameter bounds in {} attempts; {} fell "
                              "outside [{}, {}] most often (its correlations push it there)",
                              member, max_attempts, par.name, num(par.lower_bound), num(par.upper_bound)));
      }
    }
    out.row(static_cast<Eigen::Index>(j)) = values.transpose();
  }
  return out;
}

Eigen::VectorXd CohortSampler::member(std::size_t member) const { return sample(member, 1).row(0).transpose(); }

Eigen::MatrixXd sample_cohort(const CohortSpec& spec, std::size_t first, std::size_t count) {
  return CohortSampler(spec).sample(first, count);
}

std::string cohort_member_id(std::size_t member, std::size_t cohort_size) {
  const std::size_t width = std::max<std::size_t>(4, std::to_string(cohort_size).size());
  return fmt::format("cohort_{:0{}}", member + 1, width);
}

}  // namespace exvivo::scenario
