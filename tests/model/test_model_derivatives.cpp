// Every bundled model (models/*.yaml, globbed so that new models are covered):
// the symbolic derivatives agree with finite differences, the compiled
// programs agree with a tree-walk of independently lowered expressions, and
// the Jacobian's sparsity pattern is exact.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "expr/derivative.hpp"
#include "expr/evaluate_tree.hpp"
#include "expr/lower.hpp"
#include "model/compiled_model.hpp"
#include "model/model_checker.hpp"
#include "model/model_spec.hpp"

using namespace exvivo::model;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

std::vector<std::string> bundled_models() {
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(EXVIVO_SOURCE_DIR) + "/models"))
    if (entry.path().extension() == ".yaml") paths.push_back(entry.path().string());
  std::sort(paths.begin(), paths.end());
  return paths;
}

/// A random evaluation point near the model's defaults: parameters scaled by
/// a factor in [0.7, 1.4], positive states of the initial state's magnitude.
struct Point {
  double t = 0;
  std::vector<double> x, p;
};

Point random_point(const CompiledModel& m, std::mt19937& rng) {
  std::uniform_real_distribution<double> factor(0.7, 1.4), unit(0.1, 1.0), time(0.0, 10.0);
  Point pt;
  pt.t = time(rng);
  pt.p = m.default_parameters();
  for (double& v : pt.p) v *= factor(rng);
  auto ws = m.make_workspace();
  m.set_parameters(pt.p.data(), ws);
  pt.x.resize(m.num_states());
  m.initial_state(ws, pt.x.data());
  for (double& v : pt.x) v = (std::abs(v) > 0 ? std::abs(v) : 1.0) * (0.5 + unit(rng));
  return pt;
}

/// Central differences with one Richardson step (error O(h^4)).
double derivative_fd(const std::function<double(double)>& f, double v) {
  const double h = 1e-3 * (v != 0 ? std::abs(v) : 1.0);
  auto central = [&](double step) { return (f(v + step) - f(v - step)) / (2 * step); };
  return (4 * central(h / 2) - central(h)) / 3;
}

/// Evaluates `evaluate(point, out)` (an m-vector function) and checks its
/// Jacobian `jac` (m × k column-major) against finite differences in the k
/// entries of `vars` of the point. The absolute tolerance of an entry scales
/// with the size of its row's terms, where rounding limits the differences.
void check_jacobian(const std::string& what, std::size_t rows, Point pt, std::vector<double> Point::*vars,
                    const std::function<void(const Point&, double*)>& evaluate,
                    const std::vector<double>& jac, const std::vector<double>& row_scale) {
  std::vector<double> out(rows);
  const std::size_t cols = (pt.*vars).size();
  for (std::size_t j = 0; j < cols; ++j) {
    const double v0 = (pt.*vars)[j];
    for (std::size_t i = 0; i < rows; ++i) {
      const double fd = derivative_fd(
          [&](double v) {
            Point q = pt;
            (q.*vars)[j] = v;
            evaluate(q, out.data());
            return out[i];
          },
          v0);
      const double symbolic = jac[i + j * rows];
      if (!std::isfinite(row_scale[i])) continue;  // e.g. the sigma of an observable without noise
      const double abs_tol = 1e-7 * row_scale[i] / (v0 != 0 ? std::abs(v0) : 1.0) + 1e-300;
      INFO(what << " entry (" << i << ", " << j << ")");
      CHECK_THAT(symbolic, WithinRel(fd, 1e-7) || WithinAbs(fd, abs_tol));
    }
  }
}

/// Per row i: |y_i| + sum_k |A_ik v_k| over the given Jacobian blocks.
std::vector<double> row_scales(std::size_t rows, const std::vector<double>& y,
                               const std::vector<std::pair<const std::vector<double>*, const std::vector<double>*>>& blocks) {
  std::vector<double> s(rows);
  for (std::size_t i = 0; i < rows; ++i) {
    s[i] = std::abs(y[i]);
    for (const auto& [jac, v] : blocks)
      for (std::size_t k = 0; k < v->size(); ++k) s[i] += std::abs((*jac)[i + k * rows] * (*v)[k]);
  }
  return s;
}

}  // namespace

TEST_CASE("bundled models are found", "[model][bundled]") {
  CHECK(bundled_models().size() >= 5);
}

