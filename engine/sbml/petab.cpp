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

#include <fmt/format.h>

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
#include "model/native_code.hpp"
#include "solve/event_driver.hpp"
#include "solve/solve.hpp"
#include "sbml/event_sensitivities.hpp"
#include "sbml/petab_plan.hpp"
#include "sbml/steady_state_sensitivities.hpp"
#include "sbml/switch_times.hpp"
#include "fit/sensitivity.hpp"
#include "fit/likelihood.hpp"

namespace exvivo::sbml {
namespace {

namespace fs = std::filesystem;
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

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
  Problem(const std::string& yaml, const solve::SolverOptions& options) : options_(options) {
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
    read_parameters(file(root.at("parameter_file")));
    read_conditions(single("condition_files"));
    read_observables(single("observable_files"));
    measurements_ = read_table(single("measurement_files"));
    measurements_.require_columns({"observableId", "simulationConditionId", "time", "measurement"});
    plan_ = plan_condition_pairs(measurements_);
    build_model(single("sbml_files"));
  }

  const std::vector<PetabParameter>& parameters() const { return table_; }
  bool native() const { return model::is_native(model_); }

  /// A run of the model from `start` (species initial values) with
  /// parameters `p`, sampled at `times`.
  solve::Run run_at(const std::vector<double>& p, const std::vector<std::pair<std::size_t, double>>& start,
                    const std::set<double>& times) const {
    solve::Run run;
    run.model = &model_;
    run.parameters = p;
    run.initial_overrides = start;
    for (const double t : times) run.samples.push_back({t, false});
    return run;
  }
  const std::string& native_unavailable() const { return native_unavailable_; }

