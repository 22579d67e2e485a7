#pragma once
// The one way the engine runs work in parallel (TBB behind this header): a
// sweep's runs, a fit's measurements and starts, an analysis's samples.
// Results must not depend on the thread count: bodies write to their own
// index and never accumulate across indices in completion order.
//
// Under ThreadSanitizer the same two functions run on std::thread instead of
// TBB. Debian's libtbb is not built with -fsanitize=thread, so TSan cannot see
// the synchronisation of TBB's task hand-offs and reports every read of data
// written before a loop as a race. Threads started and joined through pthreads
// are visible to TSan, so in that build the engine's own bodies are checked
// against each other and against the calling thread, with nothing suppressed.
#include <cstddef>
#include <utility>

#if defined(__SANITIZE_THREAD__)
#define EXVIVO_THREAD_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define EXVIVO_THREAD_SANITIZER 1
#endif
#endif

#ifdef EXVIVO_THREAD_SANITIZER
#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>
#else
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#endif

namespace exvivo {

#ifndef EXVIVO_THREAD_SANITIZER

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

#else  // ThreadSanitizer build: the same contract on std::thread.

namespace parallel_detail {
/// The `threads` of the innermost with_threads on this thread (0 = all cores);
/// the threads of a loop inherit it, so nested loops keep the limit.
inline thread_local int thread_limit = 0;

struct LimitGuard {
  int saved;
  explicit LimitGuard(int threads) : saved(thread_limit) { thread_limit = threads; }
  ~LimitGuard() { thread_limit = saved; }
  LimitGuard(const LimitGuard&) = delete;
  LimitGuard& operator=(const LimitGuard&) = delete;
};
}  // namespace parallel_detail

template <class Body>
void parallel_for_index(std::size_t n, Body&& body) {
  if (n == 0) return;
  const int limit = parallel_detail::thread_limit;
  const std::size_t cores = std::max(1U, std::thread::hardware_concurrency());
  const std::size_t threads = std::min(n, limit > 0 ? static_cast<std::size_t>(limit) : cores);
  std::atomic<std::size_t> next{0};
  std::mutex error_mutex;
  std::exception_ptr error;
  const auto work = [&] {
    const parallel_detail::LimitGuard guard(limit);
    // Relaxed: handing out an index must not order one body after another,
    // or TSan would miss races between bodies that TBB may run at once.
    for (std::size_t i = next.fetch_add(1, std::memory_order_relaxed); i < n;
         i = next.fetch_add(1, std::memory_order_relaxed)) {
      try {
        body(i);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        next.store(n, std::memory_order_relaxed);  // hand out no further indices
      }
    }
  };
  std::vector<std::thread> helpers;
  helpers.reserve(threads - 1);
  for (std::size_t t = 1; t < threads; ++t) helpers.emplace_back(work);
  work();
  for (auto& h : helpers) h.join();
  if (error) std::rethrow_exception(error);
}

template <class Work>
decltype(auto) with_threads(int threads, Work&& work) {
  const parallel_detail::LimitGuard guard(threads > 0 ? threads : 0);
  return std::forward<Work>(work)();
}

#endif

}  // namespace exvivo
