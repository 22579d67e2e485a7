#include "scenario/state_events.hpp"

#include <filesystem>
#include <set>

#include <fmt/core.h>

#include "core/error.hpp"
#include "expr/parser.hpp"
#include "model/model_spec.hpp"
#include "model/sbml_reader.hpp"
#include "core/names.hpp"

namespace exvivo::scenario {

namespace {

bool is_sbml(const std::string& path) {
  const std::string ext = std::filesystem::path(path).extension().string();
  return ext == ".xml" || ext == ".sbml";
}

}  // namespace

std::shared_ptr<const model::CompiledEvents> compile_state_triggers(Scenario& s) {
  std::vector<EventSpec*> steps;
  for (auto& arm : s.arms)
    for (auto& e : arm.protocol)
      if (!e.when.empty()) steps.push_back(&e);
  for (auto& e : s.protocol)
    if (!e.when.empty()) steps.push_back(&e);
  if (steps.empty()) return nullptr;

  model::ModelSpec spec =
      is_sbml(s.model_file) ? model::read_sbml_model_spec(s.model_file) : model::read_model_spec(s.model_file);
  // Observables become assignments of the companion model, so triggers can use them.
  std::vector<std::string> names{"t"};
  for (const auto& sp : spec.species) names.push_back(sp.info.name);
  for (const auto& p : spec.parameters) names.push_back(p.name);
  for (const auto& a : spec.assignments) names.push_back(a.name);
  const std::set<std::string> taken(names.begin(), names.end());
  for (const auto& o : spec.observables) {
    if (taken.count(o.info.name)) continue;
    model::AssignmentSpec a;
    a.name = o.info.name;
    a.formula = o.formula;
    a.where = o.info.where;
    spec.assignments.push_back(a);
    names.push_back(o.info.name);
  }
  const std::set<std::string> known(names.begin(), names.end());
  spec.events.clear();
  for (std::size_t k = 0; k < steps.size(); ++k) {
    StateTrigger& w = steps[k]->when;
    w.index = k;
    const std::string path = w.path;
    expr::Ast ast;
    try {
      ast = expr::parse(w.text, w.where, path);
    } catch (const Error& e) {
      throw ScenarioError(w.where, path, fmt::format("the trigger '{}' is not an expression: {}", w.text, e.what()));
    }
    using K = expr::AstKind;
    const K root = ast.root_node().kind;
    if (root != K::less && root != K::less_equal && root != K::greater && root != K::greater_equal)
      throw ScenarioError(w.where, path,
                          fmt::format("a trigger compares two quantities with <, <=, > or >=, got '{}'", w.text),
                          "when: \"mHLA_DR < 8000\"");
    for (const auto& use : expr::collect_names(ast))
      if (!known.count(use.name))
        throw ScenarioError(use.where, path,
                            fmt::format("unknown name '{}' in the trigger '{}': a trigger may use the model's species, "
                                        "parameters, assignments, observables and t",
                                        use.name, w.text),
                            closest_match(use.name, names));
    model::EventSpec e;
    e.id = fmt::format("when_{}", k + 1);
    e.trigger.text = e.trigger.layout = w.text;
    e.trigger.where = w.where;
    e.initial_value = false;
    e.where = w.where;
    spec.events.push_back(std::move(e));
  }
  return std::make_shared<const model::CompiledEvents>(spec);
}

}  // namespace exvivo::scenario
