// Native code (model/native_code.hpp): on every bundled model, every compiled
// function gives the interpreter's values bit for bit, also with the
// reordered state programs and their paired vector divisions (and with the
// scalar divisions of compilers without vector extensions); the cache is
// reused, rebuilt when damaged, bypassed when it cannot be written; a missing
// compiler falls back with a reason.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <utility>
#include <string>
#include <vector>

#include "expr/graph.hpp"
#include "expr/program.hpp"
#include "model/compiled_model.hpp"
#include "model/model_test_support.hpp"
#include "model/native_code.hpp"

using namespace exvivo::model;
namespace expr = exvivo::expr;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> bundled_models() {
  std::vector<std::string> paths;
  for (const auto& entry : fs::directory_iterator(std::string(EXVIVO_SOURCE_DIR) + "/models"))
    if (entry.path().extension() == ".yaml") paths.push_back(entry.path().string());
  std::sort(paths.begin(), paths.end());
  return paths;
}

/// Sets an environment variable for the lifetime of the object.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old, had_ = true;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (had_) setenv(name_, old_.c_str(), 1);
    else unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

fs::path fresh_directory(const std::string& name) {
  const fs::path dir = fs::path(EXVIVO_BINARY_DIR) / "test-native" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

/// Largest |a - b| / max(|a|, |b|, 1e-300) over two equally long arrays (NaN = NaN).
double max_relative_difference(const std::vector<double>& a, const std::vector<double>& b) {
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) && std::isnan(b[i])) continue;
    if (a[i] == b[i]) continue;
    const double scale = std::max({std::abs(a[i]), std::abs(b[i]), 1e-300});
    worst = std::max(worst, std::isfinite(a[i] - b[i]) ? std::abs(a[i] - b[i]) / scale : HUGE_VAL);
  }
  return worst;
}

/// Every evaluation of the public API at (t, x, p), concatenated.
std::vector<double> evaluate_all(const CompiledModel& m, double t, const std::vector<double>& x,
                                 const std::vector<double>& p) {
  const std::size_t n = m.num_states(), np = m.num_parameters(), ny = m.num_observables();
  auto ws = m.make_workspace();
  m.set_parameters(p.data(), ws);
  std::vector<double> all;
  const auto append = [&](std::size_t size, const std::function<void(double*)>& f) {
    std::vector<double> v(size, -7.0);
    f(v.data());
    all.insert(all.end(), v.begin(), v.end());
  };
  append(n, [&](double* out) { m.initial_state(ws, out); });
  append(n * np, [&](double* out) { m.initial_state_jacobian(ws, out); });
  append(n, [&](double* out) { m.rhs(t, x.data(), ws, out); });
  append(n * n, [&](double* out) { m.jacobian(t, x.data(), ws, out); });
  append(m.jacobian_sparsity().nonzeros.size(), [&](double* out) { m.jacobian_nonzeros(t, x.data(), ws, out); });
  append(n * np, [&](double* out) { m.parameter_jacobian(t, x.data(), ws, out); });
  append(ny, [&](double* out) { m.observables(t, x.data(), ws, out); });
  append(ny * n, [&](double* out) { m.observable_state_jacobian(t, x.data(), ws, out); });
  append(ny * np, [&](double* out) { m.observable_parameter_jacobian(t, x.data(), ws, out); });
  append(ny, [&](double* out) { m.noise_sigmas(t, x.data(), ws, out); });
  append(ny * n, [&](double* out) { m.noise_sigma_state_jacobian(t, x.data(), ws, out); });
  append(ny * np, [&](double* out) { m.noise_sigma_parameter_jacobian(t, x.data(), ws, out); });
  return all;
}

const char* const tiny_model = R"(
model: tiny
time_unit: h
parameters:
  k: {value: 0.3, unit: 1/h}
  K: {value: 2, unit: 1}
species:
  A: {initial: 5, unit: 1}
odes:
  A: -k * A^3 / (K^2 + A^2) + min(A, K) - max(A, 1) + hill(A, K, 2) * erf(A) + A^K + abs(sin(A)) * cos(t) + tanh(A) * sqrt(A) + A^EXPONENT + log10(A) + exp(-A) + log(A)
observables:
  A_obs: {formula: A, unit: 1, noise: {distribution: normal, sigma: 0.1 * A + 1}}
)";

/// Every function and operator of the extended language (SBML MathML).
const char* const extended_model = R"(
model: extended
time_unit: h
parameters:
  k: {value: 0.3, unit: 1/h}
species:
  A: {initial: 2, unit: 1}
