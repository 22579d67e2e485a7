#pragma once
// The result side of solve(): sampled states and observables, statistics and
// a return status. Numerical failure is reported here, never thrown.
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "solve/run.hpp"

namespace exvivo::solve {

/// DESIGN.md §5 run statuses.
enum class Status { ok, max_steps, step_underflow, non_finite, timeout, error };

/// "ok", "max_steps", "step_underflow", "non_finite", "timeout", "error".
const char* to_string(Status s);

struct SolveStats {
  long steps = 0;           ///< accepted steps
  long rejected_steps = 0;
  long rhs_evals = 0;
  long jacobian_evals = 0;
  long lu_decompositions = 0;
  double wall_ms = 0;
  std::string method;       ///< the method actually used ("rk45", "rodas5", ...)
};

struct Solution {
  Status status = Status::ok;
  std::string message;                ///< on failure: "At t = … h (step … h): species X became NaN"
  std::vector<SampleTime> samples;    ///< the requested sample times
  std::size_t completed = 0;          ///< samples computed (all of them when ok)
  Eigen::MatrixXd states;             ///< samples × species (rows past `completed` are NaN)
  Eigen::MatrixXd observables;        ///< samples × observables
  SolveStats stats;

  bool ok() const { return status == Status::ok; }
};

}  // namespace exvivo::solve
