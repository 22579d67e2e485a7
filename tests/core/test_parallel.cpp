// The engine's one parallel loop (core/parallel.hpp): every index once,
// exceptions propagate, thread limits nest. The same tests run in the
// ThreadSanitizer build, where the loop runs on std::thread (.ci/run).
#include <atomic>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "core/parallel.hpp"

using exvivo::parallel_for_index;
using exvivo::with_threads;

TEST_CASE("parallel_for_index runs every index exactly once", "[core][parallel]") {
  for (const int threads : {0, 1, 3}) {
    CAPTURE(threads);
    std::vector<int> hits(1000, 0);  // each body writes only its own entry
    with_threads(threads, [&] { parallel_for_index(hits.size(), [&](std::size_t i) { hits[i] += 1; }); });
    CHECK(hits == std::vector<int>(1000, 1));
  }
  std::atomic<int> calls{0};
  parallel_for_index(0, [&](std::size_t) { ++calls; });
  CHECK(calls == 0);
}

TEST_CASE("parallel_for_index: nested loops and data written before the loop", "[core][parallel]") {
  const std::vector<double> input = [] {
    std::vector<double> v(64);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i);
    return v;
  }();
  std::vector<double> sums(8, 0.0);
  with_threads(2, [&] {
    parallel_for_index(sums.size(), [&](std::size_t row) {
      std::vector<double> part(8, 0.0);
      parallel_for_index(part.size(), [&](std::size_t col) { part[col] = input[row * 8 + col]; });
      for (const double x : part) sums[row] += x;
    });
  });
  for (std::size_t row = 0; row < sums.size(); ++row) CHECK(sums[row] == static_cast<double>(64 * row + 28));
}

TEST_CASE("parallel_for_index propagates a body's exception; with_threads returns the work's value",
          "[core][parallel]") {
  CHECK_THROWS_WITH(parallel_for_index(100,
                                       [](std::size_t i) {
                                         if (i == 37) throw std::runtime_error("index 37 failed");
                                       }),
                    "index 37 failed");
  CHECK(with_threads(2, [] { return std::string("done"); }) == "done");
}