  PetabEvaluation evaluate(const std::map<std::string, double>& overrides, bool gradient) {
    use_values(overrides);
    gradient_ = gradient;
    const Eigen::Index n = static_cast<Eigen::Index>(model_.num_states());
    const Eigen::Index nt = static_cast<Eigen::Index>(estimated_.size());
    Eigen::VectorXd dllh = Eigen::VectorXd::Zero(nt);
    PetabEvaluation out;
    const auto rows_total = static_cast<Eigen::Index>(measurements_.row_count());
    if (gradient_) {
      out.residuals = Eigen::VectorXd::Zero(2 * rows_total);
      out.residual_jacobian = Eigen::MatrixXd::Zero(2 * rows_total, nt);
    }
    out.measurement_header = measurements_.header;
    out.measurement_rows = measurements_.rows;
    out.simulation.assign(measurements_.row_count(), nan);
    out.sigma = out.residual = out.nllh = out.simulation;
    const auto col = [&](const char* name) { return measurements_.find_column(name); };
    const auto obs_par_col = col("observableParameters"), noise_par_col = col("noiseParameters");
    Preequilibria preequilibria{std::vector<std::optional<Preequilibrium>>(plan_.preequilibrations.size())};
    for (const std::size_t pair_index : plan_.evaluation_order) {
      const PetabConditionPair& pair = plan_.pairs[pair_index];
      const std::string& sim = pair.simulation;
      const std::vector<std::size_t>& rows = pair.rows;
      std::vector<double> p = parameters_for(sim);
      std::vector<std::pair<std::size_t, double>> start;
      Eigen::MatrixXd D0 = Eigen::MatrixXd::Zero(n, nt);  // d x(t0) / dθ from preequilibration and species entries
      if (pair.preequilibration_index) {
        const Preequilibrium& pre = preequilibrium(*pair.preequilibration_index, preequilibria, gradient_);
        if (gradient_) D0 = pre.dx_dtheta;
        for (std::size_t i = 0; i < model_.num_states(); ++i)
          start.emplace_back(i, pre.x[static_cast<Eigen::Index>(i)]);
      }
      const auto sim_species = species_for(sim, {});
      for (const auto& [i, v] : sim_species) D0.row(static_cast<Eigen::Index>(i)).setZero();
      start.insert(start.end(), sim_species.begin(), sim_species.end());
      const Sources src = gradient_ ? sources_for(sim) : Sources{};
      for (const auto& [i, t] : src.species) D0(static_cast<Eigen::Index>(i), t) = 1;
      const Columns columns = gradient_ ? columns_for(src, D0) : Columns{};
      // Finite times by one solve; time = inf from the steady state.
      const std::set<double>& finite = pair.finite_times;
      std::map<double, Eigen::VectorXd> state_at;
      std::map<double, Eigen::MatrixXd> theta_sensitivities_at;  // n × nθ
      if (!finite.empty()) {
        solve::Run run = run_at(p, start, finite);
        if (gradient_) {
          const fit::SensitivityResult s = sensitivities_with_events(
              run, events_, columns.model, initial_sensitivities(p, start, columns, D0), options_);
          if (!s.ok()) throw DataError("PEtab condition '" + sim + "': " + s.message);
          std::size_t k = 0;
          for (const double t : finite) {
            theta_sensitivities_at[t] = to_theta(s.state_sensitivities[k], columns);
            state_at[t] = s.states.row(static_cast<Eigen::Index>(k++)).transpose();
          }
        } else {
          const solve::Solution s = simulate(run);
          if (!s.ok()) throw DataError("PEtab condition '" + sim + "': " + s.message);
          std::size_t k = 0;
          for (const double t : finite) state_at[t] = s.states.row(static_cast<Eigen::Index>(k++)).transpose();
        }
      }
      if (pair.steady_state) {
        const double inf = std::numeric_limits<double>::infinity();
        const std::string what = "simulation condition '" + sim + "' (time = inf)";
        if (gradient_) {
          Eigen::MatrixXd S;
          state_at[inf] =
              steady_state_with_sensitivities(p, start, columns, initial_sensitivities(p, start, columns, D0), what, S);
          theta_sensitivities_at[inf] = to_theta(S, columns);
        } else {
          state_at[inf] = steady_state(p, start, what);
        }
      }
      for (const auto r : rows) {
        const auto& row = measurements_.rows[r];
        const Observable& o = observable(row[measurements_.column("observableId")], r);
        std::vector<double> q = p;
        std::vector<int> q_source = src.parameter;
        set_placeholders(q, q_source, "observableParameter", o.id, obs_par_col ? row[*obs_par_col] : "", r);
        set_placeholders(q, q_source, "noiseParameter", o.id, noise_par_col ? row[*noise_par_col] : "", r);
        auto ws = model_.make_workspace();
        model_.set_parameters(q.data(), ws);
        std::vector<double> y(model_.num_observables());
        const double t = plan_.time[r];
        model_.observables(std::isinf(t) ? 0.0 : t, state_at.at(t).data(), ws, y.data());
        const double h = y[*model_.observable_index("petab." + o.id)];
        const double sigma = y[*model_.observable_index("petab." + o.id + ".noise")];
        const double m = *number(row[measurements_.column("measurement")]);
        out.simulation[r] = h;
        double residual = m - h, jacobian = 0, dtransformed = 1;  // d h̃ / d h
        if (o.transformation == "log") {
          residual = std::log(m) - std::log(h);
          jacobian = std::log(m);
          dtransformed = 1 / h;
        } else if (o.transformation == "log10") {
          residual = std::log10(m) - std::log10(h);
          jacobian = std::log(m * std::numbers::ln10);
          dtransformed = 1 / (h * std::numbers::ln10);
        }
        out.chi2 += residual * residual / (sigma * sigma);
        out.sigma[r] = sigma;
        // The data residual of the least-squares form (see PetabEvaluation::residuals).
        out.residual[r] = o.distribution == "laplace"
                              ? (residual < 0 ? 1.0 : -1.0) * std::sqrt(2 * std::fabs(residual) / sigma)
                              : -residual / sigma;
        double row_llh = 0;
        double dllh_dh = 0, dllh_dsigma = 0;  // on the transformed scale
        if (o.distribution == "laplace") {
          row_llh = -std::log(2 * sigma) - std::fabs(residual) / sigma - jacobian;
          dllh_dh = (residual > 0 ? 1.0 : residual < 0 ? -1.0 : 0.0) / sigma;
          dllh_dsigma = -1 / sigma + std::fabs(residual) / (sigma * sigma);
        } else {
          row_llh = -0.5 * std::log(2 * std::numbers::pi * sigma * sigma) -
                    0.5 * residual * residual / (sigma * sigma) - jacobian;
          dllh_dh = residual / (sigma * sigma);
          dllh_dsigma = -1 / sigma + residual * residual / (sigma * sigma * sigma);
        }
        out.llh += row_llh;
        out.nllh[r] = -row_llh;
        if (gradient_) {
          const auto ih = static_cast<Eigen::Index>(*model_.observable_index("petab." + o.id));
          const auto is = static_cast<Eigen::Index>(*model_.observable_index("petab." + o.id + ".noise"));
          const Eigen::VectorXd& x = state_at.at(t);
          const double tt = std::isinf(t) ? 0.0 : t;
          const auto no = static_cast<Eigen::Index>(model_.num_observables());
          Eigen::MatrixXd dydx(no, n), dydq(no, static_cast<Eigen::Index>(model_.num_parameters()));
          model_.observable_state_jacobian(tt, x.data(), ws, dydx.data());
          model_.observable_parameter_jacobian(tt, x.data(), ws, dydq.data());
          const Eigen::MatrixXd& dxdtheta = theta_sensitivities_at.at(t);
          Eigen::RowVectorXd dh = dydx.row(ih) * dxdtheta, ds = dydx.row(is) * dxdtheta;
          for (std::size_t j = 0; j < q_source.size(); ++j)
            if (q_source[j] >= 0) {
              dh[q_source[j]] += dydq(ih, static_cast<Eigen::Index>(j));
              ds[q_source[j]] += dydq(is, static_cast<Eigen::Index>(j));
            }
          dllh += (dllh_dh * dtransformed * dh + dllh_dsigma * ds).transpose();
          // Least-squares form (see PetabEvaluation).
          const auto rr = 2 * static_cast<Eigen::Index>(r);
          const double d = -residual;  // h̃ − m̃
          const Eigen::RowVectorXd dd = dtransformed * dh;
          constexpr double K = fit::sigma_residual_offset;
          const double s2 = std::max(2 * std::log(sigma) + K, 0.0);
          const double r_sigma = std::sqrt(s2);
          out.residuals[rr + 1] = r_sigma;
          if (r_sigma > 0) out.residual_jacobian.row(rr + 1) = ds / (sigma * r_sigma);
          if (o.distribution == "laplace") {
            const double rd = (d > 0 ? 1.0 : -1.0) * std::sqrt(2 * std::fabs(d) / sigma);
            out.residuals[rr] = rd;
            if (rd != 0)
              out.residual_jacobian.row(rr) =
                  ((d > 0 ? 1.0 : -1.0) * dd / sigma - std::fabs(d) / (sigma * sigma) * ds) / rd;
            out.residual_constant += std::log(2.0) - 0.5 * K + jacobian;
          } else {
            out.residuals[rr] = d / sigma;
            out.residual_jacobian.row(rr) = dd / sigma - d / (sigma * sigma) * ds;
            out.residual_constant += 0.5 * std::log(2 * std::numbers::pi) - 0.5 * K + jacobian;
          }
        }
      }
    }
    out.preequilibrations = preequilibria.solves;
    if (gradient_)
      for (Eigen::Index k = 0; k < nt; ++k) {
        const PetabParameter& par = table_[estimated_[static_cast<std::size_t>(k)]];
        const double v = values_.at(par.id);
        const double chain = value_derivative_at_value(*parse_scale(par.scale), v);
        out.gradient[par.id] = dllh[k] * chain;
        out.residual_jacobian.col(k) *= chain;
      }
    return out;
  }

