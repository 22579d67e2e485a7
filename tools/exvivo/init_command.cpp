#include "init_command.hpp"

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/core.h>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "model/compiled_model.hpp"
#include "scenario/scenario.hpp"

namespace exvivo::cli {

namespace fs = std::filesystem;

namespace {

/// Where bundled models live: share/exvivo/models next to an installed
/// executable, models/ in the source tree of a build.
std::vector<fs::path> model_directories() {
  std::vector<fs::path> dirs;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) dirs.push_back(exe.parent_path().parent_path() / "share" / "exvivo" / "models");
#ifdef EXVIVO_SOURCE_DIR
  dirs.push_back(fs::path(EXVIVO_SOURCE_DIR) / "models");
#endif
  return dirs;
}

std::string identifier_from(const std::string& stem) {
  std::string id;
  for (char c : stem) id += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
  if (id.empty() || std::isdigit(static_cast<unsigned char>(id[0]))) id = "s_" + id;
  return id;
}

std::string join(const std::vector<std::string>& items, const char* sep = ", ") {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

/// Sample times that suit the model's time unit: about a day of culture for
/// hours, the same span in other units.
std::string sample_times(const std::string& time_unit) {
  if (time_unit == "h") return "{values: [0, 1, 2, 4, 8, 12, 24], unit: h}";
  if (time_unit == "min") return "{values: [0, 15, 30, 60, 120, 240], unit: min}";
  if (time_unit == "d") return "{values: [0, 1, 2, 4, 7], unit: d}";
  return "{values: [0, 1, 2, 5, 10, 20]}   # bare numbers: the model's time unit, " + time_unit;
}

std::string time_with_unit(const std::string& time_unit, double value) {
  return time_unit.empty() || time_unit == "1" ? fmt::format("{:g}", value) : fmt::format("{:g} {}", value, time_unit);
}

std::string starter_text(const model::CompiledModel& m, const std::string& name, const std::string& model_ref,
                         const std::string& agent_name) {
  std::vector<std::string> soluble, observables, presets, cultures, donor_params;
  for (const auto& s : m.species())
    if (s.soluble) soluble.push_back(s.name);
  for (const auto& o : m.observables()) observables.push_back(o.name);
  for (const auto& [k, v] : m.donor_presets()) presets.push_back(k);
  for (const auto& [k, v] : m.cultures()) cultures.push_back(k);
  for (const auto& p : m.parameters())
    if (p.donor) donor_params.push_back(p.name);
  std::string agent = agent_name;
  if (agent.empty() && !soluble.empty()) agent = soluble.front();
  std::string agent_unit;
  for (const auto& s : m.species())
    if (s.name == agent) agent_unit = s.unit;

  std::string t;
  t += fmt::format("# Starter scenario for model {} ({}), written by `exvivo init`.\n", m.name(), m.title());
  t += "# Edit it, then `exvivo check` it (runs, donors, arms, samples) and `exvivo run` it.\n";
  t += "# Every key, unit and default is described in scenarios/README.md; `exvivo info MODEL`\n";
  t += "# lists the model's species, parameters, observables, donor presets and cultures.\n";
  t += fmt::format("scenario: {}                   # identifier: letters, digits and _\n", name);
  t += fmt::format("description: {} in {}\n", agent.empty() ? "Untreated samples" : agent + " dose-response",
                   m.name());
  t += fmt::format("model: {}    # a relative path is relative to this file\n", model_ref);
  if (!cultures.empty())
    t += fmt::format("# culture: {}               # culture formats of the model: {} (none: the model's defaults)\n",
                     cultures.front(), join(cultures));
  t += "solver: {method: auto, rel_tol: 1e-6, abs_tol: 1e-9}   # auto: rk45, switching to rodas4 when stiff\n";
  t += "# set: {parameter: value unit}   # overrides for every run, e.g. a rate constant in 1/h\n";
  t += "donors:                          # one run per donor x arm x sweep sample\n";
  if (presets.empty()) {
    t += "  - id: default                  # this model has no donor presets: model defaults\n";
  } else {
    t += fmt::format("  # donor presets of the model: {}\n", join(presets));
    for (std::size_t i = 0; i < presets.size() && i < 3; ++i)
      t += fmt::format("  - id: {}\n    preset: {}\n", presets[i], presets[i]);
  }
  if (!donor_params.empty())
    t += fmt::format("    # set: {{{}: ...}}   # a donor's own values of donor parameters\n", donor_params.front());
  t += "arms:                            # what is done to the sample, each arm on every donor\n";
  t += "  - id: control\n";
  if (!agent.empty()) {
    t += fmt::format("  - id: {}\n    protocol:\n", identifier_from(agent));
    t += fmt::format("      - {{at: {}, add: {{{}: $dose}}}}   # $dose: the sweep factor below\n",
                     time_with_unit(m.time_unit(), 0), agent);
    t += fmt::format("    # species that can be added, set, scaled or washed out (soluble): {}\n", join(soluble));
  }
  t += "# protocol:                      # steps common to all arms, e.g. a challenge or a medium change\n";
  t += fmt::format("#   - {{at: {}, add: {{SPECIES: AMOUNT UNIT}}}}\n", time_with_unit(m.time_unit(), 24));
  t += fmt::format("#   - {{at: {}, wash: true}}   # soluble species to 0\n", time_with_unit(m.time_unit(), 48));
  t += "samples:\n";
  t += fmt::format("  times: {}   # '24 h-' reads just before an event at 24 h\n", sample_times(m.time_unit()));
  t += fmt::format("  observables: [{}]\n", join(observables));
  if (!agent.empty()) {
    t += "sweep:\n  design: grid                   # grid | lhs | sobol | random\n  factors:\n";
    t += fmt::format("    dose: {{values: [0.1, 1, 10, 100]{}}}\n",
                     agent_unit.empty() || agent_unit == "1" ? "" : ", unit: " + agent_unit);
  }
  t += fmt::format("output: {{dir: results/{}, timecourses: true}}\n", name);
  return t;
}

}  // namespace

std::string find_model_file(const std::string& name) {
  std::error_code ec;
  if (fs::is_regular_file(name, ec)) return name;
  if (name.find('/') == std::string::npos)
    for (const auto& dir : model_directories()) {
      const fs::path candidate = dir / (name + (fs::path(name).extension() == ".yaml" ? "" : ".yaml"));
      if (fs::is_regular_file(candidate, ec)) return candidate.string();
    }
  return "";
}

int command_init(const InitArgs& args) {
  const std::string model_file = find_model_file(args.model);
  if (model_file.empty()) {
    std::vector<std::string> bundled;
    for (const auto& dir : model_directories()) {
      std::error_code ec;
      for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.path().extension() == ".yaml") bundled.push_back(e.path().stem().string());
      if (!bundled.empty()) break;
    }
    throw OptionError(SourceLocation{}, "model", fmt::format("'{}' is neither a model file nor a bundled model{}", args.model,
                                                      bundled.empty() ? "" : " (bundled: " + join(bundled) + ")"));
  }
  std::error_code ec;
  if (fs::exists(args.out, ec) && !args.force)
    throw OptionError(SourceLocation{}, "-o", fmt::format("'{}' exists; choose another file or add --force to overwrite it",
                                                   args.out));
  std::vector<std::string> warnings;
  const model::CompiledModel m = model::load_model(model_file, &warnings);
  if (!args.agent.empty()) {
    bool found = false;
    std::vector<std::string> names;
    for (const auto& s : m.species()) {
      found |= s.name == args.agent;
      names.push_back(s.name);
    }
    if (!found)
      throw OptionError(SourceLocation{}, "--agent", fmt::format("unknown species '{}' of model {}", args.agent, m.name()),
                  closest_match(args.agent, names));
  }
  const fs::path out = fs::absolute(args.out);
  fs::path model_ref = fs::relative(fs::absolute(model_file), out.parent_path(), ec);
  // Beside or below the scenario: a relative path, which moves with the project; else absolute.
  if (ec || model_ref.empty() || model_ref.string().rfind("../..", 0) == 0) model_ref = fs::absolute(model_file);
  const std::string name = identifier_from(out.stem().string());
  const std::string text = starter_text(m, name, model_ref.lexically_normal().string(), args.agent);
  try {
    fs::create_directories(out.parent_path());
    io::write_file_atomically(out, text);
  } catch (const fs::filesystem_error& e) {
    throw OptionError(SourceLocation{}, "-o", fmt::format("cannot write '{}': {}", args.out, e.code().message()));
  }
  try {
    scenario::load_scenario(out.string());
  } catch (const Error& e) {  // the template must be valid for every model: a bug if not
    fs::remove(out, ec);
    throw std::logic_error(fmt::format("exvivo init wrote an invalid scenario for {}: {}", model_file, e.what()));
  }
  std::printf("%s: starter scenario for model %s; check it with `exvivo check %s`\n", args.out.c_str(),
              m.name().c_str(), args.out.c_str());
  return 0;
}

}  // namespace exvivo::cli
