#include "fit/fit_outputs.hpp"

#include <cmath>

#include "io/csv_writer.hpp"

namespace exvivo::fit {

namespace fs = std::filesystem;

const std::vector<std::string>& fit_output_files() {
  static const std::vector<std::string> files = {"estimates.csv", "starts.csv",          "profiles.csv",
                                                 "residuals.csv", "fit_timecourses.csv", "fit.json"};
  return files;
}

double write_fit_outputs(const fs::path& dir, const FitOutputs& o, io::Provenance provenance,
                         std::chrono::steady_clock::time_point started) {
  const auto& entries = o.entries;
  const OptimizerResult& best = o.starts.front().result;
  // Parameter scale -> model units, with the entry's own scale.
  const auto model_value = [&](std::size_t j, double theta) {
    return std::isnan(theta) ? theta : from_scale(entries[j].scale, theta);
  };

  io::write_csv_file(dir / "estimates.csv", [&](io::CsvWriter& csv) {
    csv.write_row({"parameter", "donor", "value", "scale", "lower95", "upper95", "method"});
    for (std::size_t j = 0; j < entries.size(); ++j)
      csv.field(entries[j].parameter)
          .field(entries[j].donor)
          .field(model_value(j, best.theta[static_cast<Eigen::Index>(j)]))
          .field(to_string(entries[j].scale))
          .field(model_value(j, o.intervals[j].lower))
          .field(model_value(j, o.intervals[j].upper))
          .field(o.methods[j])
          .end_row();
  });

  io::write_csv_file(dir / "starts.csv", [&](io::CsvWriter& csv) {
    csv.field("start").field("nllh").field("iterations").field("status").field("wall_ms");
    for (const auto& e : entries) csv.field(e.label);
    csv.end_row();
    for (const auto& s : o.starts) {
      csv.field(s.start)
          .field(s.result.cost + o.constant)
          .field(s.result.iterations)
          .field(s.result.status)
          .field(s.wall_ms);
      for (std::size_t j = 0; j < entries.size(); ++j)
        csv.field(model_value(j, s.result.theta[static_cast<Eigen::Index>(j)]));
      csv.end_row();
    }
  });

  if (o.write_profiles)
    io::write_csv_file(dir / "profiles.csv", [&](io::CsvWriter& csv) {
      csv.write_row({"parameter", "value", "nllh"});
      for (const auto& prof : o.profiles)
        for (const auto& pt : prof.points)
          csv.field(entries[prof.parameter].label)
              .field(model_value(prof.parameter, pt.theta))
              .field(pt.cost + o.constant)
              .end_row();
    });

  io::write_csv_file(dir / "residuals.csv", [&](io::CsvWriter& csv) {
    csv.write_row({"donor", "arm", "observable", "time", "replicate", "measurement", "simulation", "sigma", "residual",
                   "nllh", "scenario", "ratio_to", "lower", "upper"});
    for (const ResidualRow& r : o.residuals)
      csv.field(r.donor)
          .field(r.arm)
          .field(r.observable)
          .field(r.time)
          .field(r.replicate)
          .field(r.measurement)
          .field(r.simulation)
          .field(r.sigma)
          .field(r.residual)
          .field(r.nllh)
          .field(r.scenario)
          .field(r.ratio_to)
          .field(r.lower)
          .field(r.upper)
          .end_row();
  });

  if (o.timecourses)
    io::write_csv_file(dir / "fit_timecourses.csv", [&](io::CsvWriter& csv) {
      csv.write_row({"run", "donor", "arm", "sample", "time", "side", "observable", "value", "scenario"});
      o.timecourses([&](const TimecourseRow& r) {
        csv.field(r.run)
            .field(r.donor)
            .field(r.arm)
            .field(r.sample)
            .field(r.time)
            .field(r.before_event ? "-" : "")
            .field(r.observable)
            .field(r.value)
            .field(r.scenario)
            .end_row();
      });
    });

  nlohmann::ordered_json j = o.details_before;
  j["measurements"] = o.measurements;
  j["parameters"] = entries.size();
  j["seed"] = o.seed;
  j["starts"] = o.starts.size();
  int converged = 0, at_best = 0;
  for (const auto& s : o.starts) {
    converged += s.result.converged() ? 1 : 0;
    // Waterfall plateau: how many starts reached the best value (within 0.1 nllh).
    at_best += s.result.cost - best.cost < 0.1 ? 1 : 0;
  }
  j["starts_converged"] = converged;
  j["starts_at_best"] = at_best;
  j["optimizer"] = {{"method", o.optimizer.method},
                    {"max_iter", o.optimizer.max_iter},
                    {"tol", o.optimizer.tol},
                    {"gradient_tol", o.optimizer.gradient_tol}};
  j["best"] = {{"nllh", o.best_nllh},
               {"status", best.status},
               {"message", best.message},
               {"iterations", best.iterations},
               {"start", o.starts.front().start}};
  nlohmann::ordered_json est = nlohmann::ordered_json::object();
  for (std::size_t k = 0; k < entries.size(); ++k)
    est[entries[k].label] = model_value(k, best.theta[static_cast<Eigen::Index>(k)]);
  j["estimates"] = est;
  for (const auto& [key, value] : o.details_after.items()) j[key] = value;
  provenance.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  io::write_provenance(dir / "fit.json", provenance, j);
  return provenance.wall_seconds;
}

}  // namespace exvivo::fit
