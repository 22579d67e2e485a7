#pragma once
// What the fit tests share: the files of a fit written to a temporary
// directory, the error message of loading them, and the central-difference
// Jacobian that the objective's is checked against.
#include <map>
#include <string>

#include <Eigen/Core>
#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "fit/fit_problem.hpp"
#include "fit/objective.hpp"
#include "scenario/scenario_fixture.hpp"

namespace exvivo::test {

/// A fit file and its inputs (models, scenarios, data tables: file name ->
/// text) in a fresh temporary directory, removed with it.
struct FitFiles {
  TempDir dir;
  std::string fit;  ///< path of fit.yaml

  FitFiles(const std::map<std::string, std::string>& inputs, const std::string& fit_yaml) {
    for (const auto& [name, text] : inputs) dir.write(name, text);
    fit = dir.write("fit.yaml", fit_yaml);
  }

  /// The message of the exvivo::Error that loading the fit raises, with the
  /// temporary directory left out of every path ("fit.yaml:5:3: ...",
  /// "a.tsv:2:6: ..."), or "no error".
  std::string load_error() const {
    try {
      fit::load_fit_problem(fit);
    } catch (const Error& e) {
      std::string m = e.what();
      const std::string prefix = dir.path.string() + "/";
      for (auto at = m.find(prefix); at != std::string::npos; at = m.find(prefix, at)) m.erase(at, prefix.size());
      return m;
    }
    return "no error";
  }
};

/// Central differences of the objective's residuals with respect to theta
/// (step h on the parameter scale), one column per parameter.
inline Eigen::MatrixXd finite_difference_jacobian(const fit::Objective& o, const Eigen::VectorXd& theta, double h) {
  Eigen::VectorXd r;
  REQUIRE(o.residuals(theta, r, nullptr));
  Eigen::MatrixXd fd(r.size(), theta.size());
  for (Eigen::Index j = 0; j < theta.size(); ++j) {
    Eigen::VectorXd up = theta, down = theta, ru, rd;
    up[j] += h;
    down[j] -= h;
    REQUIRE(o.residuals(up, ru, nullptr));
    REQUIRE(o.residuals(down, rd, nullptr));
    fd.col(j) = (ru - rd) / (2 * h);
  }
  return fd;
}

}  // namespace exvivo::test
