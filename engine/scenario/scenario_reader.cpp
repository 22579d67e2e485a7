// Reading: each section of a scenario file into the Scenario, in model units.
#include "scenario/scenario_loader.hpp"
#include "scenario/state_events.hpp"

namespace exvivo::scenario::detail {

namespace {
/// Reads a literal, a quantity with unit or a $placeholder.
ValueSpec read_value(const YamlNode& node) {
  ValueSpec v;
  v.where = node.where;
  v.path = node.path;
  const std::string& text = node.scalar("a number, a quantity such as '10 ng/mL', or a $placeholder");
  if (!text.empty() && text[0] == '$') {
    v.placeholder = text.substr(1);
    if (!io::is_identifier(v.placeholder))
      node.fail(fmt::format("'{}' is not a valid placeholder: '$' must be followed by a name", text));
    return v;
  }
  try {
    const Quantity q = parse_quantity(text);
    if (q.before)
      node.fail(fmt::format("'{}': the '-' suffix (just before an event) is only allowed for sample times", text));
    v.value = q.value;
    if (q.unit) v.unit = q.unit->text;
  } catch (const UnitError& e) {
    node.fail(e.what());
  }
  return v;
}
}  // namespace

Scenario Loader::load() {
  const YamlNode root = io::read_yaml_file(path_, io::InputKind::scenario);
  root.expect_mapping("a mapping of scenario keys (scenario, model, arms, ...)");
  root.check_keys({"scenario", "description", "model", "culture", "solver", "set", "donors", "arms", "protocol",
                   "samples", "sweep", "cohort", "output", "allow_out_of_bounds"});
  s_.file = path_;
  s_.name = root.at("scenario").identifier();
  if (const auto* a = root.find("allow_out_of_bounds")) s_.allow_out_of_bounds = a->boolean();
  if (const auto* d = root.find("description")) s_.description = d->is_null() ? "" : d->scalar();
  load_model(root.at("model"));
  // Each section is read on its own, so that a file's errors are reported
  // together (up to max_reported_errors), not only the first.
  if (const auto* c = root.find("culture")) recover([&] { load_culture(*c); });
  if (const auto* sv = root.find("solver")) recover([&] { load_solver(*sv); });
  if (const auto* st = root.find("set")) recover([&] { s_.set = read_assignments(*st); });
  recover([&] { load_donors(root.find("donors"), root.find("cohort") != nullptr); });
  recover([&] { load_arms(root.find("arms")); });
  if (const auto* p = root.find("protocol")) recover([&] { s_.protocol = read_protocol(*p, false); });
  recover([&] { load_samples(root.at("samples")); });
  if (const auto* sw = root.find("sweep")) recover([&] { load_sweep(*sw); });
  if (const auto* co = root.find("cohort")) recover([&] { load_cohort(*co); });
  recover([&] { load_output(root.find("output")); });
  throw_collected_errors();  // the placeholder checks need every section
  check_placeholders();
  s_.state_triggers = compile_state_triggers(s_);
  check_run_count(root);
  if (options_.native_code && s_.solver.evaluator == "native") use_native_code();
  return std::move(s_);
}

void Loader::load_model(const YamlNode& node) {
  const std::string& rel = node.scalar("the path of a model file");
  fs::path p(rel);
  if (p.is_relative()) p = fs::path(path_).parent_path() / p;
  s_.model_file = p.lexically_normal().string();
  if (!fs::exists(s_.model_file))
    node.fail(fmt::format("model file '{}' not found (paths are relative to the scenario file)", s_.model_file));
  s_.model = std::make_shared<const model::CompiledModel>(model::load_model(s_.model_file));
  time_unit_ = parse_unit(model().time_unit());
}

void Loader::load_culture(const YamlNode& node) {
  const std::string& name = node.identifier();
  std::vector<std::string> names;
  for (const auto& [k, v] : model().cultures()) names.push_back(k);
  if (!model().cultures().count(name))
    node.fail(fmt::format("unknown culture '{}' (the model defines: {})", name, join(names)),
              closest_match(name, names));
  s_.culture = name;
}

std::string Loader::join(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s.empty() ? "none" : s;
}

double Loader::read_duration_seconds(const YamlNode& node) {
  const Quantity q = quantity(node);
  if (!q.unit) return q.value;
  if (!is_time(*q.unit)) node.fail(fmt::format("expected a duration such as '10 s', got '{}'", q.text));
  return q.value * q.unit->scale;
}

double Loader::read_model_time(const YamlNode& node) {
  const Quantity q = quantity(node);
  return to_model_time(node, q);
}

double Loader::to_model_time(const YamlNode& node, const Quantity& q) {
  try {
    return time_value_in(q, time_unit_);
  } catch (const UnitError& e) {
    node.fail(e.what());
  }
}

solve::SampleTime Loader::read_sample_time(const YamlNode& node) const {
  const std::string& text = node.scalar("a time such as '24 h'");
  try {
    const TimePoint p = parse_time_point(text, time_unit_);
    return {p.value, p.before};
  } catch (const UnitError& e) {
    node.fail(e.what());
  }
}

Quantity Loader::quantity(const YamlNode& node) {
  const std::string& text = node.scalar("a number or a quantity with a unit");
  try {
    return parse_quantity(text);
  } catch (const UnitError& e) {
    node.fail(e.what());
  }
}

void Loader::load_solver(const YamlNode& node) {
  node.check_keys({"method", "rel_tol", "abs_tol", "max_steps", "timeout", "initial_step", "max_step", "evaluator"});
  auto& o = s_.solver;
  if (const auto* m = node.find("method")) o.method = m->scalar();
  if (const auto* e = node.find("evaluator")) o.evaluator = e->scalar();
  if (const auto* r = node.find("rel_tol")) o.rel_tol = r->number();
  if (const auto* a = node.find("abs_tol")) o.abs_tol = read_abs_tol(*a);
  if (const auto* m = node.find("max_steps")) o.max_steps = m->integer(1, 1'000'000'000'000L);
  if (const auto* t = node.find("timeout")) o.timeout = read_duration_seconds(*t);
  if (const auto* h = node.find("initial_step")) o.initial_step = read_model_time(*h);
  if (const auto* h = node.find("max_step")) o.max_step = read_model_time(*h);
  try {
    o.validate(model().num_states());
  } catch (const Error& e) {
    // validate() names the field ("solver.rel_tol: ..."); locate it in the file.
    node.fail(e.what());
  }
}

std::vector<double> Loader::read_abs_tol(const YamlNode& node) {
  const std::size_t n = model().num_states();
  if (node.is_scalar()) return {node.number()};
  if (node.is_sequence()) {
    if (node.items.size() != n)
      node.fail(fmt::format("expected one tolerance or {} (one per species), got {}", n, node.items.size()));
    std::vector<double> v;
    for (const auto& item : node.items) v.push_back(item.number());
    return v;
  }
  node.expect_mapping("a number, a list with one value per species, or {default: x, SPECIES: y}");
  std::vector<double> v(n, 1e-9);
  if (const auto* d = node.find("default")) std::fill(v.begin(), v.end(), d->number());
  for (const auto& [k, val] : node.entries) {
    if (k.text == "default") continue;
    v[species_index(k, k.text)] = val.number();
  }
  return v;
}

std::size_t Loader::species_index(const YamlNode& where, const std::string& name) const {
  if (auto i = model().species_index(name)) return *i;
  std::vector<std::string> names;
  for (const auto& sp : model().species()) names.push_back(sp.name);
  YamlNode located = where;
  located.fail(fmt::format("unknown species '{}'", name), closest_match(name, names));
}

/// name: value pairs setting parameters or species' initial values.
std::vector<std::pair<std::string, ValueSpec>> Loader::read_assignments(const YamlNode& node) {
  std::vector<std::pair<std::string, ValueSpec>> out;
  if (node.is_null()) return out;
  node.expect_mapping("a mapping of parameter or species names to values");
  for (const auto& [k, val] : node.entries) {
    ValueSpec v = read_value(val);
    if (auto p = model().parameter_index(k.text)) {
      check_convertible(val, v, model().parameters()[*p].unit, {});
      note_placeholder(v, model().parameters()[*p].unit, {}, Target{Target::parameter, *p});
      check_literal(v, Target{Target::parameter, *p});
    } else if (auto sp = model().species_index(k.text)) {
      check_convertible(val, v, model().species()[*sp].unit, species_context(*sp));
      note_placeholder(v, model().species()[*sp].unit, species_context(*sp), Target{Target::amount, *sp});
      check_literal(v, Target{Target::amount, *sp});
    } else {
      std::vector<std::string> names;
      for (const auto& p2 : model().parameters()) names.push_back(p2.name);
      for (const auto& sp2 : model().species()) names.push_back(sp2.name);
      YamlNode located = k;
      located.path = val.path;
      located.fail(fmt::format("unknown parameter or species '{}'", k.text), closest_match(k.text, names));
    }
    out.emplace_back(k.text, std::move(v));
  }
  return out;
}

void Loader::load_donors(const YamlNode* node, bool has_cohort) {
  if (!node || node->is_null()) {
    if (!has_cohort) s_.donors.push_back(DonorSpec{"default", "", {}});
    return;
  }
  node->expect_sequence("a list of donors ({id: ..., preset: ..., set: {...}})");
  if (node->items.empty()) node->fail("expected at least one donor");
  std::vector<std::string> presets;
  for (const auto& [k, v] : model().donor_presets()) presets.push_back(k);
  std::set<std::string> seen;
  for (const auto& d : node->items) {
    d.expect_mapping("a donor ({id: ..., preset: ..., set: {...}})");
    d.check_keys({"id", "preset", "set"});
    DonorSpec donor;
    const YamlNode& id = d.at("id");
    donor.id = id.identifier();
    if (is_reserved_donor_id(donor.id))
      id.fail(
          fmt::format("donor id '{}' is reserved: virtual cohort members are named cohort_0001, cohort_0002, "
                      "..., and their summary rows 'cohort'; choose another id",
                      donor.id));
    if (!seen.insert(donor.id).second) id.fail(fmt::format("duplicate donor id '{}'", donor.id));
    if (const auto* p = d.find("preset")) {
      donor.preset = p->identifier();
      if (!model().donor_presets().count(donor.preset))
        p->fail(fmt::format("unknown donor preset '{}' (the model defines: {})", donor.preset, join(presets)),
                closest_match(donor.preset, presets));
    }
    if (const auto* st = d.find("set")) donor.set = read_assignments(*st);
    s_.donors.push_back(std::move(donor));
  }
}

void Loader::load_arms(const YamlNode* node) {
  if (!node || node->is_null()) {
    s_.arms.push_back(ArmSpec{"default", {}});
    return;
  }
  node->expect_sequence("a list of arms ({id: ..., protocol: [...]})");
  if (node->items.empty()) node->fail("expected at least one arm");
  std::set<std::string> seen;
  for (const auto& a : node->items) {
    a.expect_mapping("an arm ({id: ..., protocol: [...]})");
    a.check_keys({"id", "protocol"});
    ArmSpec arm;
    const YamlNode& id = a.at("id");
    arm.id = id.identifier();
    if (!seen.insert(arm.id).second) id.fail(fmt::format("duplicate arm id '{}'", arm.id));
    if (const auto* p = a.find("protocol")) arm.protocol = read_protocol(*p, true);
    s_.arms.push_back(std::move(arm));
  }
}

std::vector<EventSpec> Loader::read_protocol(const YamlNode& node, bool from_arm) {
  std::vector<EventSpec> out;
  if (node.is_null()) return out;
  node.expect_sequence("a list of events ({at: 24 h, add: {LPS: 10 ng/mL}})");
  for (const auto& e : node.items) {
    e.expect_mapping("an event ({at: 24 h, add: {LPS: 10 ng/mL}})");
    e.check_keys({"at", "when", "add", "set", "scale", "wash"});
    EventSpec ev;
    ev.from_arm = from_arm;
    ev.order = event_counter_++;
    ev.where = e.where;
    ev.path = e.path;
    if (e.find("when") && e.find("at")) e.fail("an event has either 'at' (a time) or 'when' (a trigger), not both");
    if (!e.find("when") && !e.find("at"))
      e.fail("an event needs 'at' (a time, at: 24 h) or 'when' (a trigger, when: \"mHLA_DR < 8000\")");
    if (const auto* when = e.find("when")) {  // state-triggered (state_events.hpp)
      ev.when = {when->scalar("a trigger such as \"mHLA_DR < 8000\""), 0, when->where, when->path};
    } else {
      const YamlNode& at = e.at("at");
      ev.time = read_value(at);
      note_placeholder(ev.time, model().time_unit(), {}, Target{Target::time, 0});
      if (ev.time.placeholder.empty()) {
        const double t = to_model_time(at, quantity(at));
        if (t < 0) at.fail(fmt::format("event time must not be negative, got '{}'", at.text));
      }
    }
    int actions = 0;
    for (const char* kind : {"add", "set", "scale", "wash"}) actions += e.find(kind) ? 1 : 0;
    if (actions != 1) e.fail(fmt::format("an event needs exactly one of add, set, scale or wash, got {}", actions));
    if (const auto* w = e.find("wash")) {
      ev.kind = EventSpec::Kind::wash;
      if (w->is_scalar() && !w->quoted && (w->text == "true" || w->text == "false")) {
        if (!w->boolean()) w->fail("'wash: false' does nothing; remove the event");
        for (std::size_t i = 0; i < model().num_states(); ++i)
          if (model().species()[i].soluble) ev.targets.emplace_back(i, ValueSpec{});
        if (ev.targets.empty())
          w->fail(
              "the model marks no species 'soluble: true', so a wash removes nothing; list the species: wash: [A, B]");
      } else {
        w->expect_sequence("true or a list of species");
        for (const auto& sp : w->items)
          ev.targets.emplace_back(species_index(sp, sp.scalar("a species name")), ValueSpec{});
      }
    } else {
      const char* kind = e.find("add") ? "add" : e.find("set") ? "set" : "scale";
      ev.kind = std::string(kind) == "add"   ? EventSpec::Kind::add
                : std::string(kind) == "set" ? EventSpec::Kind::set
                                             : EventSpec::Kind::scale;
      const YamlNode& body = e.at(kind);
      body.expect_mapping(fmt::format("a mapping of species to values ({}: {{LPS: 10 ng/mL}})", kind));
      for (const auto& [k, val] : body.entries) {
        YamlNode key = k;
        key.path = body.path + "." + k.text;
        const std::size_t sp = species_index(key, k.text);
        ValueSpec v = read_value(val);
        const Target target{ev.kind == EventSpec::Kind::scale ? Target::scale_factor
                            : ev.kind == EventSpec::Kind::add ? Target::added_amount
                                                              : Target::amount,
                            sp};
        if (ev.kind == EventSpec::Kind::scale) {
          check_convertible(val, v, "1", {});
          note_placeholder(v, "1", {}, target);
        } else {
          check_convertible(val, v, model().species()[sp].unit, species_context(sp));
          note_placeholder(v, model().species()[sp].unit, species_context(sp), target);
        }
        check_literal(v, target);
        ev.targets.emplace_back(sp, std::move(v));
      }
    }
    out.push_back(std::move(ev));
  }
  return out;
}

void Loader::load_samples(const YamlNode& node) {
  node.expect_mapping("a mapping with 'times' and optionally 'observables'");
  node.check_keys({"times", "observables"});
  const YamlNode& times = node.at("times");
  std::vector<solve::SampleTime> out;
  auto check_count = [&](const YamlNode& list, double count) {
    if (count > static_cast<double>(max_sample_times))
      list.fail(fmt::format("{} sample times is too many (the limit is {} per scenario)", count, max_sample_times));
  };
  if (times.is_sequence()) {
    check_count(times, static_cast<double>(times.items.size()));
    for (const auto& item : times.items) out.push_back(read_sample_time(item));
    check_sorted(times, out);
  } else {
    times.expect_mapping("a list of times, {values: [...], unit: h} or {from: .., to: .., every: ..}");
    if (times.find("values")) {
      times.check_keys({"values", "unit"});
      std::string unit_text;
      if (const auto* u = times.find("unit")) {
        unit_text = u->scalar();
        try {
          if (!is_time(parse_unit(unit_text)))
            u->fail(fmt::format("expected a time unit (s, min, h, d), got '{}'", unit_text));
        } catch (const UnitError& e) {
          u->fail(e.what());
        }
      }
      const YamlNode& values = times.at("values");
      values.expect_sequence("a list of numbers");
      check_count(values, static_cast<double>(values.items.size()));
      for (const auto& item : values.items) {
        Quantity q = quantity(item);
        if (q.unit)
          item.fail(fmt::format("give bare numbers here (the unit is '{}'), got '{}'",
                                unit_text.empty() ? model().time_unit() : unit_text, q.text));
        if (!unit_text.empty()) q.unit = parse_unit(unit_text);
        out.push_back({to_model_time(item, q), q.before});
      }
      check_sorted(values, out);
    } else {
      times.check_keys({"from", "to", "every"});
      const double from = read_model_time(times.at("from"));
      const double to = read_model_time(times.at("to"));
      const double every = read_model_time(times.at("every"));
      if (from < 0) times.at("from").fail("sample times must not be negative");
      if (every <= 0) times.at("every").fail("must be positive");
      if (to < from) times.at("to").fail("must not be before 'from'");
      const double count = std::floor((to - from) / every * (1 + 1e-12)) + 1;
      check_count(times, count);
      for (long i = 0; i < static_cast<long>(count); ++i) out.push_back({from + static_cast<double>(i) * every, false});
    }
  }
  if (out.empty()) times.fail("expected at least one sample time");
  s_.samples = std::move(out);

  if (const auto* obs = node.find("observables")) {
    std::vector<std::string> names;
    for (const auto& o : model().observables()) names.push_back(o.name);
    obs->expect_sequence("a list of observable names");
    if (obs->items.empty()) obs->fail("expected at least one observable (leave 'observables' out to write all)");
    for (const auto& item : obs->items) {
      const std::string& name = item.scalar("an observable name");
      auto idx = model().observable_index(name);
      if (!idx) item.fail(fmt::format("unknown observable '{}'", name), closest_match(name, names));
      if (std::find(s_.observables.begin(), s_.observables.end(), *idx) != s_.observables.end())
        item.fail(fmt::format("observable '{}' is listed twice", name));
      s_.observables.push_back(*idx);
    }
  } else {
    for (std::size_t i = 0; i < model().num_observables(); ++i) s_.observables.push_back(i);
  }
}

void Loader::load_sweep(const YamlNode& node) {
  node.check_keys({"design", "factors", "n", "seed"});
  auto& sw = s_.sweep;
  if (const auto* d = node.find("design")) {
    const std::string& name = io::read_one_of(*d, {"grid", "lhs", "sobol", "random"});
    if (name == "grid")
      sw.design = SweepDesign::grid;
    else if (name == "lhs")
      sw.design = SweepDesign::lhs;
    else if (name == "sobol")
      sw.design = SweepDesign::sobol;
    else
      sw.design = SweepDesign::random;
  }
  if (const auto* n = node.find("n")) {
    if (sw.design == SweepDesign::grid)
      n->fail("'n' is for lhs, sobol and random designs; a grid runs every combination of the factors' values");
    sw.n = n->integer(1, static_cast<long>(max_sweep_samples));
  }
  if (sw.design != SweepDesign::grid && sw.n == 0)
    node.fail(fmt::format("the '{}' design needs 'n', the number of samples", to_string(sw.design)));
  if (const auto* sd = node.find("seed")) sw.seed = static_cast<std::uint64_t>(sd->integer(0, 9'007'199'254'740'991L));
  const YamlNode& factors = node.at("factors");
  factors.expect_mapping("a mapping of factor names to {values: [...], unit: ...} or {range: [lo, hi], scale: ...}");
  if (factors.entries.empty()) factors.fail("expected at least one factor");
  for (const auto& [k, f] : factors.entries) {
    SweepFactor fac;
    fac.name = k.text;
    fac.where = f.where;
    fac.path = f.path;
    if (!io::is_identifier(fac.name)) {
      YamlNode key = k;
      key.path = f.path;
      key.fail(fmt::format("'{}' is not a valid factor name", fac.name));
    }
    f.expect_mapping("{values: [...], unit: ...} or {range: [lo, hi], scale: ..., unit: ...}");
    f.check_keys({"values", "range", "scale", "unit"});
    fac.is_parameter = model().parameter_index(fac.name).has_value();
    if (const auto* u = f.find("unit")) {
      fac.unit = u->scalar();
      try {
        (void)parse_unit(fac.unit);
      } catch (const UnitError& e) {
        u->fail(e.what());
      }
      if (fac.is_parameter) {
        const auto& p = model().parameters()[*model().parameter_index(fac.name)];
        try {
          (void)conversion_factor(parse_unit(fac.unit), parse_unit(p.unit));
        } catch (const UnitError& e) {
          u->fail(e.what());
        }
      }
    }
    if (const auto* v = f.find("values")) {
      if (f.find("range")) f.fail("give either 'values' or 'range', not both");
      v->expect_sequence("a list of numbers");
      if (v->items.empty()) v->fail("expected at least one value");
      for (const auto& item : v->items) fac.values.push_back(item.number());
    } else if (const auto* r = f.find("range")) {
      const Bounds b = io::read_bounds(*r);
      fac.has_range = true;
      fac.lower = b.lower;
      fac.upper = b.upper;
      const auto* sc = f.find("scale");
      io::check_bounds(*r, b, sc ? io::read_scale(*sc) : Scale::lin);
      if (sw.design == SweepDesign::grid)
        r->fail("a 'range' factor needs design lhs, sobol or random; a grid needs 'values'");
    } else {
      f.fail("expected 'values' or 'range'");
    }
    if (const auto* sc = f.find("scale")) {
      fac.scale = io::read_scale(*sc);
    }
    sw.factors.push_back(std::move(fac));
  }
}

/// Reads one distribution of `cohort.distributions` into model units.
CohortParameter Loader::read_distribution(const std::string& name, const YamlNode& node) {
  CohortParameter cp;
  cp.name = name;
  cp.where = node.where;
  cp.path = node.path;
  const auto p = model().parameter_index(name);
  if (!p) {
    std::vector<std::string> names;
    for (const auto& par : model().parameters())
      if (par.donor) names.push_back(par.name);
    node.fail(fmt::format("unknown parameter '{}'", name), closest_match(name, names));
  }
  const auto& info = model().parameters()[*p];
  node.expect_mapping(
      "{lognormal: {median, gsd}}, {normal: {mean, sd}}, {logitnormal: {median, sigma}} or {uniform: {lower, upper}}, "
      "with an optional unit");
  node.check_keys({"lognormal", "normal", "logitnormal", "uniform", "unit"});
  double factor = 1;
  if (const auto* u = node.find("unit")) {
    try {
      factor = conversion_factor(parse_unit(u->scalar()), parse_unit(info.unit));
    } catch (const UnitError& e) {
      u->fail(e.what());
    }
  }
  int kinds = 0;
  for (const char* k : {"lognormal", "normal", "logitnormal", "uniform"}) kinds += node.find(k) ? 1 : 0;
  if (kinds != 1)
    node.fail(fmt::format("expected exactly one of lognormal, normal, logitnormal, uniform; got {}", kinds));
  if (const auto* d = node.find("lognormal")) {
    d->check_keys({"median", "gsd", "sigma"});
    Lognormal ln{d->at("median").number() * factor, 1};
    if (d->find("gsd") && d->find("sigma")) d->fail("give either gsd or sigma (gsd = exp(sigma)), not both");
    if (const auto* g = d->find("gsd"))
      ln.gsd = g->number();
    else if (const auto* sg = d->find("sigma"))
      ln.gsd = std::exp(sg->number());
    else
      d->fail("missing key 'gsd' (or 'sigma', with gsd = exp(sigma))");
    cp.distribution = ln;
  } else if (const auto* nd = node.find("normal")) {
    nd->check_keys({"mean", "sd"});
    cp.distribution = Normal{nd->at("mean").number() * factor, nd->at("sd").number() * factor};
  } else if (const auto* ld = node.find("logitnormal")) {
    ld->check_keys({"median", "sigma", "lower", "upper"});
    LogitNormal l;
    l.median = ld->at("median").number() * factor;
    l.sigma = ld->at("sigma").number();
    if (const auto* lo = ld->find("lower")) l.lower = lo->number() * factor;
    if (const auto* hi = ld->find("upper")) l.upper = hi->number() * factor;
    cp.distribution = l;
  } else if (const auto* ud = node.find("uniform")) {
    ud->check_keys({"lower", "upper"});
    cp.distribution = Uniform{ud->at("lower").number() * factor, ud->at("upper").number() * factor};
  }
  if (info.has_bounds) {
    cp.lower_bound = info.lower;
    cp.upper_bound = info.upper;
  }
  return cp;
}

void Loader::load_cohort(const YamlNode& node) {
  node.expect_mapping("a mapping with n, seed, distributions and optionally correlations, preset, set");
  node.check_keys({"n", "seed", "preset", "set", "distributions", "correlations"});
  CohortSpec spec;
  spec.n = static_cast<std::size_t>(node.at("n").integer(1, 100'000'000L));
  if (const auto* sd = node.find("seed"))
    spec.seed = static_cast<std::uint64_t>(sd->integer(0, 9'007'199'254'740'991L));
  if (const auto* p = node.find("preset")) {
    std::vector<std::string> presets;
    for (const auto& [k, v] : model().donor_presets()) presets.push_back(k);
    s_.cohort.preset = p->identifier();
    if (!model().donor_presets().count(s_.cohort.preset))
      p->fail(fmt::format("unknown donor preset '{}' (the model defines: {})", s_.cohort.preset, join(presets)),
              closest_match(s_.cohort.preset, presets));
  }
  if (const auto* st = node.find("set")) s_.cohort.set = read_assignments(*st);
  const YamlNode& dists = node.at("distributions");
  dists.expect_mapping("a mapping of donor parameters to distributions");
  if (dists.entries.empty()) dists.fail("expected at least one distribution");
  for (const auto& [k, v] : dists.entries) spec.parameters.push_back(read_distribution(k.text, v));
  if (const auto* cs = node.find("correlations")) {
    spec.correlations_where = cs->where;
    spec.correlations_path = cs->path;
    cs->expect_sequence("a list of {between: [A, B], r: 0.3}");
    for (const auto& c : cs->items) {
      c.expect_mapping("{between: [A, B], r: 0.3}");
      c.check_keys({"between", "r"});
      const YamlNode& between = c.at("between");
      between.expect_sequence("[A, B]");
      if (between.items.size() != 2)
        between.fail(fmt::format("expected two parameter names, got {}", between.items.size()));
      spec.correlations.push_back(
          Correlation{between.items[0].scalar(), between.items[1].scalar(), c.at("r").number(), c.where, c.path});
    }
  }
  s_.cohort.sampler = std::make_shared<const CohortSampler>(std::move(spec));
}

void Loader::load_output(const YamlNode* node) {
  s_.output.dir = "results/" + s_.name;
  if (!node || node->is_null()) return;
  node->check_keys({"dir", "timecourses"});
  if (const auto* d = node->find("dir")) s_.output.dir = d->scalar("a directory path");
  if (const auto* t = node->find("timecourses")) s_.output.timecourses = t->boolean();
}

}  // namespace exvivo::scenario::detail