  std::vector<PetabTimecourse> timecourses(const std::map<std::string, double>& overrides, std::size_t points) {
    use_values(overrides);
    const auto obs_par_col = measurements_.find_column("observableParameters");
    Preequilibria preequilibria{std::vector<std::optional<Preequilibrium>>(plan_.preequilibrations.size())};
    std::vector<PetabTimecourse> out;
    for (std::size_t k = 0; k < plan_.pairs.size(); ++k) {
      const PetabConditionPair& pair = plan_.pairs[k];
      const std::string &preeq = pair.preequilibration, &sim = pair.simulation;
      const std::vector<std::size_t>& rows = pair.rows;
      const std::vector<double> p = parameters_for(sim);
      std::vector<std::pair<std::size_t, double>> start;
      if (pair.preequilibration_index) {
        const Eigen::VectorXd& x = preequilibrium(*pair.preequilibration_index, preequilibria, false).x;
        for (std::size_t i = 0; i < model_.num_states(); ++i) start.emplace_back(i, x[static_cast<Eigen::Index>(i)]);
      }
      start = species_for(sim, start);
      // The grid from 0 to the last finite measured time, and the measured times.
      std::set<double> finite = pair.finite_times;
      if (!finite.empty()) {
        const double t_end = *finite.rbegin();
        for (std::size_t i = 0; i < points; ++i)
          finite.insert(points > 1 ? t_end * static_cast<double>(i) / static_cast<double>(points - 1) : 0.0);
      }
      std::vector<double> times;
      std::vector<Eigen::VectorXd> states;
      std::string error;
      if (!finite.empty()) {
        const solve::Solution s = simulate(run_at(p, start, finite));
        if (!s.ok()) error = s.message.empty() ? "integration failed" : s.message;
        for (std::size_t i = 0; i < s.completed; ++i) {
          times.push_back(s.samples[i].time);
          states.push_back(s.states.row(static_cast<Eigen::Index>(i)).transpose());
        }
      }
      if (pair.steady_state && error.empty()) {
        try {
          states.push_back(steady_state(p, start, "simulation condition '" + sim + "' (time = inf)"));
          times.push_back(std::numeric_limits<double>::infinity());
        } catch (const DataError& e) {
          error = e.what();
        }
      }
      // One curve per observable and distinct observableParameters values.
      const std::size_t first = out.size();
      std::vector<std::vector<double>> curve_parameters;
      for (const auto r : rows) {
        const auto& row = measurements_.rows[r];
        const Observable& o = observable(row[measurements_.column("observableId")], r);
        std::vector<double> q = p;
        std::vector<int> no_sources;
        set_placeholders(q, no_sources, "observableParameter", o.id, obs_par_col ? row[*obs_par_col] : "", r);
        std::size_t variant = 0;
        bool known = false;
        for (std::size_t c = first; c < out.size() && !known; ++c) {
          if (out[c].observable != o.id) continue;
          if (same_values(curve_parameters[c - first], q))
            known = true;
          else
            ++variant;
        }
        if (known) continue;
        PetabTimecourse curve{k, preeq, sim, o.id, variant, times, {}, error};
        auto ws = model_.make_workspace();
        model_.set_parameters(q.data(), ws);
        std::vector<double> y(model_.num_observables());
        const std::size_t h = *model_.observable_index("petab." + o.id);
        for (std::size_t i = 0; i < times.size(); ++i) {
          model_.observables(std::isinf(times[i]) ? 0.0 : times[i], states[i].data(), ws, y.data());
          curve.values.push_back(y[h]);
        }
        out.push_back(std::move(curve));
        curve_parameters.push_back(std::move(q));
      }
    }
    return out;
  }

