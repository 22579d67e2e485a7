#include "core/noise_distribution.hpp"

namespace exvivo {

namespace {
constexpr NoiseDistribution named[] = {NoiseDistribution::normal,      NoiseDistribution::lognormal,
                                       NoiseDistribution::log10normal, NoiseDistribution::laplace,
                                       NoiseDistribution::logitnormal, NoiseDistribution::proportional};
}

const std::vector<std::string>& noise_distribution_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const NoiseDistribution d : named) out.emplace_back(to_string(d));
    return out;
  }();
  return names;
}

const char* to_string(NoiseDistribution d) {
  switch (d) {
    case NoiseDistribution::normal: return "normal";
    case NoiseDistribution::lognormal: return "lognormal";
    case NoiseDistribution::proportional: return "proportional";
    case NoiseDistribution::log10normal: return "log10normal";
    case NoiseDistribution::laplace: return "laplace";
    case NoiseDistribution::logitnormal: return "logitnormal";
    case NoiseDistribution::none: break;
  }
  return "none";
}

std::optional<NoiseDistribution> parse_noise_distribution(std::string_view text) {
  for (const NoiseDistribution d : named)
    if (text == to_string(d)) return d;
  return std::nullopt;
}

}  // namespace exvivo
