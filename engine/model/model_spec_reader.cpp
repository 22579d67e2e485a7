// YAML -> ModelSpec: shapes, numbers, bounds, names and units of a model file.
// Expressions are only located here; model_checker.cpp parses and resolves them.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/core.h>

#include "core/bounds.hpp"
#include "core/number.hpp"
#include "core/quantity.hpp"
#include "core/scale.hpp"
#include "core/units.hpp"
#include "expr/function.hpp"
#include "io/input_file.hpp"
#include "io/yaml_tree.hpp"
#include "io/yaml_vocabulary.hpp"
#include "model/model_spec.hpp"
#include "model/sbml_reader.hpp"

namespace exvivo::model {
namespace {

using io::YamlNode;

// Far above any real model (the leukocyte model is a few tens of kB); keeps a
// mistaken path to a data dump from exhausting memory in the YAML parser.
constexpr std::size_t max_file_bytes = io::max_yaml_file_bytes;

// At most this many errors of one file are reported together.

const std::vector<std::string> top_level_keys = {
    "model", "title", "description", "time_unit", "units", "parameters", "species",
    "assignments", "odes", "observables", "donor_presets", "cultures"};
const std::vector<std::string> time_units = {"s", "min", "h", "d"};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string path_join(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

class SpecReader {
 public:
  SpecReader(std::string text, std::string file) : raw_(std::move(text)), file_(std::move(file)) {
    line_starts_.push_back(0);
    for (std::size_t i = 0; i < raw_.size(); ++i)
      if (raw_[i] == '\n') line_starts_.push_back(i + 1);
  }

  ModelSpec read() {
    if (raw_.size() > max_file_bytes)
      throw ModelError(SourceLocation{file_, 0, 0}, "",
                       fmt::format("file too large ({} bytes; a model file may have at most {})",
                                   raw_.size(), max_file_bytes));
    const YamlNode root = io::read_yaml_string(raw_, file_, io::InputKind::model);
    if (!root.is_mapping())
      root.fail("expected a mapping of model sections (model, parameters, species, odes, ...), got " +
                io::describe(root));
    root.check_keys(top_level_keys);

    ModelSpec spec;
    spec.file = file_;
    const YamlNode& model = value_of(entry_of(root, "model"), "model name");
    spec.name = model.identifier();
    spec.where = model.where;
    if (const YamlNode* n = root.find("title")) spec.title = text_of(*n);
    if (const YamlNode* n = root.find("description")) spec.description = text_of(*n);
    spec.time_unit = read_time_unit(value_of(entry_of(root, "time_unit"), "time unit (s, min, h or d)"));

    // Each entry of a section is read on its own: a file's errors are reported
    // together (up to max_reported_errors), not only the first.
    if (const YamlNode* n = root.find("units")) recover([&] { read_unit_declarations(*n, spec); });
    if (const YamlNode* n = root.find("parameters")) read_parameters(*n, spec);
    recover([&] { read_species(required_section(root, "species"), spec); });
    if (const YamlNode* n = root.find("assignments")) read_assignments(*n, spec);
    recover([&] { read_odes(required_section(root, "odes"), spec); });
    if (const YamlNode* n = root.find("observables")) read_observables(*n, spec);
    throw_collected_errors();
    check_unique_names(spec);
    if (const YamlNode* n = root.find("donor_presets")) spec.donor_presets = read_value_sets(*n, spec);
    if (const YamlNode* n = root.find("cultures")) spec.cultures = read_value_sets(*n, spec);
    return spec;
  }

 private:
  // --- scalars ----------------------------------------------------------------

  static const std::string& text_of(const YamlNode& n) { return n.scalar("text"); }

  /// The (key, value) entry of a mapping that must have `key`.
  static const std::pair<YamlNode, YamlNode>& entry_of(const YamlNode& map, std::string_view key) {
    for (const auto& entry : map.entries)
      if (entry.first.text == key) return entry;
    map.fail(fmt::format("missing key '{}'", key));
  }

  /// A section that must be present and not empty.
  static const YamlNode& required_section(const YamlNode& root, std::string_view key) {
    const auto& entry = entry_of(root, key);
    if (entry.second.is_null() || (entry.second.is_mapping() && entry.second.entries.empty())) {
      YamlNode located = entry.first;
      located.path = entry.second.path;
      located.fail(key == "species" ? "a model needs at least one species" : fmt::format("'{}' is empty", key));
    }
    return entry.second;
  }

  /// The value node of a mapping entry; a missing value is reported at its key,
  /// because yaml-cpp places empty nodes at the following token.
  static const YamlNode& value_of(const std::pair<YamlNode, YamlNode>& entry, std::string_view what) {
    if (entry.second.is_null()) {
      YamlNode located = entry.first;
      located.path = entry.second.path;
      located.fail(fmt::format("missing {}", what));
    }
    return entry.second;
  }

  /// A finite number; YAML's own spellings of infinity and NaN get the same
  /// message as "inf" and "nan".
  static std::string read_time_unit(const YamlNode& n) { return io::read_one_of(n, time_units, "a time unit"); }

  /// Checks a unit string with the units layer; "1" (dimensionless) when absent.
  std::string read_unit(const YamlNode* n) const {
    if (n == nullptr) return "1";
    const std::string& u = n->scalar("a unit");
    try {
      (void)parse_unit(u);
    } catch (const UnitError& e) {
      n->fail(e.what());
    }
    check_declared_atoms(*n, u);
    return u;
  }

  /// `units:` — custom unit atoms (AB, beads, ...) with a one-line meaning each.
  void read_unit_declarations(const YamlNode& section, ModelSpec& spec) const {
    if (section.is_null()) return;
    expect_section(section, "custom unit names to their meaning (AB: antibodies bound per cell)");
    for (const auto& [key, value] : section.entries) {
      YamlNode located = key;
      located.path = path_join("units", key.text);
      if (!io::is_identifier(key.text))
        located.fail(fmt::format("'{}' is not a unit name (letters, digits and _; declare atoms such as 'AB', not "
                                 "products such as 'AB/C')",
                                 key.text));
      if (is_known_unit_atom(key.text))
        located.fail(fmt::format("'{}' is a built-in unit; declare only custom ones", key.text));
      if (value.is_null() || !value.is_scalar() || value.text.empty() || value.text.find('\n') != std::string::npos)
        located.fail(fmt::format("expected a one-line meaning, such as '{}: antibodies bound per cell'", key.text));
      spec.units.emplace_back(key.text, value.text);
      declared_units_.push_back(key.text);
    }
  }

  /// Every atom of a unit is built in or declared under `units:`; a typo
  /// such as 'ng/mLL' is an error with the closest known or declared name.
  void check_declared_atoms(const YamlNode& n, const std::string& unit) const {
    for (const std::string& atom : unit_atoms(unit)) {
      if (is_known_unit_atom(atom) ||
          std::find(declared_units_.begin(), declared_units_.end(), atom) != declared_units_.end())
        continue;
      std::vector<std::string> names = known_unit_atoms();
      names.insert(names.end(), declared_units_.begin(), declared_units_.end());
      n.fail(fmt::format("unit '{}': unknown unit '{}' (custom units must be declared under the model's 'units:' "
                         "with a one-line meaning, e.g. units: {{{}: ...}})",
                         unit, atom, atom),
             closest_match(atom, names));
    }
  }

  /// Runs one step of reading; an error is kept for the combined report and reading goes on.
  template <class Step>
  void recover(Step&& step) const {
    try {
      step();
    } catch (const ModelError& e) {
      errors_.emplace_back(e.what());
      if (errors_.size() >= max_reported_errors) throw_collected_errors();
    }
  }

  /// Throws the errors collected so far as one ModelError, one per line.
  void throw_collected_errors() const {
    if (errors_.empty()) return;
    std::string text = combine_errors(errors_);
    errors_.clear();
    throw ModelError(text);
  }

  /// A name of a model entity: an identifier that is neither `t` nor a function.
  static std::string read_name(const YamlNode& key, const std::string& section) {
    YamlNode located = key;
    located.path = path_join(section, key.text);
    const std::string& name = key.text;
    if (!io::is_identifier(name))
      located.fail(fmt::format("'{}' is not a valid name (letters, digits and _, not starting with a digit)", name));
    if (name == "t") located.fail("'t' is reserved for time and cannot be redefined");
    if (expr::find_function(name))
      located.fail(fmt::format("'{}' is the name of a built-in function and cannot be redefined", name));
    return name;
  }

  /// An expression scalar with exact positions (see Expression::layout).
  Expression read_expression(const YamlNode& n) const {
    if (n.is_null()) n.fail("missing expression");
    if (!n.is_scalar()) n.fail("expected an expression, got " + io::describe(n));
    Expression e;
    e.text = n.text;
    e.layout = n.text;
    e.where = n.text_start();
    align_layout(n, e);
    return e;
  }

  /// Finds the scalar's characters in the raw file text; whitespace runs take
  /// the file's whitespace (line breaks, indentation) so that the expression
  /// parser counts lines and columns as the file does. On any mismatch
  /// (escapes, unusual encodings) the single-line approximation is kept.
  void align_layout(const YamlNode& n, Expression& e) const {
    SourceLocation start = n.where;
    if (start.line < 1 || static_cast<std::size_t>(start.line) > line_starts_.size() || start.column < 1) return;
    std::size_t j = line_starts_[static_cast<std::size_t>(start.line - 1)] + static_cast<std::size_t>(start.column - 1);
    if (j >= raw_.size()) return;
    const std::string& value = n.text;
    if (n.quoted) {
      const char open = raw_[j];
      if (open == '"' || open == '\'') {
        ++j;
        ++start.column;
      } else if (open == '|' || open == '>') {  // block scalar: content starts on the next line
        j = raw_.find('\n', j);
        if (j == std::string::npos) return;
        ++j;
        ++start.line;
        start.column = 1;
        for (; j < raw_.size() && raw_[j] == ' ' && (value.empty() || value[0] != ' '); ++j) ++start.column;
      } else {
        return;
      }
    }
    // yaml-cpp counts columns in bytes, the expression parser in characters.
    start.column = char_column(j);
    std::string layout;
    std::size_t i = 0;
    while (i < value.size()) {
      if (j >= raw_.size()) return;
      if (is_space(value[i])) {
        if (!is_space(raw_[j])) return;
        while (j < raw_.size() && is_space(raw_[j])) layout += raw_[j++];
        while (i < value.size() && is_space(value[i])) ++i;
        continue;
      }
      if (raw_[j] != value[i]) return;
      layout += raw_[j++];
      ++i;
    }
    e.layout = std::move(layout);
    e.where = start;
  }

  /// 1-based column, in UTF-8 characters, of the byte raw_[j].
  int char_column(std::size_t j) const {
    std::size_t first = j;
    while (first > 0 && raw_[first - 1] != '\n') --first;
    int column = 1;
    for (std::size_t k = first; k < j; ++k)
      if ((static_cast<unsigned char>(raw_[k]) & 0xC0) != 0x80) ++column;  // not a UTF-8 continuation byte
    return column;
  }

  // --- sections -----------------------------------------------------------------

  static void expect_section(const YamlNode& n, std::string_view what) {
    if (!n.is_mapping()) n.fail(fmt::format("expected a mapping of {}, got {}", what, io::describe(n)));
  }

  void read_parameters(const YamlNode& section, ModelSpec& spec) const {
    if (section.is_null()) return;
    expect_section(section, "parameter names to values");
    for (const auto& entry : section.entries) recover([&] {
      ParameterInfo p;
      p.name = read_name(entry.first, "parameters");
      p.where = entry.first.where;
      const YamlNode& v = value_of(entry, "value");
      if (v.is_scalar()) {
        p.unit = "1";
        p.value = read_parameter_value(v, nullptr, p.unit);
      } else if (v.is_mapping()) {
        read_parameter_fields(v, p);
      } else {
        v.fail("expected a number or a mapping such as {value: 2.3, unit: 1/h}, got " + io::describe(v));
      }
      spec.parameters.push_back(std::move(p));
    });
  }

  /// A parameter value: a number in `unit`, or a quantity such as "18 min"
  /// that is converted to the declared unit or, without one, sets `unit`.
  double read_parameter_value(const YamlNode& v, const YamlNode* declared_unit, std::string& unit) const {
    if (!v.is_scalar() || v.quoted) return v.number();
    // Only "<number> <more>" can be a quantity; anything else gets number()'s message.
    const std::size_t digits = numeric_prefix_length(v.text);
    if (digits == 0 || digits == v.text.size()) return v.number();
    try {
      const Quantity q = parse_quantity(v.text);
      if (q.before) v.fail(fmt::format("a value cannot be marked 'just before' ('{}')", v.text));
      if (!q.has_unit()) return q.value;
      if (declared_unit == nullptr) {
        unit = q.unit->text;
        check_declared_atoms(v, unit);
        return q.value;
      }
      return value_in(q, parse_unit(unit));
    } catch (const UnitError& e) {
      v.fail(e.what());
    }
  }

  void read_parameter_fields(const YamlNode& v, ParameterInfo& p) const {
    v.check_keys({"value", "unit", "bounds", "scale", "donor", "source", "doc"});
    const YamlNode* value = v.find("value");
    if (value == nullptr) v.fail("missing key 'value'");
    const YamlNode* unit = v.find("unit");
    p.unit = read_unit(unit);
    p.value = read_parameter_value(*value, unit, p.unit);
    if (const YamlNode* s = v.find("scale")) {
      p.scale = io::read_scale(*s);
    }
    if (const YamlNode* b = v.find("bounds")) {
      const Bounds bounds = io::read_bounds(*b);
      io::check_bounds(*b, bounds, p.scale);
      p.lower = bounds.lower;
      p.upper = bounds.upper;
      p.has_bounds = true;
      if (p.value < p.lower || p.value > p.upper)
        value->fail(fmt::format("value {} is outside the bounds [{}, {}]", p.value, p.lower, p.upper));
    }
    if (p.scale != Scale::lin && p.value <= 0)
      value->fail(fmt::format("value {} must be positive on a {} scale", p.value, to_string(p.scale)));
    if (const YamlNode* d = v.find("donor")) p.donor = d->boolean();
    if (const YamlNode* s = v.find("source")) p.source = text_of(*s);
    if (const YamlNode* d = v.find("doc")) p.doc = text_of(*d);
  }

  void read_species(const YamlNode& section, ModelSpec& spec) const {
    expect_section(section, "species names to their properties");
    for (const auto& entry : section.entries) recover([&] {
      SpeciesSpec s;
      s.info.name = read_name(entry.first, "species");
      s.info.where = entry.first.where;
      const YamlNode& v = value_of(entry, "initial value");
      if (v.is_scalar()) {
        s.initial = read_expression(v);
        s.info.unit = "1";
      } else if (v.is_mapping()) {
        v.check_keys({"initial", "unit", "soluble", "molar_mass", "specific_activity", "doc"});
        const YamlNode* initial = v.find("initial");
        if (initial == nullptr) v.fail("missing key 'initial'");
        s.initial = read_expression(*initial);
        s.info.unit = read_unit(v.find("unit"));
        if (const YamlNode* n = v.find("soluble")) s.info.soluble = n->boolean();
        if (const YamlNode* n = v.find("molar_mass")) {
          try {
            s.info.molar_mass = parse_molar_mass(n->scalar("a molar mass such as '14.5 kDa'"));
          } catch (const UnitError& e) {
            n->fail(e.what());
          }
        }
        if (const YamlNode* n = v.find("specific_activity")) {
          try {
            s.info.specific_activity =
                parse_specific_activity(n->scalar("a specific activity such as '5.6e6 IU/mg'"));
          } catch (const UnitError& e) {
            n->fail(e.what());
          }
        }
        if (const YamlNode* n = v.find("doc")) s.info.doc = text_of(*n);
      } else {
        v.fail("expected an initial value or a mapping such as {initial: 0, unit: ng/mL}, got " +
               io::describe(v));
      }
      spec.species.push_back(std::move(s));
    });
  }

  void read_assignments(const YamlNode& section, ModelSpec& spec) const {
    if (section.is_null()) return;
    expect_section(section, "assignment names to expressions");
    for (const auto& entry : section.entries) recover([&] {
      AssignmentSpec a;
      a.name = read_name(entry.first, "assignments");
      a.where = entry.first.where;
      const YamlNode& v = value_of(entry, "expression");
      if (v.is_mapping()) {
        v.check_keys({"formula", "unit", "doc"});
        const YamlNode* formula = v.find("formula");
        if (formula == nullptr) v.fail("missing key 'formula'");
        a.formula = read_expression(*formula);
        if (const YamlNode* u = v.find("unit")) a.unit = read_unit(u);
        if (const YamlNode* d = v.find("doc")) a.doc = text_of(*d);
      } else {
        a.formula = read_expression(v);
      }
      spec.assignments.push_back(std::move(a));
    });
  }

  void read_odes(const YamlNode& section, ModelSpec& spec) const {
    expect_section(section, "species names to right-hand sides");
    for (const auto& entry : section.entries) recover([&] {
      OdeSpec o;
      o.species = entry.first.text;
      o.where = entry.first.where;
      o.rhs = read_expression(value_of(entry, "right-hand side (write 0 for a constant species)"));
      spec.odes.push_back(std::move(o));
    });
  }

  void read_observables(const YamlNode& section, ModelSpec& spec) const {
    if (section.is_null()) return;
    expect_section(section, "observable names to formulas");
    for (const auto& entry : section.entries) recover([&] {
      ObservableSpec o;
      o.info.name = read_name(entry.first, "observables");
      o.info.where = entry.first.where;
      const YamlNode& v = value_of(entry, "formula");
      if (v.is_mapping()) {
        v.check_keys({"formula", "unit", "doc", "noise", "lloq"});
        const YamlNode* formula = v.find("formula");
        if (formula == nullptr) v.fail("missing key 'formula'");
        o.formula = read_expression(*formula);
        o.info.unit = read_unit(v.find("unit"));
        if (const YamlNode* d = v.find("doc")) o.info.doc = text_of(*d);
        if (const YamlNode* noise = v.find("noise")) read_noise(*noise, o);
        if (const YamlNode* lloq = v.find("lloq")) {
          const auto value = parse_double(lloq->scalar("a number in the observable's unit"));
          if (!value || !std::isfinite(*value) || *value <= 0)
            lloq->fail(fmt::format("lloq must be a positive number in the observable's unit ({}), got '{}'",
                                   o.info.unit.empty() ? "1" : o.info.unit, lloq->text));
          if (o.info.noise.distribution == NoiseModel::Distribution::laplace)
            lloq->fail(
                "an lloq censors measurements below it, which laplace noise does not support "
                "(normal, lognormal, log10normal, logitnormal or proportional do)");
          o.info.lloq = *value;
        }
      } else {
        o.formula = read_expression(v);
        o.info.unit = read_unit(nullptr);
      }
      spec.observables.push_back(std::move(o));
    });
  }

  void read_noise(const YamlNode& n, ObservableSpec& o) const {
    if (!n.is_mapping())
      n.fail("expected a mapping such as {distribution: normal, sigma: 0.1}, got " + io::describe(n));
    n.check_keys({"distribution", "sigma"});
    const YamlNode* d = n.find("distribution");
    if (d == nullptr)
      n.fail("missing key 'distribution' (" + check_detail::join_alternatives(noise_distribution_names()) + ")");
    o.info.noise.distribution = io::read_noise_distribution(*d);
    const YamlNode* sigma = n.find("sigma");
    if (sigma == nullptr) n.fail("missing key 'sigma'");
    if (sigma->is_scalar()) {
      if (const auto value = parse_double(sigma->text)) {
        if (!std::isfinite(*value) || *value <= 0)
          sigma->fail(fmt::format("sigma must be a positive finite number, got '{}'", sigma->text));
      }
    }
    o.noise_sigma = read_expression(*sigma);
    o.info.noise.sigma = o.noise_sigma.text;
  }

  /// Parameter, species, assignment and observable names must be unique: a name
  /// in an expression must mean one thing. Observables are never referenced by
  /// expressions, so an observable may repeat the name of what it measures
  /// (`y1: {formula: y1}`), but two observables may not share a name.
  static void check_unique_names(const ModelSpec& spec) {
    struct Defined {
      std::string kind;
      SourceLocation where;
    };
    std::map<std::string, Defined> defined;
    auto define = [&](const std::string& name, const std::string& kind, const std::string& section,
                      const SourceLocation& where) {
      const auto [it, inserted] = defined.emplace(name, Defined{kind, where});
      if (!inserted)
        throw ModelError(where, path_join(section, name),
                         fmt::format("'{}' is already defined as a {} (line {})", name, it->second.kind,
                                     it->second.where.line));
    };
    for (const auto& p : spec.parameters) define(p.name, "parameter", "parameters", p.where);
    for (const auto& s : spec.species) define(s.info.name, "species", "species", s.info.where);
    for (const auto& a : spec.assignments) define(a.name, "assignment", "assignments", a.where);
  }

  // --- donor presets and cultures ---------------------------------------------

  std::vector<ValueSetSpec> read_value_sets(const YamlNode& section, const ModelSpec& spec) const {
    std::vector<ValueSetSpec> sets;
    if (section.is_null()) return sets;
    expect_section(section, "names to sets of parameter or species values");
    for (const auto& entry : section.entries) {
      ValueSetSpec set;
      set.name = entry.first.identifier();
      set.where = entry.first.where;
      const YamlNode& v = value_of(entry, "values");
      if (!v.is_mapping())
        v.fail("expected a mapping of parameter or species names to values, got " + io::describe(v));
      for (const auto& value_entry : v.entries) set.values.push_back(read_preset_value(value_entry, spec));
      sets.push_back(std::move(set));
    }
    return sets;
  }

  PresetValue read_preset_value(const std::pair<YamlNode, YamlNode>& entry, const ModelSpec& spec) const {
    PresetValue out;
    out.name = entry.first.text;
    out.where = entry.first.where;
    const std::string* target_unit = nullptr;
    ConversionContext context;
    for (const auto& p : spec.parameters)
      if (p.name == out.name) target_unit = &p.unit;
    for (const auto& s : spec.species)
      if (s.info.name == out.name) {
        target_unit = &s.info.unit;
        context.molar_mass_g_per_mol = s.info.molar_mass;
        context.specific_activity_IU_per_mg = s.info.specific_activity;
      }
    if (target_unit == nullptr) {
      std::vector<std::string> names;
      for (const auto& p : spec.parameters) names.push_back(p.name);
      for (const auto& s : spec.species) names.push_back(s.info.name);
      YamlNode located = entry.first;
      located.path = entry.second.path;
      located.fail(fmt::format("'{}' is not a parameter or species of the model", out.name),
                   closest_match(out.name, names));
    }
    const YamlNode& v = value_of(entry, "value");
    out.value = read_quantity(v, *target_unit, context);
    return out;
  }

  /// A number (in `unit`) or a quantity "450 cells/uL" converted to `unit`.
  static double read_quantity(const YamlNode& v, const std::string& unit, const ConversionContext& context) {
    const std::string& text = v.scalar("a number or a quantity such as '450 cells/uL'");
    try {
      const Quantity q = parse_quantity(text);
      if (q.before) v.fail(fmt::format("a value cannot be marked 'just before' ('{}')", text));
      return value_in(q, parse_unit(unit), context);
    } catch (const UnitError& e) {
      v.fail(e.what());
    }
  }

  std::string raw_;
  std::string file_;
  std::vector<std::size_t> line_starts_;
  mutable std::vector<std::string> declared_units_;  ///< atoms declared under `units:`
  mutable std::vector<std::string> errors_;          ///< collected by recover()
};

std::string read_file(const std::string& path) {
  return io::read_input_file(path, max_file_bytes, [&](const std::string& what) {
    throw ModelError(SourceLocation{path, 0, 0}, "", what);
  });
}

}  // namespace

ModelSpec read_model_spec_from_string(const std::string& text, const std::string& filename) {
  return SpecReader(text, filename).read();
}

ModelSpec read_model_spec(const std::string& path) {
  if (is_sbml_path(path)) return read_sbml_model_spec(path);
  return read_model_spec_from_string(read_file(path), path);
}

}  // namespace exvivo::model
