// Evaluation allocates nothing: counted with a replaced global operator new.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <new>
#include <string>
#include <vector>

#include "model/compiled_model.hpp"

namespace {
std::atomic<long> allocations{0};
}

void* operator new(std::size_t size) {
  ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
// The nothrow forms too (std::stable_sort's buffer uses them), so that every
// delete below frees memory that this file's malloc gave out.
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  ++allocations;
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return operator new(size, tag); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

using namespace exvivo::model;

TEST_CASE("evaluating a compiled model allocates nothing", "[model][allocation]") {
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(EXVIVO_SOURCE_DIR) + "/models"))
    if (entry.path().extension() == ".yaml") paths.push_back(entry.path().string());
  std::sort(paths.begin(), paths.end());
  REQUIRE(!paths.empty());
  for (const std::string& path : paths) {
    const CompiledModel m = load_model(path);
    const std::size_t n = m.num_states(), np = m.num_parameters(), ny = m.num_observables();
    std::vector<double> p = m.default_parameters(), x(n), out(std::max<std::size_t>(1, std::max(n, ny) * std::max(n, np)));
    auto ws = m.make_workspace();
    for (double& v : p) v *= 1.1;

    const long before = allocations.load();
    for (int repeat = 0; repeat < 3; ++repeat) {
      m.set_parameters(p.data(), ws);
      m.initial_state(ws, x.data());
      m.initial_state_jacobian(ws, out.data());
      const double t = 1.5;
      m.rhs(t, x.data(), ws, out.data());
      m.jacobian(t, x.data(), ws, out.data());
      m.jacobian_nonzeros(t, x.data(), ws, out.data());
      m.parameter_jacobian(t, x.data(), ws, out.data());
      m.observables(t, x.data(), ws, out.data());
      m.observable_state_jacobian(t, x.data(), ws, out.data());
      m.observable_parameter_jacobian(t, x.data(), ws, out.data());
      m.noise_sigmas(t, x.data(), ws, out.data());
      m.noise_sigma_state_jacobian(t, x.data(), ws, out.data());
      m.noise_sigma_parameter_jacobian(t, x.data(), ws, out.data());
    }
    const long during = allocations.load() - before;
    INFO(path);
    CHECK(during == 0);
  }
  // The counter works: making a workspace allocates.
  const long before = allocations.load();
  const CompiledModel m = load_model(paths.front());
  auto ws = m.make_workspace();
  CHECK(allocations.load() > before);
}
