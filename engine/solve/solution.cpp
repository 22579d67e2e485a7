#include "solve/solution.hpp"

namespace exvivo::solve {

const char* to_string(Status s) {
  switch (s) {
    case Status::ok: return "ok";
    case Status::max_steps: return "max_steps";
    case Status::step_underflow: return "step_underflow";
    case Status::non_finite: return "non_finite";
    case Status::timeout: return "timeout";
    case Status::error: return "error";
  }
  return "error";
}

}  // namespace exvivo::solve
