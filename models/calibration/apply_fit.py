#!/usr/bin/env python3
"""Writes a fit's estimates into the model file (the calibrated values).

    apply_fit.py ESTIMATES.csv [MODEL.yaml] [--digits N]
    apply_fit.py STARTS.csv --start K [MODEL.yaml] [--digits N]

ESTIMATES.csv is the `estimates.csv` of `exvivo fit` (columns parameter,
donor, value, ...); only shared estimates (empty `donor`) are written. With
`--start K`, the values are those start K's optimisation ended at (the row
`start = K` of the fit's `starts.csv`; per-donor columns `name[donor]` are
skipped). Each
one replaces the `value:` of that parameter in MODEL.yaml (default: the
leukocyte model next to this folder), rounded to N significant digits
(default 4), leaving every other byte of the file as it was. Afterwards the
file is read back: every written parameter must hold its new value and lie
within its bounds, otherwise the script exits 1 without keeping the edit.

The calibration's documented command (models/README.md, "Calibration"):

    build/exvivo fit models/calibration/calibration_fit.yaml --threads 1
    /usr/bin/python3 models/calibration/apply_fit.py results/leukocyte_v2_calibration/estimates.csv
"""
import csv
import re
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent


def rounded(value, digits):
    return float(f"{value:.{digits}g}")


def fmt(value):
    text = repr(value)
    if "e" in text:  # YAML 1.1 readers need a dot in the mantissa ("2.5e-05")
        mantissa, exponent = text.split("e")
        if "." not in mantissa:
            mantissa += ".0"
        text = f"{mantissa}e{int(exponent)}"
    return text[:-2] if text.endswith(".0") and "e" not in text else text


def main(argv):
    digits = 4
    start = None
    args = []
    it = iter(argv)
    for a in it:
        if a == "--digits":
            digits = int(next(it))
        elif a == "--start":
            start = next(it)
        else:
            args.append(a)
    if not args or len(args) > 2:
        sys.exit(__doc__)
    estimates = Path(args[0])
    model = Path(args[1]) if len(args) > 1 else HERE.parent / "leukocyte_exvivo.yaml"

    with open(estimates, newline="") as f:
        table = list(csv.DictReader(f))
    if start is not None:
        rows = [r for r in table if r.get("start") == start]
        if len(rows) != 1:
            sys.exit(f"{estimates}: no row with start = {start}")
        skip = {"start", "nllh", "iterations", "status", "wall_ms"}
        new = {k: rounded(float(v), digits) for k, v in rows[0].items() if k not in skip and "[" not in k}
    else:
        rows = [r for r in table if not r.get("donor")]
        if not rows:
            sys.exit(f"{estimates}: no shared estimates (rows with an empty `donor`)")
        new = {r["parameter"]: rounded(float(r["value"]), digits) for r in rows}

    text = model.read_text()
    for name, value in new.items():
        pattern = re.compile(rf"^(\s+{re.escape(name)}:\s*\{{value:\s*)([^,}}]+)", re.M)
        text, n = pattern.subn(lambda m: m.group(1) + fmt(value), text, count=1)
        if n != 1:
            sys.exit(f"{model}: parameter '{name}' not found as '{name}: {{value: ...' in `parameters:`")

    params = yaml.safe_load(text)["parameters"]
    bad = []
    for name, value in new.items():
        p = params[name]
        if abs(float(p["value"]) - value) > 1e-12 * abs(value):
            bad.append(f"{name}: wrote {value}, reads back {p['value']}")
        lo, hi = p.get("bounds", [value, value])
        if not lo <= value <= hi:
            bad.append(f"{name} = {value} outside its bounds [{lo}, {hi}]")
    if bad:
        sys.exit(f"{model}: not written:\n  " + "\n  ".join(bad))
    model.write_text(text)
    for name, value in new.items():
        print(f"{name}\t{value}")


if __name__ == "__main__":
    main(sys.argv[1:])
