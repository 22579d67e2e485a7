#include "fit/multi_start.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "core/check.hpp"
#include "core/parallel.hpp"
#include "fit/latin_hypercube.hpp"

namespace exvivo::fit {

void MultiStartOptions::validate() const {
  check_positive<OptionError>("starts", starts);
  check_thread_count(threads);
  optimizer.validate();
}

std::vector<StartResult> multi_start(const LeastSquaresProblem& problem,
                                     const MultiStartOptions& options) {
  options.validate();
  if (!problem.lower.allFinite() || !problem.upper.allFinite())
    throw std::invalid_argument("multi_start: every bound must be finite");
  Eigen::MatrixXd points = latin_hypercube(options.starts, problem.lower, problem.upper, options.seed);
  if (options.first_start) {
    if (options.first_start->size() != points.cols())
      throw std::invalid_argument("multi_start: first_start has the wrong size");
    points.row(0) = options.first_start->cwiseMax(problem.lower).cwiseMin(problem.upper).transpose();
  }
  std::vector<StartResult> results(static_cast<std::size_t>(options.starts));
  const auto run_start = [&](int i) {
    const auto t0 = std::chrono::steady_clock::now();
    StartResult& s = results[static_cast<std::size_t>(i)];
    s.start = i;
    s.theta0 = points.row(i).transpose();
    s.result = least_squares(problem, s.theta0, options.optimizer);
    s.wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  };
  with_threads(options.threads, [&] {
    parallel_for_index(static_cast<std::size_t>(options.starts),
                       [&](std::size_t i) { run_start(static_cast<int>(i)); });
  });
  std::stable_sort(results.begin(), results.end(), [](const StartResult& a, const StartResult& b) {
    const bool fa = a.result.status == "failed", fb = b.result.status == "failed";
    if (fa != fb) return fb;
    return a.result.cost < b.result.cost;
  });
  return results;
}

}  // namespace exvivo::fit
