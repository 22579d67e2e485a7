#include "sbml/sbml_case.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <cctype>
#include <sstream>

#include "core/number.hpp"
#include "io/atomic_file.hpp"
#include "io/csv_reader.hpp"
#include "io/csv_writer.hpp"
#include "model/compiled_model.hpp"
#include "model/model_compiler.hpp"
#include "model/sbml_reader.hpp"
#include "solve/event_driver.hpp"
#include "solve/solve.hpp"
#include "model/model_events.hpp"

namespace exvivo::sbml {
namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!trim(item).empty()) out.push_back(trim(item));
  return out;
}

double settings_number(const std::string& text, const std::string& key, const std::string& path, int line) {
  if (const auto v = parse_double(text)) return *v;
  throw ModelError(SourceLocation{path, line, 1}, key, "expected a number, got '" + text + "'");
}

std::string case_id(const std::string& case_dir) {
  return std::filesystem::path(case_dir).lexically_normal().filename().string().empty()
             ? std::filesystem::path(case_dir).lexically_normal().parent_path().filename().string()
             : std::filesystem::path(case_dir).lexically_normal().filename().string();
}

/// A model without states (only rules of t and parameters) needs no integrator.
solve::Solution evaluate_without_states(const model::CompiledModel& model, const solve::Run& run) {
  solve::Solution solution;
  solution.samples = run.samples;
  solution.completed = run.samples.size();
  auto ws = model.make_workspace();
  model.set_parameters(run.parameters.data(), ws);
  solution.observables.resize(static_cast<Eigen::Index>(run.samples.size()), static_cast<Eigen::Index>(model.num_observables()));
  std::vector<double> y(model.num_observables());
  for (std::size_t k = 0; k < run.samples.size(); ++k) {
    model.observables(run.samples[k].time, nullptr, ws, y.data());
    for (std::size_t j = 0; j < y.size(); ++j) solution.observables(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(j)) = y[j];
  }
  return solution;
}

}  // namespace

SbmlCaseSettings read_sbml_case_settings(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ModelError(SourceLocation{path, 0, 0}, "", "cannot open the settings file");
  SbmlCaseSettings s;
  std::string line;
  int number = 0;
  bool has_steps = false, has_duration = false;
  while (std::getline(in, line)) {
    ++number;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = trim(line.substr(0, colon)), value = trim(line.substr(colon + 1));
    if (key == "start") s.start = settings_number(value, key, path, number);
    else if (key == "duration") { s.duration = settings_number(value, key, path, number); has_duration = true; }
    else if (key == "steps") { s.steps = static_cast<int>(settings_number(value, key, path, number)); has_steps = true; }
    else if (key == "variables") s.variables = split_list(value);
    else if (key == "absolute") s.absolute = settings_number(value, key, path, number);
    else if (key == "relative") s.relative = settings_number(value, key, path, number);
    else if (key == "amount") for (const auto& v : split_list(value)) s.amount.insert(v);
    else if (key == "concentration") for (const auto& v : split_list(value)) s.concentration.insert(v);
  }
  if (!has_steps || !has_duration || s.steps <= 0 || !(s.duration >= 0))
    throw ModelError(SourceLocation{path, 0, 0}, "", "expected positive 'steps' and a 'duration'");
  return s;
}

std::string sbml_case_model_file(const std::string& case_dir) {
  const std::string id = case_id(case_dir);
  const std::string prefix = id + "-sbml-l";  // NNNNN-sbml-lXvY.xml
  std::string best;
  int best_rank = -1;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(case_dir, ec)) {
    const std::string name = entry.path().filename().string();
    const bool matches = name.size() == prefix.size() + 7 && name.compare(0, prefix.size(), prefix) == 0 &&
                         std::isdigit(static_cast<unsigned char>(name[prefix.size()])) && name[prefix.size() + 1] == 'v' &&
                         std::isdigit(static_cast<unsigned char>(name[prefix.size() + 2])) &&
                         name.compare(prefix.size() + 3, 4, ".xml") == 0;
    if (!matches) continue;
    const int rank = (name[prefix.size()] - '0') * 10 + (name[prefix.size() + 2] - '0');
    if (rank > best_rank) {
      best_rank = rank;
      best = entry.path().string();
    }
  }
  if (best.empty())
    throw ModelError(SourceLocation{case_dir, 0, 0}, "", "no " + id + "-sbml-lXvY.xml file in the case directory");
  return best;
}

solve::SolverOptions sbml_case_solver_options(const SbmlCaseSettings& settings) {
  solve::SolverOptions o;
  o.method = "auto";
  o.rel_tol = 1e-10;
  o.abs_tol = {settings.absolute > 0 ? settings.absolute * 1e-6 : 1e-14};
  o.max_steps = 2000000;
  o.timeout = 60;
  return o;
}

