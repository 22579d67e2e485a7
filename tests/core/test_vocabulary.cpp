// The input vocabulary of core: scales, bounds, noise distributions, time
// points and name suggestions, each read and checked in one place, with one
// message per mistake.
#include <cmath>
#include <limits>
#include <string>

#include <catch2/catch.hpp>

#include "core/bounds.hpp"
#include "core/error_message.hpp"
#include "core/names.hpp"
#include "core/noise_distribution.hpp"
#include "core/quantity.hpp"
#include "core/scale.hpp"

using namespace exvivo;
using exvivo::test::message_of;

TEST_CASE("scales read and print each other's names", "[core][scale]") {
  for (const Scale s : {Scale::lin, Scale::log, Scale::log10}) CHECK(parse_scale(to_string(s)) == s);
  CHECK(scale_names() == std::vector<std::string>{"lin", "log", "log10"});
  CHECK_FALSE(parse_scale("Log"));
  CHECK_FALSE(parse_scale("log2"));
  CHECK_FALSE(parse_scale(""));
  CHECK(check_scale<ScenarioError>("sweep.factors.k.scale", "log10") == Scale::log10);
  CHECK(message_of([] {
          check_scale<ScenarioError>("sweep.factors.k.scale", "log2", {"s.yaml", 3, 5});
        }) == "s.yaml:3:5: sweep.factors.k.scale: must be one of lin, log or log10, got 'log2' (did you mean 'log'?)");
}

TEST_CASE("scale transforms invert each other and give dp/dtheta", "[core][scale]") {
  for (const Scale s : {Scale::lin, Scale::log, Scale::log10}) {
    const double p = 3.7, theta = to_scale(s, p), h = 1e-6;
    CHECK_THAT(from_scale(s, theta), Catch::WithinRel(p, 1e-15));
    const double fd = (from_scale(s, theta + h) - from_scale(s, theta - h)) / (2 * h);
    CHECK_THAT(value_derivative(s, theta), Catch::WithinRel(fd, 1e-8));
    CHECK_THAT(value_derivative_at_value(s, p), Catch::WithinRel(fd, 1e-8));
  }
  CHECK(to_scale(Scale::log10, 1000.0) == 3.0);
  CHECK(from_scale(Scale::log, 0.0) == 1.0);
}

TEST_CASE("bounds have one check and one message per mistake", "[core][bounds]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK_FALSE(bounds_problem({0.01, 1}, Scale::log10));
  CHECK_FALSE(bounds_problem({-1, 1}, Scale::lin));
  CHECK(bounds_problem({10, 0.1}, Scale::lin) == "lower bound 10 must be below upper bound 0.1");
  CHECK(bounds_problem({1, 1}, Scale::lin) == "lower bound 1 must be below upper bound 1");
  CHECK(bounds_problem({0, 1}, Scale::log) == "scale log needs a positive lower bound, got 0");
  CHECK(bounds_problem({-2, 1}, Scale::log10) == "scale log10 needs a positive lower bound, got -2");
  CHECK(bounds_problem({nan, 1}, Scale::lin) == "must be finite, got [nan, 1]");
  CHECK(bounds_problem({0, std::numeric_limits<double>::infinity()}, Scale::lin) == "must be finite, got [0, inf]");
  CHECK(message_of([] {
          check_bounds<ModelError>("parameters.k.bounds", {2, 1}, Scale::lin, {"m.yaml", 4, 38});
        }) == "m.yaml:4:38: parameters.k.bounds: lower bound 2 must be below upper bound 1");

  // A range of one point, for code that places values on checked ranges.
  CHECK_FALSE(bounds_problem({1, 1}, Scale::log, PointRange::allow));
  CHECK(bounds_problem({2, 1}, Scale::lin, PointRange::allow) == "lower bound 2 must not be above upper bound 1");
  CHECK(bounds_problem({0, 0}, Scale::log10, PointRange::allow) == "scale log10 needs a positive lower bound, got 0");
  CHECK(bounds_problem({nan, nan}, Scale::lin, PointRange::allow) == "must be finite, got [nan, nan]");
}

