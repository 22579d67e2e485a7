// SparseLu (KLU behind the stiff steppers): solves against the residual, and
// the analysis it shares between instances and threads for one pattern.
#include <catch2/catch.hpp>

#include <cmath>
#include <thread>
#include <utility>
#include <vector>

#include "solve/sparse_lu.hpp"

using exvivo::solve::detail::SparseLu;

namespace {

using Pattern = std::vector<std::pair<int, int>>;

// A tridiagonal pattern plus a few long-range couplings (`skip` picks which),
// so that KLU's ordering and fill have something to do.
Pattern make_pattern(int n, int skip) {
  Pattern p;
  for (int i = 0; i < n; ++i) {
    if (i > 0) p.emplace_back(i, i - 1);
    if (i % 3 != 0) p.emplace_back(i, i);  // some diagonal entries only from the shift
    if (i + 1 < n) p.emplace_back(i, i + 1);
    const int far = (i * 7 + skip) % n;  // distinct entries only, as a model's pattern
    if ((i + skip) % 5 == 0 && std::abs(far - i) > 1) p.emplace_back(i, far);
  }
  return p;
}

std::vector<double> make_values(const Pattern& p, double seed) {
  std::vector<double> v;
  for (std::size_t k = 0; k < p.size(); ++k) v.push_back(std::sin(seed + 1.7 * static_cast<double>(k)) * 3.0);
  return v;
}

// Solves (shift·I − J) x = b for several shifts (refactorisations after the
// first) and returns all the solutions, one after the other.
std::vector<double> solve_all(SparseLu& lu, const Pattern& p, const std::vector<double>& j, int n) {
  std::vector<double> out;
  for (const double shift : {50.0, 20.0, 10.0, 30.0}) {
    REQUIRE(lu.factor(shift, j.data()));
    std::vector<double> x(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) x[static_cast<std::size_t>(i)] = 1.0 + 0.1 * i;
    const std::vector<double> b = x;
    lu.solve(x.data());
    // residual r = (shift·I − J) x − b
    std::vector<double> r(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i)
      r[static_cast<std::size_t>(i)] = shift * x[static_cast<std::size_t>(i)] - b[static_cast<std::size_t>(i)];
    for (std::size_t k = 0; k < p.size(); ++k)
      r[static_cast<std::size_t>(p[k].first)] -= j[k] * x[static_cast<std::size_t>(p[k].second)];
    for (int i = 0; i < n; ++i) CHECK(std::abs(r[static_cast<std::size_t>(i)]) < 1e-12 * shift);
    out.insert(out.end(), x.begin(), x.end());
  }
  return out;
}

}  // namespace

TEST_CASE("SparseLu solves shift*I - J for several shifts and patterns of one size", "[solve][sparse_lu]") {
  const int n = 40;
  const Pattern a = make_pattern(n, 1), b = make_pattern(n, 3);
  REQUIRE(a != b);
  SparseLu lu_a(n, a), lu_b(n, b);  // same size, different patterns: separate analyses
  const auto ja = make_values(a, 0.3), jb = make_values(b, 0.9);
  solve_all(lu_a, a, ja, n);
  solve_all(lu_b, b, jb, n);
  CHECK(lu_a.fresh_factorizations() >= 1);
  CHECK(lu_a.refactorizations() + lu_a.fresh_factorizations() == 4);
}

TEST_CASE("SparseLu instances sharing a pattern's analysis agree bit for bit across threads", "[solve][sparse_lu]") {
  const int n = 40;
  const Pattern p = make_pattern(n, 2);
  const auto j = make_values(p, 1.1);
  std::vector<double> serial;
  {
    SparseLu lu(n, p);
    serial = solve_all(lu, p, j, n);
  }
  // Catch2's assertions are not thread-safe: the threads only compute.
  std::vector<std::vector<double>> results(4);
  std::vector<std::thread> threads;
  for (auto& result : results)
    threads.emplace_back([&] {
      for (int round = 0; round < 20; ++round) {  // a new SparseLu each round, as runs of a sweep
        SparseLu lu(n, p);
        std::vector<double> x;
        for (const double shift : {50.0, 20.0, 10.0, 30.0}) {
          if (!lu.factor(shift, j.data())) return;
          std::vector<double> v(static_cast<std::size_t>(n));
          for (int i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = 1.0 + 0.1 * i;
          lu.solve(v.data());
          x.insert(x.end(), v.begin(), v.end());
        }
        if (round == 0)
          result = x;
        else if (x != result)
          result.clear();
      }
    });
  for (auto& t : threads) t.join();
  for (const auto& result : results) CHECK(result == serial);
}
