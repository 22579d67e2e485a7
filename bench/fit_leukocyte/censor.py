#!/usr/bin/env python3
"""Turns measurements below an assay's lower limit of quantification into
censored rows, as an assay reports them ("< 10 pg/mL"):

    censor.py TABLE OBS=LLOQ [OBS=LLOQ ...] > censored.tsv

Every row of observable OBS whose measurement is below LLOQ gets an empty
`measurement` and `upper` = LLOQ; other rows keep their measurement with
empty `lower`/`upper`. Reads and writes exvivo's TSV measurement tables.
"""
import csv
import sys


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    limits = {}
    for arg in sys.argv[2:]:
        name, value = arg.split("=")
        limits[name] = float(value)
    with open(sys.argv[1]) as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    # A table may already carry censored rows (make_synthetic_data.py censors
    # at the model's `lloq`): they keep their limits.
    columns = list(rows[0].keys()) + [c for c in ("lower", "upper") if c not in rows[0]]
    out = csv.DictWriter(sys.stdout, columns, delimiter="\t", lineterminator="\n")
    out.writeheader()
    for row in rows:
        row.setdefault("lower", "")
        row.setdefault("upper", "")
        lloq = limits.get(row["observable"])
        if lloq is not None and row["measurement"] and float(row["measurement"]) < lloq:
            row["measurement"] = ""
            row["upper"] = f"{lloq:g}"
        out.writerow(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
