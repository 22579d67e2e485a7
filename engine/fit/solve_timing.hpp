#pragma once
// How many run integrations a computation did without and with forward
// sensitivities, and the CPU seconds spent in them: the `timing` object of
// fit.json and analysis.json. Each solve is timed by the CPU clock of the
// thread that runs it (CLOCK_THREAD_CPUTIME_ID) and the times are summed over
// threads, so that the seconds do not depend on the number of threads, nor
// (much) on other load of the machine, and a sensitivity solve's cost relative
// to a plain one can be read from them.
#include <atomic>
#include <ctime>

#include <nlohmann/json.hpp>

namespace exvivo::fit {

struct SolveTiming {
  long plain_solves = 0;
  double plain_seconds = 0;
  long sensitivity_solves = 0;
  double sensitivity_seconds = 0;

  SolveTiming& operator+=(const SolveTiming& other) {
    plain_solves += other.plain_solves;
    plain_seconds += other.plain_seconds;
    sensitivity_solves += other.sensitivity_solves;
    sensitivity_seconds += other.sensitivity_seconds;
    return *this;
  }
};

/// {"plain_solves": …, "plain_seconds": …, "sensitivity_solves": …, "sensitivity_seconds": …}
template <typename Json>
void to_json(Json& j, const SolveTiming& t) {
  j = Json::object();
  j["plain_solves"] = t.plain_solves;
  j["plain_seconds"] = t.plain_seconds;
  j["sensitivity_solves"] = t.sensitivity_solves;
  j["sensitivity_seconds"] = t.sensitivity_seconds;
}

/// CPU time of the calling thread in nanoseconds (CLOCK_THREAD_CPUTIME_ID).
inline long long thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

/// Thread-safe accumulation of SolveTiming from parallel solves:
///   const long long start = thread_cpu_ns();  …solve…;  timer.add(sens, thread_cpu_ns() - start);
/// (both readings in the thread that solves).
class SolveTimer {
 public:
  void add(bool with_sensitivities, long long ns) {
    if (with_sensitivities) {
      ++sensitivity_solves_;
      sensitivity_ns_ += ns;
    } else {
      ++plain_solves_;
      plain_ns_ += ns;
    }
  }
  SolveTiming timing() const {
    SolveTiming t;
    t.plain_solves = plain_solves_.load();
    t.plain_seconds = 1e-9 * static_cast<double>(plain_ns_.load());
    t.sensitivity_solves = sensitivity_solves_.load();
    t.sensitivity_seconds = 1e-9 * static_cast<double>(sensitivity_ns_.load());
    return t;
  }

 private:
  std::atomic<long> plain_solves_{0}, sensitivity_solves_{0};
  std::atomic<long long> plain_ns_{0}, sensitivity_ns_{0};
};

}  // namespace exvivo::fit
