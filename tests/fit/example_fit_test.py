#!/usr/bin/python3
"""The bundled example fit (scenarios/fit_gmcsf_patients.yaml) end to end.

1. Its data are reproduced by the documented command: `exvivo run` of
   fit_gmcsf_donors.yaml then tools/make_synthetic_data.py with seed 1 give
   the committed table (measurements equal to their 4 significant digits, up
   to one unit in the last digit for solver round-off).
2. `exvivo fit` exits 0 and every 95 % interval in estimates.csv contains the
   true value the data were simulated with (listed in the fit file's header).
"""
import argparse
import csv
import math
import os
import subprocess
import sys

TRUTH = {  # parameter or parameter/donor -> true value (model units)
    "K_GM": 0.6,
    "E_GM": 6.0,
    "HLA0/septic_a": 4000.0,
    "HLA0/septic_b": 7000.0,
    "HLA0/septic_c": 2500.0,
}

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    return p.returncode, p.stdout + p.stderr


def read_tsv(text_or_path):
    with open(text_or_path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exvivo", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    scenarios = os.path.join(args.source, "scenarios")
    os.makedirs(args.work, exist_ok=True)

    truth_dir = os.path.join(args.work, "truth")
    code, text = run([args.exvivo, "run", os.path.join(scenarios, "fit_gmcsf_donors.yaml"),
                      "-o", truth_dir, "--quiet"])
    check(code == 0, f"exvivo run of the truth scenario exits 0 (got {code}) {text[-300:]}")
    regenerated = os.path.join(args.work, "gmcsf_donors.tsv")
    with open(regenerated, "w", encoding="utf-8") as out:
        p = subprocess.run(["/usr/bin/python3", os.path.join(args.source, "tools", "make_synthetic_data.py"),
                            os.path.join(truth_dir, "timecourses.csv"),
                            "--model", os.path.join(args.source, "models", "leukocyte_exvivo.yaml"),
                            "--seed", "1", "--keep", "mHLA_DR:0-24", "--keep", "TNF_pg:25-28"],
                           stdout=out, stderr=subprocess.PIPE, text=True)
    check(p.returncode == 0, f"make_synthetic_data exits 0 {p.stderr[-300:]}")
    committed = read_tsv(os.path.join(scenarios, "data", "gmcsf_donors.tsv"))
    fresh = read_tsv(regenerated)
    check(len(fresh) == len(committed), f"regenerated table has {len(fresh)} rows, committed {len(committed)}")
    key = ("donor", "arm", "observable", "time", "replicate")
    for a, b in zip(fresh, committed):
        same_row = all(a[k] == b[k] for k in key)
        x, y = float(a["measurement"]), float(b["measurement"])
        if not same_row or abs(x - y) > 1.01e-3 * abs(y):
            check(False, f"regenerated row {a} differs from committed {b}")
            break
    else:
        check(True, "the documented command reproduces scenarios/data/gmcsf_donors.tsv")

    # The generator's input errors: exit 2 and a message naming the problem.
    generator = ["/usr/bin/python3", os.path.join(args.source, "tools", "make_synthetic_data.py"),
                 os.path.join(truth_dir, "timecourses.csv")]
    for extra, message in [
            (["--noise", "gaussian:0.1"], "--noise gaussian:0.1: unknown noise distribution 'gaussian' "
                                          "(normal, lognormal, logitnormal or proportional)"),
            (["--noise", "lognormal:-1"], "--noise lognormal:-1: sigma must be >= 0, got -1"),
            (["--keep", "TNF_pg:a-b"], "--keep: expected OBSERVABLE:FROM-TO, got 'TNF_pg:a-b'"),
            ([], "no noise model for observable 'mHLA_DR' (give --model or --noise)")]:
        code, text = run(generator + extra)
        check(code == 2 and message in text, f"make_synthetic_data {' '.join(extra)}: exit 2 with '{message}' "
                                             f"(got {code}: {text.strip()[-200:]})")

    out_dir = os.path.join(args.work, "fit")
    code, text = run([args.exvivo, "fit", os.path.join(scenarios, "fit_gmcsf_patients.yaml"),
                      "-o", out_dir, "--quiet"])
    check(code == 0, f"exvivo fit exits 0 (got {code}) {text[-400:]}")
    with open(os.path.join(out_dir, "estimates.csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    found = {}
    for r in rows:
        name = r["parameter"] + ("/" + r["donor"] if r["donor"] else "")
        found[name] = r
    check(set(found) == set(TRUTH), f"estimates for {sorted(found)}")
    for name, true in TRUTH.items():
        r = found.get(name)
        if r is None:
            continue
        lo, hi = float(r["lower95"]), float(r["upper95"])  # 'nan' parses to NaN and fails below
        check(not math.isnan(lo) and not math.isnan(hi) and lo <= true <= hi,
              f"{name}: true {true:g} in 95% {r['method']} interval [{lo:.4g}, {hi:.4g}] "
              f"(estimate {float(r['value']):.4g})")

    # fit.json records the integrations: sensitivities at the start points and
    # accepted steps only, so fewer sensitivity solves than plain ones.
    import json
    with open(os.path.join(out_dir, "fit.json"), encoding="utf-8") as f:
        timing = json.load(f).get("timing", {})
    check(set(timing) == {"plain_solves", "plain_seconds", "sensitivity_solves", "sensitivity_seconds"},
          f"fit.json timing keys {sorted(timing)}")
    if timing:
        check(0 < timing["sensitivity_solves"] < timing["plain_solves"],
              f"sensitivity solves {timing['sensitivity_solves']} fewer than plain {timing['plain_solves']}")
        check(timing["plain_seconds"] > 0 and timing["sensitivity_seconds"] > 0, "positive solve times")

    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
