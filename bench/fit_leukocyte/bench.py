#!/usr/bin/python3
"""Runs the three sides of the leukocyte fit benchmark one after the other
and prints them side by side (run.sh prepares WORK and calls this).

    bench.py EXVIVO FIT WORK [--scipy-starts N] [--method LSODA]

  exvivo fit                  `EXVIVO fit FIT --threads 1` (after one untimed
                              run that fills the native-code cache)
  SciPy on exvivo's objective fit_scipy.py --objective exvivo FIT: least_squares
                              on exvivo's compiled residuals and sensitivities
                              (isolates the optimizer)
  SciPy                       fit_scipy.py --objective scipy WORK: least_squares
                              on SciPy's own objective (solve_ivp on the model's
                              code translated to Python), the first N starts

All three start from the same points (exvivo's Latin hypercube, written to
WORK/starts.txt here). The two fast sides run --repeat times (default 3) and
report their median wall and CPU time; SciPy's own objective runs once.
CPU time = user + system of each side's process
(getrusage of the children), so it includes each process's start-up (loading
the problem, importing SciPy). "CPU / start" divides by the starts run;
the ratio column compares CPU per start with exvivo's, so it stays
meaningful when SciPy runs fewer starts. Asserts nothing about time.
"""
import argparse
import csv
import json
import math
import os
import re
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3"


