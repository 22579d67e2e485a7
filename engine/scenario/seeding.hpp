#pragma once
// Counter-based random numbers for sweeps and cohorts.
//
// Determinism rule of exvivo (DESIGN.md §3): every random number of run r
// derives from (seed, r) alone, so thread count, chunking and sharding never
// change a value. No generator state is ever shared or advanced across runs:
// a caller derives a *key* from the seed and the indices that identify what is
// being drawn (design point i, cohort member i, attempt a, parameter name, ...)
// and reads a short private stream from that key.
//
// Construction (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number
// generators", OOPSLA; the SplitMix64 of Java's SplittableRandom):
//   mix64(x)   : the SplitMix64 output finaliser (a bijection on 64-bit words
//                with full avalanche);
//   derive_key(parent, x) = mix64(parent ^ mix64(x + γ)), γ = 0x9E3779B97F4A7C15
//                (chaining distinct x gives distinct, decorrelated keys; two
//                different index tuples collide with probability ~2⁻⁶⁴);
//   SplitMix64 stream from key k: s_j = k + (j+1)·γ, output mix64(s_j).
// Streams for different purposes start from different `StreamPurpose` tags, so
// a sweep and a cohort sharing one seed draw unrelated numbers.
#include <cstdint>
#include <string_view>

namespace exvivo::scenario {

/// SplitMix64 finaliser: a bijective 64-bit mixer with full avalanche.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

/// Key of the child stream `x` of `parent` (see the header comment).
constexpr std::uint64_t derive_key(std::uint64_t parent, std::uint64_t x) {
  return mix64(parent ^ mix64(x + 0x9E3779B97F4A7C15ULL));
}

/// FNV-1a hash of a name, so that a named quantity (a cohort parameter) keeps
/// its draws when other names are added to or removed from a file.
constexpr std::uint64_t name_key(std::string_view name) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (const char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ULL;
  }
  return h;
}

/// Tags that separate the random streams of different uses of one seed.
/// Their values are part of the output format: changing one changes results.
enum class StreamPurpose : std::uint64_t {
  random_design = 0x72616E646F6D,  ///< "random": point i of a random design
  lhs_permutation = 0x6C68735F70,  ///< "lhs_p": stratum permutation of dimension d
  lhs_jitter = 0x6C68735F6A,       ///< "lhs_j": position inside the strata, point i
  sobol_shift = 0x736F626F6C,      ///< "sobol": digital shift of the whole design
  cohort_member = 0x636F686F7274,  ///< "cohort": member i, attempt a, parameter
};

/// Key of `purpose` under `seed`.
constexpr std::uint64_t purpose_key(std::uint64_t seed, StreamPurpose purpose) {
  return derive_key(mix64(seed), static_cast<std::uint64_t>(purpose));
}

/// A SplitMix64 stream read from a key. Cheap to construct (one word of
/// state); make one per (key) on the stack and discard it.
class CounterRng {
 public:
  explicit constexpr CounterRng(std::uint64_t key) : state_(key) {}

  /// Next 64 uniformly distributed bits.
  constexpr std::uint64_t next_u64() {
    state_ += 0x9E3779B97F4A7C15ULL;
    return mix64(state_);
  }
  /// Uniform on [0, 1), a multiple of 2⁻⁵³ (exact conversion, never 1).
  double uniform01();
  /// Uniform on (0, 1): like uniform01() shifted by half a step, never 0 or 1.
  double uniform_open01();
  /// Uniform integer on [0, bound), bound ≥ 1, by the multiply-high method
  /// (Lemire 2019); the bias is below bound/2⁶⁴, negligible for any design size.
  std::uint64_t below(std::uint64_t bound);
  /// Standard normal N(0, 1) by the Box–Muller transform
  /// z = √(−2 ln u₁)·cos(2π u₂); uses two uniforms, keeps no spare value so
  /// each call depends only on the stream position.
  double standard_normal();

 private:
  std::uint64_t state_;
};

}  // namespace exvivo::scenario
