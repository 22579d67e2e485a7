#include "sbml/petab.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <limits>
#include <numbers>
#include <cctype>
#include <set>

#include "core/error.hpp"
#include "core/check.hpp"
#include "core/number.hpp"
#include "core/scale.hpp"
#include "expr/parser.hpp"
#include "io/csv_reader.hpp"
#include "io/yaml_tree.hpp"
#include "model/compiled_model.hpp"
#include "model/model_compiler.hpp"
#include "model/sbml_reader.hpp"
#include "model/model_events.hpp"
#include "solve/event_driver.hpp"
#include "solve/solve.hpp"

namespace exvivo::sbml {
namespace {

namespace fs = std::filesystem;
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

bool is_nan_text(const std::string& s) { return s.empty() || s == "nan" || s == "NaN" || s == "NAN"; }

/// A PEtab table number: empty is NaN; otherwise core's parse_double.
std::optional<double> number(const std::string& s) {
  if (is_nan_text(s)) return nan;
  return parse_double(s);
}

/// PEtab math (sympy syntax) in exvivo's expression language: `**` is `^`.
std::string translate(const std::string& formula) {
  std::string out;
  for (std::size_t i = 0; i < formula.size(); ++i) {
    if (formula[i] == '*' && i + 1 < formula.size() && formula[i + 1] == '*') {
      out += '^';
      ++i;
    } else {
      out += formula[i];
    }
  }
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto at = s.find(sep, start);
    std::string item = s.substr(start, at == std::string::npos ? std::string::npos : at - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    out.push_back(item);
    if (at == std::string::npos) return out;
    start = at + 1;
  }
}

/// A PEtab table. Rows may leave trailing empty fields out (pandas reads them
/// as empty): they are padded to the header's width before parsing.
io::CsvTable read_table(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(SourceLocation{path, 0, 0}, "", "cannot open file");
  std::string line, text;
  std::size_t width = 0;
  bool header = true;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::size_t fields = static_cast<std::size_t>(std::count(line.begin(), line.end(), '\t')) + 1;
    if (header) {
      width = fields;
      header = false;
    } else if (!line.empty() && fields < width) {
      line.append(width - fields, '\t');
    }
    text += line + "\n";
  }
  std::istringstream stream(text);
  return io::read_csv(stream, path);
}

struct Observable {
  std::string id, formula, noise, transformation = "lin", distribution = "normal";
};

class Problem {
 public:
  Problem(const std::string& yaml, const std::map<std::string, double>& overrides, const solve::SolverOptions& options)
      : options_(options) {
    const io::YamlNode root = io::read_yaml_file(yaml, io::InputKind::scenario);
    const fs::path dir = fs::path(yaml).parent_path();
    const auto file = [&](const io::YamlNode& n) { return (dir / n.scalar("a file name")).string(); };
    const io::YamlNode& problems = root.at("problems");
    problems.expect_sequence("a list of problems");
    if (problems.items.size() != 1) problems.fail("exactly one problem is supported");
    const io::YamlNode& p = problems.items[0];
    const auto single = [&](const char* key) {
      const io::YamlNode& n = p.at(key);
      n.expect_sequence("a list of files");
      if (n.items.size() != 1) n.fail("exactly one file is supported");
      return file(n.items[0]);
    };
    read_parameters(file(root.at("parameter_file")), overrides);
    read_conditions(single("condition_files"));
    read_observables(single("observable_files"));
    measurements_ = read_table(single("measurement_files"));
    measurements_.require_columns({"observableId", "simulationConditionId", "time", "measurement"});
    build_model(single("sbml_files"));
  }

