#include "model/model_events.hpp"

#include "model/model_compiler.hpp"
#include "expr/parser.hpp"

#include <algorithm>
#include <cmath>

namespace exvivo::model {

CompiledEvents::CompiledEvents(const ModelSpec& spec) {
  if (spec.events.empty()) return;
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
  // Root functions of relational triggers (after the values).
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