odes:
  A: -k * A + tan(A / 4) + asin(A / 4) + acos(A / 4) + atan(A) + sinh(A / 3) + cosh(A / 3) + asinh(A) + acosh(A + 1) + atanh(A / 4) + floor(3 * A) + ceil(A) + factorial(floor(A)) + rem(A, 0.7) + quotient(A, 0.7) + piecewise(A, A < 1 && A != 0.5 || !(A >= 3), A * A, A == 2, 1 / A) + log(2, A) + root(3, A) + (A > 1.5) + (A <= 2.5)
observables:
  A_obs: {formula: A, unit: 1}
)";

/// The tiny model with its own exponent: each test gets its own C source, so
/// its own cache key, and cannot meet another test's library.
std::string tiny_model_variant(const std::string& exponent) {
  std::string yaml = tiny_model;
  yaml.replace(yaml.find("EXPONENT"), 8, exponent);
  return yaml;
}

}  // namespace

TEST_CASE("native code equals the interpreter bit for bit on every bundled model", "[native]") {
  for (const std::string& path : bundled_models()) {
    INFO(path);
    const CompiledModel interpreted = load_model(path);
    const NativeCodeResult native = with_native_code(interpreted);
    INFO(native.reason);
    REQUIRE(native.native);
    CHECK(is_native(native.model));
    CHECK_FALSE(is_native(interpreted));

    std::mt19937 rng(11);
    std::uniform_real_distribution<double> factor(0.7, 1.4), unit(0.1, 1.0), time(0.0, 10.0);
    for (int k = 0; k < 20; ++k) {
      std::vector<double> p = interpreted.default_parameters();
      for (double& v : p) v *= factor(rng);
      std::vector<double> x(interpreted.num_states());
      {
        auto ws = interpreted.make_workspace();
        interpreted.set_parameters(p.data(), ws);
        interpreted.initial_state(ws, x.data());
      }
      for (double& v : x) v = (std::abs(v) > 0 ? std::abs(v) : 1.0) * (0.5 + unit(rng));
      const double t = time(rng);
      const std::vector<double> a = evaluate_all(interpreted, t, x, p);
      const std::vector<double> b = evaluate_all(native.model, t, x, p);
      REQUIRE(a.size() == b.size());
      CHECK(max_relative_difference(a, b) == 0);
    }
  }
}

TEST_CASE("native f reads the state from the caller's array, also when that array is the output", "[native]") {
  // CompiledModel::rhs calls the generated exvivo_rhs_x(in, x, out) without
  // copying x into the input array; an x that overlaps the output takes the
  // copying path. Both give the interpreter's values.
  const CompiledModel interpreted = load_model(std::string(EXVIVO_SOURCE_DIR) + "/models/leukocyte_exvivo.yaml");
  const NativeCodeResult native = with_native_code(interpreted);
  INFO(native.reason);
  REQUIRE(native.native);
  CHECK(native_source(interpreted).find("void exvivo_rhs_x(const double* restrict in, const double* restrict x,") !=
        std::string::npos);
  const std::size_t n = interpreted.num_states();
  const std::vector<double> p = interpreted.default_parameters();
  auto ws_i = interpreted.make_workspace();
  auto ws_n = native.model.make_workspace();
  interpreted.set_parameters(p.data(), ws_i);
  native.model.set_parameters(p.data(), ws_n);
  std::vector<double> x(n);
  interpreted.initial_state(ws_i, x.data());
  for (std::size_t i = 0; i < n; ++i) x[i] = std::abs(x[i]) + 0.1 * static_cast<double>(i + 1);
  std::vector<double> expected(n), separate(n), in_place = x;
  interpreted.rhs(2.5, x.data(), ws_i, expected.data());
  native.model.rhs(2.5, x.data(), ws_n, separate.data());
  native.model.rhs(2.5, in_place.data(), ws_n, in_place.data());
  CHECK(max_relative_difference(expected, separate) == 0);
  CHECK(max_relative_difference(expected, in_place) == 0);
  // Another state through the same workspace: nothing stale is read.
  for (double& v : x) v *= 1.3;
  interpreted.rhs(3.0, x.data(), ws_i, expected.data());
  native.model.rhs(3.0, x.data(), ws_n, separate.data());
  CHECK(max_relative_difference(expected, separate) == 0);
}

