#pragma once
// Bisection of a change on the doubles: where a test of t turns, or where
// g(t) changes sign, pinned to two adjacent doubles lo < hi. Used by the
// integrator for the switches of a compiled model on its dense output
// (integrate.cpp) and by the PEtab steady-state check for the times at which
// a model's switch functions change sign (sbml/switch_times.cpp).
//
// The midpoint is lo + (hi − lo)/2, which lies strictly between lo and hi
// whenever a double does (tests/solve/test_bracket_change.cpp), so the
// bisection ends with adjacent doubles after at most about 2,100 evaluations
// (the width halves each time, down to the spacing of the denormals).
#include <cmath>
#include <optional>
#include <utility>

namespace exvivo::solve {

/// The adjacent doubles lo < hi in [a, b] around a turn of `changed`, a
/// callable bool(double t) that is false at a and true at b (neither end is
/// evaluated): changed(lo) is false or lo = a, changed(hi) is true or hi = b.
/// When `changed` turns once in [a, b], the bracket is that turn; when it
/// turns several times, one of them. `changed` is evaluated at the midpoints
/// in order, so it may record what it saw at the last true one (the hi side).
/// Requires a < b, both finite; returns {a, b} when they are adjacent.
template <class Changed>
std::pair<double, double> bracket_change(double a, double b, Changed&& changed) {
  double lo = a, hi = b;
  for (;;) {
    double mid = lo + 0.5 * (hi - lo);
    if (!std::isfinite(mid)) mid = 0.5 * lo + 0.5 * hi;  // hi − lo overflowed (ends of opposite sign near ±max)
    if (!(mid > lo && mid < hi)) break;
    if (changed(mid))
      hi = mid;
    else
      lo = mid;
  }
  return {lo, hi};
}

/// A sign change of g(t) (a callable double(double t)) in [a, b], a < b
/// finite: the adjacent doubles lo < hi at which g is on opposite sides, with
/// g < 0 one side and g ≥ 0 (a zero, or NaN) the other; nullopt when g(a) and
/// g(b) are on the same side (no change, or an even number of them). A root
/// exactly at b with g(a) < 0 gives hi = b; one exactly at a with g(b) < 0
/// gives lo = a.
template <class G>
std::optional<std::pair<double, double>> bracket_sign_change(double a, double b, G&& g) {
  const bool below_at_a = g(a) < 0;
  if ((g(b) < 0) == below_at_a) return std::nullopt;
  return bracket_change(a, b, [&](double t) { return (g(t) < 0) != below_at_a; });
}

}  // namespace exvivo::solve
