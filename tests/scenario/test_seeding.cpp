// Counter-based streams: reference values of SplitMix64, ranges and moments.
#include <catch2/catch.hpp>

#include <cmath>
#include <set>

#include "scenario/seeding.hpp"

using namespace exvivo::scenario;
using Catch::Matchers::WithinAbs;

TEST_CASE("CounterRng is SplitMix64: reference outputs from state 0", "[sweep][seeding]") {
  // First outputs of Vigna's splitmix64.c (prng.di.unimi.it) started from x = 0.
  CounterRng rng(0);
  CHECK(rng.next_u64() == 0xE220A8397B1DCDAFULL);
  CHECK(rng.next_u64() == 0x6E789E6AA1B965F4ULL);
  CHECK(rng.next_u64() == 0x06C45D188009454FULL);
}

TEST_CASE("derived keys differ for neighbouring indices and purposes", "[sweep][seeding]") {
  std::set<std::uint64_t> keys;
  for (std::uint64_t seed = 0; seed < 4; ++seed)
    for (const auto purpose : {StreamPurpose::random_design, StreamPurpose::lhs_jitter, StreamPurpose::cohort_member})
      for (std::uint64_t i = 0; i < 256; ++i) keys.insert(derive_key(purpose_key(seed, purpose), i));
  CHECK(keys.size() == 4u * 3u * 256u);
  CHECK(name_key("HLA0") != name_key("HLA1"));
  CHECK(name_key("") == 0xCBF29CE484222325ULL);  // FNV-1a offset basis
}

TEST_CASE("uniforms stay in their intervals; normals have mean 0 and variance 1", "[sweep][seeding]") {
  CounterRng rng(purpose_key(42, StreamPurpose::random_design));
  const int n = 100000;
  double sum = 0, sum_sq = 0;
  for (int i = 0; i < n; ++i) {
    const double u = rng.uniform01();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    const double v = rng.uniform_open01();
    REQUIRE(v > 0.0);
    REQUIRE(v < 1.0);
    REQUIRE(rng.below(7) < 7u);
    const double z = rng.standard_normal();
    sum += z;
    sum_sq += z * z;
  }
  // 4 standard errors: SE(mean) = 1/√n, SE(variance) = √(2/n).
  const double mean = sum / n;
  CHECK_THAT(mean, WithinAbs(0.0, 4 / std::sqrt(n)));
  CHECK_THAT(sum_sq / n - mean * mean, WithinAbs(1.0, 4 * std::sqrt(2.0 / n)));
}

TEST_CASE("below() hits every value of a small range about equally often", "[sweep][seeding]") {
  CounterRng rng(7);
  const int n = 60000, bound = 6;
  int counts[bound] = {};
  for (int i = 0; i < n; ++i) ++counts[rng.below(bound)];
  // Binomial count: expected n/6, SE = √(n·(1/6)·(5/6)) ≈ 91; 4 SE.
  const double expected = n / double(bound), se = std::sqrt(n * (1.0 / bound) * (1 - 1.0 / bound));
  for (const int c : counts) CHECK_THAT(double(c), WithinAbs(expected, 4 * se));
}