namespace {

/// The C function exvivo_<name>_x of `source` (its text up to the closing brace).
std::string state_function(const std::string& source, const std::string& name) {
  const std::size_t begin = source.find("void exvivo_" + name + "_x(");
  if (begin == std::string::npos) return "";
  return source.substr(begin, source.find("\n}\n", begin) - begin);
}

/// The bit pattern of `v` (compares NaNs and signed zeros exactly).
std::uint64_t bits(double v) {
  std::uint64_t b = 0;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

/// A program with a state window x = inputs[0, 8) and parameters K =
/// inputs[8, 16): Michaelis-Menten terms x_i / (x_i + K_i), divisions of
/// their results (chains), reciprocals, a division by zero, and two outputs
/// at one offset (the last one written wins).
expr::Program division_program() {
  expr::Graph g;
  std::vector<expr::ProgramOutput> outputs;
  std::vector<expr::NodeId> terms;
  for (int i = 0; i < 8; ++i) {
    const expr::NodeId x = g.variable(i), k = g.variable(8 + i);
    terms.push_back(g.divide(x, g.add(x, k)));
    outputs.emplace_back(terms.back(), static_cast<std::size_t>(i));
  }
  for (int i = 0; i < 8; ++i) {
    const expr::NodeId ratio =
        g.divide(terms[static_cast<std::size_t>(i)], g.add(g.one(), terms[static_cast<std::size_t>((i + 3) % 8)]));
    outputs.emplace_back(g.add(ratio, g.power(g.variable(8 + i), g.constant(-1))), static_cast<std::size_t>(8 + i));
  }
  outputs.emplace_back(g.divide(g.variable(0), g.subtract(g.variable(1), g.variable(1))), 16);
  outputs.emplace_back(g.variable(2), 17);
  outputs.emplace_back(g.divide(g.variable(3), g.variable(9)), 17);
  expr::Program program(g, outputs);
  program.set_state_slots(0, 8);
  return program;
}

}  // namespace

TEST_CASE("native f computes independent divisions two at a time, with the interpreter's bits", "[native]") {
  // The state programs' divisions are emitted as two-lane vector divisions
  // (EX_DIV2); a compiler without vector extensions gets scalar divisions
  // (EXVIVO_SCALAR_DIVISIONS here stands in for one). Both give the bits of
  // the interpreter.
  const CompiledModel leukocyte = load_model(std::string(EXVIVO_SOURCE_DIR) + "/models/leukocyte_exvivo.yaml");
  const std::string rhs = state_function(native_source(leukocyte), "rhs");
  REQUIRE_FALSE(rhs.empty());
  const auto count = [&](const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = rhs.find(what); at != std::string::npos; at = rhs.find(what, at + 1)) ++n;
    return n;
  };
  // Most of its 34 divisions come in pairs (at the time of writing 16 pairs, 2 alone).
  CHECK(2 * count("EX_DIV2(") > 4 * count(" / "));

  const expr::Program interpreted = division_program();
  CHECK(interpreted.c_source("f").find("EX_DIV2(") != std::string::npos);
  std::vector<double> inputs(16), scratch(interpreted.scratch_size()), expected(18);
  for (std::size_t i = 0; i < 8; ++i) {
    inputs[i] = 0.1 + 0.37 * static_cast<double>(i);
    inputs[8 + i] = 1.0 / (3.0 + static_cast<double>(i));
  }
  interpreted.evaluate(inputs.data(), expected.data(), scratch.data());
  CHECK(std::isinf(expected[16]));

  const fs::path dir = fresh_directory("scalar-divisions");
  const fs::path scalar_cc = dir / "cc-scalar-divisions";
  {
    std::ofstream script(scalar_cc);
    script << "#!/bin/sh\nexec cc -DEXVIVO_SCALAR_DIVISIONS \"$@\"\n";
  }
  fs::permissions(scalar_cc, fs::perms::owner_all);
  const ScopedEnv env_cache("EXVIVO_CACHE_DIR", (dir / "cache").string());
  for (const std::string& cc : {std::string(), scalar_cc.string()}) {
    INFO("compiler: " << (cc.empty() ? "default" : cc));
    const ScopedEnv env_cc("EXVIVO_CC", cc.empty() ? "cc" : cc);
    expr::Program native = division_program();
    const std::string why = attach_native_code("division test", {{"divisions", &native}});
    INFO(why);
    REQUIRE(why.empty());
    REQUIRE(native.has_native_state());
    std::vector<double> plain(18, -1.0), split(18, -1.0);
    native.evaluate(inputs.data(), plain.data(), scratch.data());
    std::vector<double> inputs_without_x = inputs;
    std::fill(inputs_without_x.begin(), inputs_without_x.begin() + 8, std::nan(""));
    native.evaluate_native_state(inputs_without_x.data(), inputs.data(), split.data());
    for (std::size_t i = 0; i < expected.size(); ++i) {
      INFO("output " << i);
      CHECK(bits(plain[i]) == bits(expected[i]));
      CHECK(bits(split[i]) == bits(expected[i]));
    }
  }
}

