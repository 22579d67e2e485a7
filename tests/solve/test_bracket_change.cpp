// bracket_change / bracket_sign_change (solve/bracket_change.hpp): the
// bisection that pins a switch of the integrator and the switch times of the
// PEtab steady-state check to two adjacent doubles.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>

#include "solve/bracket_change.hpp"

using exvivo::solve::bracket_change;
using exvivo::solve::bracket_sign_change;

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double tiny = std::numeric_limits<double>::denorm_min();
constexpr double huge = std::numeric_limits<double>::max();

bool adjacent(double lo, double hi) { return lo < hi && std::nextafter(lo, inf) == hi; }

/// The double with bit pattern `bits` (a positive finite one for bits < 0x7ff0...).
double from_bits(std::uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

}  // namespace

TEST_CASE("bracket_sign_change pins a monotone g's root to adjacent doubles", "[solve][bracket]") {
  SECTION("increasing, root between doubles") {
    // g(t) = t² − 2 on [1, 2]: the root √2 is not a double; the bracket holds it.
    const auto b = bracket_sign_change(1.0, 2.0, [](double t) { return t * t - 2; });
    REQUIRE(b);
    CHECK(adjacent(b->first, b->second));
    CHECK(b->first * b->first - 2 < 0);
    CHECK(b->second * b->second - 2 >= 0);
    CHECK(b->first <= std::sqrt(2.0));
    CHECK(std::sqrt(2.0) <= b->second);
  }
  SECTION("decreasing") {
    // g(t) = e^(−t) − 0.5 on [0, 10]: positive, then negative after ln 2.
    const auto g = [](double t) { return std::exp(-t) - 0.5; };
    const auto b = bracket_sign_change(0.0, 10.0, g);
    REQUIRE(b);
    CHECK(adjacent(b->first, b->second));
    CHECK(g(b->first) >= 0);
    CHECK(g(b->second) < 0);
    CHECK(std::fabs(b->first - std::log(2.0)) < 1e-15);
  }
}

TEST_CASE("bracket_sign_change on a non-monotone g brackets one of its sign changes", "[solve][bracket]") {
  // sin on [1, 10]: positive at 1, negative at 10, changes at π (to negative),
  // 2π (to positive) and 3π (to negative): the bracket is π's or 3π's.
  const auto b = bracket_sign_change(1.0, 10.0, [](double t) { return std::sin(t); });
  REQUIRE(b);
  CHECK(adjacent(b->first, b->second));
  CHECK(std::sin(b->first) >= 0);
  CHECK(std::sin(b->second) < 0);
  const double pi = 3.141592653589793;
  CHECK((std::fabs(b->first - pi) < 1e-15 || std::fabs(b->first - 3 * pi) < 4e-15));
  // Two changes of sign between ends of the same sign: none reported.
  CHECK_FALSE(bracket_sign_change(0.0, 3.0, [](double t) { return (t - 1) * (t - 2); }));
}

TEST_CASE("bracket_sign_change with a root exactly at an end", "[solve][bracket]") {
  // A zero counts as g ≥ 0.
  const auto at_b = bracket_sign_change(0.0, 1.0, [](double t) { return t - 1; });
  REQUIRE(at_b);
  CHECK(at_b->second == 1.0);
  CHECK(at_b->first == std::nextafter(1.0, 0.0));
  const auto at_a = bracket_sign_change(1.0, 2.0, [](double t) { return 1 - t; });
  REQUIRE(at_a);
  CHECK(at_a->first == 1.0);
  CHECK(at_a->second == std::nextafter(1.0, 2.0));
  // g(a) = 0 and g > 0 after it: g ≥ 0 at both ends, no change.
  CHECK_FALSE(bracket_sign_change(1.0, 2.0, [](double t) { return t - 1; }));
}

TEST_CASE("bracket_sign_change at denormal and at very large t", "[solve][bracket]") {
  SECTION("root among the denormals, bracket from [0, 1]") {
    const double r = 5 * tiny;
    int calls = 0;
    const auto b = bracket_sign_change(0.0, 1.0, [&](double t) {
      ++calls;
      return t - r;
    });
    REQUIRE(b);
    CHECK(b->first == 4 * tiny);
    CHECK(b->second == r);
    CHECK(calls < 1100);  // ~1,074 halvings from 1 down to the denormal spacing
  }
  SECTION("root at 1e-310 (denormal, not a multiple of a small power of two)") {
    const auto b = bracket_sign_change(0.0, 1e-300, [](double t) { return t - 1e-310; });
    REQUIRE(b);
    CHECK(adjacent(b->first, b->second));
    CHECK(b->second == 1e-310);
  }
  SECTION("root at 1e300 in [0, max]") {
    const auto b = bracket_sign_change(0.0, huge, [](double t) { return t - 1e300; });
    REQUIRE(b);
    CHECK(b->second == 1e300);
    CHECK(adjacent(b->first, b->second));
  }
  SECTION("ends of opposite sign near ±max (hi − lo overflows)") {
    int calls = 0;
    const auto b = bracket_sign_change(-huge, huge, [&](double t) {
      ++calls;
      return t - 1;
    });
    REQUIRE(b);
    CHECK(b->second == 1.0);
    CHECK(b->first == std::nextafter(1.0, 0.0));
    CHECK(calls < 2200);
  }
  SECTION("root just below max") {
    const double r = std::nextafter(huge, 0.0);
    const auto b = bracket_sign_change(1.0, huge, [&](double t) { return t < r ? -1.0 : 1.0; });
    REQUIRE(b);
    CHECK(b->second == r);
    CHECK(adjacent(b->first, b->second));
  }
}

TEST_CASE("bracket_sign_change without a sign change", "[solve][bracket]") {
  int calls = 0;
  const auto g = [&](double t) {
    ++calls;
    return t + 1;
  };
  CHECK_FALSE(bracket_sign_change(0.0, 1.0, g));
  CHECK(calls == 2);  // the ends only
  CHECK_FALSE(bracket_sign_change(0.0, 1.0, [](double) { return -1.0; }));
}

TEST_CASE("bracket_change ends adjacent at the turn of a step function anywhere on the doubles", "[solve][bracket]") {
  // Random a < r < b over the whole positive range (random bit patterns, so
  // ends and turn lie in any binades, denormals included): the bracket of
  // t ≥ r is exactly (the double below r, r). Also checks that the midpoint
  // always falls strictly inside while a double lies between lo and hi.
  std::mt19937_64 random(20261203);
  std::uniform_int_distribution<std::uint64_t> bits(1, 0x7fefffffffffffffULL);
  for (int trial = 0; trial < 2000; ++trial) {
    double v[3] = {from_bits(bits(random)), from_bits(bits(random)), from_bits(bits(random))};
    std::sort(v, v + 3);
    const double a = v[0], r = v[1], b = v[2];
    if (!(a < r && r < b)) continue;
    double last_true = b;
    const auto [lo, hi] = bracket_change(a, b, [&](double t) {
      if (t < r) return false;
      last_true = t;
      return true;
    });
    INFO("a = " << a << ", r = " << r << ", b = " << b);
    CHECK(hi == r);
    CHECK(lo == std::nextafter(r, 0.0));
    CHECK(last_true == hi);  // what `changed` saw last on the true side is hi's
  }
}
