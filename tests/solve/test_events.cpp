// Event semantics (DESIGN.md §3) against the analytic solution of a dosed
// one-compartment model x' = -k x: between events x decays as x(t_e) e^{-k (t - t_e)}.
#include <catch2/catch.hpp>

#include <cmath>

#include "solve/integrate.hpp"
#include "solve/reference_problems.hpp"
#include "solve/solve_test_helpers.hpp"

using namespace exvivo;
using namespace exvivo::testing;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using Kind = solve::EventAction::Kind;

namespace {

constexpr double k = 0.3;   // 1/h
constexpr double tol = 1e-7;  // relative; integrations below use rel_tol 1e-10

double decayed(double x, double dt) { return x * std::exp(-k * dt); }

solve::IntegrationResult run(const std::vector<solve::Event>& events,
                             const std::vector<solve::SampleTime>& samples, double x0,
                             const std::string& method = "rodas4") {
  Decay decay(k);
  return solve::integrate(decay, Eigen::VectorXd::Constant(1, x0), 0, events, samples,
                          tolerances(method, 1e-10, 1e-14));
}

double at(const solve::IntegrationResult& r, std::size_t sample) {
  return r.states(static_cast<Eigen::Index>(sample), 0);
}

}  // namespace

TEST_CASE("repeated add doses superpose", "[solve][events]") {
  const std::string method = GENERATE("rk45", "rodas4", "auto");
  // dose 10 at t = 0, 6, 12; samples between and after the doses
  const std::vector<solve::Event> events = {{0, {{Kind::add, 0, 10}}},
                                            {6, {{Kind::add, 0, 10}}},
                                            {12, {{Kind::add, 0, 10}}}};
  const auto r = run(events, sample_times({0, 3, 6, 9, 12, 20}), 0, method);
  REQUIRE(r.ok());
  auto dosed = [](double t) {
    double x = 0;
    for (double td : {0.0, 6.0, 12.0})
      if (t >= td) x += decayed(10, t - td);
    return x;
  };
  const std::vector<double> times = {0, 3, 6, 9, 12, 20};
  for (std::size_t i = 0; i < times.size(); ++i) {
    INFO(method << " t = " << times[i]);
    CHECK_THAT(at(r, i), WithinRel(dosed(times[i]), tol));
  }
}

TEST_CASE("set, scale and set-to-0 (wash) act on the state at the event", "[solve][events]") {
  const std::vector<solve::Event> events = {{2, {{Kind::set, 0, 4}}},
                                            {5, {{Kind::scale, 0, 3}}},
                                            {8, {{Kind::set, 0, 0}}}};
  const auto r = run(events, sample_times({1, 2, 4, 5, 7, 8, 10}), 10);
  REQUIRE(r.ok());
  CHECK_THAT(at(r, 0), WithinRel(decayed(10, 1), tol));
  CHECK_THAT(at(r, 1), WithinRel(4.0, tol));                      // after the set
  CHECK_THAT(at(r, 2), WithinRel(decayed(4, 2), tol));
  CHECK_THAT(at(r, 3), WithinRel(3 * decayed(4, 3), tol));        // after the scale
  CHECK_THAT(at(r, 4), WithinRel(3 * decayed(4, 5), tol));
  CHECK_THAT(at(r, 5), WithinAbs(0.0, 1e-15));                    // washed
  CHECK_THAT(at(r, 6), WithinAbs(0.0, 1e-15));                    // stays 0
}

TEST_CASE("actions at the same time apply in order", "[solve][events]") {
  SECTION("add then scale") {
    const auto r = run({{4, {{Kind::add, 0, 5}, {Kind::scale, 0, 2}}}}, sample_times({4}), 10);
    REQUIRE(r.ok());
    CHECK_THAT(at(r, 0), WithinRel(2 * (decayed(10, 4) + 5), tol));
  }
  SECTION("scale then add") {
    const auto r = run({{4, {{Kind::scale, 0, 2}, {Kind::add, 0, 5}}}}, sample_times({4}), 10);
    REQUIRE(r.ok());
    CHECK_THAT(at(r, 0), WithinRel(2 * decayed(10, 4) + 5, tol));
  }
}

TEST_CASE("a sample at an event time reports the state after it unless before_event",
          "[solve][events]") {
  const std::vector<solve::Event> events = {{6, {{Kind::add, 0, 10}}}};
  const std::vector<solve::SampleTime> samples = {{5.999, false}, {6, true}, {6, false}, {6.001, false}};
  const auto r = run(events, samples, 10);
  REQUIRE(r.ok());
  REQUIRE(r.completed == 4);
  CHECK_THAT(at(r, 0), WithinRel(decayed(10, 5.999), tol));
  CHECK_THAT(at(r, 1), WithinRel(decayed(10, 6), tol));        // "6 h-": just before the dose
  CHECK_THAT(at(r, 2), WithinRel(decayed(10, 6) + 10, tol));   // "6 h": after the dose
  CHECK_THAT(at(r, 3), WithinRel(decayed(decayed(10, 6) + 10, 0.001), tol));
}

TEST_CASE("events at t0 and at the last sample time are applied", "[solve][events]") {
  const std::vector<solve::Event> events = {{0, {{Kind::set, 0, 7}}}, {3, {{Kind::add, 0, 1}}}};
  const std::vector<solve::SampleTime> samples = {{0, true}, {0, false}, {3, true}, {3, false}};
  const auto r = run(events, samples, 1);
  REQUIRE(r.ok());
  CHECK_THAT(at(r, 0), WithinRel(1.0, tol));
  CHECK_THAT(at(r, 1), WithinRel(7.0, tol));
  CHECK_THAT(at(r, 2), WithinRel(decayed(7, 3), tol));
  CHECK_THAT(at(r, 3), WithinRel(decayed(7, 3) + 1, tol));
}

TEST_CASE("events after the last sample are ignored; the run ends at the last sample",
          "[solve][events]") {
  const auto r = run({{50, {{Kind::set, 0, 1e9}}}}, sample_times({1, 2}), 1);
  REQUIRE(r.ok());
  CHECK_THAT(at(r, 1), WithinRel(decayed(1, 2), tol));
}

TEST_CASE("malformed schedules end with status error and say why", "[solve][events]") {
  SECTION("sample before t0") {
    const auto r = run({}, sample_times({-1, 2}), 1);
    CHECK(r.status == solve::Status::error);
    CHECK(r.message == "sample 0 at t = -1 is before the start t0 = 0");
    CHECK(r.completed == 0);
  }
  SECTION("event on a state that does not exist") {
    const auto r = run({{1, {{Kind::add, 3, 1}}}}, sample_times({0.5, 2}), 1);
    CHECK(r.status == solve::Status::error);
    CHECK(r.message == "event at t = 1: state index 3 out of range (size 1)");
    CHECK(r.completed == 1);  // the sample before the event is kept
  }
  SECTION("a sample 't' before a sample 't-'") {
    const auto r = run({{6, {{Kind::add, 0, 10}}}}, {{6, false}, {6, true}}, 1);
    CHECK(r.status == solve::Status::error);
    CHECK(r.message == "sample times are not sorted (sample 1 at t = 6- after t = 6)");
  }
  SECTION("unsorted events") {
    const auto r = run({{2, {}}, {1, {}}}, sample_times({3}), 1);
    CHECK(r.status == solve::Status::error);
    CHECK(r.message == "event times are not strictly increasing (event 1 at t = 1)");
  }
}
