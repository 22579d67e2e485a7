#!/usr/bin/python3
"""Synthetic measurement table from a simulation: noise added to exvivo's timecourses.

Turns the `timecourses.csv` of `exvivo run` (columns run, donor, arm, sample,
time, observable, value) into a measurement table for `exvivo fit` (DESIGN.md
§6: donor, arm, observable, time, measurement, replicate), drawing each
measurement from the observable's noise model around the simulated value:

  normal:sigma       y = value + sigma * e
  lognormal:sigma    y = value * exp(sigma * e)          (sigma of ln y)
  proportional:cv    y = value * (1 + cv * e)
  logitnormal:sigma  y = c / (1 + exp(-(logit(value / c) + sigma * e)))
                     (sigma of logit(y/c); c = 100 for a `%` observable, else 1)

with e ~ N(0, 1) from Python's `random.Random(seed)` (reproducible across
Python versions). The noise of each observable is taken from the model file
(`--model`, its `observables.<name>.noise`) unless `--noise` gives one, either
for all observables (`--noise lognormal:0.15`) or for one
(`--noise TNF_pg=lognormal:0.25`).

An observable whose model entry has an `lloq` (lower limit of
quantification, in its unit) is censored as an assay reports it: a draw
below the LLOQ becomes a row with an empty `measurement` and `upper` = LLOQ
(the table then has `lower` and `upper` columns, otherwise not;
`--lloq OBS=VALUE` sets or overrides one).

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
    if kind not in ("normal", "lognormal", "proportional", "logitnormal"):
        fail(f"{where}: unknown noise distribution '{kind}' (normal, lognormal, logitnormal or proportional)")
    try:
        value = float(sigma)
    except ValueError:
        fail(f"{where}: expected DISTRIBUTION:SIGMA, got '{text}'")
    if not value >= 0:
        fail(f"{where}: sigma must be >= 0, got {sigma}")
    return kind, value


def model_observables(path):
    """Noise models, LLOQs and `%` units of a model file's observables:
    ({name: (distribution, sigma)}, {name: lloq}, {names with unit %})."""
    try:
        import yaml
    except ImportError:
        fail("--model needs PyYAML (python3-yaml); give --noise instead")
    try:
        with open(path, encoding="utf-8") as f:
            model = yaml.safe_load(f)
    except OSError as e:
        fail(f"{path}: cannot open: {e.strerror}")
    noise, lloq, percent = {}, {}, set()
    for name, spec in (model.get("observables") or {}).items():
        if not isinstance(spec, dict):
            continue
        n = spec.get("noise")
        if isinstance(n, dict) and "distribution" in n and "sigma" in n:
            noise[name] = parse_noise(f"{n['distribution']}:{n['sigma']}", f"{path}: observables.{name}.noise")
        if "lloq" in spec:
            lloq[name] = parse_lloq(str(spec["lloq"]), f"{path}: observables.{name}.lloq")
        if spec.get("unit") == "%":
            percent.add(name)
    return noise, lloq, percent


def parse_lloq(text, where):
    try:
        value = float(text)
    except ValueError:
        fail(f"{where}: expected a positive number, got '{text}'")
    if not value > 0:
        fail(f"{where}: the LLOQ must be positive, got {text}")
    return value


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
    ap.add_argument("--lloq", action="append", default=[],
                    help="OBS=VALUE: draws of OBS below VALUE become censored rows (upper = VALUE; repeatable)")
    ap.add_argument("--replicates", type=int, default=1, help="independent draws per simulated point")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.replicates < 1:
        fail(f"--replicates: must be at least 1, got {args.replicates}")

    noise, lloq, percent = model_observables(args.model) if args.model else ({}, {}, set())
    for text in args.lloq:
        name, sep, value = text.partition("=")
        if not sep:
            fail(f"--lloq: expected OBS=VALUE, got '{text}'")
        lloq[name] = parse_lloq(value, f"--lloq {text}")
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
    table = []
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
        c = 100.0 if obs in percent else 1.0
        if (kind == "lognormal" and not value > 0) or (kind == "logitnormal" and not 0 < value < c):
            print(f"make_synthetic_data: skipping {obs} of {row['donor']}/{row['arm']} at {t}: "
                  f"simulated {value} cannot be {kind}", file=sys.stderr)
            continue
        for r in range(args.replicates):
            e = rng.gauss(0.0, 1.0)
            if kind == "logitnormal":
                y = c / (1 + math.exp(-(math.log(value / (c - value)) + sigma * e)))
            else:
                y = {"normal": value + sigma * e,
                     "lognormal": value * math.exp(sigma * e),
                     "proportional": value * (1 + sigma * e)}[kind]
            limit = lloq.get(obs)
            censored = limit is not None and y < limit
            text = f"{y:.4g}"
            if kind == "logitnormal" and not 0 < float(text) < c:  # 99.996 % is not 100 %
                text = f"{y:.10g}"
            table.append(([row["donor"], row["arm"], obs, f"{t:g}", "" if censored else text,
                           chr(ord("A") + r % 26)], f"{limit:g}" if censored else ""))

    # `lower`/`upper` columns only when a row is censored (a table without
    # censored rows keeps the six columns).
    any_censored = any(upper for _, upper in table)
    out = csv.writer(sys.stdout, delimiter="\t", lineterminator="\n")
    out.writerow(["donor", "arm", "observable", "time", "measurement", "replicate"]
                 + (["lower", "upper"] if any_censored else []))
    for fields, upper in table:
        out.writerow(fields + (["", upper] if any_censored else []))


if __name__ == "__main__":
    main()
