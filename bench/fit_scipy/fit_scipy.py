#!/usr/bin/python3
"""SciPy side of the fit benchmark: fit.yaml's problem with least_squares + solve_ivp.

Per-donor k_el (20 donors) and a shared C0 of models/one_compartment.yaml,
dC/dt = -k_el C, C(0) = C0, observed as C_ng with lognormal noise sigma 0.1,
fitted to data.tsv. Same parameterisation as fit.yaml (log10 scale, the same
box), the same number of Latin-hypercube starts on that scale, and the same
objective: the PEtab negative log-likelihood

    nllh = sum_i  1/2 log(2 pi sigma^2 m_i^2) + 1/2 ((ln y_i - ln m_i)/sigma)^2.

Each residual evaluation integrates every donor's ODE with solve_ivp (LSODA,
rtol 1e-8, atol 1e-20 as the scenario's solver). --jac chooses the Jacobian:
`2-point` (least_squares' finite differences, what a SciPy user writes first)
or `sens` (forward sensitivities integrated with the state, as exvivo does).
Prints one line: `scipy[JAC] nllh=... wall_s=... starts=... nfev=...`.
"""
import argparse
import csv
import math
import sys
import time

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import least_squares
from scipy.stats import qmc

SIGMA = 0.1                       # one_compartment.yaml: C_ng lognormal sigma
K_BOUNDS = (0.01, 2.0)            # fit.yaml, 1/h, log10 scale
C0_BOUNDS = (1.0, 100.0)          # fit.yaml, ng/mL, log10 scale
RTOL, ATOL = 1e-8, 1e-20


def read_data(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    donors = sorted({r["donor"] for r in rows})
    index = {d: i for i, d in enumerate(donors)}
    donor = np.array([index[r["donor"]] for r in rows])
    t = np.array([float(r["time"]) for r in rows])
    m = np.array([float(r["measurement"]) for r in rows])
    return donors, donor, t, m


class Problem:
    def __init__(self, donors, donor, t, m, with_sensitivities):
        self.n = len(donors)
        self.donor, self.t, self.log_m = donor, t, np.log(m)
        self.constant = float(np.sum(0.5 * np.log(2 * math.pi * SIGMA**2 * m**2)))
        self.times = [np.unique(t[donor == d]) for d in range(self.n)]
        self.rows = [[np.searchsorted(self.times[d], t[i]) for i in np.where(donor == d)[0]]
                     for d in range(self.n)]
        self.sens = with_sensitivities

    def simulate(self, theta):
        """C at every row (and, with sensitivities, dC/dtheta: row x parameter)."""
        k, c0 = 10.0 ** theta[: self.n], 10.0 ** theta[self.n]
        y = np.empty(len(self.t))
        dy = np.zeros((len(self.t), self.n + 1)) if self.sens else None
        for d in range(self.n):
            rows = np.where(self.donor == d)[0]
            kd = k[d]
            if self.sens:  # state C, S_k = dC/dk, S_C0 = dC/dC0
                rhs = lambda _t, x: [-kd * x[0], -x[0] - kd * x[1], -kd * x[2]]
                x0 = [c0, 0.0, 1.0]
            else:
                rhs = lambda _t, x: [-kd * x[0]]
                x0 = [c0]
            sol = solve_ivp(rhs, (0.0, self.times[d][-1]), x0, method="LSODA", t_eval=self.times[d],
                            rtol=RTOL, atol=ATOL)
            if not sol.success:
                raise RuntimeError(sol.message)
            y[rows] = sol.y[0, self.rows[d]]
            if self.sens:  # chain rule to log10 parameters: dθ = x ln10 dx/x
                dy[rows, d] = sol.y[1, self.rows[d]] * kd * math.log(10)
                dy[rows, self.n] = sol.y[2, self.rows[d]] * c0 * math.log(10)
        return y, dy

    def residuals(self, theta):
        y, _ = self.simulate(theta)
        return (np.log(np.maximum(y, 1e-300)) - self.log_m) / SIGMA

    def jacobian(self, theta):
        y, dy = self.simulate(theta)
        return dy / (SIGMA * np.maximum(y, 1e-300))[:, None]

    def nllh(self, theta):
        r = self.residuals(theta)
        return self.constant + 0.5 * float(r @ r)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", help="data.tsv (made by run.sh)")
    ap.add_argument("--starts", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jac", choices=["2-point", "sens"], default="2-point")
    args = ap.parse_args()

    donors, donor, t, m = read_data(args.data)
    problem = Problem(donors, donor, t, m, with_sensitivities=args.jac == "sens")
    n = len(donors)
    lower = np.array([math.log10(K_BOUNDS[0])] * n + [math.log10(C0_BOUNDS[0])])
    upper = np.array([math.log10(K_BOUNDS[1])] * n + [math.log10(C0_BOUNDS[1])])
    starts = qmc.scale(qmc.LatinHypercube(d=n + 1, seed=args.seed).random(args.starts), lower, upper)

    begin = time.perf_counter()
    best, nfev = None, 0
    for x0 in starts:
        fit = least_squares(problem.residuals, x0, jac=problem.jacobian if args.jac == "sens" else "2-point",
                            bounds=(lower, upper), method="trf", ftol=1e-10, xtol=1e-10, gtol=1e-10,
                            max_nfev=200 * (n + 1))
        nfev += fit.nfev
        if best is None or fit.cost < best.cost:
            best = fit
    wall = time.perf_counter() - begin
    estimate = 10.0 ** best.x
    print(f"scipy[{args.jac}] nllh={problem.nllh(best.x):.6f} wall_s={wall:.2f} starts={args.starts} "
          f"nfev={nfev} C0={estimate[n]:.4f} k_el[{donors[0]}]={estimate[0]:.5f}")


if __name__ == "__main__":
    sys.exit(main())
