#include "analysis/design_information.hpp"

#include <cmath>

#include "fit/likelihood.hpp"
#include "fit/sensitivity.hpp"

namespace exvivo::analysis {

using Eigen::Index;

SampleInformation sample_information(const solve::Run& run, const std::vector<EstimatedParameter>& parameters,
                                     const std::vector<std::size_t>& observables,
                                     const solve::SolverOptions& options) {
  std::vector<std::size_t> indices;
  for (const auto& p : parameters) indices.push_back(p.parameter);
  const fit::SensitivityResult sens = fit::solve_with_sensitivities(run, indices, options);
  const auto p = static_cast<Index>(parameters.size());
  SampleInformation out;
  out.per_sample.assign(run.samples.size(), Eigen::MatrixXd::Zero(p, p));
  if (!sens.ok()) {
    out.ok = false;
    out.message = sens.message;
    return out;
  }
  Eigen::VectorXd chain(p);  // dp/dθ
  for (Index j = 0; j < p; ++j) {
    const auto& parameter = parameters[static_cast<std::size_t>(j)];
    chain[j] = value_derivative_at_value(parameter.scale, run.parameters[parameter.parameter]);
  }
  const auto& info = run.model->observables();
  for (std::size_t t = 0; t < run.samples.size(); ++t) {
    const auto row = static_cast<Index>(t);
    for (const std::size_t o : observables) {
      const auto col = static_cast<Index>(o);
      const double y = sens.observables(row, col);
      double s = sens.sigmas(row, col);
      // A normal σ on g(y) is σ/|g'(y)| on y: ln, log10 and logit(y/c) scales.
      using Distribution = model::NoiseModel::Distribution;
      const Distribution d = info[o].noise.distribution;
      if (d == Distribution::lognormal) s *= std::abs(y);
      if (d == Distribution::log10normal) s *= std::abs(y) * std::log(10.0);
      if (d == Distribution::logitnormal) s *= std::abs(y * (1 - y / fit::logit_range(info[o].unit)));
      if (!std::isfinite(s) || !(s > 0)) continue;
      const Eigen::VectorXd g =
          sens.observable_sensitivities[t].row(col).transpose().cwiseProduct(chain) / s;
      if (!g.allFinite()) continue;
      // A reading expected below the LLOQ is censored (the fit's LLOQ rule): it carries less information.
      // (The model's proportional sigma is already σ·|y|: a normal σ, as the fit's objective takes it.)
      const double w =
          fit::lloq_information_fraction(d == Distribution::proportional ? Distribution::normal : d, y, info[o].lloq,
                                         sens.sigmas(row, col), fit::logit_range(info[o].unit));
      out.per_sample[t] += w * (g * g.transpose());
    }
  }
  return out;
}

}  // namespace exvivo::analysis