  PetabEvaluation evaluate() {
    PetabEvaluation out;
    out.measurement_header = measurements_.header;
    out.measurement_rows = measurements_.rows;
    out.simulation.assign(measurements_.row_count(), nan);
    const auto col = [&](const char* name) { return measurements_.find_column(name); };
    const auto preeq_col = col("preequilibrationConditionId");
    const auto obs_par_col = col("observableParameters"), noise_par_col = col("noiseParameters");
    // Rows grouped by (preequilibration, simulation) condition.
    std::map<std::pair<std::string, std::string>, std::vector<std::size_t>> groups;
    for (std::size_t r = 0; r < measurements_.row_count(); ++r) {
      const auto& row = measurements_.rows[r];
      const std::string preeq = preeq_col ? row[*preeq_col] : "";
      groups[{is_nan_text(preeq) ? "" : preeq, row[measurements_.column("simulationConditionId")]}].push_back(r);
    }
    for (const auto& [conditions, rows] : groups) {
      const auto& [preeq, sim] = conditions;
      std::vector<double> p = parameters_for(sim);
      std::vector<std::pair<std::size_t, double>> start;
      if (!preeq.empty()) {
        const std::vector<double> pre_p = parameters_for(preeq);
        const Eigen::VectorXd x = steady_state(pre_p, species_for(preeq, {}), "preequilibration condition '" + preeq + "'");
        for (std::size_t i = 0; i < model_.num_states(); ++i) start.emplace_back(i, x[static_cast<Eigen::Index>(i)]);
      }
      start = species_for(sim, start);
      // Finite times by one solve; time = inf from the steady state.
      std::set<double> finite;
      bool steady = false;
      for (const auto r : rows) {
        const double t = time_of(r);
        if (std::isinf(t)) steady = true;
        else finite.insert(t);
      }
      std::map<double, Eigen::VectorXd> state_at;
      if (!finite.empty()) {
        solve::Run run;
        run.model = &model_;
        run.parameters = p;
        run.initial_overrides = start;
        for (const double t : finite) run.samples.push_back({t, false});
        const solve::Solution s = simulate(run);
        if (!s.ok()) throw DataError("PEtab condition '" + sim + "': " + s.message);
        std::size_t k = 0;
        for (const double t : finite) state_at[t] = s.states.row(static_cast<Eigen::Index>(k++)).transpose();
      }
      if (steady)
        state_at[std::numeric_limits<double>::infinity()] =
            steady_state(p, start, "simulation condition '" + sim + "' (time = inf)");
      for (const auto r : rows) {
        const auto& row = measurements_.rows[r];
        const Observable& o = observable(row[measurements_.column("observableId")], r);
        std::vector<double> q = p;
        set_placeholders(q, "observableParameter", o.id, obs_par_col ? row[*obs_par_col] : "", r);
        set_placeholders(q, "noiseParameter", o.id, noise_par_col ? row[*noise_par_col] : "", r);
        auto ws = model_.make_workspace();
        model_.set_parameters(q.data(), ws);
        std::vector<double> y(model_.num_observables());
        const double t = time_of(r);
        model_.observables(std::isinf(t) ? 0.0 : t, state_at.at(t).data(), ws, y.data());
        const double h = y[*model_.observable_index("petab." + o.id)];
        const double sigma = y[*model_.observable_index("petab." + o.id + ".noise")];
        const double m = *number(row[measurements_.column("measurement")]);
        out.simulation[r] = h;
        double residual = m - h, jacobian = 0;
        if (o.transformation == "log") {
          residual = std::log(m) - std::log(h);
          jacobian = std::log(m);
        } else if (o.transformation == "log10") {
          residual = std::log10(m) - std::log10(h);
          jacobian = std::log(m * std::numbers::ln10);
        }
        out.chi2 += residual * residual / (sigma * sigma);
        if (o.distribution == "laplace")
          out.llh += -std::log(2 * sigma) - std::fabs(residual) / sigma - jacobian;
        else
          out.llh += -0.5 * std::log(2 * std::numbers::pi * sigma * sigma) - 0.5 * residual * residual / (sigma * sigma) - jacobian;
      }
    }
    return out;
  }

 private:
  void read_parameters(const std::string& path, const std::map<std::string, double>& overrides) {
    const io::CsvTable t = read_table(path);
    t.require_columns({"parameterId", "nominalValue"});
    for (std::size_t r = 0; r < t.row_count(); ++r) {
      const std::string& id = t.rows[r][t.column("parameterId")];
      const auto v = number(t.rows[r][t.column("nominalValue")]);
      if (!v) throw DataError(SourceLocation{path, t.row_lines[r], 0}, "nominalValue", "expected a number");
      values_[id] = *v;
      petab_parameters_.push_back(id);
    }
    for (const auto& [id, v] : overrides) {
      if (!values_.count(id)) throw DataError("parameter values: '" + id + "' is not in the PEtab parameter table");
      values_[id] = v;
    }
  }

  void read_conditions(const std::string& path) {
    conditions_ = read_table(path);
    conditions_.require_columns({"conditionId"});
  }

  void read_observables(const std::string& path) {
    const io::CsvTable t = read_table(path);
    t.require_columns({"observableId", "observableFormula", "noiseFormula"});
    for (const auto& row : t.rows) {
      Observable o;
      o.id = row[t.column("observableId")];
      o.formula = translate(row[t.column("observableFormula")]);
      o.noise = translate(row[t.column("noiseFormula")]);
      if (const auto c = t.find_column("observableTransformation"); c && !row[*c].empty()) o.transformation = row[*c];
      if (const auto c = t.find_column("noiseDistribution"); c && !row[*c].empty()) o.distribution = row[*c];
      check_one_of<DataError>(o.id + ".observableTransformation", o.transformation, scale_names(), {path, 0, 0});
      check_one_of<DataError>(o.id + ".noiseDistribution", o.distribution, {"normal", "laplace"}, {path, 0, 0});
      observables_.push_back(o);
    }
  }

