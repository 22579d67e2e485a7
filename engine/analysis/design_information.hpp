#pragma once
// Fisher information of one measurement round, for D-optimal designs.
//
// For parameters θ_j on their model scale (θ = p, ln p or log10 p) and one
// measurement of observable y with the model's noise, the information is
//   M = gᵀg,   g_j = (∂y/∂p_j)·(dp_j/dθ_j) / s
// with s the standard deviation of the residual the noise model uses:
//   normal        s = σ                      (absolute)
//   proportional  s = σ·|y|                  (the model's effective sigma)
//   lognormal     s = σ·|y|, i.e. ∂ln y/∂θ / σ
// The sensitivities ∂y/∂p come from forward sensitivities integrated with the
// state (fit/sensitivity.hpp, no finite differences). This is the
// Gauss–Newton information J^T Σ⁻¹ J of the residuals; the information that a
// parameter-dependent sigma adds (proportional noise) is left out, as in
// PEtab/AMICI FIM approximations. The scale of θ changes log det F only by a
// constant for every design, so it does not change which design is best.
//
// An observable with an LLOQ (the model's `lloq`): a fit reads a measurement
// below it as left-censored (fit/measurements.hpp), so a sample is not simply
// "quantified" or not; its information is the expected information of such a
// reading, M·w with w = fit::lloq_information_fraction at the predicted value
// (1 far above the LLOQ, about 0.82 at it, tending to 0 far below).
#include <cstddef>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "model/compiled_model.hpp"
#include "solve/options.hpp"
#include "solve/run.hpp"

namespace exvivo::analysis {

struct EstimatedParameter {
  std::size_t parameter = 0;     ///< model parameter index
  model::Scale scale = model::Scale::lin;
};

struct SampleInformation {
  std::vector<Eigen::MatrixXd> per_sample;  ///< one p × p matrix per run sample time
  bool ok = true;
  std::string message;                      ///< solver message on failure
};

/// Information of each sample of `run` from `observables` (model indices;
/// those without a noise model, or with a non-finite or non-positive s at a
/// sample, contribute nothing there).
SampleInformation sample_information(const solve::Run& run, const std::vector<EstimatedParameter>& parameters,
                                     const std::vector<std::size_t>& observables,
                                     const solve::SolverOptions& options);

}  // namespace exvivo::analysis
