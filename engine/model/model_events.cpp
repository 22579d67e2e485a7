#include "model/model_events.hpp"

#include "model/model_compiler.hpp"
#include "expr/parser.hpp"

#include <algorithm>
#include <cmath>

namespace exvivo::model {

CompiledEvents::CompiledEvents(const ModelSpec& spec) {
  if (spec.events.empty() && spec.time_switches.empty()) return;
  ModelSpec companion = spec;
  companion.events.clear();
  companion.observables.clear();
  const auto observe = [&](const std::string& name, const Expression& formula, const SourceLocation& where) {
    companion.observables.emplace_back();
    ObservableSpec& o = companion.observables.back();
    o.info.name = name;
    o.info.where = where;
    o.formula = formula;
  };
  const auto label = [](const std::string& id, const std::string& what) {
    std::string s = id;
    s += '.';
    s += what;
    return s;
  };
  for (const auto& e : spec.events) observe(label(e.id, "trigger"), e.trigger, e.where);  // "E1.trigger"
  for (const auto& e : spec.events) {
    ids_.push_back(e.id);
    initial_value_.push_back(e.initial_value);
    persistent_.push_back(e.persistent);
    use_trigger_values_.push_back(e.use_values_from_trigger_time);
    value_offset_.push_back(num_values_);
    std::vector<std::size_t> targets;
    for (const auto& a : e.assignments) {
      std::size_t index = spec.species.size();
      for (std::size_t i = 0; i < spec.species.size(); ++i)
        if (spec.species[i].info.name == a.target) index = i;
      if (index == spec.species.size())
        throw ModelError(e.where, "", "event '" + e.id + "': assignment to '" + a.target + "', which is not a state");
      targets.push_back(index);
      observe(label(e.id, a.target), a.value, e.where);
      ++num_values_;
    }
    targets_.push_back(std::move(targets));
  }
  for (std::size_t k = 0; k < spec.time_switches.size(); ++k)
    observe(label("time_switch", std::to_string(k + 1)), spec.time_switches[k], spec.time_switches[k].where);
  num_switches_ = spec.time_switches.size();
  // Root functions of relational triggers (after the switches).
  for (const auto& e : spec.events) {
    root_observable_.emplace_back();
    const expr::Ast ast = expr::parse(e.trigger.text, e.where, e.id);
    const expr::AstNode& root = ast.root_node();
    using K = expr::AstKind;
    if (root.kind != K::less && root.kind != K::less_equal && root.kind != K::greater && root.kind != K::greater_equal)
      continue;
    expr::Ast a = ast, b = ast;
    a.root = root.children[0];
    b.root = root.children[1];
    Expression g;
    g.text = g.layout = "(" + expr::to_string(a) + ") - (" + expr::to_string(b) + ")";
    g.where = e.where;
    root_observable_.back() = companion.observables.size();
    observe(label(e.id, "root"), g, e.where);
  }
  functions_ = compile(companion);
}

std::vector<double> CompiledEvents::time_switches(const std::vector<double>& p, double t0, double t1) const {
  std::vector<double> times;
  if (num_switches_ == 0 || !(t1 > t0)) return times;
  CompiledModel::Workspace ws = make_workspace(p);
  const std::vector<double> x(functions_.num_states(), 0.0);  // switches do not depend on the state
  std::vector<double> all(functions_.num_observables());
  const std::size_t first = size() + num_values_;
  const auto g = [&](double t, std::size_t k) {
    functions_.observables(t, x.data(), ws, all.data());
    return all[first + k];
  };
  const auto sign = [](double v) { return v > 0 ? 1 : v < 0 ? -1 : 0; };
  constexpr int grid = 2000;
  for (std::size_t k = 0; k < num_switches_; ++k) {
    double a = t0;
    int sa = sign(g(a, k));
    for (int i = 1; i <= grid; ++i) {
      const double b = t0 + (t1 - t0) * i / grid;
      const int sb = sign(g(b, k));
      if (sb != sa) {
        double lo = a, hi = b;  // the sign at hi differs from the sign at a
        while (hi - lo > 1e-14 * std::max(1.0, std::fabs(hi))) {
          const double mid = 0.5 * (lo + hi);
          if (sign(g(mid, k)) == sa) lo = mid;
          else hi = mid;
        }
        if (hi > t0) times.push_back(hi);
      }
      a = b;
      sa = sb;
    }
  }
  std::sort(times.begin(), times.end());
  // A switch sampled exactly at its zero brackets twice (-,0 and 0,+): keep one.
  std::vector<double> distinct;
  for (const double t : times)
    if (distinct.empty() || t - distinct.back() > 1e-10 * std::max(1.0, std::fabs(t))) distinct.push_back(t);
  return distinct;
}

CompiledModel::Workspace CompiledEvents::make_workspace(const std::vector<double>& p) const {
  CompiledModel::Workspace ws = functions_.make_workspace();
  functions_.set_parameters(p.data(), ws);
  return ws;
}

void CompiledEvents::evaluate(double t, const double* x, CompiledModel::Workspace& ws, std::vector<double>& triggers,
                              std::vector<double>& values) const {
  std::vector<double> all(functions_.num_observables());
  functions_.observables(t, x, ws, all.data());
  triggers.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(size()));
  values.assign(all.begin() + static_cast<std::ptrdiff_t>(size()), all.end());
}

}  // namespace exvivo::model
