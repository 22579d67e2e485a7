#pragma once
// One vocabulary of argument checks (in the spirit of Stan Math's
// stan/math/prim/err/). Each check_* throws the Error subclass E given as the
// first template argument, with one message shape:
//
//     [file:line:col: ]key.path: must be positive, got -1
//
// `key_path` names the argument as the user wrote it (YAML key path, CLI flag,
// "solver.abs_tol[2]"); `where` is the file position when known. Values are
// printed in their shortest round-trip form (1e-09, -1, nan, inf).
//
//     check_positive<OptionError>("solver.rel_tol", rel_tol);
//     check_in_range<ScenarioError>("cohort.correlations[0].r", r, -1.0, 1.0, node.where);
//
// NaN fails every comparison check ("must be positive, got nan"). Bounds take
// the value's type: check_in_range<E>("r", r, -1, 1) works for a double r.
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/error.hpp"

namespace exvivo {

namespace check_detail {
std::string describe(double value);     ///< "-1", "1e-09", "nan", "inf", "-inf"
std::string describe(long long value);  ///< "-1"
/// "a, b or c"
std::string join_alternatives(const std::vector<std::string>& names);

template <class T>
std::string describe_arithmetic(T value) {
  static_assert(std::is_arithmetic_v<T>, "check_* helpers take numbers");
  if constexpr (std::is_integral_v<T>)
    return describe(static_cast<long long>(value));
  else
    return describe(static_cast<double>(value));
}

template <class E>
[[noreturn]] void fail(const SourceLocation& where, std::string_view key_path,
                       const std::string& what, std::string_view suggestion = {}) {
  static_assert(std::is_base_of_v<Error, E>, "check_* helpers throw exvivo::Error subclasses");
  throw E(where, key_path, what, suggestion);
}
}  // namespace check_detail

/// "must be finite, got nan" unless value is finite.
template <class E, class T>
void check_finite(std::string_view key_path, T value, const SourceLocation& where = {}) {
  if constexpr (std::is_floating_point_v<T>)
    if (!std::isfinite(value))
      check_detail::fail<E>(where, key_path,
                            "must be finite, got " + check_detail::describe_arithmetic(value));
}

/// "must be positive, got -1" unless value > 0 (inf passes).
template <class E, class T>
void check_positive(std::string_view key_path, T value, const SourceLocation& where = {}) {
  if (!(value > 0))
    check_detail::fail<E>(where, key_path,
                          "must be positive, got " + check_detail::describe_arithmetic(value));
}

/// "must be non-negative, got -1" unless value >= 0 (inf passes).
template <class E, class T>
void check_nonnegative(std::string_view key_path, T value, const SourceLocation& where = {}) {
  if (!(value >= 0))
    check_detail::fail<E>(where, key_path,
                          "must be non-negative, got " + check_detail::describe_arithmetic(value));
}

/// check_finite then check_positive.
template <class E, class T>
void check_positive_finite(std::string_view key_path, T value, const SourceLocation& where = {}) {
  check_finite<E>(key_path, value, where);
  check_positive<E>(key_path, value, where);
}

/// check_finite then check_nonnegative.
template <class E, class T>
void check_nonnegative_finite(std::string_view key_path, T value,
                              const SourceLocation& where = {}) {
  check_finite<E>(key_path, value, where);
  check_nonnegative<E>(key_path, value, where);
}

/// Closed interval: "must be in [0, 1], got 2" unless lo <= value <= hi.
template <class E, class T>
void check_in_range(std::string_view key_path, T value, std::type_identity_t<T> lo,
                    std::type_identity_t<T> hi,
                    const SourceLocation& where = {}) {
  if (!(value >= lo && value <= hi))
    check_detail::fail<E>(where, key_path,
                          "must be in [" + check_detail::describe_arithmetic(lo) + ", " +
                              check_detail::describe_arithmetic(hi) + "], got " +
                              check_detail::describe_arithmetic(value));
}

/// Open interval: "must be in (0, 1), got 1" unless lo < value < hi.
template <class E, class T>
void check_in_open_range(std::string_view key_path, T value, std::type_identity_t<T> lo,
                         std::type_identity_t<T> hi,
                         const SourceLocation& where = {}) {
  if (!(value > lo && value < hi))
    check_detail::fail<E>(where, key_path,
                          "must be in (" + check_detail::describe_arithmetic(lo) + ", " +
                              check_detail::describe_arithmetic(hi) + "), got " +
                              check_detail::describe_arithmetic(value));
}

/// "must be <= max_step (0.5), got 1" unless value <= bound; `bound_name` says
/// where the bound comes from and may be empty ("must be <= 0.5, got 1").
template <class E, class T>
void check_less_or_equal(std::string_view key_path, T value, std::type_identity_t<T> bound,
                         std::string_view bound_name = {}, const SourceLocation& where = {}) {
  if (!(value <= bound)) {
    std::string limit = check_detail::describe_arithmetic(bound);
    if (!bound_name.empty()) limit = std::string(bound_name) + " (" + limit + ")";
    check_detail::fail<E>(where, key_path,
                          "must be <= " + limit + ", got " + check_detail::describe_arithmetic(value));
  }
}

/// "must have 3 entries, got 2" (1 entry: "must have 1 entry, got 2").
template <class E>
void check_size(std::string_view key_path, std::size_t size, std::size_t expected,
                const SourceLocation& where = {}) {
  if (size != expected)
    check_detail::fail<E>(where, key_path,
                          "must have " + std::to_string(expected) +
                              (expected == 1 ? " entry" : " entries") + ", got " +
                              std::to_string(size));
}

/// "must have 1 or 3 entries, got 2" unless size is one of `allowed`
/// (duplicates in `allowed` are shown once).
template <class E>
void check_size_one_of(std::string_view key_path, std::size_t size,
                       const std::vector<std::size_t>& allowed, const SourceLocation& where = {}) {
  std::vector<std::string> shown;
  for (std::size_t n : allowed) {
    if (n == size) return;
    const std::string s = std::to_string(n);
    bool seen = false;
    for (const auto& t : shown) seen = seen || t == s;
    if (!seen) shown.push_back(s);
  }
  const bool one = shown.size() == 1 && shown.front() == "1";
  check_detail::fail<E>(where, key_path,
                        "must have " + check_detail::join_alternatives(shown) +
                            (one ? " entry" : " entries") + ", got " + std::to_string(size));
}

/// "must not be empty" unless size > 0.
template <class E>
void check_nonempty(std::string_view key_path, std::size_t size, const SourceLocation& where = {}) {
  if (size == 0) check_detail::fail<E>(where, key_path, "must not be empty");
}

/// "must be one of auto, rk45 or rosenbrock, got 'rk54'": the message of
/// check_one_of without the suggestion (for readers that throw through their
/// own node type; add closest_match(value, allowed) as the suggestion).
inline std::string one_of_message(std::string_view value, const std::vector<std::string>& allowed) {
  return "must be one of " + check_detail::join_alternatives(allowed) + ", got '" + std::string(value) + "'";
}

/// "must be one of auto, rk45 or rosenbrock, got 'rk54' (did you mean 'rk45'?)"
/// unless value is one of `allowed` (exact, case-sensitive match).
template <class E>
void check_one_of(std::string_view key_path, std::string_view value,
                  const std::vector<std::string>& allowed, const SourceLocation& where = {}) {
  for (const auto& a : allowed)
    if (a == value) return;
  check_detail::fail<E>(where, key_path, one_of_message(value, allowed), closest_match(value, allowed));
}

/// The `--threads` flag: 0 (all cores) or a positive count. Throws OptionError
/// "--threads: must be 0 (all cores) or more, got -1".
inline void check_thread_count(int threads) {
  if (threads < 0)
    throw OptionError(SourceLocation{}, "--threads", "must be 0 (all cores) or more, got " + std::to_string(threads));
}

}  // namespace exvivo
