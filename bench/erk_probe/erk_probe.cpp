// Measurement probe (not a test, not part of the engine): how many steps and
// right-hand-side evaluations would Tsitouras 5(4) need on a scenario's runs
// against Dormand–Prince 5(4), at matched accuracy?
//
//   erk_probe SCENARIO RUNS
//
// Both methods run here, outside the engine, with the same step-size
// controller (PI: err^-0.17 · err_prev^0.04, safety 0.9, factor in [0.2, 10],
// the engine's error norm: RMS of e_i / (abs_tol + rel_tol · max(|x_i|, |x_new_i|)),
// FSAL: 6 evaluations a step), the same starting step, steps clipped to land
// on sample and event times, on the model's native code. Runs 0..RUNS-1 of
// the scenario (spread over the cohort's donors and arms: every
// (size / RUNS)-th run). Error of a run = the largest relative deviation
// over observables and samples from a reference (Dormand–Prince at rel_tol
// 1e-12, abs_tol 1e-15), |y − y_ref| / max(|y_ref|, 1e-3 · max_t |y_ref|) as in
// the peers benchmark. Prints, per method and rel_tol (abs_tol = rel_tol ·
// 1e-3), the mean steps, mean evaluations and the median and largest error.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/compiled_model.hpp"
#include "model/native_code.hpp"
#include "scenario/run_plan.hpp"
#include "scenario/scenario.hpp"
#include "solve/run.hpp"

