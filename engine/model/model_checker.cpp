#include "model/model_checker.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/core.h>

#include "expr/parser.hpp"

namespace exvivo::model {
namespace {

enum class NameKind { time, parameter, species, assignment };

struct NameInfo {
  NameKind kind;
  std::size_t index;
};

class Checker {
 public:
  explicit Checker(const ModelSpec& spec) : spec_(spec) {
    names_.emplace("t", NameInfo{NameKind::time, 0});
    for (std::size_t i = 0; i < spec.parameters.size(); ++i)
      names_.emplace(spec.parameters[i].name, NameInfo{NameKind::parameter, i});
    for (std::size_t i = 0; i < spec.species.size(); ++i)
      names_.emplace(spec.species[i].info.name, NameInfo{NameKind::species, i});
    for (std::size_t i = 0; i < spec.assignments.size(); ++i)
      names_.emplace(spec.assignments[i].name, NameInfo{NameKind::assignment, i});
    // Definition order, so that equally close suggestions favour parameters.
    for (const auto& p : spec.parameters) all_names_.push_back(p.name);
    for (const auto& s : spec.species) all_names_.push_back(s.info.name);
    for (const auto& a : spec.assignments) all_names_.push_back(a.name);
    all_names_.push_back("t");
  }

  CheckedModel check(std::vector<std::string>* warnings) {
    CheckedModel out;
    out.spec = &spec_;
    // Every expression is parsed and checked even after an error, so that a
    // file's errors are reported together (up to max_reported_errors).
    for (const auto& a : spec_.assignments)
      out.assignment.push_back(parse(a.formula, "assignments." + a.name));
    throw_collected_errors();  // ordering needs every name defined
    order_assignments(out);

    const std::map<std::string, std::size_t> ode_of = pair_odes();
    for (const auto& s : spec_.species) {
      out.initial.push_back(parse(s.initial, "species." + s.info.name + ".initial"));
      if (last_parse_ok_) {
        try {
          check_initial(out.initial.back(), "species." + s.info.name + ".initial", out);
        } catch (const ModelError& e) {
          record(e.what());
        }
      }
      const OdeSpec& ode = spec_.odes[ode_of.at(s.info.name)];
      out.ode.push_back(parse(ode.rhs, "odes." + ode.species));
    }
    for (const auto& o : spec_.observables) {
      const std::string path = "observables." + o.info.name;
      out.observable.push_back(parse(o.formula, path + ".formula"));
      out.noise_sigma.push_back(o.noise_sigma.empty() ? expr::Ast{} : parse(o.noise_sigma, path + ".noise.sigma"));
    }
    throw_collected_errors();
    if (warnings != nullptr) warn_unused_parameters(*warnings);
    return out;
  }

 private:
  /// Parses `e` and checks that every name it uses is defined; errors are
  /// recorded (last_parse_ok_ false) and an empty tree returned.
  expr::Ast parse(const Expression& e, const std::string& key_path) {
    last_parse_ok_ = false;
    expr::Ast ast;
    try {
      ast = expr::parse(e.layout, e.where, key_path);
    } catch (const ModelError& error) {
      record(error.what());
      return expr::Ast{};
    }
    bool ok = true;
    for (const auto& use : expr::collect_names(ast)) {
      if (names_.count(use.name) == 0) {
        record(ModelError(use.where, key_path, fmt::format("undefined name '{}'", use.name),
                          closest_match(use.name, all_names_))
                   .what());
        ok = false;
      }
      used_.insert(use.name);
    }
    last_parse_ok_ = ok;
    return ok ? ast : expr::Ast{};
  }

  /// Keeps an error for the combined report; throws once there are enough.
  void record(const std::string& message) {
    errors_.push_back(message);
    if (errors_.size() >= max_reported_errors) throw_collected_errors();
  }

  /// Throws the errors recorded so far as one ModelError, one per line.
  void throw_collected_errors() {
    if (errors_.empty()) return;
    std::string text = combine_errors(errors_);
    errors_.clear();
    throw ModelError(text);
  }

  /// Maps each species to its ODE; every species has exactly one (duplicate
  /// keys are rejected by the YAML reader).
  std::map<std::string, std::size_t> pair_odes() const {
    std::map<std::string, std::size_t> ode_of;
    std::vector<std::string> species_names;
    for (const auto& s : spec_.species) species_names.push_back(s.info.name);
    for (std::size_t i = 0; i < spec_.odes.size(); ++i) {
      const OdeSpec& ode = spec_.odes[i];
      const auto it = names_.find(ode.species);
      if (it == names_.end() || it->second.kind != NameKind::species) {
        std::string what = fmt::format("'{}' is not a species", ode.species);
        if (it != names_.end())
          what += it->second.kind == NameKind::parameter ? " (it is a parameter)"
                  : it->second.kind == NameKind::assignment ? " (it is an assignment)"
                                                            : " (it is time)";
        throw ModelError(ode.where, "odes." + ode.species, what, closest_match(ode.species, species_names));
      }
      ode_of.emplace(ode.species, i);
    }
    for (const auto& s : spec_.species)
      if (ode_of.count(s.info.name) == 0)
        throw ModelError(s.info.where, "species." + s.info.name,
                         fmt::format("species '{}' has no ODE (write '{}: 0' under odes for a constant species)",
                                     s.info.name, s.info.name));
    return ode_of;
  }

