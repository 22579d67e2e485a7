#!/usr/bin/env python3
"""The benchmark fit (fit.yaml) by scipy.optimize.least_squares on exvivo's
objective: the same residuals (nllh = ½‖r‖² + constant) and the same
forward-sensitivity Jacobian, evaluated by exvivo's Python module on one
thread, from exvivo's own Latin-hypercube start points. Only the optimizer
differs (README.md says why).

    fit_scipy.py FIT.yaml [--starts 8] [--seed 1]

Prints one line per start and the best: "best nllh=... starts=... solves=...".
fun(θ) integrates without sensitivities (one plain solve per run); jac(θ)
integrates with them (least_squares asks for it once per accepted point):
sensitivities are computed once per point that needs them, never by
finite differences.
"""
import argparse
import sys

import numpy as np
from scipy.optimize import least_squares

import exvivo._engine as engine

FAILED = 1e10  # residual of a point whose simulation fails (trf needs finite values)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("fit")
    ap.add_argument("--starts", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tol", type=float, default=1e-8)
    ap.add_argument("--max-iter", type=int, default=100)
    args = ap.parse_args()

    objective = engine.FitObjective(args.fit, threads=1)
    lower, upper = np.asarray(objective.lower), np.asarray(objective.upper)
    n = len(lower)

    def fun(theta):
        ok, r = objective.residuals(theta, False)
        return np.asarray(r) if ok and np.all(np.isfinite(r)) else np.full(len(r), FAILED)

    def jac(theta):
        ok, r, J = objective.residuals(theta, True)
        return np.asarray(J) if ok else np.zeros((len(r), n))

    best = None
    for k, x0 in enumerate(np.asarray(objective.start_points(args.starts, args.seed))):
        # exvivo's starts lie strictly inside the box; least_squares needs that too.
        x0 = np.clip(x0, lower + 1e-12 * (upper - lower), upper - 1e-12 * (upper - lower))
        res = least_squares(fun, x0, jac=jac, bounds=(lower, upper), method="trf", x_scale="jac",
                            ftol=args.tol, xtol=args.tol, gtol=args.tol, max_nfev=args.max_iter * 10)
        nllh = 0.5 * float(res.fun @ res.fun) + objective.constant
        print(f"start {k}: nllh={nllh:.6f} status={res.status} nfev={res.nfev} njev={res.njev}", flush=True)
        if best is None or nllh < best[0]:
            best = (nllh, res.x)
    t = objective.timing()
    print(f"best nllh={best[0]:.6f} starts={args.starts} plain_solves={t['plain_solves']} "
          f"sensitivity_solves={t['sensitivity_solves']}")
    for label, value in zip(objective.labels, best[1]):
        print(f"  {label} = {value:.6f} (parameter scale)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
