#!/usr/bin/python3
"""Synthetic measurement table from a simulation: noise added to exvivo's timecourses.

Turns the `timecourses.csv` of `exvivo run` (columns run, donor, arm, sample,
time, observable, value) into a measurement table for `exvivo fit` (DESIGN.md
§6: donor, arm, observable, time, measurement, replicate), drawing each
measurement from the observable's noise model around the simulated value:

  normal:sigma       y = value + sigma * e
  lognormal:sigma    y = value * exp(sigma * e)          (sigma of ln y)
  proportional:cv    y = value * (1 + cv * e)

with e ~ N(0, 1) from Python's `random.Random(seed)` (reproducible across
Python versions). The noise of each observable is taken from the model file
(`--model`, its `observables.<name>.noise`) unless `--noise` gives one, either
for all observables (`--noise lognormal:0.15`) or for one
(`--noise TNF_pg=lognormal:0.25`).

Example (the data of scenarios/fit_gmcsf_donors.yaml):

  build/exvivo run scenarios/fit_gmcsf_donors.yaml -o results/fit_gmcsf_donors_truth --quiet
  /usr/bin/python3 tools/make_synthetic_data.py results/fit_gmcsf_donors_truth/timecourses.csv \\
      --model models/leukocyte_exvivo.yaml --seed 1 \\
      --keep mHLA_DR:0-24 --keep TNF_pg:25-28 > scenarios/data/gmcsf_donors.tsv

Rows are written in input order (donor, arm, observable, time as the
simulation lists them); values with 4 significant digits. Exit code 2 with a
message on stderr for bad input.
"""
import argparse
import csv
import math
import random
import sys


def fail(message):
    print(f"make_synthetic_data: {message}", file=sys.stderr)
    sys.exit(2)


def parse_noise(text, where):
    """'lognormal:0.15' -> ('lognormal', 0.15)."""
    kind, _, sigma = text.partition(":")
    if kind not in ("normal", "lognormal", "proportional"):
        fail(f"{where}: unknown noise distribution '{kind}' (normal, lognormal or proportional)")
    try:
        value = float(sigma)
    except ValueError:
        fail(f"{where}: expected DISTRIBUTION:SIGMA, got '{text}'")
    if not value >= 0:
        fail(f"{where}: sigma must be >= 0, got {sigma}")
    return kind, value


def model_noise(path):
    """Noise models of a model file's observables: {name: (distribution, sigma)}."""
    try:
        import yaml
    except ImportError:
        fail("--model needs PyYAML (python3-yaml); give --noise instead")
    try:
        with open(path, encoding="utf-8") as f:
            model = yaml.safe_load(f)
    except OSError as e:
        fail(f"{path}: cannot open: {e.strerror}")
    noise = {}
    for name, spec in (model.get("observables") or {}).items():
        n = spec.get("noise") if isinstance(spec, dict) else None
        if isinstance(n, dict) and "distribution" in n and "sigma" in n:
            noise[name] = parse_noise(f"{n['distribution']}:{n['sigma']}", f"{path}: observables.{name}.noise")
    return noise


def parse_keep(text):
    """'TNF_pg:25-28' -> ('TNF_pg', 25.0, 28.0), times in the model's time unit."""
    name, _, span = text.partition(":")
    lo, sep, hi = span.partition("-")
    try:
        return name, float(lo), float(hi if sep else lo)
    except ValueError:
        fail(f"--keep: expected OBSERVABLE:FROM-TO, got '{text}'")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("timecourses", help="timecourses.csv written by `exvivo run`")
    ap.add_argument("--model", help="model YAML whose observables' noise models are used")
    ap.add_argument("--noise", action="append", default=[],
                    help="DIST:SIGMA for all observables or OBS=DIST:SIGMA for one (repeatable)")
    ap.add_argument("--keep", action="append", default=[],
                    help="OBS:FROM-TO keeps OBS at times in [FROM, TO] (repeatable; default: every row)")
    ap.add_argument("--replicates", type=int, default=1, help="independent draws per simulated point")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.replicates < 1:
        fail(f"--replicates: must be at least 1, got {args.replicates}")

    noise = model_noise(args.model) if args.model else {}
    default_noise = None
    for n in args.noise:
        if "=" in n:
            name, _, spec = n.partition("=")
            noise[name] = parse_noise(spec, f"--noise {n}")
        else:
            default_noise = parse_noise(n, f"--noise {n}")
    keeps = [parse_keep(k) for k in args.keep]

    try:
        with open(args.timecourses, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        fail(f"{args.timecourses}: cannot open: {e.strerror}")
    required = {"donor", "arm", "time", "observable", "value"}
    if not rows or not required <= set(rows[0]):
        fail(f"{args.timecourses}: expected the columns of timecourses.csv ({', '.join(sorted(required))})")

    rng = random.Random(args.seed)
    seen = {}
    out = csv.writer(sys.stdout, delimiter="\t", lineterminator="\n")
    out.writerow(["donor", "arm", "observable", "time", "measurement", "replicate"])
    for line, row in enumerate(rows, start=2):
        obs, t = row["observable"], float(row["time"])
        if keeps and not any(obs == k and lo <= t <= hi for k, lo, hi in keeps):
            continue
        key = (row["donor"], row["arm"], obs, t)
        if key in seen:
            fail(f"{args.timecourses}:{line}: {obs} of {row['donor']}/{row['arm']} at time {t} "
                 f"appears twice (line {seen[key]}): a fit needs one run per donor and arm")
        seen[key] = line
        kind, sigma = noise.get(obs, default_noise) or fail(
            f"{args.timecourses}:{line}: no noise model for observable '{obs}' (give --model or --noise)")
        value = float(row["value"])
        if kind == "lognormal" and not value > 0:
            print(f"make_synthetic_data: skipping {obs} of {row['donor']}/{row['arm']} at {t}: "
                  f"simulated {value} cannot be lognormal", file=sys.stderr)
            continue
        for r in range(args.replicates):
            e = rng.gauss(0.0, 1.0)
            y = {"normal": value + sigma * e,
                 "lognormal": value * math.exp(sigma * e),
                 "proportional": value * (1 + sigma * e)}[kind]
            out.writerow([row["donor"], row["arm"], obs, f"{t:g}", f"{y:.4g}", chr(ord("A") + r % 26)])


if __name__ == "__main__":
    main()