SbmlCaseResult run_sbml_case(const std::string& case_dir) {
  const std::string id = case_id(case_dir);
  const SbmlCaseSettings settings =
      read_sbml_case_settings((std::filesystem::path(case_dir) / (id + "-settings.txt")).string());
  model::SbmlOptions options;
  options.as_amount = settings.amount;
  options.as_concentration = settings.concentration;
  options.observe_everything = true;
  options.allow_events = true;
  const model::ModelSpec spec = model::read_sbml_model_spec(sbml_case_model_file(case_dir), options);
  const model::CompiledModel model = model::compile(spec);
  const model::CompiledEvents events(spec);

  SbmlCaseResult result;
  result.columns.push_back("time");
  std::vector<std::size_t> observable_of;
  for (const auto& v : settings.variables) {
    const auto k = model.observable_index(v);
    if (!k) throw ModelError(SourceLocation{case_dir, 0, 0}, "", "the settings ask for '" + v + "', which the model does not define");
    observable_of.push_back(*k);
    result.columns.push_back(v);
  }
  solve::Run run;
  run.model = &model;
  run.parameters = model.default_parameters();
  run.t0 = 0;
  for (int k = 0; k <= settings.steps; ++k)
    run.samples.push_back({settings.start + settings.duration * k / settings.steps, false});
  const solve::SolverOptions solver = sbml_case_solver_options(settings);
  const solve::Solution solution = model.num_states() == 0 ? evaluate_without_states(model, run)
                                   : events.empty()        ? solve::solve(run, solver)
                                                           : solve::solve_with_events(run, events, solver);
  result.status = solution.status;
  result.message = solution.message;
  result.values = Eigen::MatrixXd::Constant(settings.steps + 1, static_cast<Eigen::Index>(result.columns.size()), std::nan(""));
  for (int k = 0; k <= settings.steps; ++k) {
    result.values(k, 0) = run.samples[static_cast<std::size_t>(k)].time;
    if (static_cast<std::size_t>(k) >= solution.completed) continue;
    for (std::size_t j = 0; j < observable_of.size(); ++j)
      result.values(k, static_cast<Eigen::Index>(j + 1)) = solution.observables(k, static_cast<Eigen::Index>(observable_of[j]));
  }
  return result;
}

SbmlCaseComparison compare_sbml_case(const std::string& case_dir, const SbmlCaseResult& result) {
  const std::string id = case_id(case_dir);
  const SbmlCaseSettings settings =
      read_sbml_case_settings((std::filesystem::path(case_dir) / (id + "-settings.txt")).string());
  // Read by hand: some results files repeat a column name (01820: Time,time,Time,TIME).
  const std::string results = (std::filesystem::path(case_dir) / (id + "-results.csv")).string();
  std::ifstream in(results);
  if (!in) throw ModelError(SourceLocation{results, 0, 0}, "", "cannot open the expected results");
  std::string line;
  std::getline(in, line);
  const std::vector<std::string> header = split_list(line);
  std::vector<std::vector<std::string>> rows;
  while (std::getline(in, line))
    if (!trim(line).empty()) rows.push_back(split_list(line));
  SbmlCaseComparison out;
  if (result.status != solve::Status::ok) {
    out.detail = "solver: " + result.message;
    return out;
  }
  if (static_cast<Eigen::Index>(rows.size()) != result.values.rows()) {
    out.detail = "expected " + std::to_string(rows.size()) + " rows, got " + std::to_string(result.values.rows());
    return out;
  }
  for (std::size_t j = 1; j < result.columns.size(); ++j) {
    std::optional<std::size_t> column;
    for (std::size_t k = 1; k < header.size() && !column; ++k)
      if (header[k] == result.columns[j]) column = k;
    if (!column) {
      out.detail = "no column '" + result.columns[j] + "' in the expected results";
      return out;
    }
    for (std::size_t r = 0; r < rows.size(); ++r) {
      if (*column >= rows[r].size()) {
        out.detail = "short row " + std::to_string(r + 2) + " in the expected results";
        return out;
      }
      const std::string& text = rows[r][*column];
      const auto expected = parse_double(text);
      if (!expected) {
        out.detail = "not a number '" + text + "' in row " + std::to_string(r + 2) + " of the expected results";
        return out;
      }
      const double c = *expected;
      const double u = result.values(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(j));
      bool ok;
      if (std::isnan(c) || std::isnan(u)) ok = std::isnan(c) && std::isnan(u);
      else if (std::isinf(c) || std::isinf(u)) ok = c == u;
      else ok = std::fabs(c - u) <= settings.absolute + settings.relative * std::fabs(c);
      if (!ok) {
        std::ostringstream d;
        d.precision(10);
        d << result.columns[j] << " at t = " << result.values(static_cast<Eigen::Index>(r), 0) << ": expected " << c
          << ", got " << u;
        out.detail = d.str();
        return out;
      }
    }
  }
  out.pass = true;
  return out;
}

void write_sbml_case_csv(const std::string& path, const SbmlCaseResult& result) {
  io::write_file_atomically(path, [&](std::ostream& os) {
    io::CsvWriter csv(os);
    csv.write_row(result.columns);
    for (Eigen::Index r = 0; r < result.values.rows(); ++r) {
      for (Eigen::Index c = 0; c < result.values.cols(); ++c) csv.field(result.values(r, c));
      csv.end_row();
    }
  });
}

}  // namespace exvivo::sbml
