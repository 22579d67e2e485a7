#include "core/scale.hpp"

#include <cmath>

namespace exvivo {

namespace {
constexpr double ln10 = 2.302585092994045684;
}

const std::vector<std::string>& scale_names() {
  static const std::vector<std::string> names = {"lin", "log", "log10"};
  return names;
}

const char* to_string(Scale scale) {
  switch (scale) {
    case Scale::lin: return "lin";
    case Scale::log: return "log";
    case Scale::log10: return "log10";
  }
  return "lin";
}

std::optional<Scale> parse_scale(std::string_view text) {
  if (text == "lin") return Scale::lin;
  if (text == "log") return Scale::log;
  if (text == "log10") return Scale::log10;
  return std::nullopt;
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

double value_derivative_at_value(Scale scale, double value) {
  switch (scale) {
    case Scale::lin: return 1.0;
    case Scale::log: return value;
    case Scale::log10: return value * ln10;
  }
  return 1.0;
}

}  // namespace exvivo
