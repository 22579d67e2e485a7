#!/usr/bin/python3
"""The benchmark fit (fit.yaml) by scipy.optimize.least_squares, on one of two
objectives:

  --objective scipy WORK   SciPy's own (scipy_objective.py): the model's code
                           translated to Python, solve_ivp, the likelihood in
                           Python; WORK is what fit_problem_export and
                           c_to_python.py wrote. Nothing of exvivo runs.
  --objective exvivo FIT   exvivo's compiled objective through its Python module
                           (exvivo._engine.FitObjective): the same residuals
                           and sensitivity Jacobian, so only the optimizer
                           differs from `exvivo fit`.

    fit_scipy.py --objective scipy|exvivo PATH --starts-file STARTS.txt
                 [--first 0] [--count N] [--method LSODA]

STARTS.txt: one start point per line (θ on the parameter scales), exvivo's own
Latin hypercube (run.sh writes it). --first/--count select starts (default:
all). Prints one line per start, "start K: nllh=... status=... nfev=...
njev=... cpu=... wall=..." (CPU: time.process_time of that start's
least_squares), then "best ..." and the best estimates. fun(θ) integrates
without sensitivities, jac(θ) with them (least_squares asks for it once per
accepted point): sensitivities once per point that needs them, never by
finite differences.
"""
import argparse
import os
import sys
import time

import numpy as np
from scipy.optimize import least_squares

FAILED = 1e10  # residual of a point whose simulation fails (trf needs finite values)


class ExvivoObjective:
    def __init__(self, fit):
        import exvivo._engine as engine
        self.objective = engine.FitObjective(fit, threads=1)
        self.lower, self.upper = np.asarray(self.objective.lower), np.asarray(self.objective.upper)
        self.labels = list(self.objective.labels)
        self.constant = self.objective.constant
        self.m = len(self.objective.residuals(0.5 * (self.lower + self.upper), False)[1])

    def residuals(self, theta, jacobian=False):
        out = self.objective.residuals(theta, jacobian)
        if not out[0] or not np.all(np.isfinite(out[1])):
            return None
        return (np.asarray(out[1]), np.asarray(out[2])) if jacobian else np.asarray(out[1])

    def num_residuals(self):
        return self.m

    def solves(self):
        t = self.objective.timing()
        return f"plain_solves={t['plain_solves']} sensitivity_solves={t['sensitivity_solves']}"


class OwnObjective:
    def __init__(self, work, method):
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from scipy_objective import ScipyObjective
        self.objective = ScipyObjective(work, method=method)
        worst = self.objective.check_code(work)
        if worst > 1e-12:
            raise SystemExit(f"the translated model code differs from exvivo's by {worst:.1e}: stopping")
        print(f"translated model code vs exvivo's interpreter at (t0, x0): agree to {worst:.1e} relative",
              flush=True)
        o = self.objective
        self.lower, self.upper, self.labels, self.constant = o.lower, o.upper, o.labels, o.constant

    def residuals(self, theta, jacobian=False):
        return self.objective.residuals(theta, jacobian)

    def num_residuals(self):
        return self.objective.num_residuals()

    def solves(self):
        s = self.objective.solves
        return (f"plain_solves={s['plain']} sensitivity_solves={s['sensitivity']} failed_solves={s['failed']} "
                f"plain_cpu={s['plain_cpu']:.3f} sensitivity_cpu={s['sensitivity_cpu']:.3f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--objective", nargs=2, metavar=("KIND", "PATH"), required=True)
    ap.add_argument("--starts-file", required=True)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--count", type=int, default=None)
    ap.add_argument("--method", default="LSODA", help="solve_ivp method of --objective scipy")
    ap.add_argument("--tol", type=float, default=1e-8)
    ap.add_argument("--max-iter", type=int, default=100)
    args = ap.parse_args()

    kind, path = args.objective
    if kind == "scipy":
        objective = OwnObjective(path, args.method)
    elif kind == "exvivo":
        objective = ExvivoObjective(path)
    else:
        ap.error("--objective KIND must be scipy or exvivo")
    lower, upper = objective.lower, objective.upper
    n, m = len(lower), objective.num_residuals()
    starts = np.atleast_2d(np.loadtxt(args.starts_file))
    chosen = range(args.first, len(starts) if args.count is None else min(len(starts), args.first + args.count))

    def fun(theta):
        r = objective.residuals(theta)
        return r if r is not None else np.full(m, FAILED)

    def jac(theta):
        out = objective.residuals(theta, True)
        return out[1] if out is not None else np.zeros((m, n))

    best = None
    cpu_total = 0.0
    for k in chosen:
        # exvivo's starts lie strictly inside the box; least_squares needs that too.
        x0 = np.clip(starts[k], lower + 1e-12 * (upper - lower), upper - 1e-12 * (upper - lower))
        cpu, wall = time.process_time(), time.time()
        res = least_squares(fun, x0, jac=jac, bounds=(lower, upper), method="trf", x_scale="jac",
                            ftol=args.tol, xtol=args.tol, gtol=args.tol, max_nfev=args.max_iter * 10)
        cpu, wall = time.process_time() - cpu, time.time() - wall
        cpu_total += cpu
        nllh = 0.5 * float(res.fun @ res.fun) + objective.constant
        print(f"start {k}: nllh={nllh:.6f} status={res.status} nfev={res.nfev} njev={res.njev} "
              f"cpu={cpu:.3f} wall={wall:.3f}", flush=True)
        if best is None or nllh < best[0]:
            best = (nllh, res.x)
    print(f"best nllh={best[0]:.6f} starts={len(chosen)} cpu={cpu_total:.3f} {objective.solves()}")
    for label, value in zip(objective.labels, best[1]):
        print(f"estimate {label} {value:.10g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