TEST_CASE("native code covers every operation of the expression language", "[native]") {
  const CompiledModel interpreted = testing::load(tiny_model_variant("0.7"));
  const NativeCodeResult native = with_native_code(interpreted);
  INFO(native.reason);
  REQUIRE(native.native);
  for (const double a : {0.2, 1.0, 2.0, 3.5}) {
    const std::vector<double> x = {a};
    const std::vector<double> p = interpreted.default_parameters();
    CHECK(max_relative_difference(evaluate_all(interpreted, 0.7, x, p), evaluate_all(native.model, 0.7, x, p)) == 0);
  }
}

TEST_CASE("native code covers the extended language (SBML MathML)", "[native]") {
  const CompiledModel interpreted = testing::load(extended_model);
  const NativeCodeResult native = with_native_code(interpreted);
  INFO(native.reason);
  REQUIRE(native.native);
  for (const double a : {0.2, 0.5, 1.0, 2.0, 3.5}) {
    const std::vector<double> x = {a};
    const std::vector<double> p = interpreted.default_parameters();
    CHECK(max_relative_difference(evaluate_all(interpreted, 0.7, x, p), evaluate_all(native.model, 0.7, x, p)) == 0);
  }
}

TEST_CASE("native code is cached on disk and reused", "[native]") {
  const fs::path cache = fresh_directory("cache");
  const ScopedEnv env("EXVIVO_CACHE_DIR", cache.string());
  const CompiledModel m = testing::load(tiny_model_variant("0.71"));

  const NativeCodeResult first = with_native_code(m);
  REQUIRE(first.native);
  // Another process would find the file; this process finds its memo.
  const NativeCodeResult again = with_native_code(m);
  REQUIRE(again.native);
  CHECK(again.cache_hit);

  std::vector<fs::path> libraries, sources;
  for (const auto& e : fs::directory_iterator(cache)) {
    if (e.path().extension() == ".so") libraries.push_back(e.path());
    if (e.path().extension() == ".c") sources.push_back(e.path());
  }
  REQUIRE(libraries.size() == 1);
  REQUIRE(sources.size() == 1);
  CHECK(first.library == libraries[0].string());
  // The key is the SHA-256 of the source: 64 hex characters.
  CHECK(libraries[0].stem().string().size() == 64);
  std::ifstream in(sources[0]);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text == native_source(m));
}

TEST_CASE("a damaged cached library is rebuilt", "[native]") {
  const fs::path cache = fresh_directory("damaged");
  const ScopedEnv env("EXVIVO_CACHE_DIR", cache.string());
  const CompiledModel m = testing::load(tiny_model_variant("0.72"));
  // Plant a truncated library under the key this model will use.
  const std::string source = native_source(m);
  const std::string marker = "exvivo_native_key[] = \"";
  const std::string key = source.substr(source.find(marker) + marker.size(), 64);
  { std::ofstream(cache / (key + ".so")) << "\x7f" "ELF truncated"; }

  const NativeCodeResult r = with_native_code(m);
  INFO(r.reason);
  REQUIRE(r.native);
  CHECK_FALSE(r.cache_hit);
  CHECK(fs::file_size(cache / (key + ".so")) > 100);
}

TEST_CASE("an unwritable cache directory falls back to a private temporary one", "[native]") {
  const fs::path dir = fresh_directory("unwritable");
  { std::ofstream(dir / "a-file") << "not a directory"; }
  const ScopedEnv env("EXVIVO_CACHE_DIR", (dir / "a-file" / "cache").string());
  const CompiledModel m = testing::load(tiny_model_variant("0.73"));
  const NativeCodeResult r = with_native_code(m);
  INFO(r.reason);
  REQUIRE(r.native);
  CHECK_FALSE(fs::exists(fs::path(r.library)));  // the private directory is gone; the code stays loaded
  auto ws = r.model.make_workspace();
  double x = 2, dxdt = 0;
  r.model.rhs(0, &x, ws, &dxdt);
  CHECK(std::isfinite(dxdt));
}

TEST_CASE("without a working C compiler the interpreter is kept, with the reason", "[native]") {
  const fs::path cache = fresh_directory("no-compiler");
  const ScopedEnv env_cache("EXVIVO_CACHE_DIR", cache.string());
  const ScopedEnv env_cc("EXVIVO_CC", "exvivo-no-such-compiler");
  const CompiledModel m = testing::load(tiny_model_variant("0.74"));
  const NativeCodeResult r = with_native_code(m);
  CHECK_FALSE(r.native);
  CHECK_FALSE(is_native(r.model));
  CHECK_THAT(r.reason, Catch::Matchers::Contains("exvivo-no-such-compiler"));

  const ScopedEnv env_bad("EXVIVO_CC", "false");
  const NativeCodeResult failed = with_native_code(m);
  CHECK_FALSE(failed.native);
  CHECK_THAT(failed.reason, Catch::Matchers::Contains("failed"));
  // Nothing half-built is left in the cache.
  CHECK(fs::is_empty(cache));
}
