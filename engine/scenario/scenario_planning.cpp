// Planning: whether the runs fit the limits, and which evaluator runs them.
#include "scenario/scenario_loader.hpp"

namespace exvivo::scenario::detail {

void Loader::use_native_code() {
  const model::NativeCodeResult native = model::with_native_code(model());
  if (!native.native) {
    s_.warnings.push_back(
        fmt::format("{}: native code for model '{}' is not available ({}); using the "
                    "interpreter, which gives the same results more slowly",
                    path_, model().name(), native.reason));
    return;
  }
  s_.model = std::make_shared<const model::CompiledModel>(native.model);
  s_.evaluator = {"native", native.cache_hit, native.compile_seconds, native.library};
}

/// The sweep's samples and the number of runs are within the limits, before
/// anything is allocated for them.
void Loader::check_run_count(const YamlNode& root) const {
  const auto& sw = s_.sweep;
  long double samples = 1;
  if (sw.design == SweepDesign::grid)
    for (const auto& f : sw.factors) samples *= static_cast<long double>(f.values.size());
  else
    samples = static_cast<long double>(sw.n);
  if (samples > static_cast<long double>(max_sweep_samples))
    root.at("sweep").fail(
        fmt::format("the grid has {:.0f} combinations of the factors' values; the limit is {} "
                    "sweep samples (use a sampled design: lhs, sobol or random with n)",
                    static_cast<double>(samples), max_sweep_samples));
  const long double runs = samples * static_cast<long double>(s_.arms.size()) *
                           static_cast<long double>(s_.donors.size() + s_.cohort.size());
  if (runs > static_cast<long double>(max_runs))
    root.fail(fmt::format("{:.0f} runs (donors × arms × sweep samples) is too many; the limit is {}",
                          static_cast<double>(runs), max_runs));
}

}  // namespace exvivo::scenario::detail