namespace {

using namespace exvivo;

struct Tableau {
  const char* name;
  double c[7];
  double a[7][6];
  double e[7];  // b − b̂: the error estimate's weights; b = a[6] (FSAL)
};

// Dormand & Prince (1980).
const Tableau dopri5 = {"dopri5",
                        {0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1},
                        {{},
                         {1.0 / 5},
                         {3.0 / 40, 9.0 / 40},
                         {44.0 / 45, -56.0 / 15, 32.0 / 9},
                         {19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
                         {9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
                         {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84}},
                        {71.0 / 57600, 0, -71.0 / 16695, 71.0 / 1920, -17253.0 / 339200, 22.0 / 525, -1.0 / 40}};

// Tsitouras (2011), Comput. Math. Appl. 62:770–775, coefficients to double precision.
const Tableau tsit5 = {
    "tsit5",
    {0, 0.161, 0.327, 0.9, 0.9800255409045097, 1, 1},
    {{},
     {0.161},
     {-0.008480655492356989, 0.335480655492357},
     {2.8971530571054935, -6.359448489975075, 4.3622954328695815},
     {5.325864828439257, -11.748883564062828, 7.4955393428898365, -0.09249506636175525},
     {5.86145544294642, -12.92096931784711, 8.159367898576159, -0.071584973281401, -0.028269050394068383},
     {0.09646076681806523, 0.01, 0.4798896504144996, 1.379008574103742, -3.290069515436081, 2.324710524099774}},
    {-0.00178001105222577714, -0.0008164344596567469, 0.007880878010261995, -0.1447110071732629, 0.5823571654525552,
     -0.45808210592918697, 1.0 / 66}};

// The order conditions of the weights b (order 5, bushy trees) and b̂ (order 4)
// and the row sums: a wrong coefficient shows here.
void check_tableau(const Tableau& m) {
  for (int i = 1; i < 7; ++i) {
    double s = 0;
    for (int j = 0; j < i; ++j) s += m.a[i][j];
    if (std::abs(s - m.c[i]) > 1e-14) throw std::logic_error(std::string(m.name) + ": row sum != c");
  }
  for (int q = 0; q < 5; ++q) {
    double sb = 0, sbh = 0;
    for (int j = 0; j < 7; ++j) {
      const double b = j < 6 ? m.a[6][j] : 0.0;
      sb += b * std::pow(m.c[j], q);
      sbh += (b - m.e[j]) * std::pow(m.c[j], q);
    }
    if (std::abs(sb - 1.0 / (q + 1)) > 1e-14)
      throw std::logic_error(std::string(m.name) + ": b fails an order condition");
    if (q < 4 && std::abs(sbh - 1.0 / (q + 1)) > 1e-13) throw std::logic_error(std::string(m.name) + ": b-hat fails");
  }
}

struct Result {
  long steps = 0, rejected = 0, evals = 0;
  std::vector<std::vector<double>> y;  // observables at the samples
};

Result integrate(const Tableau& m, const model::CompiledModel& model, const solve::Run& run, double rtol, double atol) {
  const std::size_t n = model.num_states();
  auto ws = model.make_workspace();
  model.set_parameters(run.parameters.data(), ws);
  std::vector<double> x(n), xn(n), stage(n), err(n);
  std::vector<std::vector<double>> k(7, std::vector<double>(n));
  model.initial_state(ws, x.data());
  for (const auto& [i, v] : run.initial_overrides) x[i] = v;
  Result r;
  const auto f = [&](double t, const double* in, double* out) {
    model.rhs(t, in, ws, out);
    ++r.evals;
  };
  const auto apply = [&](const solve::Event& e) {
    for (const auto& a : e.actions) {
      double& v = x[a.species];
      v = a.kind == solve::EventAction::Kind::add   ? v + a.value
          : a.kind == solve::EventAction::Kind::set ? a.value
                                                    : v * a.value;
    }
  };
  const auto observe = [&](double t) {
    std::vector<double> y(model.num_observables());
    model.observables(t, x.data(), ws, y.data());
    r.y.push_back(y);
  };
  // Stops: event times and sample times; at each, samples "before" the event, the event, the rest.
  std::vector<double> stops;
  for (const auto& e : run.events) stops.push_back(e.time);
  for (const auto& s : run.samples) stops.push_back(s.time);
  std::sort(stops.begin(), stops.end());
  stops.erase(std::unique(stops.begin(), stops.end()), stops.end());
  double t = run.t0, h = 0, err_prev = 1e-4;
  bool fresh = true;  // k[0] must be evaluated (start, after an event)
  for (const double stop : stops) {
    while (t < stop) {
      if (fresh) {
        f(t, x.data(), k[0].data());
        if (h == 0) {  // first step: Hairer's d0/d1 guess, as a starting point for both methods
          double d0 = 0, d1 = 0;
          for (std::size_t i = 0; i < n; ++i) {
            const double sc = atol + rtol * std::abs(x[i]);
            d0 += (x[i] / sc) * (x[i] / sc);
            d1 += (k[0][i] / sc) * (k[0][i] / sc);
          }
          d0 = std::sqrt(d0 / n), d1 = std::sqrt(d1 / n);
          h = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
        }
        fresh = false;
      }
      const bool last = t + h >= stop;
      const double hh = last ? stop - t : h;
      for (int s = 1; s < 7; ++s) {
        for (std::size_t i = 0; i < n; ++i) {
          double acc = 0;
          for (int j = 0; j < s; ++j) acc += m.a[s][j] * k[j][i];
          stage[i] = x[i] + hh * acc;
        }
        f(t + m.c[s] * hh, stage.data(), k[s].data());
      }
      xn = stage;  // the last stage is the solution (FSAL)
      double e2 = 0;
      for (std::size_t i = 0; i < n; ++i) {
        double acc = 0;
        for (int j = 0; j < 7; ++j) acc += m.e[j] * k[j][i];
        const double sc = atol + rtol * std::max(std::abs(x[i]), std::abs(xn[i]));
        e2 += (hh * acc / sc) * (hh * acc / sc);
      }
      const double e = std::sqrt(e2 / n);
      if (e <= 1) {
        ++r.steps;
        t = last ? stop : t + hh;
        x = xn;
        std::swap(k[0], k[6]);
        const double fac = e == 0 ? 10 : std::clamp(0.9 * std::pow(e, -0.17) * std::pow(err_prev, 0.04), 0.2, 10.0);
        err_prev = std::max(e, 1e-4);
        h = last ? std::max(h, hh * fac) : hh * fac;
      } else {
        ++r.rejected;
        h = hh * std::max(0.2, 0.9 * std::pow(e, -0.2));
      }
      if (r.steps + r.rejected > 1000000) throw std::runtime_error("too many steps");
    }
    for (const auto& s : run.samples)
      if (s.time == stop && s.before_event) observe(stop);
    for (const auto& ev : run.events)
      if (ev.time == stop) {
        apply(ev);
        fresh = true;
      }
    for (const auto& s : run.samples)
      if (s.time == stop && !s.before_event) observe(stop);
  }
  return r;
}

double run_error(const Result& r, const Result& ref) {
  double worst = 0;
  const std::size_t ny = ref.y.empty() ? 0 : ref.y[0].size();
  for (std::size_t o = 0; o < ny; ++o) {
    double scale = 0;
    for (const auto& y : ref.y) scale = std::max(scale, std::abs(y[o]));
    if (scale == 0) continue;
    for (std::size_t s = 0; s < ref.y.size(); ++s)
      worst = std::max(worst, std::abs(r.y[s][o] - ref.y[s][o]) / std::max(std::abs(ref.y[s][o]), 1e-3 * scale));
  }
  return worst;
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc != 3) {
    std::fprintf(stderr, "usage: erk_probe SCENARIO RUNS\n");
    return 2;
  }
  check_tableau(dopri5);
  check_tableau(tsit5);
  const scenario::Scenario s = scenario::load_scenario(argv[1], scenario::LoadOptions{});
  const scenario::RunPlan plan(s);
  model::NativeCodeResult native = model::with_native_code(*s.model);
  if (!native.native) throw std::runtime_error("no native code: " + native.reason);
  const model::CompiledModel& model = native.model;
  const std::size_t runs = std::min<std::size_t>(std::stoul(argv[2]), plan.size());
  const std::size_t stride = plan.size() / runs;
  std::vector<solve::Run> rs;
  std::vector<Result> refs;
  for (std::size_t i = 0; i < runs; ++i) {
    rs.push_back(plan.make_run(i * stride));
    refs.push_back(integrate(dopri5, model, rs.back(), 1e-12, 1e-15));
  }
  std::printf("%zu runs of %zu (every %zu-th); reference dopri5 rel_tol 1e-12: %.0f steps a run\n", runs, plan.size(),
              stride, [&] {
                double m = 0;
                for (const auto& r : refs) m += static_cast<double>(r.steps);
                return m / static_cast<double>(runs);
              }());
  std::printf("%-7s %8s %8s %9s %8s %11s %10s\n", "method", "rel_tol", "steps", "rejected", "f_evals", "median_err",
              "max_err");
  for (const Tableau* m : {&dopri5, &tsit5})
    for (const double rtol : {1e-4, 3.16e-5, 1e-5, 3.16e-6, 1e-6, 3.16e-7, 1e-7, 3.16e-8, 1e-8}) {
      double steps = 0, rejected = 0, evals = 0;
      std::vector<double> errors;
      for (std::size_t i = 0; i < runs; ++i) {
        const Result r = integrate(*m, model, rs[i], rtol, rtol * 1e-3);
        steps += static_cast<double>(r.steps), rejected += static_cast<double>(r.rejected),
            evals += static_cast<double>(r.evals);
        errors.push_back(run_error(r, refs[i]));
      }
      std::sort(errors.begin(), errors.end());
      const double rn = static_cast<double>(runs);
      std::printf("%-7s %8.2e %8.1f %9.2f %8.1f %11.2e %10.2e\n", m->name, rtol, steps / rn, rejected / rn, evals / rn,
                  errors[errors.size() / 2], errors.back());
    }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "erk_probe: %s\n", e.what());
  return 1;
}