 private:
  /// The steady state of a preequilibration condition and, with gradients,
  /// its d x / dθ (species × estimated parameters).
  struct Preequilibrium {
    Eigen::VectorXd x;
    Eigen::MatrixXd dx_dtheta;
  };
  /// The preequilibrations of one evaluation: one slot per preequilibration
  /// condition of the plan, and how many were solved.
  struct Preequilibria {
    std::vector<std::optional<Preequilibrium>> slots;
    std::size_t solves = 0;
  };

  /// The steady state of the plan's preequilibration condition `k` (with
  /// `sensitivities`, its d x / dθ too), solved on first use into `solved`,
  /// which lives for one evaluation: the condition's parameters are then the
  /// same for every pair that starts from it.
  const Preequilibrium& preequilibrium(std::size_t k, Preequilibria& solved, bool sensitivities) const {
    std::optional<Preequilibrium>& slot = solved.slots[k];
    if (slot) return *slot;
    const std::string& preeq = plan_.preequilibrations[k];
    const std::vector<double> pre_p = parameters_for(preeq);
    const auto pre_start = species_for(preeq, {});
    const std::string what = "preequilibration condition '" + preeq + "'";
    Preequilibrium pre;
    if (sensitivities) {
      const auto n = static_cast<Eigen::Index>(model_.num_states());
      const Sources src = sources_for(preeq);
      Eigen::MatrixXd pre_D0 = Eigen::MatrixXd::Zero(n, static_cast<Eigen::Index>(estimated_.size()));
      for (const auto& [i, t] : src.species) pre_D0(static_cast<Eigen::Index>(i), t) = 1;
      const Columns c = columns_for(src, pre_D0);
      Eigen::MatrixXd S;
      pre.x = steady_state_with_sensitivities(pre_p, pre_start, c, initial_sensitivities(pre_p, pre_start, c, pre_D0),
                                              what, S);
      pre.dx_dtheta = to_theta(S, c);
    } else {
      pre.x = steady_state(pre_p, pre_start, what);
    }
    ++solved.solves;
    slot = std::move(pre);
    return *slot;
  }

  /// The PEtab parameter values: nominal, replaced by `overrides`.
  void use_values(const std::map<std::string, double>& overrides) {
    values_ = nominal_;
    for (const auto& [id, v] : overrides) {
      if (!values_.count(id)) throw DataError("parameter values: '" + id + "' is not in the PEtab parameter table");
      values_[id] = v;
    }
  }