TEST_CASE("noise distributions read and print each other's names", "[core][noise]") {
  CHECK(noise_distribution_names() ==
        std::vector<std::string>{"normal", "lognormal", "log10normal", "laplace", "logitnormal", "proportional"});
  for (const auto& name : noise_distribution_names()) {
    REQUIRE(parse_noise_distribution(name));
    CHECK(to_string(*parse_noise_distribution(name)) == name);
  }
  CHECK(std::string(to_string(NoiseDistribution::none)) == "none");
  CHECK_FALSE(parse_noise_distribution("none"));
  CHECK_FALSE(parse_noise_distribution("Normal"));
  CHECK(check_noise_distribution<DataError>("noise", "laplace") == NoiseDistribution::laplace);
  CHECK(message_of([] {
          check_noise_distribution<ModelError>("o.noise.distribution", "gausian", noise_distribution_names(),
                                               {"m.yaml", 2, 3});
        }) ==
        "m.yaml:2:3: o.noise.distribution: must be one of normal, lognormal, log10normal, laplace, logitnormal or "
        "proportional, got 'gausian'");
  CHECK(message_of([] {
          check_noise_distribution<DataError>("noise", "lognormall", {"lognormal", "normal"});
        }) == "noise: must be one of lognormal or normal, got 'lognormall' (did you mean 'lognormal'?)");
}

TEST_CASE("closest_match ignores case, then prefers the exact case", "[core][names]") {
  CHECK(closest_match("kk", {"K", "k"}) == "k");
  CHECK(closest_match("kk", {"k", "K"}) == "k");
  CHECK(closest_match("KK", {"k", "K"}) == "K");
  CHECK(closest_match("ifng", {"IFNG", "ifnb"}) == "IFNG");  // closer ignoring case wins first
  CHECK(closest_match("GMSCF", {"IL10", "GMCSF"}) == "GMCSF");
  CHECK(closest_match("abcdef", {"uvwxyz"}).empty());
}

TEST_CASE("time_value_in converts times and names what is not one", "[core][quantity]") {
  const Unit h = parse_unit("h");
  CHECK(time_value_in(parse_quantity("30 min"), h) == 0.5);
  CHECK(time_value_in(parse_quantity("24"), h) == 24);
  CHECK(time_value_in(parse_quantity("2 d-"), h) == 48);
  CHECK(message_of([&] { time_value_in(parse_quantity("5 ng/mL"), h); }) ==
        "expected a time such as '24 h' or '30 min', got '5 ng/mL'");
  CHECK(message_of([&] { time_value_in(parse_quantity("1e308 d"), parse_unit("s")); }) ==
        "time '1e308 d' is too large");
}

TEST_CASE("parse_time_point reads the times of samples, measurements and analyses", "[core][quantity]") {
  const Unit h = parse_unit("h");
  const auto read = [&](const char* text) { return parse_time_point(text, h); };
  CHECK(read("24").value == 24);
  CHECK_FALSE(read("24").before);
  CHECK(read("30 min").value == 0.5);
  CHECK(read("1d").value == 24);
  CHECK(read(" 24 h- ").value == 24);
  CHECK(read(" 24 h- ").before);
  CHECK(read("6-").before);
  CHECK(message_of([&] { read("soon"); }) == "expected a time such as '24 h' or '30 min', got 'soon'");
  CHECK(message_of([&] { read(" h 24 "); }) == "expected a time such as '24 h' or '30 min', got 'h 24'");
  CHECK(message_of([&] { read(""); }) == "expected a time such as '24 h' or '30 min', got ''");
  CHECK(message_of([&] { read("-"); }) == "expected a time such as '24 h' or '30 min', got '-'");
  CHECK(message_of([&] { read("5 ng/mL-"); }) == "expected a time such as '24 h' or '30 min', got '5 ng/mL-'");
  CHECK(message_of([&] { read("nan h"); }) == "quantity 'nan h': the number must be finite");
  CHECK(message_of([&] { read("inf"); }) == "quantity 'inf': the number must be finite");
  CHECK(message_of([&] { read("2 hours"); }) == "expected a time such as '24 h' or '30 min', got '2 hours'");
  CHECK(message_of([&] { read("2 h^"); }).starts_with("unit 'h^': "));
}
