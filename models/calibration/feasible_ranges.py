#!/usr/bin/env python3
"""One-at-a-time feasibility scan of the calibrated parameters.

    feasible_ranges.py EXVIVO OUT.csv PARAM [PARAM ...]

For each PARAM, sets it (model-wide `set:`) to its lower bound, the geometric
(log-scaled) or arithmetic (lin) midpoints between bound and current value,
and its upper bound, with every other parameter at the model file's value;
runs the four calibration scenarios with EXVIVO (one thread) and counts the
rows of data/*.tsv that fall outside their interval (check_rows.py). Writes
`parameter,value,is_current,rows_outside,first_rows_outside` to OUT.csv.

This is the interval-data analogue of a profile likelihood with the other
parameters fixed (not re-optimised): a parameter whose whole bound range
keeps every row inside is not determined by the targets; one whose range is
cut on one side names the rows that cut it.
"""
import csv
import math
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SCENARIOS = ["cal_whole_blood", "cal_hall_format", "cal_dose_response", "cal_pbmc"]


def grid(p):
    lo, hi = p["bounds"]
    v = p["value"]
    if p.get("scale", "lin") == "lin":
        mids = [(lo + v) / 2, (v + hi) / 2]
    else:
        mids = [math.sqrt(lo * v), math.sqrt(v * hi)]
    return sorted({lo, mids[0], v, mids[1], hi})


def evaluate(exvivo, name, value, work):
    for s in SCENARIOS:
        text = yaml.safe_load(open(HERE / f"{s}.yaml"))
        text["model"] = str(HERE.parent / "leukocyte_exvivo.yaml")
        text.setdefault("set", {})[name] = value
        path = work / f"{s}.yaml"
        yaml.safe_dump(text, open(path, "w"), sort_keys=False)
        r = subprocess.run([exvivo, "run", str(path), "-o", str(work / s), "--quiet", "--threads", "1"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            return -1, f"{s}: exvivo exit {r.returncode}: {r.stderr.strip()[:200]}"
    r = subprocess.run([sys.executable, str(HERE / "check_rows.py"), str(work)], capture_output=True, text=True)
    bad = [line[5:].split(":", 1)[1].strip().split(": ")[0] for line in r.stdout.splitlines() if line.startswith("FAIL")]
    return len(bad), "; ".join(bad[:3])


def main():
    exvivo, out, names = sys.argv[1], sys.argv[2], sys.argv[3:]
    params = yaml.safe_load(open(HERE.parent / "leukocyte_exvivo.yaml"))["parameters"]
    with open(out, "w", newline="") as f, tempfile.TemporaryDirectory() as tmp:
        w = csv.writer(f)
        w.writerow(["parameter", "value", "is_current", "rows_outside", "first_rows_outside"])
        for name in names:
            p = params[name]
            for v in grid(p):
                n, first = (0, "") if v == p["value"] else evaluate(exvivo, name, v, Path(tmp))
                w.writerow([name, f"{v:.6g}", int(v == p["value"]), n, first])
                f.flush()


if __name__ == "__main__":
    main()