  /// Equal parameter vectors, NaN (a placeholder no row sets) equal to NaN.
  static bool same_values(const std::vector<double>& a, const std::vector<double>& b) {
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])))) return false;
    return true;
  }

  void read_parameters(const std::string& path) {
    const io::CsvTable t = read_table(path);
    t.require_columns({"parameterId", "nominalValue"});
    const auto cell = [&](std::size_t r, const char* column) -> std::string {
      const auto c = t.find_column(column);
      return c ? t.rows[r][*c] : std::string();
    };
    const auto bound = [&](std::size_t r, const char* column) {
      const std::string text = cell(r, column);
      if (text.empty()) return nan;
      const auto v = number(text);
      if (!v) throw DataError(SourceLocation{path, t.row_lines[r], 0}, column, "expected a number");
      return *v;
    };
    for (std::size_t r = 0; r < t.row_count(); ++r) {
      PetabParameter par;
      par.id = t.rows[r][t.column("parameterId")];
      const auto v = number(t.rows[r][t.column("nominalValue")]);
      if (!v) throw DataError(SourceLocation{path, t.row_lines[r], 0}, "nominalValue", "expected a number");
      par.nominal = *v;
      if (const std::string scale = cell(r, "parameterScale"); !scale.empty()) par.scale = scale;
      check_scale<DataError>(par.id + ".parameterScale", par.scale, SourceLocation{path, t.row_lines[r], 0});
      par.lower = bound(r, "lowerBound");
      par.upper = bound(r, "upperBound");
      const std::string estimate = cell(r, "estimate");
      if (!estimate.empty() && estimate != "0" && estimate != "1")
        throw DataError(SourceLocation{path, t.row_lines[r], 0}, "estimate", "'" + estimate + "': expected 0 or 1");
      par.estimate = estimate != "0";
      nominal_[par.id] = par.nominal;
      petab_parameters_.push_back(par.id);
      if (par.estimate) {
        estimated_index_[par.id] = static_cast<int>(estimated_.size());
        estimated_.push_back(table_.size());
      }
      table_.push_back(par);
    }
    values_ = nominal_;
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
    // One parameter per estimated parameter that no equation uses: its
    // sensitivity column carries d x(t0)/dθ (preequilibration, species entries).
    for (const auto k : estimated_) add_parameter("petab.initial." + table_[k].id, 0);
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
    // Native code as for scenarios (solver option `evaluator`): the same
    // results as the interpreter, and the sensitivity code is then native too.
    if (options_.evaluator == "native") {
      model::NativeCodeResult native = model::with_native_code(model_);
      if (native.native)
        model_ = std::move(native.model);
      else
        native_unavailable_ = native.reason;
    }
    for (const auto k : estimated_) carriers_.push_back(*model_.parameter_index("petab.initial." + table_[k].id));
  }

  /// Where the model parameters and species initial values of a condition
  /// come from: the index of an estimated parameter, or -1.
  struct Sources {
    std::vector<int> parameter;                        ///< per model parameter
    std::vector<std::pair<std::size_t, int>> species;  ///< species set to an estimated parameter
  };

  Sources sources_for(const std::string& condition) const {
    Sources s;
    s.parameter.assign(model_.num_parameters(), -1);
    for (const auto& [id, k] : estimated_index_)
      if (const auto j = model_.parameter_index(id)) s.parameter[*j] = k;
    const auto& row = conditions_.rows[condition_row(condition)];
    for (std::size_t c = 0; c < conditions_.header.size(); ++c) {
      const std::string& column = conditions_.header[c];
      if (column == "conditionId" || column == "conditionName") continue;
      const auto estimated = estimated_index_.find(row[c]);
      if (const auto i = model_.species_index(column)) {
        if (estimated != estimated_index_.end()) s.species.emplace_back(*i, estimated->second);
        continue;
      }
      const auto j = model_.parameter_index(column);
      if (!j) continue;
      const auto v = number(row[c]);
      if (v && std::isnan(*v)) continue;  // NaN keeps the model's value
      s.parameter[*j] = estimated != estimated_index_.end() ? estimated->second : -1;
    }
    return s;
  }

  /// Sensitivity columns of a run: the model parameters that estimated
  /// parameters set, then the carriers of the estimated parameters whose
  /// d x(t0)/dθ (column of D0) is not zero.
  struct Columns {
    std::vector<std::size_t> model;  ///< model parameter indices
    std::vector<int> theta;          ///< estimated parameter of each column
    std::vector<bool> carrier;
  };

  Columns columns_for(const Sources& src, const Eigen::MatrixXd& D0) const {
    Columns c;
    for (std::size_t j = 0; j < src.parameter.size(); ++j)
      if (src.parameter[j] >= 0) {
        c.model.push_back(j);
        c.theta.push_back(src.parameter[j]);
        c.carrier.push_back(false);
      }
    for (Eigen::Index k = 0; k < D0.cols(); ++k)
      if (!D0.col(k).isZero(0)) {
        c.model.push_back(carriers_[static_cast<std::size_t>(k)]);
        c.theta.push_back(static_cast<int>(k));
        c.carrier.push_back(true);
      }
    return c;
  }

  /// S(t0): ∂x0/∂p for the species the run does not set, D0 on the carriers.
  Eigen::MatrixXd initial_sensitivities(const std::vector<double>& p,
                                        const std::vector<std::pair<std::size_t, double>>& start, const Columns& c,
                                        const Eigen::MatrixXd& D0) const {
    const auto n = static_cast<Eigen::Index>(model_.num_states());
    auto ws = model_.make_workspace();
    model_.set_parameters(p.data(), ws);
    Eigen::MatrixXd dx0dp(n, static_cast<Eigen::Index>(model_.num_parameters()));
    model_.initial_state_jacobian(ws, dx0dp.data());
    for (const auto& [i, v] : start) dx0dp.row(static_cast<Eigen::Index>(i)).setZero();
    Eigen::MatrixXd S(n, static_cast<Eigen::Index>(c.model.size()));
    for (std::size_t k = 0; k < c.model.size(); ++k)
      S.col(static_cast<Eigen::Index>(k)) = c.carrier[k]
                                                ? Eigen::VectorXd(D0.col(c.theta[k]))
                                                : Eigen::VectorXd(dx0dp.col(static_cast<Eigen::Index>(c.model[k])));
    return S;
  }

  /// dx/dθ (species × estimated parameters) from the columns' sensitivities.
  Eigen::MatrixXd to_theta(const Eigen::MatrixXd& S, const Columns& c) const {
    Eigen::MatrixXd out = Eigen::MatrixXd::Zero(S.rows(), static_cast<Eigen::Index>(estimated_.size()));
    for (std::size_t k = 0; k < c.model.size(); ++k) out.col(c.theta[k]) += S.col(static_cast<Eigen::Index>(k));
    return out;
  }

  /// steady_state() with the sensitivities S(∞) of the columns `c`, from
  /// S = S(t0), the sensitivities of the initial state. The state comes from
  /// steady_state(); S(∞) from one linear solve at it (see
  /// linear_steady_state_sensitivities); where that is refused, from
  /// integrating the forward sensitivities decade by decade until they change
  /// by at most 1e-10 + 1e-6·|S| over a decade.
  Eigen::VectorXd steady_state_with_sensitivities(const std::vector<double>& p,
                                                  const std::vector<std::pair<std::size_t, double>>& start,
                                                  const Columns& c, Eigen::MatrixXd S, const std::string& what,
                                                  Eigen::MatrixXd& S_out) const {
    double t_steady = 0;
    Eigen::VectorXd x_steady = decades_to_steady_state(p, start, what, [&](const solve::Run& run, std::string& error) {
      const solve::Solution s = simulate(run);
      if (!s.ok()) error = s.message.empty() ? "integration failed" : s.message;
      t_steady = run.samples[0].time;
      return std::pair{s.ok() ? Eigen::VectorXd(s.states.row(0).transpose()) : Eigen::VectorXd(), true};
    });
    std::string refused;
    if (linear_steady_state_sensitivities(p, start, c, S, t_steady, x_steady, S_out, refused)) return x_steady;
    try {
      Eigen::VectorXd x = decades_to_steady_state(p, start, what, [&](const solve::Run& run, std::string& error) {
        const fit::SensitivityResult s = sensitivities_with_events(run, events_, c.model, S, options_);
        if (!s.ok()) {
          error = s.message.empty() ? "integration failed" : s.message;
          return std::pair{Eigen::VectorXd(), false};
        }
        const Eigen::MatrixXd& next = s.state_sensitivities[0];
        const bool steady = ((next - S).array().abs() <= 1e-10 + 1e-6 * next.array().abs()).all();
        S = next;
        return std::pair{Eigen::VectorXd(s.states.row(0).transpose()), steady};
      });
      S_out = S;
      return x;
    } catch (const DataError& e) {
      throw DataError(std::string(e.what()) + " (integrating the sensitivities, because their linear solve at the " +
                      "steady state was refused: " + refused + ")");
    }
  }

  /// S(∞) by solve_steady_state_sensitivities at the steady state x (reached
  /// at time t): J(x)·S = −∂f/∂p(x), with Γ·S = Γ·S0 where J has conservation
  /// laws Γ. Those conserved totals only carry over from t0 when Γ·f ≡ 0 held
  /// all along, so with conservation laws the solve is refused (false, `why`
  /// set) for models with SBML events or an explicitly time-dependent f, where
  /// Γ·J or Γ·∂f/∂p is not zero at the initial state too, or where J's left
  /// null space moves with a parameter of a column (a compartment size as a
  /// conservation weight: then Γ·S(t) ≠ Γ·S0).
  bool linear_steady_state_sensitivities(const std::vector<double>& p,
                                         const std::vector<std::pair<std::size_t, double>>& start, const Columns& c,
                                         const Eigen::MatrixXd& S0, double t, const Eigen::VectorXd& x,
                                         Eigen::MatrixXd& S, std::string& why) const {
    const auto n = static_cast<Eigen::Index>(model_.num_states());
    const auto np = static_cast<Eigen::Index>(model_.num_parameters());
    auto ws = model_.make_workspace();
    model_.set_parameters(p.data(), ws);
    const auto jacobians = [&](double at, const Eigen::VectorXd& state, Eigen::MatrixXd& J, Eigen::MatrixXd& F) {
      J.resize(n, n);
      model_.jacobian(at, state.data(), ws, J.data());
      Eigen::MatrixXd Fp(n, np);
      model_.parameter_jacobian(at, state.data(), ws, Fp.data());
      F.resize(n, static_cast<Eigen::Index>(c.model.size()));
      for (std::size_t k = 0; k < c.model.size(); ++k)
        F.col(static_cast<Eigen::Index>(k)) = Fp.col(static_cast<Eigen::Index>(c.model[k]));
    };
    Eigen::MatrixXd J, F;
    jacobians(t, x, J, F);
    const SteadyStateSensitivities solved = solve_steady_state_sensitivities(J, F, S0);
    if (!solved.ok) {
      why = solved.reason;
      return false;
    }
    if (solved.conservation_laws > 0) {
      const std::string laws = std::to_string(solved.conservation_laws) + " conservation law(s) at the steady state";
      if (!events_.empty()) {
        why = laws + " and SBML events, which may change the conserved totals";
        return false;
      }
      // Γ·f ≡ 0 along the way: Γ·f, Γ·J and Γ·∂f/∂p vanish at the initial and
      // the steady state, at t0, at the steady state's time, in every interval
      // between the model's time switches and at every decade of time.
      constexpr double tol = 1e-8;
      const Eigen::MatrixXd& G = solved.gamma;
      std::vector<double> x0v(static_cast<std::size_t>(n));
      model_.initial_state(ws, x0v.data());
      for (const auto& [i, v] : start) x0v[i] = v;
      const Eigen::VectorXd x0 = Eigen::Map<const Eigen::VectorXd>(x0v.data(), n);
      std::vector<double> times{0};
      for (const double s : switch_times(model_, t, x, ws)) times.push_back(s);
      times.push_back(t);
      for (std::size_t i = 0, count = times.size(); i + 1 < count; ++i)
        times.push_back(0.5 * (times[i] + times[i + 1]));
      for (double d = 1e-3; d < t; d *= 10) times.push_back(d);
      for (const double at : times)
        for (const Eigen::VectorXd* state : {&x0, &x}) {
          Eigen::MatrixXd Ja, Fa;
          jacobians(at, *state, Ja, Fa);
          Eigen::VectorXd f(n);
          model_.rhs(at, state->data(), ws, f.data());
          const bool holds = (G * Ja).norm() <= tol * Ja.norm() && (G * Fa).norm() <= tol * Fa.norm() &&
                             (G * f).norm() <= tol * f.norm() + 1e-14 * (1 + state->norm());
          if (!holds) {
            why = fmt::format("{} that do not hold at t = {:g} at the {} state (Γ·f, Γ·J or Γ·∂f/∂p is not zero there)",
                              laws, at, state == &x0 ? "initial" : "steady");
            return false;
          }
        }
      // Γ independent of the columns' parameters: Γ(p)·J(x, p') = 0 with p_j changed by 10 %.
      for (std::size_t k = 0; k < c.model.size(); ++k) {
        if (c.carrier[k]) continue;
        std::vector<double> q = p;
        const std::size_t j = c.model[k];
        q[j] = q[j] != 0 ? 1.1 * q[j] : 0.1;
        model_.set_parameters(q.data(), ws);
        Eigen::MatrixXd Jq(n, n);
        model_.jacobian(t, x.data(), ws, Jq.data());
        model_.set_parameters(p.data(), ws);
        if (!Jq.allFinite() || (G * Jq).norm() > tol * Jq.norm()) {
          why = laws + " whose weights change with parameter '" + model_.parameters()[j].name + "'";
          return false;
        }
      }
    }
    S = solved.S;
    return true;
  }

  /// Integrates `run` (with its SBML events, if any).
  solve::Solution simulate(const solve::Run& run) const {
    if (!events_.empty()) return solve::solve_with_events(run, events_, options_);
    return solve::solve(run, options_);
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
    return decades_to_steady_state(p, start, what, [&](const solve::Run& run, std::string& error) {
      const solve::Solution s = simulate(run);
      if (!s.ok()) error = s.message.empty() ? "integration failed" : s.message;
      return std::pair{s.ok() ? Eigen::VectorXd(s.states.row(0).transpose()) : Eigen::VectorXd(), true};
    });
  }

  /// The decade-by-decade loop of both steady states: `solve(run, error)`
  /// integrates `run` to its one sample and returns the state there and
  /// whether its own extra quantities are steady too (error set on failure);
  /// each decade continues from the last state, until every
  /// |dx_i/dt| ≤ 1e-12 + 1e-10·|x_i| and `solve` says steady (up to t = 1e12).
  template <class Solve>
  Eigen::VectorXd decades_to_steady_state(const std::vector<double>& p,
                                          const std::vector<std::pair<std::size_t, double>>& start,
                                          const std::string& what, Solve&& solve) const {
    solve::Run run;
    run.model = &model_;
    run.parameters = p;
    run.initial_overrides = start;
    auto ws = model_.make_workspace();
    model_.set_parameters(p.data(), ws);
    std::vector<double> f(model_.num_states());
    for (double horizon = 1; horizon <= 1e12; horizon *= 10) {
      run.samples = {{horizon, false}};
      std::string error;
      const auto [x, steady] = solve(run, error);
      if (!error.empty()) throw DataError("PEtab " + what + ": steady state not reached: " + error);
      model_.rhs(horizon, x.data(), ws, f.data());
      bool converged = steady;
      for (std::size_t i = 0; i < f.size(); ++i)
        converged = converged && std::fabs(f[i]) <= 1e-12 + 1e-10 * std::fabs(x[static_cast<Eigen::Index>(i)]);
      if (converged) return x;
      run.t0 = horizon;
      run.initial_overrides.clear();
      for (std::size_t i = 0; i < model_.num_states(); ++i)
        run.initial_overrides.emplace_back(i, x[static_cast<Eigen::Index>(i)]);
    }
    throw DataError("PEtab " + what + ": no steady state by t = 1e12");
  }

  void set_placeholders(std::vector<double>& q, std::vector<int>& source, const std::string& kind,
                        const std::string& obs, const std::string& cell, std::size_t r) const {
    if (is_nan_text(cell)) return;
    const auto parts = split(cell, ';');
    for (std::size_t k = 0; k < parts.size(); ++k) {
      const std::string name = kind + std::to_string(k + 1) + "_" + obs;
      const auto j = model_.parameter_index(name);
      if (!j) continue;  // the formula does not use this placeholder
      q[*j] = value_of(parts[k], measurements_.file + " row " + std::to_string(measurements_.row_lines[r]));
      const auto estimated = estimated_index_.find(parts[k]);
      if (!source.empty()) source[*j] = estimated != estimated_index_.end() ? estimated->second : -1;
    }
  }

  solve::SolverOptions options_;
  bool gradient_ = false;
  std::map<std::string, double> nominal_, values_;
  std::vector<std::string> petab_parameters_;
  std::vector<PetabParameter> table_;
  std::vector<std::size_t> estimated_;          ///< table_ rows with estimate = 1
  std::map<std::string, int> estimated_index_;  ///< parameterId -> index into estimated_
  std::vector<std::size_t> carriers_;           ///< per estimated parameter: its carrier model parameter
  io::CsvTable conditions_, measurements_;
  PetabConditionPlan plan_;
  std::vector<Observable> observables_;
  model::CompiledModel model_;
  model::CompiledEvents events_;
  std::string native_unavailable_;  ///< why native code was requested but not built
};

}  // namespace

