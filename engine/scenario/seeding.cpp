#include "scenario/seeding.hpp"

#include <cmath>
#include <numbers>

namespace exvivo::scenario {

namespace {
constexpr double two_pow_minus_53 = 0x1.0p-53;
__extension__ typedef unsigned __int128 uint128;  // GCC/Clang; -Wpedantic accepts it via __extension__
}

double CounterRng::uniform01() { return static_cast<double>(next_u64() >> 11) * two_pow_minus_53; }

double CounterRng::uniform_open01() {
  return (static_cast<double>(next_u64() >> 11) + 0.5) * two_pow_minus_53;
}

std::uint64_t CounterRng::below(std::uint64_t bound) {
  const uint128 product = static_cast<uint128>(next_u64()) * bound;
  return static_cast<std::uint64_t>(product >> 64);
}

double CounterRng::standard_normal() {
  // u₁ in (0, 1) keeps the logarithm finite.
  const double u1 = uniform_open01();
  const double u2 = uniform01();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

}  // namespace exvivo::scenario
