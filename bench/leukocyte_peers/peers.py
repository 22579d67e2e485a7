#!/usr/bin/python3
"""exvivo vs R deSolve (LSODA) and SciPy (LSODA) on the leukocyte model.

    peers.py TOOL SCENARIO WORK [--quick]

TOOL is the built `leukocyte_peers`; WORK holds what `leukocyte_peers export`
wrote and leuko.so (run.sh prepares both). Prints markdown tables; asserts
nothing about time. See bench/README.md, "exvivo vs R deSolve and SciPy".

Error of a solve: the largest relative deviation from the reference over every
observable at every sample time, |y - y_ref| / max(|y_ref|, 1e-3 * max_t |y_ref|)
(the floor keeps an observable that passes near 0 from dominating through its
absolute error). Observables are computed from each solver's states by the same
generated C code, so every solver is measured the same way.

CPU time per solve: process CPU time (user + system), median over batches of
the mean per solve, each batch lasting about BATCH_SECONDS.
"""
import ctypes
import math
import os
import resource
import subprocess
import sys
import time

import numpy as np
from scipy.integrate import odeint, solve_ivp

ABS_RATIO = 1e-3        # abs_tol = rel_tol * ABS_RATIO for every solver
FLOOR = 1e-3            # error floor, relative to the observable's largest value
REFERENCE = ("rodas4", 1e-13)
CROSS_CHECK = ("rk45", 1e-13)  # an independent method against the reference
HERE = os.path.dirname(os.path.abspath(__file__))


def read_column(path, header=False):
    with open(path) as f:
        lines = f.read().split()
    return np.array([float(v) for v in (lines[1:] if header else lines)])


class Export:
    """The files of `leukocyte_peers export` and the compiled wrapper."""

    def __init__(self, work):
        self.work = work
        self.x0 = read_column(os.path.join(work, "x0.csv"))
        self.t0 = float(read_column(os.path.join(work, "t0.csv"))[0])
        self.samples = read_column(os.path.join(work, "samples.csv"), header=True)
        self.events = []  # (time, var 0-based, value, method)
        with open(os.path.join(work, "events.csv")) as f:
            next(f)
            for line in f:
                t, var, value, method = line.strip().split(",")
                self.events.append((float(t), int(var) - 1, float(value), method))
        self.event_times = sorted({e[0] for e in self.events})
        assert not set(self.event_times) & set(self.samples), "samples must avoid event times"
        self.lib = ctypes.CDLL(os.path.join(work, "leuko.so"))
        for name in ("rhs", "jac_dense", "observables"):
            getattr(self.lib, name).argtypes = [ctypes.c_double, ctypes.c_void_p, ctypes.c_void_p]
            getattr(self.lib, name).restype = None
        self.lib.setup()
        self.n = self.lib.num_states()
        self.n_obs = self.lib.num_observables()

    def observables(self, states):
        y = np.empty((len(states), self.n_obs))
        for r, (t, x) in enumerate(zip(self.samples, states)):
            x = np.ascontiguousarray(x, dtype=float)
            self.lib.observables(t, x.ctypes.data, y[r].ctypes.data)
        return y

    def check_wrapper(self):
        """The wrapper's rhs, Jacobian and observables against the engine's interpreter at (t0, x0)."""
        with open(os.path.join(self.work, "check.csv")) as f:
            f_ref, j_ref, y_ref = (np.array([float(v) for v in line.split(",")]) for line in f)
        f = np.empty(self.n)
        J = np.empty(self.n * self.n)
        y = np.empty(self.n_obs)
        x = self.x0.copy()
        self.lib.rhs(self.t0, x.ctypes.data, f.ctypes.data)
        self.lib.jac_dense(self.t0, x.ctypes.data, J.ctypes.data)
        self.lib.observables(self.t0, x.ctypes.data, y.ctypes.data)
        worst = max(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)) for a, b in
                    ((f, f_ref), (J, j_ref), (y, y_ref)))
        return worst