  const Observable& observable(const std::string& id, std::size_t row) const {
    for (const auto& o : observables_)
      if (o.id == id) return o;
    throw DataError(SourceLocation{measurements_.file, measurements_.row_lines[row], 0}, "observableId",
                    "unknown observable '" + id + "'");
  }

  /// The SBML model with every PEtab parameter and placeholder as a
  /// parameter and the PEtab observables and noise formulas as observables.
  void build_model(const std::string& sbml) {
    model::SbmlOptions sbml_options;
    sbml_options.allow_events = true;  // simulated by solve_with_events below
    model::ModelSpec spec = model::read_sbml_model_spec(sbml, sbml_options);
    std::set<std::string> defined{"t"};
    for (const auto& p : spec.parameters) defined.insert(p.name);
    for (const auto& s : spec.species) defined.insert(s.info.name);
    for (const auto& a : spec.assignments) defined.insert(a.name);
    const auto add_parameter = [&](const std::string& name, double value) {
      if (defined.count(name)) return;
      model::ParameterInfo p;
      p.name = name;
      p.value = value;
      p.unit = "1";
      spec.parameters.push_back(p);
      defined.insert(name);
    };
    for (const auto& id : petab_parameters_) add_parameter(id, values_[id]);
    // observableParameter<k>_<obs> or noiseParameter<k>_<obs>
    const auto is_placeholder = [](const std::string& name) {
      for (const std::string kind : {"observableParameter", "noiseParameter"}) {
        if (name.compare(0, kind.size(), kind) != 0) continue;
        std::size_t i = kind.size();
        const std::size_t digits = i;
        while (i < name.size() && std::isdigit(static_cast<unsigned char>(name[i]))) ++i;
        if (i > digits && i + 1 < name.size() && name[i] == '_') return true;
      }
      return false;
    };
    for (const auto& o : observables_) {
      for (const auto& [name, formula] : {std::pair{o.id, o.formula}, std::pair{o.id + ".noise", o.noise}}) {
        for (const auto& use : expr::collect_names(expr::parse(formula, SourceLocation{"observables", 0, 0}, o.id)))
          if (!defined.count(use.name)) {
            if (!is_placeholder(use.name))
              throw DataError("PEtab observable '" + o.id + "': undefined name '" + use.name + "'");
            add_parameter(use.name, nan);
          }
        model::ObservableSpec obs;
        obs.info.name = "petab." + name;
        obs.info.unit = "1";
        obs.formula.text = obs.formula.layout = formula;
        spec.observables.push_back(obs);
      }
    }
    model_ = model::compile(spec);
    events_ = model::CompiledEvents(spec);
  }

  /// Integrates `run`; without SBML events, restarts where a time switch of the model flips.
  solve::Solution simulate(const solve::Run& run) const {
    if (!events_.empty()) return solve::solve_with_events(run, events_, options_);
    solve::Run restarted = run;
    if (!run.samples.empty())
      for (const double t : events_.time_switches(run.parameters, run.t0, run.samples.back().time))
        restarted.events.push_back({t, {}});
    return solve::solve(restarted, options_);
  }

  double value_of(const std::string& cell, const std::string& what) const {
    if (const auto v = number(cell)) return *v;
    const auto it = values_.find(cell);
    if (it == values_.end()) throw DataError(what + ": '" + cell + "' is neither a number nor a PEtab parameter");
    return it->second;
  }

  std::size_t condition_row(const std::string& id) const {
    for (std::size_t r = 0; r < conditions_.row_count(); ++r)
      if (conditions_.rows[r][conditions_.column("conditionId")] == id) return r;
    throw DataError(SourceLocation{conditions_.file, 0, 0}, "", "unknown condition '" + id + "'");
  }

  /// Model parameters: defaults, PEtab values, then the condition's entries.
  std::vector<double> parameters_for(const std::string& condition) const {
    std::vector<double> p = model_.default_parameters();
    for (const auto& [id, v] : values_)
      if (const auto j = model_.parameter_index(id)) p[*j] = v;
    const auto& row = conditions_.rows[condition_row(condition)];
    for (std::size_t c = 0; c < conditions_.header.size(); ++c) {
      const std::string& column = conditions_.header[c];
      if (column == "conditionId" || column == "conditionName" || model_.species_index(column)) continue;
      const auto j = model_.parameter_index(column);
      if (!j) throw DataError(SourceLocation{conditions_.file, 1, static_cast<int>(c + 1)}, column,
                              "not a parameter, compartment or species of the model");
      const double v = value_of(row[c], "condition '" + condition + "', " + column);
      if (!std::isnan(v)) p[*j] = v;
    }
    return p;
  }