class PetabProblemData {
 public:
  PetabProblemData(const std::string& yaml, const solve::SolverOptions& options) : problem(yaml, options) {}
  mutable Problem problem;
};

PetabProblem::PetabProblem(const std::string& problem_yaml, const solve::SolverOptions& options)
    : data_(std::make_unique<PetabProblemData>(problem_yaml, options)) {}
PetabProblem::~PetabProblem() = default;
PetabProblem::PetabProblem(PetabProblem&&) noexcept = default;

const std::vector<PetabParameter>& PetabProblem::parameters() const { return data_->problem.parameters(); }

std::string PetabProblem::evaluator() const { return data_->problem.native() ? "native" : "interpreter"; }

const std::string& PetabProblem::native_unavailable() const { return data_->problem.native_unavailable(); }

PetabEvaluation PetabProblem::evaluate(const std::map<std::string, double>& overrides, bool gradient) const {
  return data_->problem.evaluate(overrides, gradient);
}

std::vector<PetabTimecourse> PetabProblem::timecourses(const std::map<std::string, double>& overrides,
                                                       std::size_t points) const {
  return data_->problem.timecourses(overrides, points);
}

PetabEvaluation evaluate_petab(const std::string& problem_yaml, const std::map<std::string, double>& overrides,
                               const solve::SolverOptions& options, bool gradient) {
  return PetabProblem(problem_yaml, options).evaluate(overrides, gradient);
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
