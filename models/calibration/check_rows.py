#!/usr/bin/env python3
"""Evaluates the calibration rows of data/*.tsv against `exvivo run` output.

    check_rows.py RESULTS_DIR [DATA_DIR]

RESULTS_DIR holds one sub-directory per calibration scenario
(cal_whole_blood, cal_hall_format, cal_dose_response, cal_pbmc), each with
the timecourses.csv of `exvivo run`. Every row of DATA_DIR/<name>.tsv is
compared with the simulation of the scenario cal_<name>:

- measurement (+ sd): printed with the z-score (simulation - measurement)/sd;
- lower/upper (either may be empty): the simulated value must lie inside;
- ratio_to "donor:arm:time": the row's simulated value divided by the
  simulation of that donor, arm and time (same observable) must lie inside
  [lower, upper].

This is the reference meaning of the rows for the calibration fit; it prints
one line per row and exits 1 when a bound is violated.
"""
import csv
import sys
from pathlib import Path

SCENARIOS = {"whole_blood": "cal_whole_blood", "hall_format": "cal_hall_format",
             "dose_response": "cal_dose_response", "pbmc": "cal_pbmc"}


def load(results: Path):
    values = {}
    with open(results / "timecourses.csv") as f:
        for r in csv.DictReader(f):
            values[(r["donor"], r["arm"], float(r["time"]), r["observable"])] = float(r["value"])
    return values


def main() -> int:
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    results = Path(sys.argv[1])
    data = Path(sys.argv[2]) if len(sys.argv) == 3 else Path(__file__).parent / "data"
    failed = 0
    for table, scenario in SCENARIOS.items():
        sim = load(results / scenario)
        with open(data / f"{table}.tsv") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                key = (row["donor"], row["arm"], float(row["time"]), row["observable"])
                value = sim[key]
                label = f"{table}: {row['donor']} {row['arm']} {row['observable']} {row['time']} h"
                if row["ratio_to"]:
                    donor, arm, time = row["ratio_to"].split(":")
                    value /= sim[(donor, arm, float(time), row["observable"])]
                    label += f" / {row['ratio_to']}"
                ok = True
                if row["lower"] and value < float(row["lower"]):
                    ok = False
                if row["upper"] and value > float(row["upper"]):
                    ok = False
                detail = f"[{row['lower'] or '-inf'}, {row['upper'] or 'inf'}]"
                if row["measurement"]:
                    z = (value - float(row["measurement"])) / float(row["sd"])
                    detail = f"{row['measurement']} +/- {row['sd']} (z = {z:.2f})"
                failed += not ok
                print(f"{'ok  ' if ok else 'FAIL'} {label}: {value:.4g} {detail}")
    print(f"{failed} row(s) outside their interval")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
