#include "odeint_rosenbrock_runner.hpp"

#include <boost/numeric/odeint.hpp>

namespace exvivo::bench {
namespace {

namespace odeint = boost::numeric::odeint;
using Vector = boost::numeric::ublas::vector<double>;
using Matrix = boost::numeric::ublas::matrix<double>;

struct Rhs {
  solve::OdeSystem* system;
  long* evaluations;
  void operator()(const Vector& x, Vector& dxdt, double t) const {
    ++*evaluations;
    system->rhs(t, &x.data()[0], &dxdt.data()[0]);
  }
};

struct Jacobian {
  solve::OdeSystem* system;
  std::vector<double>* scratch;
  void operator()(const Vector& x, Matrix& J, double t, Vector& dfdt) const {
    const std::size_t n = x.size();
    system->jacobian(t, &x.data()[0], scratch->data());
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) J(i, j) = (*scratch)[i + n * j];
    for (std::size_t i = 0; i < n; ++i) dfdt[i] = 0;  // the bench problems are autonomous
  }
};

}  // namespace

OdeintResult odeint_rosenbrock4_solve(solve::OdeSystem& system, const Eigen::VectorXd& x0,
                                      double t_end, double rel_tol, double abs_tol) {
  const std::size_t n = system.size();
  Vector x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = x0[static_cast<Eigen::Index>(i)];
  long evaluations = 0;
  std::vector<double> scratch(n * n);
  auto stepper = odeint::make_dense_output(abs_tol, rel_tol, odeint::rosenbrock4<double>());
  OdeintResult result;
  result.steps = static_cast<long>(odeint::integrate_adaptive(
      stepper, std::make_pair(Rhs{&system, &evaluations}, Jacobian{&system, &scratch}), x, 0.0,
      t_end, 1e-6));
  result.x.resize(static_cast<Eigen::Index>(n));
  for (std::size_t i = 0; i < n; ++i) result.x[static_cast<Eigen::Index>(i)] = x[i];
  return result;
}

}  // namespace exvivo::bench