TEST_CASE("symbolic derivatives of every bundled model match finite differences", "[model][bundled]") {
  std::mt19937 rng(20261124);
  for (const std::string& path : bundled_models()) {
    SECTION(std::filesystem::path(path).filename().string()) {
      const CompiledModel m = load_model(path);
      const std::size_t n = m.num_states(), np = m.num_parameters(), ny = m.num_observables();
      auto ws = m.make_workspace();
      for (int trial = 0; trial < 3; ++trial) {
        const Point pt = random_point(m, rng);
        m.set_parameters(pt.p.data(), ws);
        std::vector<double> f(n), J(n * n), Jp(n * np), y(ny), dhdx(ny * n), dhdp(ny * np);
        std::vector<double> sigma(ny), dsdx(ny * n), dsdp(ny * np), x0(n), dx0dp(n * np);
        m.rhs(pt.t, pt.x.data(), ws, f.data());
        m.jacobian(pt.t, pt.x.data(), ws, J.data());
        m.parameter_jacobian(pt.t, pt.x.data(), ws, Jp.data());
        m.observables(pt.t, pt.x.data(), ws, y.data());
        m.observable_state_jacobian(pt.t, pt.x.data(), ws, dhdx.data());
        m.observable_parameter_jacobian(pt.t, pt.x.data(), ws, dhdp.data());
        m.noise_sigmas(pt.t, pt.x.data(), ws, sigma.data());
        m.noise_sigma_state_jacobian(pt.t, pt.x.data(), ws, dsdx.data());
        m.noise_sigma_parameter_jacobian(pt.t, pt.x.data(), ws, dsdp.data());
        m.initial_state(ws, x0.data());
        m.initial_state_jacobian(ws, dx0dp.data());

        // Each evaluation below uses a fresh workspace so that set_parameters runs for it.
        auto eval = [&m](void (CompiledModel::*fn)(double, const double*, CompiledModel::Workspace&, double*) const) {
          return [&m, fn](const Point& q, double* out) {
            auto w = m.make_workspace();
            m.set_parameters(q.p.data(), w);
            (m.*fn)(q.t, q.x.data(), w, out);
          };
        };
        const auto rhs_scale = row_scales(n, f, {{&J, &pt.x}, {&Jp, &pt.p}});
        check_jacobian("df/dx", n, pt, &Point::x, eval(&CompiledModel::rhs), J, rhs_scale);
        check_jacobian("df/dp", n, pt, &Point::p, eval(&CompiledModel::rhs), Jp, rhs_scale);
        const auto obs_scale = row_scales(ny, y, {{&dhdx, &pt.x}, {&dhdp, &pt.p}});
        check_jacobian("dh/dx", ny, pt, &Point::x, eval(&CompiledModel::observables), dhdx, obs_scale);
        check_jacobian("dh/dp", ny, pt, &Point::p, eval(&CompiledModel::observables), dhdp, obs_scale);
        const auto sigma_scale = row_scales(ny, sigma, {{&dsdx, &pt.x}, {&dsdp, &pt.p}});
        check_jacobian("dsigma/dx", ny, pt, &Point::x, eval(&CompiledModel::noise_sigmas), dsdx, sigma_scale);
        check_jacobian("dsigma/dp", ny, pt, &Point::p, eval(&CompiledModel::noise_sigmas), dsdp, sigma_scale);
        const auto x0_scale = row_scales(n, x0, {{&dx0dp, &pt.p}});
        check_jacobian("dx0/dp", n, pt, &Point::p,
                       [&m](const Point& q, double* out) {
                         auto w = m.make_workspace();
                         m.set_parameters(q.p.data(), w);
                         m.initial_state(w, out);
                       },
                       dx0dp, x0_scale);
      }
    }
  }
}

namespace {

/// The model's expressions lowered into a fresh graph over inputs
/// [t, x, p] without any caching, evaluated by the tree-walk oracle.
struct Oracle {
  exvivo::expr::Graph graph;
  std::vector<exvivo::expr::NodeId> rhs, observables, jacobian;  // jacobian column-major
  std::size_t n = 0, np = 0;

  explicit Oracle(const ModelSpec& spec) {
    const CheckedModel checked = check_model(spec);
    n = spec.species.size();
    np = spec.parameters.size();
    std::unordered_map<std::string, exvivo::expr::NodeId> node_of;
    node_of["t"] = graph.variable(0);
    for (std::size_t i = 0; i < n; ++i) node_of[spec.species[i].info.name] = graph.variable(static_cast<int>(1 + i));
    for (std::size_t j = 0; j < np; ++j) node_of[spec.parameters[j].name] = graph.variable(static_cast<int>(1 + n + j));
    const exvivo::expr::NameResolver resolve = [&](std::string_view name, const exvivo::SourceLocation&) {
      return node_of.at(std::string(name));
    };
    for (const std::size_t a : checked.assignment_order)
      node_of[spec.assignments[a].name] = exvivo::expr::lower(checked.assignment[a], graph, resolve);
    for (const auto& ast : checked.ode) rhs.push_back(exvivo::expr::lower(ast, graph, resolve));
    for (const auto& ast : checked.observable) observables.push_back(exvivo::expr::lower(ast, graph, resolve));
    for (std::size_t j = 0; j < n; ++j)
      for (std::size_t i = 0; i < n; ++i)
        jacobian.push_back(exvivo::expr::derivative(graph, rhs[i], static_cast<int>(1 + j)));
  }

  std::vector<double> inputs(const Point& pt) const {
    std::vector<double> in{pt.t};
    in.insert(in.end(), pt.x.begin(), pt.x.end());
    in.insert(in.end(), pt.p.begin(), pt.p.end());
    return in;
  }
  double eval(exvivo::expr::NodeId node, const std::vector<double>& in) const {
    return exvivo::expr::evaluate_tree(graph, node, in.data());
  }
};

}  // namespace

