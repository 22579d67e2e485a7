#pragma once
// Scenario: what is done to which blood, and what is read when (DESIGN.md §3).
// load_scenario() reads and validates a scenario file against its model; the
// result is plain data, expanded into numbered runs by RunPlan (run_plan.hpp).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "model/compiled_model.hpp"
#include "model/model_events.hpp"
#include "scenario/cohort.hpp"
#include "solve/options.hpp"
#include "solve/run.hpp"

namespace exvivo::scenario {

/// A value as written in the file: a number with an optional unit ("2.5 1/h",
/// "10 ng/mL", "0.3"), or a sweep placeholder "$dose". Converted to the unit of
/// its target (parameter or species) when a run is made.
struct ValueSpec {
  double value = 0;
  std::string unit;         ///< "" = already in the target's unit
  std::string placeholder;  ///< name after '$', or "" for a literal value
  SourceLocation where;
  std::string path;         ///< key path, for messages
};

/// The `when:` of a state-triggered protocol step.
struct StateTrigger {
  std::string text;       ///< "" = a timed step
  std::size_t index = 0;  ///< into Scenario::state_triggers
  SourceLocation where;
  std::string path;
  bool empty() const { return text.empty(); }
};

/// One timed protocol step. A wash is expanded into `set 0` of the listed (or
/// all soluble) species when runs are made.
struct EventSpec {
  enum class Kind { add, set, scale, wash };
  Kind kind = Kind::add;
  ValueSpec time;                                  ///< unit: a time unit, or model time
  std::vector<std::pair<std::size_t, ValueSpec>> targets;  ///< species index → amount/factor
  bool from_arm = false;                           ///< arm events precede common ones at equal times
  int order = 0;                                   ///< position in the file
  SourceLocation where;
  std::string path;
  /// A state-triggered step (`when:`, state_events.hpp): its trigger
  /// expression and the trigger's index in Scenario::state_triggers; `time`
  /// is then unused. Empty for a timed step (`at:`).
  StateTrigger when;
};

struct DonorSpec {
  std::string id;
  std::string preset;                              ///< "" = model defaults
  std::vector<std::pair<std::string, ValueSpec>> set;  ///< parameter or species name → value
};

struct ArmSpec {
  std::string id;
  std::vector<EventSpec> protocol;
};

enum class SweepDesign { grid, lhs, sobol, random };
const char* to_string(SweepDesign d);

/// A sweep factor: a model parameter or a $placeholder, given as explicit
/// values or (for lhs/sobol/random) a range on a scale.
struct SweepFactor {
  std::string name;
  bool is_parameter = false;        ///< else a $placeholder
  std::vector<double> values;       ///< as written (unit below)
  bool has_range = false;
  double lower = 0, upper = 0;      ///< range as written (unit below)
  model::Scale scale = model::Scale::lin;
  std::string unit;                 ///< "" = target's unit
  SourceLocation where;
  std::string path;
};

struct SweepSpec {
  SweepDesign design = SweepDesign::grid;
  std::vector<SweepFactor> factors;
  long n = 0;                       ///< samples for lhs/sobol/random
  std::uint64_t seed = 0;
};

/// Virtual donors (DESIGN.md §3 `cohort:`): members start from `preset` (default:
/// the model's defaults, which are the typical septic donor), then `set`, and
/// their sampled parameters come last in the override order.
struct CohortOptions {
  std::string preset;                                   ///< "" = model defaults
  std::vector<std::pair<std::string, ValueSpec>> set;
  std::shared_ptr<const CohortSampler> sampler;         ///< null = no cohort
  std::size_t size() const { return sampler ? sampler->size() : 0; }
};

struct OutputSpec {
  std::string dir;                  ///< resolved against the current directory
  bool timecourses = true;
};

/// At most this many sample times per scenario, checked before any run: the
/// output of one run grows with sample times × observables.
inline constexpr std::size_t max_sample_times = 100'000;
/// At most this many sweep samples (grid combinations or n of a sampled
/// design; the design is held in memory) and runs in all.
inline constexpr std::size_t max_sweep_samples = 10'000'000;
inline constexpr std::size_t max_runs = 1'000'000'000'000;

/// How the scenario's model is evaluated, as decided by load_scenario().
struct EvaluatorInfo {
  std::string used = "interpreter";   ///< "native" or "interpreter"
  bool cache_hit = false;             ///< native code came from the cache (not compiled now)
  double compile_seconds = 0;         ///< generating, compiling and loading native code
  std::string library;                ///< the native library's path
};

struct Scenario {
  std::string name;
  std::string description;
  std::string file;                 ///< the scenario file's path
  std::string model_file;           ///< resolved model path
  std::shared_ptr<const model::CompiledModel> model;
  std::string culture;              ///< "" = none
  solve::SolverOptions solver;
  std::vector<std::pair<std::string, ValueSpec>> set;
  std::vector<DonorSpec> donors;    ///< listed donors; an implicit `default` one when neither donors nor a cohort is given
  std::vector<ArmSpec> arms;        ///< never empty (an implicit `default` arm)
  std::vector<EventSpec> protocol;  ///< common to all arms
  std::vector<solve::SampleTime> samples;   ///< model time unit, sorted
  std::vector<std::size_t> observables;     ///< indices into the model's observables
  SweepSpec sweep;
  CohortOptions cohort;
  OutputSpec output;
  /// `allow_out_of_bounds: true`: parameter values outside the model's bounds
  /// (in set, donors, sweeps) are warned about instead of rejected.
  bool allow_out_of_bounds = false;
  EvaluatorInfo evaluator;
  /// The triggers of the `when:` protocol steps (state_events.hpp); null without any.
  std::shared_ptr<const model::CompiledEvents> state_triggers;
  /// Messages for the user that do not stop the runs: out-of-bounds values
  /// allowed, native code that could not be built (the interpreter is used).
  std::vector<std::string> warnings;
};

struct LoadOptions {
  /// Build (or fetch from the cache) native code when solver.evaluator is
  /// "native". `exvivo check` validates without it.
  bool native_code = true;
};

/// Reads and validates a scenario file and the model it names. Throws
/// ScenarioError (or the model's ModelError) with file:line:col and key path.
/// Every value is checked where it becomes known — literals, and each value or
/// range end of the sweep factor a $placeholder names: amounts, concentrations
/// and scale factors must not be negative, parameter values must lie within
/// the model's bounds (unless allow_out_of_bounds). Listed donor ids `cohort`
/// and `cohort_<digits>` are reserved for the virtual cohort.
Scenario load_scenario(const std::string& path, const LoadOptions& options = {});

}  // namespace exvivo::scenario
