#include "fit/parameter_scale.hpp"

#include <cmath>

namespace exvivo::fit {

namespace {
constexpr double ln10 = 2.302585092994045684;
}

const char* to_string(Scale scale) {
  switch (scale) {
    case Scale::lin: return "lin";
    case Scale::log: return "log";
    case Scale::log10: return "log10";
  }
  return "?";
}

double to_scale(Scale scale, double value) {
  switch (scale) {
    case Scale::lin: return value;
    case Scale::log: return std::log(value);
    case Scale::log10: return std::log10(value);
  }
  return value;
}

double from_scale(Scale scale, double scaled) {
  switch (scale) {
    case Scale::lin: return scaled;
    case Scale::log: return std::exp(scaled);
    case Scale::log10: return std::pow(10.0, scaled);
  }
  return scaled;
}

double value_derivative(Scale scale, double scaled) {
  switch (scale) {
    case Scale::lin: return 1.0;
    case Scale::log: return std::exp(scaled);
    case Scale::log10: return ln10 * std::pow(10.0, scaled);
  }
  return 1.0;
}

}  // namespace exvivo::fit
