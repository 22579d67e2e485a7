#include "fit/fit_problem.hpp"

#include <cstdio>
#include <algorithm>
#include <filesystem>
#include <limits>

#include <fmt/core.h>

#include "core/check.hpp"
#include "core/units.hpp"
#include "io/yaml_tree.hpp"
#include "io/yaml_vocabulary.hpp"
#include "model/parameter_defaults.hpp"
#include "scenario/run_plan.hpp"

namespace exvivo::fit {

namespace fs = std::filesystem;
using io::YamlNode;

namespace {

std::string resolve(const std::string& fit_file, const YamlNode& node) {
  fs::path p(node.scalar("a file path"));
  if (p.is_relative()) p = fs::path(fit_file).parent_path() / p;
  return p.lexically_normal().string();
}

double positive_number(const YamlNode& node) {
  const double v = node.number();
  check_positive<ScenarioError>(node.path, v, node.where);
  return v;
}

EstimateSpec read_estimate(const YamlNode& key, const YamlNode& value, const model::CompiledModel& m) {
  EstimateSpec e;
  e.name = key.scalar("a parameter name");
  e.where = key.where;
  std::vector<std::string> names;
  for (const auto& p : m.parameters()) names.push_back(p.name);
  const auto index = m.parameter_index(e.name);
  if (!index)
    throw ScenarioError(key.where, "estimate." + e.name,
                        fmt::format("unknown parameter '{}' of model '{}'", e.name, m.name()),
                        closest_match(e.name, names));
  e.parameter = *index;
  const model::ParameterInfo& info = m.parameters()[*index];
  e.model_value = info.value;
  if (!value.is_null()) value.check_keys({"bounds", "scale", "unit", "per_donor"});
  const io::ScaledBounds b = io::read_parameter_bounds(key, value, "bounds", model::parameter_defaults(info));
  e.lower = b.bounds.lower;
  e.upper = b.bounds.upper;
  e.scale = b.scale;
  if (!value.is_null())
    if (const YamlNode* per_donor = value.find("per_donor")) e.per_donor = per_donor->boolean();
  return e;
}

/// Last time anything happens in any run: the end of the simulated interval.
double horizon(const scenario::Scenario& s, const scenario::RunPlan& plan) {
  double h = 0;
  for (const auto& sample : s.samples) h = std::max(h, sample.time);
  for (std::size_t r = 0; r < plan.size(); r += plan.samples_per_arm()) {
    const solve::Run run = plan.make_run(r);
    for (const auto& event : run.events) h = std::max(h, event.time);
    for (const auto& sample : run.samples) h = std::max(h, sample.time);
  }
  return h;
}

}  // namespace

std::size_t FitProblem::num_rows() const {
  std::size_t n = 0;
  for (const auto& s : scenarios) n += s.data.rows.size();
  return n;
}

namespace {

/// The scenario of one `scenario:` node (top level or an entry of `scenarios`).
void load_scenario_file(const std::string& fit_file, const YamlNode& scenario_node, FitScenario& out) {
  out.scenario_file = resolve(fit_file, scenario_node);
  if (!fs::exists(out.scenario_file))
    scenario_node.fail(
        fmt::format("scenario file '{}' not found (paths are relative to the fit file)", out.scenario_file));
  auto scenario = std::make_shared<scenario::Scenario>(scenario::load_scenario(out.scenario_file));
  out.scenario = scenario;
  const scenario::RunPlan plan(*scenario);
  if (plan.samples_per_arm() != 1)
    scenario_node.fail(fmt::format("the scenario sweeps {} samples per arm; a fit needs one run per "
                                   "donor and arm (drop the sweep or give each factor one value)",
                                   plan.samples_per_arm()));
  MeasurementContext& c = out.context;
  // Listed donors, then cohort members (cohort_0001, ...), as RunPlan numbers them.
  for (std::size_t d = 0; d < plan.donors(); ++d)
    c.donors.push_back(plan.donor_id(d * scenario->arms.size() * plan.samples_per_arm()));
  for (const auto& a : scenario->arms) c.arms.push_back(a.id);
  const model::CompiledModel& m = *scenario->model;
  for (const auto& o : m.observables()) {
    c.observables.push_back(o.name);
    c.noise.push_back(o.noise.distribution);
    c.observable_units.push_back(o.unit);
    c.lloq.push_back(o.lloq);
  }
  c.horizon = horizon(*scenario, plan);
  c.time_unit = m.time_unit();
}

void load_data_file(const std::string& fit_file, const YamlNode& data_node, FitScenario& out) {
  out.data_file = resolve(fit_file, data_node);
  if (!fs::exists(out.data_file))
    data_node.fail(fmt::format("data file '{}' not found (paths are relative to the fit file)", out.data_file));
  out.data = read_measurements(out.data_file, out.context);
  if (out.data.rows.empty()) throw DataError(SourceLocation{out.data_file, 0, 0}, "", "the table has no measurements");
}

}  // namespace

FitProblem load_fit_problem(const std::string& path) {
  const YamlNode root = io::read_yaml_file(path, io::InputKind::scenario);
  root.expect_mapping("a fit: a mapping with keys fit, scenario, data (or scenarios), estimate, ...");
  root.check_keys({"fit", "description", "scenario", "data", "scenarios", "estimate", "starts", "start_from_model",
                   "seed", "optimizer", "uncertainty", "output"});
  FitProblem problem;
  FitSpec& spec = problem.spec;
  spec.file = path;
  spec.name = root.at("fit").identifier();

  // `scenario:` + `data:`, or `scenarios: [{scenario, data}, ...]`.
  std::vector<std::pair<const YamlNode*, const YamlNode*>> pairs;  // (scenario, data) nodes
  if (const YamlNode* list = root.find("scenarios")) {
    for (const char* single : {"scenario", "data"})
      if (const YamlNode* n = root.find(single))
        n->fail(
            fmt::format("give either 'scenarios' (a list of {{scenario, data}}) or 'scenario' and "
                        "'data', not both"));
    list->expect_sequence("a list of {scenario: FILE, data: TABLE}");
    if (list->items.empty()) list->fail("must name at least one {scenario: FILE, data: TABLE}");
    for (const YamlNode& item : list->items) {
      item.expect_mapping("{scenario: FILE, data: TABLE}");
      item.check_keys({"scenario", "data"});
      pairs.emplace_back(&item.at("scenario"), &item.at("data"));
    }
  } else {
    if (!root.find("scenario") && !root.find("data"))
      root.fail("missing key 'scenario' (with 'data'), or 'scenarios' (a list of {scenario, data})");
    pairs.emplace_back(&root.at("scenario"), &root.at("data"));
  }
  // Scenarios (and their models) first: the estimates are checked against them.
  problem.scenarios.resize(pairs.size());
  for (std::size_t k = 0; k < pairs.size(); ++k) load_scenario_file(path, *pairs[k].first, problem.scenarios[k]);
  const model::CompiledModel& m = *problem.scenarios.front().scenario->model;

  const YamlNode& estimate = root.at("estimate");
  estimate.expect_mapping("a mapping of parameter names to {bounds, scale, unit, per_donor}");
  if (estimate.entries.empty()) estimate.fail("must name at least one parameter");
  for (const auto& [key, value] : estimate.entries)
    spec.estimates.push_back(read_estimate(key, value, m));
  for (std::size_t k = 0; k < problem.scenarios.size(); ++k) {
    FitScenario& fs_k = problem.scenarios[k];
    const model::CompiledModel& mk = *fs_k.scenario->model;
    for (std::size_t e = 0; e < spec.estimates.size(); ++e) {
      const auto index = mk.parameter_index(spec.estimates[e].name);
      if (!index)
        throw ScenarioError(spec.estimates[e].where, "estimate." + spec.estimates[e].name,
                            fmt::format("unknown parameter '{}' of model '{}' (the model of scenarios[{}], '{}')",
                                        spec.estimates[e].name, mk.name(), k, fs_k.scenario_file));
      fs_k.parameter.push_back(*index);
    }
  }

  if (const YamlNode* n = root.find("starts")) spec.starts = static_cast<int>(n->integer(1, 100000));
  if (const YamlNode* n = root.find("start_from_model")) spec.start_from_model = n->boolean();
  if (const YamlNode* n = root.find("seed"))
    spec.seed = static_cast<std::uint64_t>(n->integer(0, std::numeric_limits<long>::max()));
  if (const YamlNode* o = root.find("optimizer")) {
    o->expect_mapping();
    o->check_keys({"method", "max_iter", "tol", "gradient_tol"});
    if (const YamlNode* n = o->find("method")) {
      spec.optimizer.method = n->scalar("a method name");
      check_one_of<ScenarioError>(n->path, spec.optimizer.method, optimizer_methods(), n->where);
    }
    if (const YamlNode* n = o->find("max_iter")) spec.optimizer.max_iter = static_cast<int>(n->integer(1, 1000000));
    if (const YamlNode* n = o->find("tol")) spec.optimizer.tol = positive_number(*n);
    if (const YamlNode* n = o->find("gradient_tol")) spec.optimizer.gradient_tol = positive_number(*n);
  }
  if (const YamlNode* u = root.find("uncertainty")) {
    u->expect_mapping();
    u->check_keys({"fim", "profile"});
    if (const YamlNode* n = u->find("fim")) spec.fim = n->boolean();
    if (const YamlNode* n = u->find("profile")) {
      std::vector<std::string> names;
      for (const auto& e : spec.estimates) names.push_back(e.name);
      const std::vector<const YamlNode*> items = [&] {
        std::vector<const YamlNode*> v;
        if (n->is_sequence())
          for (const auto& item : n->items) v.push_back(&item);
        else
          v.push_back(n);
        return v;
      }();
      for (const YamlNode* item : items) {
        const std::string& name = item->scalar("a parameter name");
        const auto it = std::find(names.begin(), names.end(), name);
        if (it == names.end())
          item->fail(fmt::format("'{}' is not an estimated parameter", name), closest_match(name, names));
        const auto k = static_cast<std::size_t>(it - names.begin());
        if (std::find(spec.profile.begin(), spec.profile.end(), k) == spec.profile.end())
          spec.profile.push_back(k);
      }
    }
  }
  spec.output_dir = "results/" + spec.name;
  if (const YamlNode* o = root.find("output")) {
    o->expect_mapping();
    o->check_keys({"dir"});
    if (const YamlNode* d = o->find("dir")) spec.output_dir = d->scalar("a directory");
  }

  for (std::size_t k = 0; k < pairs.size(); ++k) {
    FitScenario& fs_k = problem.scenarios[k];
    load_data_file(path, *pairs[k].second, fs_k);
    for (const std::string& id : fs_k.context.donors) {
      const auto it = std::find(problem.donors.begin(), problem.donors.end(), id);
      fs_k.donor.push_back(static_cast<std::size_t>(it - problem.donors.begin()));
      if (it == problem.donors.end()) problem.donors.push_back(id);
    }
  }
  return problem;
}

}  // namespace exvivo::fit