class Scipy:
    """SciPy's LSODA calling the compiled right-hand side through ctypes,
    integrating segment by segment between event times."""

    def __init__(self, ex):
        self.ex = ex
        lib, n = ex.lib, ex.n
        self.buf = np.empty(n)
        self.jbuf = np.empty(n * n)
        rhs, jac = lib.rhs, lib.jac_dense
        buf, jbuf = self.buf, self.jbuf
        bufp, jbufp = buf.ctypes.data, jbuf.ctypes.data

        def f(t, x):  # odeint copies the result: the buffer can be reused
            rhs(t, np.ascontiguousarray(x).ctypes.data, bufp)
            return buf

        def j(t, x):  # column-major n×n read as C order = transposed: col_deriv=True
            jac(t, np.ascontiguousarray(x).ctypes.data, jbufp)
            return jbuf.reshape(n, n)

        def f_copy(t, x):
            out = np.empty(n)
            rhs(t, np.ascontiguousarray(x).ctypes.data, out.ctypes.data)
            return out

        self.f, self.j, self.f_copy = f, j, f_copy
        t_end = ex.samples[-1]
        self.bounds = [t for t in ex.event_times if ex.t0 < t < t_end] + [t_end]
        self.segments = []
        t = ex.t0
        for te in self.bounds:
            seg = [s for s in ex.samples if t < s <= te]
            self.segments.append((t, te, seg, [e for e in ex.events if e[0] == te]))
            t = te

    @staticmethod
    def apply(x, actions):
        for _, var, value, method in actions:
            if method == "add":
                x[var] += value
            elif method == "rep":
                x[var] = value
            else:
                x[var] *= value

    def solve(self, kind, tol):
        """kind: odeint, odeint_jac or solve_ivp. Returns (states, ok, steps, rhs evals)."""
        x = self.ex.x0.copy()
        rows, ok, steps, nfev = [], True, 0, 0
        for t, te, seg, actions in self.segments:
            ts = [t] + seg + ([] if seg and seg[-1] == te else [te])
            if kind == "solve_ivp":
                sol = solve_ivp(self.f_copy, (t, te), x, method="LSODA", t_eval=ts[1:], rtol=tol,
                                atol=tol * ABS_RATIO)
                ok = ok and sol.success
                y = sol.y.T
                nfev += sol.nfev
                rows.extend(y[:len(seg)])
                x = y[-1].copy()
            else:
                y, info = odeint(self.f, x, ts, Dfun=self.j if kind == "odeint_jac" else None,
                                 col_deriv=True, rtol=tol, atol=tol * ABS_RATIO, mxstep=10**8,
                                 tfirst=True, full_output=True)
                ok = ok and info["message"] == "Integration successful."
                steps += int(info["nst"][-1])
                nfev += int(info["nfe"][-1])
                rows.extend(y[1:1 + len(seg)])
                x = y[-1].copy()
            self.apply(x, actions)
        return np.array(rows), ok, steps, nfev


def median_cpu_us(fn, batch_seconds, batches):
    start = time.process_time()
    fn()
    first = time.process_time() - start
    reps = max(1, math.ceil(batch_seconds / max(first, 1e-4)))
    per = []
    for _ in range(batches):
        start = time.process_time()
        for _ in range(reps):
            fn()
        per.append((time.process_time() - start) / reps)
    return 1e6 * float(np.median(per))


def run_tool(tool, scenario, evaluator, method, tol, reps, batches, states):
    out = subprocess.run([tool, "solve", scenario, evaluator, method, repr(tol), repr(tol * ABS_RATIO),
                          str(reps), str(batches), states], capture_output=True, text=True)
    fields = out.stdout.split()
    if len(fields) != 7:
        raise RuntimeError(f"leukocyte_peers solve failed: {out.stderr.strip()}")
    status, cpu_us, steps, rejected, rhs, jac, used = fields
    return dict(status=status, cpu_us=float(cpu_us), steps=int(steps) + int(rejected), rhs=int(rhs),
                used=used)


def exvivo(tool, scenario, work, evaluator, method, tol, batch_seconds, batches, tag):
    states = os.path.join(work, f"{tag}.csv")
    first = run_tool(tool, scenario, evaluator, method, tol, 1, 1, states)
    reps = max(1, math.ceil(batch_seconds / max(first["cpu_us"] * 1e-6, 1e-6)))
    r = run_tool(tool, scenario, evaluator, method, tol, reps, batches, states)
    r["states"] = np.loadtxt(states, delimiter=",", ndmin=2)
    return r


class Errors:
    def __init__(self, ex, ref_states):
        self.ex = ex
        self.ref = ex.observables(ref_states)
        peak = np.max(np.abs(self.ref), axis=0)
        self.used = peak > 0  # an observable identically 0 has no relative error
        self.scale = np.maximum(np.abs(self.ref), FLOOR * peak)[:, self.used]

    def __call__(self, states):
        if states.shape != (len(self.ex.samples), self.ex.n) or not np.all(np.isfinite(states)):
            return math.inf
        y = self.ex.observables(states)[:, self.used]
        return float(np.max(np.abs(y - self.ref[:, self.used]) / self.scale))


