#pragma once
// Noise distributions of observables (model `observables.*.noise.distribution`,
// the `noise` column of measurement tables): the one place that reads and
// prints their names, for the model and fit readers alike.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/check.hpp"

namespace exvivo {

/// log10normal: normal on log10 y; laplace: Laplace with scale sigma (PEtab).
/// logitnormal: normal on logit(y/c), c = 100 for an observable with unit
/// "%", else 1 (fractions); not in PEtab (engine/fit/likelihood.hpp).
/// none: the model gives no noise model (rows then need an sd).
enum class NoiseDistribution { none, normal, lognormal, proportional, log10normal, laplace, logitnormal };

/// "normal", "lognormal", "log10normal", "laplace", "logitnormal",
/// "proportional": every name a model file may write, in that order.
const std::vector<std::string>& noise_distribution_names();

/// The name of `d` as written in files; "none" for NoiseDistribution::none.
const char* to_string(NoiseDistribution d);

/// The distribution named exactly `text` (one of noise_distribution_names()), or nullopt.
std::optional<NoiseDistribution> parse_noise_distribution(std::string_view text);

/// The distribution named `text`, which must be one of `allowed` (a subset of
/// noise_distribution_names()); otherwise throws E "key.path: must be one of
/// normal, lognormal, ... or proportional, got 'gaussian'" with the closest
/// allowed name as the suggestion.
template <class E>
NoiseDistribution check_noise_distribution(std::string_view key_path, std::string_view text,
                                           const std::vector<std::string>& allowed = noise_distribution_names(),
                                           const SourceLocation& where = {}) {
  check_one_of<E>(key_path, text, allowed, where);
  return *parse_noise_distribution(text);
}

}  // namespace exvivo
