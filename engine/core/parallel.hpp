#pragma once
// The one way the engine runs work in parallel (TBB behind this header): a
// sweep's runs, a fit's measurements and starts, an analysis's samples.
// Results must not depend on the thread count: bodies write to their own
// index and never accumulate across indices in completion order.
#include <cstddef>
#include <utility>

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

namespace exvivo {

/// body(i) for every i in [0, n), each exactly once, in any order and on any
/// thread; returns when all are done. An exception from a body propagates
/// (the others may or may not have run).
template <class Body>
void parallel_for_index(std::size_t n, Body&& body) {
  tbb::parallel_for(std::size_t{0}, n, [&](std::size_t i) { body(i); });
}

/// Runs `work()` with at most `threads` worker threads (0 = all cores) for
/// every parallel_for_index inside it, and returns what it returns.
template <class Work>
decltype(auto) with_threads(int threads, Work&& work) {
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  return arena.execute(std::forward<Work>(work));
}

}  // namespace exvivo