def interpolate(points, target):
    """points: [(tol, error, us)] by decreasing tol. Log-log interpolation of
    (tol, us) at error = target between the first bracketing pair, or None."""
    for (t1, e1, u1), (t2, e2, u2) in zip(points, points[1:]):
        if not (0 < e1 < math.inf and 0 < e2 < math.inf):
            continue
        if (e1 - target) * (e2 - target) <= 0 and e1 != e2:
            w = (math.log(target) - math.log(e1)) / (math.log(e2) - math.log(e1))
            return (math.exp(math.log(t1) + w * (math.log(t2) - math.log(t1))),
                    math.exp(math.log(u1) + w * (math.log(u2) - math.log(u1))))
    return None


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        return 2
    tool, scenario, work = sys.argv[1:4]
    quick = "--quick" in sys.argv[4:]
    batches = 3 if quick else 7
    batch_seconds = 0.05 if quick else 0.2
    tols = [10.0 ** (-k / 2) for k in range(6, 21, 2 if quick else 1)]  # 1e-3 … 1e-10
    matched_tols = [1e-4, 1e-6, 1e-8]
    load_start = os.getloadavg()
    wall_start, cpu_start = time.time(), time.process_time()

    ex = Export(work)
    wrapper_diff = ex.check_wrapper()
    print(f"wrapper vs engine interpreter at (t0, x0): rhs, Jacobian, observables agree to "
          f"{wrapper_diff:.1e} relative")
    if wrapper_diff > 1e-12:
        print("the peers would not solve the engine's model: stopping", file=sys.stderr)
        return 1

    # Reference: rodas4 at rel_tol 1e-13 (abs_tol 1e-16), native and interpreted; they must agree.
    method, rtol = REFERENCE
    ref = {e: run_tool(tool, scenario, e, method, rtol, 1, 1, os.path.join(work, f"reference_{e}.csv"))
           for e in ("native", "interpreter")}
    ref_states = {e: np.loadtxt(os.path.join(work, f"reference_{e}.csv"), delimiter=",", ndmin=2)
                  for e in ref}
    err = Errors(ex, ref_states["native"])
    diff = np.max(np.abs(ref_states["native"] - ref_states["interpreter"]) /
                  np.maximum(np.abs(ref_states["interpreter"]), 1e-300))
    if diff > 1e-12:
        print(f"native and interpreted references differ by {diff:.1e}: stopping", file=sys.stderr)
        return 1
    cross = run_tool(tool, scenario, "native", CROSS_CHECK[0], CROSS_CHECK[1], 1, 1,
                     os.path.join(work, "cross_check.csv"))
    cross_err = err(np.loadtxt(os.path.join(work, "cross_check.csv"), delimiter=",", ndmin=2))
    print(f"reference: exvivo {method} rel_tol {rtol:g}, abs_tol {rtol * ABS_RATIO:g}, "
          f"{ref['native']['steps']} steps; native vs interpreter states differ by {diff:.1e} "
          f"relative; {CROSS_CHECK[0]} at rel_tol {CROSS_CHECK[1]:g} ({cross['steps']} steps) differs from it by "
          f"{cross_err:.1e} (error as defined above); {int(err.used.sum())} of {ex.n_obs} observables "
          f"not identically 0")

    scipy = Scipy(ex)

    def measure_peers(tol, label):
        """Every peer at rel_tol `tol`: {name: (error, µs, note)}."""
        out = {}
        rs = subprocess.run(["Rscript", os.path.join(HERE, "desolve_lsoda.R"), work, repr(tol), repr(ABS_RATIO),
                             repr(batch_seconds), str(batches), label], capture_output=True, text=True)
        if rs.returncode != 0:
            raise RuntimeError(f"desolve_lsoda.R failed: {rs.stderr.strip()}")
        for line in rs.stdout.strip().splitlines()[1:]:
            name, k, _, status, us, _, _, _ = line.split(",")
            states = np.loadtxt(os.path.join(work, f"{name}_{label}{k}.csv"), delimiter=",", ndmin=2)
            out[name] = (err(states) if status == "ok" else math.inf, float(us), "")
        for kind in ("odeint", "odeint_jac", "solve_ivp"):
            states, ok, steps, nfev = scipy.solve(kind, tol)
            us = median_cpu_us(lambda: scipy.solve(kind, tol), batch_seconds, batches)
            out[f"scipy_{kind}"] = (err(states) if ok else math.inf, us,
                                    f"{steps} steps, {nfev} rhs" if steps else f"{nfev} rhs")
        return out

    def measure_exvivo(tol, label):
        out = {}
        for evaluator in ("native", "interpreter"):
            r = exvivo(tool, scenario, work, evaluator, "auto", tol, batch_seconds, batches, f"{evaluator}_{label}")
            out[f"exvivo_{evaluator}"] = (err(r["states"]) if r["status"] == "ok" else math.inf, r["cpu_us"],
                                          f"{r['steps']} steps, {r['used']}")
        return out

    # The sweep: every solver at one tolerance before the next tolerance, so
    # that a change of the machine's load shifts all of them alike.
    solvers = {}  # name -> [(tol, error, µs, note)]
    for k, tol in enumerate(tols):
        for name, (e, us, note) in {**measure_exvivo(tol, f"s{k}"), **measure_peers(tol, f"s{k}_")}.items():
            solvers.setdefault(name, []).append((tol, e, us, note))
        print(f"measured rel_tol {tol:.1e}", file=sys.stderr)

    names = list(solvers)
    print("\n### Work-precision sweep (error / µs per solve; abs_tol = rel_tol × 1e-3)\n")
    print("| rel_tol | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for k, tol in enumerate(tols):
        cells = [f"{solvers[n][k][1]:.1e} / {solvers[n][k][2]:.0f}" for n in names]
        print(f"| {tol:.1e} | " + " | ".join(cells) + " |")

    print("\n### CPU time per solve at equal error (log-log interpolation of the sweep), µs\n")
    targets = [1e-3, 1e-4, 1e-5, 1e-6, 1e-7]
    print("| error | " + " | ".join(names) + " | best peer / exvivo native |")
    print("|---" * (len(names) + 2) + "|")
    for target in targets:
        times = {n: interpolate([(t, e, u) for t, e, u, _ in solvers[n]], target) for n in names}
        cells = [f"{times[n][1]:.0f}" if times[n] else "–" for n in names]
        peers = [times[n][1] for n in names if not n.startswith("exvivo") and times[n]]
        ratio = (f"{min(peers) / times['exvivo_native'][1]:.2f}"
                 if peers and times["exvivo_native"] else "–")
        print(f"| {target:.0e} | " + " | ".join(cells) + f" | {ratio} |")

    print("\n### At matched accuracy, measured side by side\n")
    print("Each peer at rel_tol T, then exvivo (`auto`) at the rel_tol whose error matches the peer's "
          "(log-log interpolation of its sweep), solved and timed right after it.\n")
    print("| peer | peer rel_tol | peer error | peer µs | exvivo rel_tol | exvivo error | exvivo native µs "
          "| exvivo interpreter µs | peer / native | peer / interpreter |")
    print("|---" * 10 + "|")
    native_points = [(t, e, u) for t, e, u, _ in solvers["exvivo_native"]]
    rows = []
    for j, tol in enumerate(matched_tols):
        # The peers measured again here, each followed by exvivo at the matching tolerance.
        peers = measure_peers(tol, f"m{j}_")
        for name, (e_peer, us_peer, _) in peers.items():
            hit = interpolate(native_points, e_peer) if e_peer < math.inf else None
            if not hit:
                rows.append((name, tol, f"| {name} | {tol:.0e} | {e_peer:.1e} | {us_peer:.0f} | – | – | – | – | – | – |"))
                continue
            r = measure_exvivo(hit[0], f"m{j}_{name}")
            (e_x, us_n, _), us_i = r["exvivo_native"], r["exvivo_interpreter"][1]
            rows.append((name, tol, f"| {name} | {tol:.0e} | {e_peer:.1e} | {us_peer:.0f} | {hit[0]:.1e} | {e_x:.1e} | "
                                    f"{us_n:.0f} | {us_i:.0f} | {us_peer / us_n:.1f} | {us_peer / us_i:.2f} |"))
        print(f"measured matched accuracy at peer rel_tol {tol:.0e}", file=sys.stderr)
    order = {name: i for i, name in enumerate(names)}
    for _, _, row in sorted(rows, key=lambda r: (order.get(r[0], 99), -r[1])):
        print(row)

    print("\n### Steps (exvivo: accepted + rejected, method used; SciPy odeint: LSODA steps)\n")
    for name in names:
        notes = [f"{t:.0e}: {note}" for t, _, _, note in solvers[name] if note]
        if notes:
            print(f"- {name}: " + "; ".join(notes[::2 if not quick else 1]))

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = time.process_time() - cpu_start + children.ru_utime + children.ru_stime
    wall = time.time() - wall_start
    print(f"\nload average at start {load_start[0]:.1f} / {load_start[1]:.1f} / {load_start[2]:.1f}, "
          f"at end {os.getloadavg()[0]:.1f} / {os.getloadavg()[1]:.1f} / {os.getloadavg()[2]:.1f} "
          f"(2 cores); the benchmark (single-threaded throughout) got {cpu:.0f} s of CPU in {wall:.0f} s "
          f"wall ({100 * cpu / wall:.0f} % of one core)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