def measure(cmd, env=None):
    """(stdout, wall s, CPU s) of cmd; raises on failure."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.time()
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.time() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({out.returncode}):\n{out.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return out.stdout, wall, cpu


def measure_median(cmd, env, repeat):
    """measure() `repeat` times: (stdout of the last, median wall, median CPU)."""
    runs = [measure(cmd, env) for _ in range(repeat)]
    return runs[-1][0], statistics.median(r[1] for r in runs), statistics.median(r[2] for r in runs)


def parse_scipy(text):
    starts = [dict(start=int(m.group(1)), nllh=float(m.group(2)), status=int(m.group(3)), nfev=int(m.group(4)),
                   njev=int(m.group(5)), cpu=float(m.group(6)))
              for m in re.finditer(r"^start (\d+): nllh=(\S+) status=(\S+) nfev=(\d+) njev=(\d+) cpu=(\S+)", text, re.M)]
    best = re.search(r"^best nllh=(\S+) starts=(\d+) cpu=(\S+) plain_solves=(\d+) sensitivity_solves=(\d+)", text, re.M)
    estimates = {m.group(1): float(m.group(2)) for m in re.finditer(r"^estimate (\S+) (\S+)", text, re.M)}
    cpu = re.search(r"plain_cpu=(\S+) sensitivity_cpu=(\S+)", text)
    return dict(solve_cpu=(float(cpu.group(1)), float(cpu.group(2))) if cpu else None, starts=starts, nllh=float(best.group(1)), plain=int(best.group(4)), sens=int(best.group(5)),
                estimates=estimates)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("exvivo")
    ap.add_argument("fit")
    ap.add_argument("work")
    ap.add_argument("--scipy-starts", type=int, default=None, help="starts for SciPy's own objective (default all)")
    ap.add_argument("--method", default="LSODA")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of the two fast sides (exvivo fit, SciPy on exvivo's objective); medians reported")
    args = ap.parse_args()
    work = args.work
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    load_start = os.getloadavg()

    # The starts: exvivo's own Latin hypercube (fit.yaml's starts and seed).
    import yaml
    spec = yaml.safe_load(open(args.fit))
    n_starts, seed = int(spec.get("starts", 50)), int(spec.get("seed", 0))
    import numpy as np
    import exvivo._engine as engine
    points = np.asarray(engine.FitObjective(args.fit, threads=1).start_points(n_starts, seed))
    starts_file = os.path.join(work, "starts.txt")
    np.savetxt(starts_file, points, fmt="%.17g")
    scipy_starts = n_starts if args.scipy_starts is None else min(args.scipy_starts, n_starts)

    fit_out = os.path.join(work, "exvivo_fit")
    exvivo_cmd = [args.exvivo, "fit", args.fit, "-o", fit_out, "--threads", "1", "--quiet"]
    measure(exvivo_cmd, env)  # fills the native-code cache: the timed run is a cache hit
    _, ex_wall, ex_cpu = measure_median(exvivo_cmd, env, args.repeat)
    with open(os.path.join(fit_out, "starts.csv")) as f:
        ex_starts = list(csv.DictReader(f))
    fit_json = json.load(open(os.path.join(fit_out, "fit.json")))
    with open(os.path.join(fit_out, "estimates.csv")) as f:
        intervals = {(r["parameter"] + (f"[{r['donor']}]" if r["donor"] else "")): r for r in csv.DictReader(f)}
    ex_nllh = float(fit_json["best"]["nllh"])
    timing = fit_json["timing"]
    print(f"exvivo fit: nllh {ex_nllh:.6f}, {len(ex_starts)} starts, wall {ex_wall:.2f} s, CPU {ex_cpu:.2f} s; "
          f"timing {timing}", flush=True)

    fit_scipy = os.path.join(HERE, "fit_scipy.py")
    text, sx_wall, sx_cpu = measure_median([PYTHON, fit_scipy, "--objective", "exvivo", args.fit,
                                            "--starts-file", starts_file], env, args.repeat)
    sx = parse_scipy(text)
    print(f"SciPy on exvivo's objective: nllh {sx['nllh']:.6f}, wall {sx_wall:.2f} s, CPU {sx_cpu:.2f} s",
          flush=True)
    text, so_wall, so_cpu = measure([PYTHON, fit_scipy, "--objective", "scipy", work, "--starts-file", starts_file,
                                     "--count", str(scipy_starts), "--method", args.method], env)
    so = parse_scipy(text)
    print(f"SciPy ({args.method}): nllh {so['nllh']:.6f}, wall {so_wall:.2f} s, CPU {so_cpu:.2f} s\n", flush=True)
    load_end = os.getloadavg()

    ex_per = ex_cpu / n_starts
    rows = [
        ("exvivo fit", ex_nllh, n_starts, ex_wall, ex_cpu, f"{timing['plain_solves']} / {timing['sensitivity_solves']}"),
        ("SciPy least_squares on exvivo's objective", sx["nllh"], len(sx["starts"]), sx_wall, sx_cpu,
         f"{sx['plain']} / {sx['sens']}"),
        (f"SciPy least_squares, solve_ivp ({args.method}) in Python", so["nllh"], len(so["starts"]), so_wall, so_cpu,
         f"{so['plain']} / {so['sens']}"),
    ]
    print("| side | optimum nllh | starts | run solves plain / sensitivity | wall s | CPU s | CPU s / start "
          "| CPU / start vs exvivo |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, nllh, starts, wall, cpu, solves in rows:
        print(f"| {name} | {nllh:.6f} | {starts} | {solves} | {wall:.2f} | {cpu:.2f} | {cpu / starts:.3f} "
              f"| {cpu / starts / ex_per:.1f} |")

    pc, sc = so["solve_cpu"]
    ex_plain_ms = 1e3 * timing["plain_seconds"] / timing["plain_solves"]
    ex_sens_ms = 1e3 * timing["sensitivity_seconds"] / timing["sensitivity_solves"]
    print(f"\nPer run integration (one scenario, donor and arm): exvivo {ex_plain_ms:.2f} ms plain, "
          f"{ex_sens_ms:.2f} ms with sensitivities (fit.json timing: wall clock inside the process); SciPy "
          f"{1e3 * pc / so['plain']:.1f} ms plain, {1e3 * sc / so['sens']:.1f} ms with sensitivities (CPU); "
          f"the sensitivity solves take {100 * sc / (pc + sc):.0f} % of SciPy's integration CPU")
    print("\nPer start (nllh; SciPy: least_squares evaluations fun / jac and CPU s of its own fit):")
    ex_by_start = {int(r["start"]): float(r["nllh"]) for r in ex_starts}
    for k in range(n_starts):
        line = f"- start {k}: exvivo {ex_by_start.get(k, math.nan):.6f}"
        for label, side in (("SciPy on exvivo's objective", sx), ("SciPy", so)):
            s = next((s for s in side["starts"] if s["start"] == k), None)
            if s:
                line += f"; {label} {s['nllh']:.6f} ({s['nfev']} / {s['njev']}, {s['cpu']:.2f} s)"
        print(line)

    print("\nSame optimum:")
    for label, side in (("SciPy on exvivo's objective", sx), ("SciPy", so)):
        rel = abs(side["nllh"] - ex_nllh) / abs(ex_nllh)
        failed = [s["start"] for s in side["starts"] if abs(s["nllh"] - ex_nllh) / abs(ex_nllh) > 1e-4]
        worst, outside = 0.0, []
        for name, value in side["estimates"].items():
            r = intervals[name]
            scale = r["scale"]
            v = 10 ** value if scale == "log10" else (math.exp(value) if scale == "log" else value)
            lo, hi, ex_v = float(r["lower95"]), float(r["upper95"]), float(r["value"])
            worst = max(worst, (v - ex_v) / (hi - ex_v) if v > ex_v else (ex_v - v) / (ex_v - lo))
            if not lo <= v <= hi:
                outside.append(name)
        print(f"- {label}: best nllh differs from exvivo's by {rel:.1e} relative; starts more than 1e-4 "
              f"relative from exvivo's optimum: {failed or 'none'}; best estimates inside exvivo's 95 % FIM "
              f"intervals: {'all' if not outside else 'not ' + ', '.join(outside)} (largest distance from "
              f"exvivo's estimate: {worst:.1e} of the distance to the interval's end on that side)")
    # The two objectives at one point, outside the timed runs: SciPy's own
    # residuals and sensitivity Jacobian against exvivo's (they differ by
    # the two integrators' errors at rel_tol 1e-6 only).
    sys.path.insert(0, HERE)
    from scipy_objective import ScipyObjective
    own = ScipyObjective(work, method=args.method)
    ex = engine.FitObjective(args.fit, threads=1)
    theta = points[0]
    r, J = own.residuals(theta, True)
    ok, r_ex, J_ex = ex.residuals(theta, True)
    m = len(r)
    r_ex, J_ex = np.asarray(r_ex), np.asarray(J_ex)
    column = np.max(np.abs(J - J_ex[:m]), axis=0) / np.max(np.abs(J_ex[:m]), axis=0)
    print(f"\nAt start 0 (nllh {own.nllh(r):.6f} SciPy, {0.5 * r_ex @ r_ex + ex.constant:.6f} exvivo): the "
          f"{m} data residuals differ by at most {np.max(np.abs(r - r_ex[:m])):.1e}, the Jacobian columns by at "
          f"most {np.max(column):.1e} of the column's largest entry (exvivo's {len(r_ex) - m} sigma residuals: "
          f"all {np.max(np.abs(r_ex[m:])):g}, their constant σ is in both constants: {own.constant:.6f} SciPy, "
          f"{ex.constant:.6f} exvivo)")
    print(f"\nload average at start {load_start[0]:.1f} / {load_start[1]:.1f} / {load_start[2]:.1f}, at end "
          f"{load_end[0]:.1f} / {load_end[1]:.1f} / {load_end[2]:.1f} ({os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
