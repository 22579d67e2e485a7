#pragma once
// Internal to engine/scenario (not part of the public API; scenario.hpp is):
// the loader of scenario files, split by concern across
//   scenario_reader.cpp      reading the YAML sections into a Scenario,
//   scenario_validation.cpp  checks across sections (units, signs, bounds,
//                            $placeholders) and the collected error report,
//   scenario_planning.cpp    run-count limits and the evaluator choice,
// with load_scenario in scenario.cpp.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/core.h>

#include "core/quantity.hpp"
#include "core/units.hpp"
#include "io/yaml_tree.hpp"
#include "io/yaml_vocabulary.hpp"
#include "model/native_code.hpp"
#include "scenario/cohort.hpp"
#include "scenario/scenario.hpp"
#include "solve/solution.hpp"

namespace exvivo::scenario::detail {

using io::YamlNode;
namespace fs = std::filesystem;

class Loader {
 public:
  Loader(std::string path, LoadOptions options) : path_(std::move(path)), options_(options) {}

  Scenario load();

 private:
  const model::CompiledModel& model() const { return *s_.model; }

  void load_model(const YamlNode& node);

  void use_native_code();

  void load_culture(const YamlNode& node);

  static std::string join(const std::vector<std::string>& names);

  double read_duration_seconds(const YamlNode& node);

  double read_model_time(const YamlNode& node);

  double to_model_time(const YamlNode& node, const Quantity& q);

  /// A sample time, "24 h" or "24 h-" (core's parse_time_point, as measurement tables read times).
  solve::SampleTime read_sample_time(const YamlNode& node) const;

  static Quantity quantity(const YamlNode& node);

  void load_solver(const YamlNode& node);

  std::vector<double> read_abs_tol(const YamlNode& node);

  std::size_t species_index(const YamlNode& where, const std::string& name) const;

  /// Checks that a value (literal with unit) converts to the target's unit.
  void check_convertible(const YamlNode& node, const ValueSpec& v, const std::string& target_unit,
                         const ConversionContext& ctx) const;

  ConversionContext species_context(std::size_t i) const;

  /// name: value pairs setting parameters or species' initial values.
  std::vector<std::pair<std::string, ValueSpec>> read_assignments(const YamlNode& node);

  void load_donors(const YamlNode* node, bool has_cohort);

  void load_arms(const YamlNode* node);

  std::vector<EventSpec> read_protocol(const YamlNode& node, bool from_arm);

  void load_samples(const YamlNode& node);

  /// Sample times (one per list item) must be non-negative and increase.
  void check_sorted(const YamlNode& list, const std::vector<solve::SampleTime>& times) const;

  void load_sweep(const YamlNode& node);

  /// Reads one distribution of `cohort.distributions` into model units.
  CohortParameter read_distribution(const std::string& name, const YamlNode& node);

  void load_cohort(const YamlNode& node);

  void load_output(const YamlNode* node);

  /// The sweep's samples and the number of runs are within the limits, before
  /// anything is allocated for them.
  void check_run_count(const YamlNode& root) const;

  /// What a value sets, for the checks of its sign and bounds.
  struct Target {
    enum Kind { parameter, amount, added_amount, scale_factor, time } kind;
    std::size_t index;  ///< parameter or species index
  };

  static bool is_reserved_donor_id(const std::string& id);

  /// Checks a value already converted to its target's unit; `what` says where it came from.
  void check_target_value(const SourceLocation& where, const std::string& path, double value, const Target& t,
                          const std::string& what);

  /// A literal value (not a placeholder): converted to its target's unit and checked.
  void check_literal(const ValueSpec& v, const Target& t);

  /// The factor from `unit` ("" = the target's own unit) to the target's unit.
  double factor_to_target(const std::string& unit, const Target& t) const;

  /// The values a sweep factor gives (as written): its list, or its range's ends.
  static std::vector<double> factor_values(const SweepFactor& f);

  /// Remembers a $placeholder use with the unit its factor's values must convert to.
  void note_placeholder(const ValueSpec& v, std::string target_unit = "1", ConversionContext ctx = {},
                        Target target = {Target::scale_factor, 0});

  /// Every $name has a factor; every non-parameter factor is used; units agree.
  void check_placeholders();

  /// Runs one section's reading; a ScenarioError is kept for the combined report.
  template <class Step>
  void recover(Step&& step) {
    try {
      step();
    } catch (const ScenarioError& e) {
      errors_.emplace_back(e.what());
      if (errors_.size() >= max_reported_errors) throw_collected_errors();
    }
  }

  /// Throws the errors collected so far as one ScenarioError, one per line.
  void throw_collected_errors();

  std::vector<std::string> errors_;
  std::string path_;
  LoadOptions options_;
  Scenario s_;
  Unit time_unit_;
  int event_counter_ = 0;
  struct PlaceholderUse {
    ValueSpec value;
    std::string target_unit;
    ConversionContext ctx;
    Target target;
  };
  std::vector<PlaceholderUse> placeholders_;
};

}  // namespace exvivo::scenario::detail