TEST_CASE("compiled programs match the tree-walk oracle on every bundled model", "[model][bundled]") {
  std::mt19937 rng(7);
  for (const std::string& path : bundled_models()) {
    SECTION(std::filesystem::path(path).filename().string()) {
      const ModelSpec spec = read_model_spec(path);
      const CompiledModel m = load_model(path);
      const Oracle oracle(spec);
      const std::size_t n = m.num_states(), ny = m.num_observables();
      auto ws = m.make_workspace();
      for (int trial = 0; trial < 5; ++trial) {
        const Point pt = random_point(m, rng);
        m.set_parameters(pt.p.data(), ws);
        const auto in = oracle.inputs(pt);
        std::vector<double> f(n), J(n * n), y(ny);
        m.rhs(pt.t, pt.x.data(), ws, f.data());
        m.jacobian(pt.t, pt.x.data(), ws, J.data());
        m.observables(pt.t, pt.x.data(), ws, y.data());
        for (std::size_t i = 0; i < n; ++i) {
          INFO("rhs " << i);
          CHECK_THAT(f[i], WithinRel(oracle.eval(oracle.rhs[i], in), 1e-12) || WithinAbs(oracle.eval(oracle.rhs[i], in), 1e-12));
        }
        for (std::size_t k = 0; k < n * n; ++k) {
          INFO("jacobian entry " << k);
          const double expected = oracle.eval(oracle.jacobian[k], in);
          CHECK_THAT(J[k], WithinRel(expected, 1e-12) || WithinAbs(expected, 1e-12));
        }
        for (std::size_t k = 0; k < ny; ++k) {
          INFO("observable " << k);
          const double expected = oracle.eval(oracle.observables[k], in);
          CHECK_THAT(y[k], WithinRel(expected, 1e-12) || WithinAbs(expected, 1e-12));
        }
      }
    }
  }
}

TEST_CASE("the Jacobian sparsity pattern is exact", "[model][sparsity]") {
  std::mt19937 rng(11);
  for (const std::string& path : bundled_models()) {
    SECTION(std::filesystem::path(path).filename().string()) {
      const CompiledModel m = load_model(path);
      const std::size_t n = m.num_states();
      const SparsityPattern& pattern = m.jacobian_sparsity();
      REQUIRE(pattern.n == n);
      std::vector<bool> in_pattern(n * n, false);
      for (std::size_t k = 0; k < pattern.nonzeros.size(); ++k) {
        const auto [r, c] = pattern.nonzeros[k];
        if (k > 0) {  // column-major order, no duplicates
          const auto [pr, pc] = pattern.nonzeros[k - 1];
          CHECK((pc < c || (pc == c && pr < r)));
        }
        in_pattern[static_cast<std::size_t>(r) + static_cast<std::size_t>(c) * n] = true;
      }
      auto ws = m.make_workspace();
      for (int trial = 0; trial < 5; ++trial) {
        const Point pt = random_point(m, rng);
        m.set_parameters(pt.p.data(), ws);
        std::vector<double> J(n * n, 42.0), values(pattern.nonzeros.size());
        m.jacobian(pt.t, pt.x.data(), ws, J.data());
        m.jacobian_nonzeros(pt.t, pt.x.data(), ws, values.data());
        for (std::size_t k = 0; k < n * n; ++k) {
          if (!in_pattern[k]) CHECK(J[k] == 0.0);  // zeroed, not left at 42
        }
        for (std::size_t k = 0; k < values.size(); ++k) {
          const auto [r, c] = pattern.nonzeros[k];
          CHECK(values[k] == J[static_cast<std::size_t>(r) + static_cast<std::size_t>(c) * n]);
        }
      }
      // The pattern lists exactly the entries whose derivative is not
      // identically zero in an independent lowering of the model.
      const Oracle oracle(read_model_spec(path));
      for (std::size_t k = 0; k < n * n; ++k) {
        INFO("entry " << k);
        CHECK(in_pattern[k] == (oracle.jacobian[k] != oracle.graph.zero()));
      }
    }
  }
}

TEST_CASE("HIRES has the sparsity of its equations", "[model][sparsity]") {
  const CompiledModel m = load_model(std::string(EXVIVO_SOURCE_DIR) + "/models/hires.yaml");
  // Rows: which y_j appear in y_i' (1-based), from the HIRES equations.
  const std::vector<std::vector<int>> uses = {{1, 2, 3}, {1, 2}, {3, 4, 5}, {2, 3, 4}, {5, 6, 7},
                                              {4, 5, 6, 7, 8}, {6, 7, 8}, {6, 7, 8}};
  std::vector<std::pair<int, int>> expected;
  for (int c = 1; c <= 8; ++c)
    for (int r = 1; r <= 8; ++r) {
      const auto& row = uses[static_cast<std::size_t>(r - 1)];
      if (std::find(row.begin(), row.end(), c) != row.end()) expected.emplace_back(r - 1, c - 1);
    }
  CHECK(m.jacobian_sparsity().nonzeros == expected);
}