  /// Topological order of the assignments (dependencies first) by an iterative
  /// depth-first search, which also finds cycles; records which assignments
  /// depend on parameters only and, for the others, a species or t they use.
  void order_assignments(CheckedModel& out) {
    const std::size_t n = spec_.assignments.size();
    std::vector<std::vector<std::size_t>> uses(n);
    direct_dynamic_.assign(n, std::string());
    for (std::size_t i = 0; i < n; ++i) {
      for (const auto& use : expr::collect_names(out.assignment[i])) {
        const NameInfo& info = names_.at(use.name);
        if (info.kind == NameKind::assignment) uses[i].push_back(info.index);
        else if ((info.kind == NameKind::species || info.kind == NameKind::time) && direct_dynamic_[i].empty())
          direct_dynamic_[i] = use.name;
      }
    }
    enum class Mark { unvisited, in_progress, done };
    std::vector<Mark> mark(n, Mark::unvisited);
    for (std::size_t root = 0; root < n; ++root) {
      if (mark[root] != Mark::unvisited) continue;
      // Stack of (assignment, next dependency to visit).
      std::vector<std::pair<std::size_t, std::size_t>> stack{{root, 0}};
      mark[root] = Mark::in_progress;
      while (!stack.empty()) {
        auto& [node, next] = stack.back();
        if (next < uses[node].size()) {
          const std::size_t dep = uses[node][next++];
          if (mark[dep] == Mark::in_progress) report_cycle(stack, dep);
          if (mark[dep] == Mark::unvisited) {
            mark[dep] = Mark::in_progress;
            stack.emplace_back(dep, 0);
          }
        } else {
          mark[node] = Mark::done;
          out.assignment_order.push_back(node);
          stack.pop_back();
        }
      }
    }
    // In dependency order, an assignment's dynamic dependency is its own or one of its inputs'.
    dynamic_via_.assign(n, std::string());
    for (const std::size_t i : out.assignment_order) {
      dynamic_via_[i] = direct_dynamic_[i];
      for (const std::size_t dep : uses[i])
        if (dynamic_via_[i].empty() && !dynamic_via_[dep].empty()) dynamic_via_[i] = dynamic_via_[dep];
    }
    out.assignment_parameter_only.resize(n);
    for (std::size_t i = 0; i < n; ++i) out.assignment_parameter_only[i] = dynamic_via_[i].empty();
  }

  [[noreturn]] void report_cycle(const std::vector<std::pair<std::size_t, std::size_t>>& stack,
                                 std::size_t repeated) const {
    std::vector<std::size_t> cycle;
    bool in_cycle = false;
    for (const auto& [node, next] : stack) {
      in_cycle = in_cycle || node == repeated;
      if (in_cycle) cycle.push_back(node);
    }
    // Start the printed cycle at the assignment written first in the file.
    std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
    std::string path;
    for (const std::size_t i : cycle) path += spec_.assignments[i].name + " -> ";
    path += spec_.assignments[cycle.front()].name;
    const AssignmentSpec& first = spec_.assignments[cycle.front()];
    throw ModelError(first.where, "assignments." + first.name,
                     fmt::format("assignments depend on each other in a cycle: {}", path));
  }

  /// Initial values are evaluated before any time passes: parameters and
  /// parameter-only assignments only.
  void check_initial(const expr::Ast& ast, const std::string& key_path, const CheckedModel& out) const {
    for (const auto& use : expr::collect_names(ast)) {
      const NameInfo& info = names_.at(use.name);
      std::string why;
      if (info.kind == NameKind::time)
        why = "time 't'";
      else if (info.kind == NameKind::species)
        why = fmt::format("species '{}'", use.name);
      else if (info.kind == NameKind::assignment && !out.assignment_parameter_only[info.index])
        why = fmt::format("assignment '{}', which depends on {}", use.name,
                          dynamic_via_[info.index] == "t" ? std::string("time 't'")
                                                          : "species '" + dynamic_via_[info.index] + "'");
      if (!why.empty())
        throw ModelError(use.where, key_path,
                         fmt::format("an initial value may use parameters and parameter-only assignments, "
                                     "not {}", why));
    }
  }

  void warn_unused_parameters(std::vector<std::string>& warnings) const {
    for (const auto& p : spec_.parameters)
      if (used_.count(p.name) == 0)
        warnings.push_back(format_error(p.where, "parameters." + p.name,
                                        fmt::format("parameter '{}' is not used in any expression", p.name)));
  }

  std::vector<std::string> errors_;
  bool last_parse_ok_ = false;
  const ModelSpec& spec_;
  std::map<std::string, NameInfo> names_;
  std::vector<std::string> all_names_;
  std::set<std::string> used_;
  std::vector<std::string> direct_dynamic_;  // per assignment: a species or t it uses directly
  std::vector<std::string> dynamic_via_;     // per assignment: a species or t it uses, maybe indirectly
};

}  // namespace

CheckedModel check_model(const ModelSpec& spec, std::vector<std::string>* warnings) {
  return Checker(spec).check(warnings);
}

}  // namespace exvivo::model