  /// `start` with the condition's non-NaN species entries applied.
  std::vector<std::pair<std::size_t, double>> species_for(const std::string& condition,
                                                          std::vector<std::pair<std::size_t, double>> start) const {
    const auto& row = conditions_.rows[condition_row(condition)];
    for (std::size_t c = 0; c < conditions_.header.size(); ++c) {
      const auto i = model_.species_index(conditions_.header[c]);
      if (!i) continue;
      const double v = value_of(row[c], "condition '" + condition + "', " + conditions_.header[c]);
      if (!std::isnan(v)) start.emplace_back(*i, v);
    }
    return start;
  }

  /// Integrates until every |dx_i/dt| ≤ 1e-12 + 1e-10·|x_i| (decades of time up to 1e12).
  Eigen::VectorXd steady_state(const std::vector<double>& p, const std::vector<std::pair<std::size_t, double>>& start,
                               const std::string& what) const {
    solve::Run run;
    run.model = &model_;
    run.parameters = p;
    run.initial_overrides = start;
    auto ws = model_.make_workspace();
    model_.set_parameters(p.data(), ws);
    std::vector<double> f(model_.num_states());
    for (double horizon = 1; horizon <= 1e12; horizon *= 10) {
      run.samples = {{horizon, false}};
      const solve::Solution s = simulate(run);
      if (!s.ok()) throw DataError("PEtab " + what + ": steady state not reached: " + s.message);
      const Eigen::VectorXd x = s.states.row(0).transpose();
      model_.rhs(horizon, x.data(), ws, f.data());
      bool converged = true;
      for (std::size_t i = 0; i < f.size(); ++i)
        converged = converged && std::fabs(f[i]) <= 1e-12 + 1e-10 * std::fabs(x[static_cast<Eigen::Index>(i)]);
      if (converged) return x;
      run.t0 = horizon;
      run.initial_overrides.clear();
      for (std::size_t i = 0; i < model_.num_states(); ++i) run.initial_overrides.emplace_back(i, x[static_cast<Eigen::Index>(i)]);
    }
    throw DataError("PEtab " + what + ": no steady state by t = 1e12");
  }

  double time_of(std::size_t r) const {
    const auto v = number(measurements_.rows[r][measurements_.column("time")]);
    if (!v || std::isnan(*v))
      throw DataError(SourceLocation{measurements_.file, measurements_.row_lines[r], 0}, "time", "expected a number or inf");
    return *v;
  }

  void set_placeholders(std::vector<double>& q, const std::string& kind, const std::string& obs, const std::string& cell,
                        std::size_t r) const {
    if (is_nan_text(cell)) return;
    const auto parts = split(cell, ';');
    for (std::size_t k = 0; k < parts.size(); ++k) {
      const std::string name = kind + std::to_string(k + 1) + "_" + obs;
      const auto j = model_.parameter_index(name);
      if (!j) continue;  // the formula does not use this placeholder
      q[*j] = value_of(parts[k], measurements_.file + " row " + std::to_string(measurements_.row_lines[r]));
    }
  }

  solve::SolverOptions options_;
  std::map<std::string, double> values_;
  std::vector<std::string> petab_parameters_;
  io::CsvTable conditions_, measurements_;
  std::vector<Observable> observables_;
  model::CompiledModel model_;
  model::CompiledEvents events_;
};

}  // namespace

PetabEvaluation evaluate_petab(const std::string& problem_yaml, const std::map<std::string, double>& overrides,
                               const solve::SolverOptions& options) {
  return Problem(problem_yaml, overrides, options).evaluate();
}

std::map<std::string, double> read_petab_parameter_values(const std::string& path) {
  const io::CsvTable t = io::read_csv_file(path);
  t.require_columns({"parameterId", "value"});
  std::map<std::string, double> values;
  for (std::size_t r = 0; r < t.row_count(); ++r) {
    const auto v = number(t.rows[r][t.column("value")]);
    if (!v) throw DataError(SourceLocation{path, t.row_lines[r], 0}, "value", "expected a number");
    values[t.rows[r][t.column("parameterId")]] = *v;
  }
  return values;
}

}  // namespace exvivo::sbml
