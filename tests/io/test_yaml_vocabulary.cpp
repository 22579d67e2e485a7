// The input vocabulary read from YAML: one reader and one message per mistake,
// located at the node, whichever file kind it comes from.
#include <string>

#include <catch2/catch.hpp>

#include "core/error_message.hpp"
#include "io/yaml_vocabulary.hpp"

using namespace exvivo;
using exvivo::test::message_of;

namespace {
io::YamlNode doc(const std::string& text) { return io::read_yaml_string(text, "f.yaml", io::InputKind::scenario); }
}  // namespace

TEST_CASE("read_scale reads lin, log, log10 and suggests the closest", "[io][vocabulary]") {
  const auto root = doc("a: log10\nb: Log\nc: [log]\n");
  CHECK(io::read_scale(root.at("a")) == Scale::log10);
  CHECK(message_of([&] { io::read_scale(root.at("b")); }) ==
        "f.yaml:2:4: b: must be one of lin, log or log10, got 'Log' (did you mean 'log'?)");
  CHECK(message_of([&] { io::read_scale(root.at("c")); }) == "f.yaml:3:4: c: expected lin, log or log10, got a list");
}

TEST_CASE("read_noise_distribution reads the model's names and suggests the closest", "[io][vocabulary]") {
  const auto root = doc("a: logitnormal\nb: lognormall\nc: {x: 1}\n");
  CHECK(io::read_noise_distribution(root.at("a")) == NoiseDistribution::logitnormal);
  CHECK(message_of([&] { io::read_noise_distribution(root.at("b")); }) ==
        "f.yaml:2:4: b: must be one of normal, lognormal, log10normal, laplace, logitnormal or proportional, got "
        "'lognormall' (did you mean 'lognormal'?)");
  CHECK(message_of([&] {
          io::read_noise_distribution(root.at("c"));
        }).starts_with("f.yaml:3:4: c: expected a distribution name"));
}

TEST_CASE("read_bounds reads two finite numbers, converting units", "[io][vocabulary]") {
  const auto root = doc("a: [1, 10]\nb: [1]\nc: 3\nd: [0, .inf]\nunit: ug/mL\nbad_unit: furlongs\n");
  const Bounds a = io::read_bounds(root.at("a"));
  CHECK(a.lower == 1);
  CHECK(a.upper == 10);
  const Bounds converted = io::read_bounds(root.at("a"), root.find("unit"), "ng/mL");
  CHECK_THAT(converted.lower, Catch::WithinRel(1000.0, 1e-15));
  CHECK_THAT(converted.upper, Catch::WithinRel(10000.0, 1e-15));
  CHECK(message_of([&] { io::read_bounds(root.at("b")); }) ==
        "f.yaml:2:4: b: expected [lower, upper], got a list of 1 value");
  CHECK(message_of([&] { io::read_bounds(root.at("c")); }) == "f.yaml:3:4: c: expected [lower, upper], got '3'");
  CHECK(message_of([&] { io::read_bounds(root.at("d")); }) == "f.yaml:4:8: d[1]: expected a finite number, got '.inf'");
  CHECK(message_of([&] {
          io::read_bounds(root.at("a"), root.find("bad_unit"), "ng/mL");
        }).rfind("f.yaml:6:11: bad_unit: ", 0) == 0);
}

TEST_CASE("check_bounds fails at the node with core's message", "[io][vocabulary]") {
  const auto root = doc("r: [2, 1]\ns: [0, 1]\n");
  CHECK(message_of([&] { io::check_bounds(root.at("r"), io::read_bounds(root.at("r")), Scale::lin); }) ==
        "f.yaml:1:4: r: lower bound 2 must be below upper bound 1");
  CHECK(message_of([&] { io::check_bounds(root.at("s"), io::read_bounds(root.at("s")), Scale::log); }) ==
        "f.yaml:2:4: s: scale log needs a positive lower bound, got 0");
  CHECK_NOTHROW(io::check_bounds(root.at("s"), io::read_bounds(root.at("s")), Scale::lin));
}

TEST_CASE("read_parameter_bounds: the model's bounds and scale unless overridden", "[io][vocabulary]") {
  // One reader for a fit's estimate.<p> (key `bounds`) and an analysis's
  // parameters.<p> (key `range`).
  const auto root =
      doc("plain:\n"
          "given: {bounds: [1, 100], unit: 1/min, scale: log}\n"
          "unit_only: {unit: 1/min}\n"
          "bad_scale: {scale: log}\n"
          "range: {range: [0.5, 2]}\n");
  const io::ParameterDefaults k{"k", Bounds{0, 10}, Scale::lin, "1/h"};
  const auto& e = root.entries;
  const auto at = [&](std::size_t i) -> std::pair<const io::YamlNode&, const io::YamlNode&> {
    return {e[i].first, e[i].second};
  };
  const io::ScaledBounds model = io::read_parameter_bounds(at(0).first, at(0).second, "bounds", k);
  CHECK(model.bounds.lower == 0);
  CHECK(model.bounds.upper == 10);
  CHECK(model.scale == Scale::lin);
  const io::ScaledBounds given = io::read_parameter_bounds(at(1).first, at(1).second, "bounds", k);
  CHECK_THAT(given.bounds.lower, Catch::WithinRel(60.0, 1e-15));  // 1/min in 1/h
  CHECK_THAT(given.bounds.upper, Catch::WithinRel(6000.0, 1e-15));
  CHECK(given.scale == Scale::log);
  CHECK(message_of([&] { io::read_parameter_bounds(at(2).first, at(2).second, "range", k); }) ==
        "f.yaml:3:19: unit_only.unit: 'unit' applies to 'range', which is not given: add range: [lower, upper] or "
        "remove 'unit'");
  CHECK(message_of([&] { io::read_parameter_bounds(at(3).first, at(3).second, "bounds", k); }) ==
        "f.yaml:4:12: bad_scale: scale log needs a positive lower bound, got 0");
  const io::ScaledBounds range = io::read_parameter_bounds(at(4).first, at(4).second, "range", k);
  CHECK(range.bounds.upper == 2);
  const io::ParameterDefaults unbounded{"k", std::nullopt, Scale::lin, "1/h"};
  CHECK(message_of([&] { io::read_parameter_bounds(at(0).first, at(0).second, "bounds", unbounded); }) ==
        "f.yaml:1:1: plain: missing key 'bounds' (model parameter 'k' has no default bounds; give bounds: "
        "[lower, upper])");
  CHECK(message_of([&] { io::read_parameter_bounds(at(3).first, at(3).second, "range", unbounded); }) ==
        "f.yaml:4:12: bad_scale: missing key 'range' (model parameter 'k' has no default bounds; give range: "
        "[lower, upper])");
}

TEST_CASE("YamlNode::number uses core's number parser", "[io][vocabulary]") {
  const auto root = doc("a: 1e-3\nb: 1e999\nc: -.INF\nd: 0x10\ne: '2'\n");
  CHECK(root.at("a").number() == 1e-3);
  CHECK(message_of([&] { root.at("b").number(); }) == "f.yaml:2:4: b: expected a finite number, got '1e999'");
  CHECK(message_of([&] { root.at("c").number(); }) == "f.yaml:3:4: c: expected a finite number, got '-.INF'");
  CHECK(message_of([&] { root.at("d").number(); }) == "f.yaml:4:4: d: expected a number, got '0x10'");
  CHECK(message_of([&] { root.at("e").number(); }) == "f.yaml:5:4: e: expected a number, got '2'");
}
