#include "analysis/analysis_spec.hpp"

#include <cstdio>
#include <algorithm>
#include <filesystem>
#include <limits>

#include <fmt/core.h>

#include "core/check.hpp"
#include "core/quantity.hpp"
#include "core/units.hpp"
#include "io/yaml_tree.hpp"
#include "io/yaml_vocabulary.hpp"
#include "model/parameter_defaults.hpp"
#include "scenario/run_plan.hpp"

namespace exvivo::analysis {

namespace fs = std::filesystem;
using io::YamlNode;

namespace {

std::string join(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

std::string compact(std::string text) {
  std::erase(text, ' ');
  return text;
}

/// Reads the parts of an analysis that refer to the scenario and its model.
class Reader {
 public:
  Reader(const scenario::Scenario& s, const scenario::RunPlan& plan) : s_(s), m_(*s.model), plan_(plan) {}

  /// `path`: the key path to report ("" = the node's; a mapping key's own path is its parent's).
  std::size_t parameter(const YamlNode& node, const std::string& path = {}) const {
    const std::string& name = node.scalar("a parameter name");
    const auto index = m_.parameter_index(name);
    if (!index) {
      std::vector<std::string> names;
      for (const auto& p : m_.parameters()) names.push_back(p.name);
      throw ScenarioError(node.where, path.empty() ? node.path : path,
                          fmt::format("unknown parameter '{}' of model '{}'", name, m_.name()),
                          closest_match(name, names));
    }
    return *index;
  }

  std::size_t observable(const YamlNode& node) const {
    const std::string& name = node.scalar("an observable name");
    const auto index = m_.observable_index(name);
    if (!index) {
      std::vector<std::string> names;
      for (const auto& o : m_.observables()) names.push_back(o.name);
      node.fail(fmt::format("unknown observable '{}' of model '{}'", name, m_.name()), closest_match(name, names));
    }
    return *index;
  }

  std::size_t arm(const YamlNode& node) const {
    const std::string& id = node.scalar("an arm id");
    std::vector<std::string> ids;
    for (const auto& a : s_.arms) ids.push_back(a.id);
    const auto it = std::find(ids.begin(), ids.end(), id);
    if (it == ids.end())
      node.fail(fmt::format("unknown arm '{}' (the scenario has: {})", id, join(ids)), closest_match(id, ids));
    return static_cast<std::size_t>(it - ids.begin());
  }

  std::size_t donor(const YamlNode& node) const {
    const std::string& id = node.scalar("a donor id");
    std::vector<std::string> ids;
    for (std::size_t d = 0; d < plan_.donors(); ++d) {
      ids.push_back(plan_.donor_id(d * s_.arms.size() * plan_.samples_per_arm()));
      if (ids.back() == id) return d;
    }
    node.fail(fmt::format("unknown donor '{}' of scenario '{}'", id, s_.name), closest_match(id, ids));
  }

  solve::SampleTime time(const YamlNode& node, bool allow_before = true) const {
    const std::string& text = node.scalar("a time such as '24 h'");
    TimePoint p;
    try {
      p = parse_time_point(text, parse_unit(m_.time_unit()));
    } catch (const UnitError& e) {
      node.fail(e.what());
    }
    if (p.before && !allow_before) node.fail(fmt::format("'{}': the '-' suffix is not allowed here", text));
    if (p.value < 0) node.fail(fmt::format("time must not be negative, got '{}'", text));
    return {p.value, p.before};
  }

  /// {values: [...], unit: h} or [30 min, 1 h, ...]
  std::vector<solve::SampleTime> times(const YamlNode& node) const {
    std::vector<solve::SampleTime> out;
    if (node.is_mapping()) {
      node.check_keys({"values", "unit"});
      const YamlNode& values = node.at("values");
      values.expect_sequence("a list of times");
      std::string unit = m_.time_unit();
      if (const YamlNode* u = node.find("unit")) {
        unit = u->scalar("a time unit");
        bool ok = false;
        try {
          ok = is_time(parse_unit(unit));
        } catch (const UnitError&) {
        }
        if (!ok) u->fail(fmt::format("expected a time unit (s, min, h, d), got '{}'", unit));
      }
      const double factor = parse_unit(unit).scale / parse_unit(m_.time_unit()).scale;
      for (const auto& v : values.items) {
        const double t = v.number() * factor;
        if (t < 0) v.fail(fmt::format("time must not be negative, got '{}'", v.text));
        out.push_back({t, false});
      }
    } else {
      node.expect_sequence("a list of times or {values: [...], unit: h}");
      for (const auto& item : node.items) out.push_back(time(item));
    }
    if (out.empty()) node.fail("must list at least one time");
    return out;
  }

  /// {observable, time, arm, sample} plus the keys in `extra` (read by the caller).
  Readout readout(const YamlNode& node, std::initializer_list<std::string_view> extra = {}) const {
    node.expect_mapping("a readout {observable, time, arm}");
    std::vector<std::string> keys{"observable", "time", "arm", "sample"};
    for (const auto k : extra) keys.emplace_back(k);
    node.check_keys(keys);
    Readout r;
    r.where = node.where;
    r.path = node.path;
    r.observable = observable(node.at("observable"));
    const YamlNode& time_node = node.at("time");
    r.time = time(time_node);
    r.arm = arm_or_only(node, "arm");
    if (const YamlNode* sample = node.find("sample"))
      r.sample = static_cast<std::size_t>(sample->integer(0, static_cast<long>(plan_.samples_per_arm()) - 1));
    r.label = fmt::format("{}@{}/{}", m_.observables()[r.observable].name, compact(time_node.text),
                          s_.arms[r.arm].id);
    if (r.sample != 0) r.label += fmt::format("#{}", r.sample);
    return r;
  }

  std::size_t arm_or_only(const YamlNode& node, std::string_view key) const {
    if (const YamlNode* a = node.find(key)) return arm(*a);
    if (s_.arms.size() != 1) {
      std::vector<std::string> ids;
      for (const auto& a : s_.arms) ids.push_back(a.id);
      node.fail(fmt::format("missing key '{}' (the scenario has arms: {})", key, join(ids)));
    }
    return 0;
  }

  ParameterRange range(const YamlNode& key, const YamlNode& value) const {
    ParameterRange p;
    p.name = key.scalar("a parameter name");
    p.where = key.where;
    p.path = (key.path.empty() ? "" : key.path + ".") + p.name;
    p.parameter = parameter(key, p.path);
    if (!value.is_null()) {
      value.expect_mapping("{range: [lower, upper], scale, unit}");
      value.check_keys({"range", "scale", "unit"});
    }
    const io::ScaledBounds b =
        io::read_parameter_bounds(key, value, "range", model::parameter_defaults(m_.parameters()[p.parameter]));
    p.lower = b.bounds.lower;
    p.upper = b.bounds.upper;
    p.scale = b.scale;
    return p;
  }

  SensitivitySpec sensitivity(const YamlNode& node) const {
    node.expect_mapping();
    node.check_keys({"method", "parameters", "outputs", "donor", "n", "levels", "bootstrap", "seed"});
    SensitivitySpec spec;
    if (const YamlNode* method = node.find("method")) {
      const std::string& m = method->scalar("sobol or morris");
      check_one_of<ScenarioError>(method->path, m, {"sobol", "morris"}, method->where);
      spec.method = m == "sobol" ? SensitivitySpec::Method::sobol : SensitivitySpec::Method::morris;
    }
    if (spec.method == SensitivitySpec::Method::morris) spec.n = 20;
    const YamlNode& parameters = node.at("parameters");
    parameters.expect_mapping("a mapping of parameter names to {range, scale, unit}");
    if (parameters.entries.empty()) parameters.fail("must name at least one parameter");
    for (const auto& [key, value] : parameters.entries) spec.parameters.push_back(range(key, value));
    const YamlNode& outputs = node.at("outputs");
    outputs.expect_sequence("a list of readouts {observable, time, arm}");
    if (outputs.items.empty()) outputs.fail("must list at least one readout");
    for (const auto& item : outputs.items) spec.outputs.push_back(readout(item));
    if (const YamlNode* donor_node = node.find("donor")) spec.donor = donor(*donor_node);
    spec.donor_id = plan_.donor_id(spec.donor * s_.arms.size() * plan_.samples_per_arm());
    if (const YamlNode* n = node.find("n")) spec.n = static_cast<std::size_t>(n->integer(2, 1 << 24));
    if (const YamlNode* levels = node.find("levels")) {
      spec.levels = static_cast<std::size_t>(levels->integer(2, 1000));
      if (spec.levels % 2 != 0) levels->fail(fmt::format("must be even, got {}", spec.levels));
    }
    read_resampling(node, spec.bootstrap, spec.seed);
    return spec;
  }

  static void read_resampling(const YamlNode& node, std::size_t& bootstrap, std::uint64_t& seed) {
    if (const YamlNode* b = node.find("bootstrap")) bootstrap = static_cast<std::size_t>(b->integer(0, 100000));
    if (const YamlNode* s = node.find("seed"))
      seed = static_cast<std::uint64_t>(s->integer(0, std::numeric_limits<long>::max()));
  }

  BiomarkerSpec biomarkers(const YamlNode& node) const {
    node.expect_mapping();
    node.check_keys({"candidates", "response", "bootstrap", "seed"});
    if (s_.cohort.size() == 0)
      node.fail(fmt::format("needs a virtual cohort, but scenario '{}' has no 'cohort'", s_.name));
    BiomarkerSpec spec;
    const YamlNode& candidates = node.at("candidates");
    candidates.expect_sequence("a list of parameter names and readouts");
    if (candidates.items.empty()) candidates.fail("must list at least one candidate");
    for (const auto& item : candidates.items) {
      BiomarkerCandidate c;
      if (item.is_scalar()) {
        c.is_parameter = true;
        c.parameter = parameter(item);
        c.label = item.text;
      } else {
        c.readout = readout(item);
        c.label = c.readout.label;
      }
      for (const auto& other : spec.candidates)
        if (other.label == c.label) item.fail(fmt::format("candidate '{}' is listed twice", c.label));
      spec.candidates.push_back(c);
    }
    spec.response = response(node.at("response"));
    read_resampling(node, spec.bootstrap, spec.seed);
    return spec;
  }

  ResponseSpec response(const YamlNode& node) const {
    ResponseSpec r;
    r.readout = readout(node, {"above", "below", "vs_arm", "fold_above", "fold_below"});
    r.where = node.where;
    r.path = node.path;
    const char* const criteria[] = {"above", "below", "fold_above", "fold_below"};
    const YamlNode* criterion = nullptr;
    std::string name;
    for (const char* c : criteria)
      if (const YamlNode* found = node.find(c)) {
        if (criterion) found->fail(fmt::format("give one of above, below, fold_above, fold_below, not both '{}' and '{}'", name, c));
        criterion = found;
        name = c;
      }
    if (!criterion) node.fail("missing the response criterion: one of above, below, fold_above, fold_below");
    r.threshold = criterion->number();
    r.above = name == "above" || name == "fold_above";
    const bool fold = name.starts_with("fold_");
    const YamlNode* vs = node.find("vs_arm");
    if (fold && !vs) node.fail(fmt::format("'{}' needs 'vs_arm', the arm the fold change is relative to", name));
    if (!fold && vs) vs->fail(fmt::format("'vs_arm' needs 'fold_above' or 'fold_below' instead of '{}'", name));
    if (fold) {
      if (!(r.threshold > 0)) criterion->fail(fmt::format("a fold change must be positive, got {}", criterion->text));
      Readout reference = r.readout;
      reference.arm = arm(*vs);
      if (reference.arm == r.readout.arm) vs->fail("'vs_arm' must differ from 'arm'");
      reference.label = fmt::format("{}@{}/{}", m_.observables()[r.readout.observable].name,
                                    compact(node.at("time").text), s_.arms[reference.arm].id);
      r.label = fmt::format("{} / {} {} {}", r.readout.label, reference.label, r.above ? ">" : "<", criterion->text);
      r.reference = reference;
    } else {
      r.label = fmt::format("{} {} {}", r.readout.label, r.above ? ">" : "<", criterion->text);
    }
    return r;
  }

  DesignSpec design(const YamlNode& node) const {
    node.expect_mapping();
    node.check_keys({"estimate", "observables", "choose", "criterion", "donors", "arms", "keep", "seed"});
    DesignSpec spec;
    const YamlNode& estimate = node.at("estimate");
    const std::vector<const YamlNode*> names = items(estimate);
    if (names.empty()) estimate.fail("must name at least one parameter");
    for (const YamlNode* n : names) {
      ParameterRange p;
      p.parameter = parameter(*n);
      p.name = n->text;
      p.scale = m_.parameters()[p.parameter].scale;
      p.where = n->where;
      p.path = n->path;
      for (const auto& other : spec.estimate)
        if (other.parameter == p.parameter) n->fail(fmt::format("parameter '{}' is listed twice", p.name));
      spec.estimate.push_back(p);
    }
    if (const YamlNode* obs = node.find("observables")) {
      for (const YamlNode* o : items(*obs)) {
        const std::size_t index = observable(*o);
        if (m_.observables()[index].noise.distribution == model::NoiseModel::Distribution::none)
          o->fail(fmt::format("observable '{}' has no noise model, so it carries no Fisher information", o->text));
        spec.observables.push_back(index);
      }
      if (spec.observables.empty()) obs->fail("must name at least one observable");
    } else {
      for (const std::size_t o : s_.observables)
        if (m_.observables()[o].noise.distribution != model::NoiseModel::Distribution::none)
          spec.observables.push_back(o);
      if (spec.observables.empty())
        node.fail("none of the scenario's observables has a noise model; list 'observables' with one");
    }
    if (const YamlNode* c = node.find("criterion")) {
      check_one_of<ScenarioError>(c->path, c->scalar("D"), {"D"}, c->where);
    }
    const YamlNode& choose = node.at("choose");
    choose.expect_mapping("a mapping with 'times' and/or 'doses'");
    choose.check_keys({"times", "doses"});
    if (choose.entries.empty()) choose.fail("must choose 'times', 'doses' or both");
    if (const YamlNode* times_node = choose.find("times")) {
      times_node->expect_mapping("{candidates: ..., n: ...}");
      times_node->check_keys({"candidates", "n"});
      spec.time_candidates = times(times_node->at("candidates"));
      std::sort(spec.time_candidates.begin(), spec.time_candidates.end(),
                [](const auto& a, const auto& b) { return a.time < b.time || (a.time == b.time && a.before_event && !b.before_event); });
      for (std::size_t i = 1; i < spec.time_candidates.size(); ++i)
        if (spec.time_candidates[i].time == spec.time_candidates[i - 1].time &&
            spec.time_candidates[i].before_event == spec.time_candidates[i - 1].before_event)
          times_node->at("candidates").fail("lists a time twice");
      spec.n_times = static_cast<std::size_t>(
          times_node->at("n").integer(1, static_cast<long>(spec.time_candidates.size())));
      spec.choose_times = true;
    } else {
      spec.time_candidates = s_.samples;
      spec.n_times = s_.samples.size();
    }
    if (const YamlNode* doses = choose.find("doses")) read_doses(*doses, spec);
    if (const YamlNode* donors = node.find("donors")) {
      for (const YamlNode* d : items(*donors)) spec.donors.push_back(donor(*d));
    } else {
      for (std::size_t d = 0; d < plan_.donors(); ++d) spec.donors.push_back(d);
    }
    if (const YamlNode* arms = node.find("arms")) {
      for (const YamlNode* a : items(*arms)) spec.arms.push_back(arm(*a));
    } else {
      for (std::size_t a = 0; a < s_.arms.size(); ++a) spec.arms.push_back(a);
    }
    if (const YamlNode* keep = node.find("keep")) spec.keep = static_cast<std::size_t>(keep->integer(1, 100000));
    if (const YamlNode* s = node.find("seed"))
      spec.seed = static_cast<std::uint64_t>(s->integer(0, std::numeric_limits<long>::max()));
    return spec;
  }

  void read_doses(const YamlNode& node, DesignSpec& spec) const {
    node.expect_mapping("{factor: ..., candidates: ..., n: ...}");
    node.check_keys({"factor", "candidates", "n"});
    const auto& factors = s_.sweep.factors;
    std::vector<std::string> names;
    for (const auto& f : factors) names.push_back(f.name);
    if (factors.empty() || s_.sweep.design != scenario::SweepDesign::grid)
      node.fail(fmt::format("choosing doses needs a scenario with a grid sweep over a $placeholder factor; "
                            "scenario '{}' has none", s_.name));
    if (const YamlNode* f = node.find("factor")) {
      const std::string& name = f->scalar("a sweep factor name");
      const auto it = std::find(names.begin(), names.end(), name);
      if (it == names.end())
        f->fail(fmt::format("unknown sweep factor '{}' (the scenario sweeps: {})", name, join(names)),
                closest_match(name, names));
      spec.dose_factor = static_cast<std::size_t>(it - names.begin());
    } else if (factors.size() != 1) {
      node.fail(fmt::format("missing key 'factor' (the scenario sweeps: {})", join(names)));
    }
    for (std::size_t f = 0; f < factors.size(); ++f)
      if (f != spec.dose_factor && factors[f].values.size() != 1)
        node.fail(fmt::format("sweep factor '{}' has {} values; choosing doses of '{}' needs every other factor "
                              "fixed to one value", factors[f].name, factors[f].values.size(),
                              factors[spec.dose_factor].name));
    const YamlNode& candidates = node.at("candidates");
    const YamlNode* values = &candidates;
    if (candidates.is_mapping()) {
      candidates.check_keys({"values", "unit"});
      values = &candidates.at("values");
      if (const YamlNode* u = candidates.find("unit")) spec.dose_unit = u->scalar("a unit");
    }
    values->expect_sequence("a list of doses");
    for (const auto& v : values->items) spec.dose_candidates.push_back(v.number());
    if (spec.dose_candidates.empty()) values->fail("must list at least one dose");
    spec.n_doses = static_cast<std::size_t>(node.at("n").integer(1, static_cast<long>(spec.dose_candidates.size())));
    spec.choose_doses = true;
  }

 private:
  static std::vector<const YamlNode*> items(const YamlNode& node) {
    std::vector<const YamlNode*> v;
    if (node.is_sequence())
      for (const auto& item : node.items) v.push_back(&item);
    else
      v.push_back(&node);
    return v;
  }

  const scenario::Scenario& s_;
  const model::CompiledModel& m_;
  const scenario::RunPlan& plan_;
};

}  // namespace

AnalysisSpec load_analysis(const std::string& path) {
  const YamlNode root = io::read_yaml_file(path, io::InputKind::scenario);
  root.expect_mapping("an analysis: a mapping with keys analysis, scenario and sensitivity, biomarkers or design");
  root.check_keys({"analysis", "description", "scenario", "sensitivity", "biomarkers", "design", "output"});
  AnalysisSpec spec;
  spec.file = path;
  spec.name = root.at("analysis").identifier();
  const YamlNode& scenario_node = root.at("scenario");
  fs::path scenario_path(scenario_node.scalar("a file path"));
  if (scenario_path.is_relative()) scenario_path = fs::path(path).parent_path() / scenario_path;
  spec.scenario_file = scenario_path.lexically_normal().string();
  if (!fs::exists(spec.scenario_file))
    scenario_node.fail(fmt::format("scenario file '{}' not found (paths are relative to the analysis file)",
                                   spec.scenario_file));
  auto scenario = std::make_shared<scenario::Scenario>(scenario::load_scenario(spec.scenario_file));
  spec.scenario = scenario;
  const scenario::RunPlan plan(*scenario);
  const Reader reader(*scenario, plan);
  if (const YamlNode* n = root.find("sensitivity")) spec.sensitivity = reader.sensitivity(*n);
  if (const YamlNode* n = root.find("biomarkers")) spec.biomarkers = reader.biomarkers(*n);
  if (const YamlNode* n = root.find("design")) spec.design = reader.design(*n);
  if (!spec.sensitivity && !spec.biomarkers && !spec.design)
    root.fail("nothing to analyse: give 'sensitivity', 'biomarkers' or 'design'");
  spec.output_dir = "results/" + spec.name;
  if (const YamlNode* o = root.find("output")) {
    o->expect_mapping();
    o->check_keys({"dir"});
    if (const YamlNode* d = o->find("dir")) spec.output_dir = d->scalar("a directory");
  }
  return spec;
}

}  // namespace exvivo::analysis
