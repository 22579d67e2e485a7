#!/usr/bin/python3
"""Answer files: what every bundled scenario, fit and analysis answers.

Each bundled input (scenarios/*.yaml, models/calibration/*.yaml) has an answer
file tests/answers/<name>.csv: the numbers that answer its question, one per
row (`table,key,column,value`), taken from the outputs of `exvivo run`, `fit`
or `analyze`. `check` runs the input again and compares every number with its
answer within the tolerance of tests/answers/tolerances.csv (relative OR
absolute: |got - expected| <= abs + rel * |expected|; text compared exactly),
printing one readable line per difference.

    tools/answers.py update [NAME ...] [--expensive]   # rewrite answers, print what changed
    tools/answers.py check NAME                        # compare (exit 1 and a diff when different)
    tools/answers.py readme [--check]                  # README numbers from the answers
    tools/answers.py perturbed                         # a changed model parameter must fail check

`update` without names rewrites every answer except the expensive fits
(EXPENSIVE below: minutes each), which it rewrites with `--expensive` or when
named. What each table holds (tests/answers/README.md):

- scenario: `timecourses` (value per donor, arm, sweep factors, time, observable)
  or, for a cohort or a scenario that writes no time courses, `summary` (n,
  mean, sd, quantiles); `runs` (counts of runs ok and failed).
- fit: `estimates` (value, 95 % interval, scale, method), `fit` (best nllh,
  number of measurements).
- analysis: every CSV it writes except `roc.csv` (the curves behind the AUCs),
  rows keyed by their first column(s); `biomarkers` also keeps each marker's
  rank.
"""
import argparse
import csv
import math
import os
import re
import shutil
import subprocess
import sys

SOURCE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ANSWERS = os.path.join(SOURCE, "tests", "answers")
INPUT_DIRS = ["scenarios", os.path.join("models", "calibration")]
# Fits that take minutes, or whose answers include profile bounds and
# estimates of flat parameters that move with rounding-level changes of the
# solver (a 3e-13 change of the step controller moved them by up to 65 %):
# their answers come from full runs of `update --expensive`; ctest labels
# their checks `expensive` (CI leaves them out).
EXPENSIVE = {"calibration_fit", "calibration_fit_all", "calibration_profiles"}
SIGNIFICANT = 10  # digits written to answer files (far below any tolerance)

# Keys of the CSV tables (the other columns are values); None: not an answer.
TABLE_KEYS = {
    "summary": ["donor", "arm", "time", "side", "observable"],
    "estimates": ["parameter", "donor"],
    "sensitivity": ["output", "parameter"],
    "biomarkers": ["biomarker"],
    "design": ["rank"],
    "roc": None, "residuals": None, "profiles": None, "starts": None, "fit_timecourses": None,
}
IGNORED_COLUMNS = {"wall_ms", "steps", "rhs_evals", "run"}


class Failure(Exception):
    pass


def inputs():
    """name -> (kind, path relative to the source tree) of every bundled input."""
    found = {}
    for d in INPUT_DIRS:
        for f in sorted(os.listdir(os.path.join(SOURCE, d))):
            if not f.endswith(".yaml"):
                continue
            rel = os.path.join(d, f)
            kind = first_key(os.path.join(SOURCE, rel))
            if kind:
                name = f[:-len(".yaml")]
                if name in found:
                    raise Failure(f"two bundled inputs named {name}: {found[name][1]} and {rel}")
                found[name] = (kind, rel)
    return found


def first_key(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"(scenario|fit|analysis):", line)
            if m:
                return m.group(1)
    return None


def number(text):
    try:
        return float(text)
    except ValueError:
        return None


def fmt(v):
    if v is None:
        return ""
    x = number(v)
    if x is None or not re.fullmatch(r"[-+0-9.eEinfaINFAN]+", v):
        return v
    if not math.isfinite(x):
        return v
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.{SIGNIFICANT}g}"


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


# ---- running and extracting -------------------------------------------------

def run_input(exvivo, kind, path, out):
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    command = {"scenario": "run", "fit": "fit", "analysis": "analyze"}[kind]
    p = subprocess.run([exvivo, command, path, "-o", out, "--quiet"], capture_output=True, text=True)
    if p.returncode != 0:
        raise Failure(f"exvivo {command} {path} exited {p.returncode}:\n{(p.stdout + p.stderr)[-2000:]}")


def scenario_uses_summary(path, out):
    with open(path, encoding="utf-8") as f:
        has_cohort = any(line.startswith("cohort:") for line in f)
    return has_cohort or not os.path.exists(os.path.join(out, "timecourses.csv"))


def extract(kind, path, out):
    """[(table, key, column, value-text)] of one output directory."""
    rows = []
    if kind == "scenario":
        import json
        with open(os.path.join(out, "run.json"), encoding="utf-8") as f:
            info = json.load(f)
        rows += [("runs", "all", c, str(info[c])) for c in ("runs", "runs_ok", "runs_failed")]
        if scenario_uses_summary(path, out):
            rows += table_rows("summary", os.path.join(out, "summary.csv"))
        else:
            factors = list(info.get("factor_units", {}).keys())
            runs = {r["run"]: r for r in read_csv(os.path.join(out, "runs.csv"))}
            several_samples = any(r["sample"] != "0" for r in runs.values())
            wanted = data_points(path)
            for r in read_csv(os.path.join(out, "timecourses.csv")):
                if wanted is not None and (r["donor"], r["arm"], r["observable"],
                                           fmt(r["time"]) + r["side"]) not in wanted:
                    continue
                run = runs[r["run"]]
                key = [f"donor={r['donor']}", f"arm={r['arm']}"]
                key += [f"{f}={fmt(run[f])}" for f in factors]
                if several_samples and not factors:
                    key.append(f"sample={r['sample']}")
                key += [f"time={fmt(r['time'])}{r['side']}", f"observable={r['observable']}"]
                rows.append(("timecourses", " ".join(key), "value", fmt(r["value"])))
    elif kind == "fit":
        import json
        rows += table_rows("estimates", os.path.join(out, "estimates.csv"))
        with open(os.path.join(out, "fit.json"), encoding="utf-8") as f:
            info = json.load(f)
        rows.append(("fit", "best", "nllh", fmt(repr(info["best"]["nllh"]))))
        rows.append(("fit", "all", "measurements", str(info["measurements"])))
    else:
        for f in sorted(os.listdir(out)):
            if f.endswith(".csv") and TABLE_KEYS.get(f[:-4], []) is not None:
                rows += table_rows(f[:-4], os.path.join(out, f))
    return rows


def data_points(scenario):
    """The (donor, arm, observable, time) rows of the measurement tables of the
    bundled fits that use `scenario` (with the rows their `ratio_to` names), or
    None when no fit uses it: a scenario written as a fit's experiment is
    answered at the data's points only."""
    scenario = os.path.realpath(scenario)
    tables = []
    for d in INPUT_DIRS:
        for f in sorted(os.listdir(os.path.join(SOURCE, d))):
            fit = os.path.join(SOURCE, d, f)
            if not f.endswith(".yaml") or first_key(fit) != "fit":
                continue
            with open(fit, encoding="utf-8") as fh:
                text = fh.read()
            pairs = re.findall(r"\{\s*scenario:\s*([^,}]+?)\s*,\s*data:\s*([^,}]+?)\s*\}", text)
            single = (re.search(r"^scenario:\s*(\S+)", text, re.M), re.search(r"^data:\s*(\S+)", text, re.M))
            if all(single):
                pairs.append((single[0].group(1), single[1].group(1)))
            for s, data in pairs:
                if os.path.realpath(os.path.join(SOURCE, d, s)) == scenario:
                    tables.append(os.path.join(SOURCE, d, data))
    if not tables:
        return None
    points = set()
    for table in tables:
        with open(table, newline="", encoding="utf-8") as fh:
            delimiter = "\t" if table.endswith(".tsv") else ","
            for r in csv.DictReader(fh, delimiter=delimiter):
                points.add((r["donor"], r["arm"], r["observable"], data_time(r["time"], table)))
                if r.get("ratio_to"):
                    donor, arm, time = r["ratio_to"].rsplit(":", 2)
                    points.add((donor, arm, r["observable"], data_time(time, table)))
    return points


def data_time(text, table):
    m = re.fullmatch(r"\s*([0-9.eE+-]+?)\s*(h)?\s*(-)?\s*", text)
    if not m:
        raise Failure(f"{table}: time '{text}' is not hours (answers.py reads numbers, 'N h', 'N h-')")
    return fmt(m.group(1)) + (m.group(3) or "")


def table_rows(table, path):
    data = read_csv(path)
    if not data:
        return []
    columns = list(data[0].keys())
    keys = TABLE_KEYS.get(table) or [columns[0]]
    rows = []
    for rank, r in enumerate(data, start=1):
        key = " ".join(f"{k}={fmt(r[k])}{'-' if k == 'time' and r.get('side') == '-' else ''}"
                       for k in keys if k != "side")
        if table == "biomarkers":
            rows.append((table, key, "rank", str(rank)))
        for c in columns:
            if c not in keys and c not in IGNORED_COLUMNS:
                rows.append((table, key, c, fmt(r[c])))
    return rows


# ---- answer files and comparison --------------------------------------------

def answer_path(name):
    return os.path.join(ANSWERS, name + ".csv")


def write_answer(name, rel, rows):
    with open(answer_path(name), "w", newline="", encoding="utf-8") as f:
        f.write(f"# Answers of {rel}; regenerate with tools/answers.py update {name}\n")
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["table", "key", "column", "value"])
        w.writerows(rows)


def read_answer(name):
    path = answer_path(name)
    if not os.path.exists(path):
        raise Failure(f"no answer file {os.path.relpath(path, SOURCE)}: write it with "
                      f"tools/answers.py update {name}")
    with open(path, newline="", encoding="utf-8") as f:
        lines = [line for line in f if not line.startswith("#")]
    return [(r["table"], r["key"], r["column"], r["value"]) for r in csv.DictReader(lines)]


def tolerances():
    """(table, column) -> (rel, abs); '*' matches any."""
    tol = {}
    with open(os.path.join(ANSWERS, "tolerances.csv"), newline="", encoding="utf-8") as f:
        for r in csv.DictReader(line for line in f if not line.startswith("#")):
            tol[(r["table"], r["column"])] = (float(r["rel"]), float(r["abs"]))
    return tol


def tolerance(tol, table, column):
    for k in ((table, column), (table, "*"), ("*", column), ("*", "*")):
        if k in tol:
            return tol[k]
    raise Failure("tests/answers/tolerances.csv has no default row '*,*'")


def compare(expected, got, tol, limit=40):
    """Lines describing each difference (empty when they agree)."""
    exp = {(t, k, c): v for t, k, c, v in expected}
    act = {(t, k, c): v for t, k, c, v in got}
    lines = []
    for key in exp:
        t, k, c = key
        if key not in act:
            lines.append(f"  missing  {t}: {k} {c} (expected {exp[key]})")
            continue
        e, a = exp[key], act[key]
        ex, ax = number(e), number(a)
        if ex is not None and ax is not None:
            rel, ab = tolerance(tol, t, c)
            if math.isnan(ex) and math.isnan(ax):
                continue
            if ex == ax or abs(ax - ex) <= ab + rel * abs(ex):
                continue
            change = f"{(ax - ex) / abs(ex):+.3g} relative" if ex != 0 else f"{ax - ex:+.3g} absolute"
            lines.append(f"  changed  {t}: {k} {c}: expected {e}, got {a} ({change}; "
                         f"tolerance rel {rel:g}, abs {ab:g})")
        elif e != a:
            lines.append(f"  changed  {t}: {k} {c}: expected '{e}', got '{a}'")
    for key in act:
        if key not in exp:
            lines.append(f"  new      {key[0]}: {key[1]} {key[2]} = {act[key]}")
    if len(lines) > limit:
        lines = lines[:limit] + [f"  ... and {len(lines) - limit} more differences"]
    return lines


def work_dir(args, name):
    return os.path.join(os.path.abspath(args.work), name)


def check(args):
    table = inputs()
    if args.name not in table:
        raise Failure(f"no bundled scenario, fit or analysis named {args.name}")
    kind, rel = table[args.name]
    path = args.input or os.path.join(SOURCE, rel)
    pending = runnable(args.exvivo, path)
    if pending:
        print(f"{rel} does not run with this engine yet (exvivo check: {pending}); no answer to compare")
        return 77
    expected = read_answer(args.name)
    out = work_dir(args, args.name)
    run_input(args.exvivo, kind, path, out)
    diff = compare(expected, extract(kind, path, out), tolerances())
    if diff:
        print(f"{rel}: {len(diff)} answer(s) differ from {os.path.relpath(answer_path(args.name), SOURCE)}:")
        print("\n".join(diff))
        print("If the change is intended: tools/answers.py update " + args.name)
        return 1
    print(f"{rel}: {len(expected)} answers agree with {os.path.relpath(answer_path(args.name), SOURCE)}")
    return 0


def runnable(exvivo, path):
    """'' when `exvivo check` accepts the file, else its first message line."""
    p = subprocess.run([exvivo, "check", path], capture_output=True, text=True)
    if p.returncode == 0:
        return ""
    if p.returncode == 2:
        return (p.stderr or p.stdout).strip().splitlines()[0]
    raise Failure(f"exvivo check {path} exited {p.returncode}: {p.stderr}")


def update(args):
    table = inputs()
    names = args.names or [n for n in table if args.expensive or n not in EXPENSIVE]
    tol = tolerances()
    changed = 0
    failed = []
    for name in names:
        if name not in table:
            raise Failure(f"no bundled scenario, fit or analysis named {name}")
        kind, rel = table[name]
        path = os.path.join(SOURCE, rel)
        pending = runnable(args.exvivo, path)
        if pending:
            print(f"{name}: skipped, does not run yet ({pending})")
            continue
        out = work_dir(args, name)
        try:
            run_input(args.exvivo, kind, path, out)
            rows = extract(kind, path, out)
        except Failure as e:  # go on with the others; the answer file stays as it was
            failed.append(name)
            print(f"{name}: NOT UPDATED: {e}")
            continue
        old = read_answer(name) if os.path.exists(answer_path(name)) else []
        diff = compare(old, rows, tol) if old else ["  (new answer file)"]
        if diff:
            changed += 1
            print(f"{name}: {len(rows)} answers, changed:")
            print("\n".join(diff))
            write_answer(name, rel, rows)
        else:  # kept as it is: no churn in the last digits
            print(f"{name}: {len(rows)} answers, unchanged within tolerance")
    readme(argparse.Namespace(check=False))
    print(f"{changed} answer file(s) changed; review with git diff tests/answers README.md")
    if failed:
        print(f"not updated (their runs failed): {' '.join(failed)}")
        return 1
    return 0


# ---- the README's quoted numbers --------------------------------------------

QUICKSTART_ROWS = [("septic", "control", "control"), ("septic", "gmcsf", "GM-CSF 1 ng/mL"),
                   ("healthy", "control", "control")]


def quickstart_block():
    """The quick-start table of README.md, from gmcsf_restores_hladr's answers."""
    values = {k + " " + c: v for t, k, c, v in read_answer("gmcsf_restores_hladr") if t == "timecourses"}

    def value(donor, arm, time, observable):
        key = f"donor={donor} arm={arm} dose=1 time={time} observable={observable} value"
        if key not in values:
            raise Failure(f"gmcsf_restores_hladr's answers have no '{key}'")
        return f"{round(float(values[key])):,}"

    lines = ["| donor | arm | mHLA-DR at 0 h | at 24 h | TNF 4 h after LPS |", "|---|---|---|---|---|"]
    for donor, arm, label in QUICKSTART_ROWS:
        lines.append(f"| {donor} | {label} | {value(donor, arm, '0', 'mHLA_DR')} AB/C | "
                     f"{value(donor, arm, '24-', 'mHLA_DR')} AB/C | {value(donor, arm, '28', 'TNF_pg')} pg/mL |")
    return lines


def readme(args):
    path = os.path.join(SOURCE, "README.md")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    begin, end = "<!-- answers:quickstart:begin -->\n", "<!-- answers:quickstart:end -->\n"
    if begin not in text or end not in text:
        raise Failure("README.md has no answers:quickstart markers around the quick-start table")
    head, rest = text.split(begin, 1)
    old, tail = rest.split(end, 1)
    new = "\n".join(quickstart_block()) + "\n"
    if args.check:
        if old != new:
            print("README.md's quick-start table differs from tests/answers/gmcsf_restores_hladr.csv:")
            print("  README:  " + "\n  README:  ".join(old.rstrip("\n").splitlines()))
            print("  answers: " + "\n  answers: ".join(new.rstrip("\n").splitlines()))
            print("Regenerate it with tools/answers.py readme")
            return 1
        print("README.md's quick-start table matches the answers")
        return 0
    if old != new:
        with open(path, "w", encoding="utf-8") as f:
            f.write(head + begin + new + end + tail)
        print("README.md: quick-start table rewritten from the answers")
    return 0


# ---- a changed model parameter must be caught -------------------------------

def perturbed(args):
    """Scales E_GM (GM-CSF efficacy) by 1.05 in a copy of the model, runs
    gmcsf_restores_hladr against it and expects `check` to fail with a diff
    naming the GM-CSF arm's mHLA-DR."""
    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    with open(os.path.join(SOURCE, "models", "leukocyte_exvivo.yaml"), encoding="utf-8") as f:
        model = f.read()
    pattern = re.compile(r"^(\s+E_GM:\s*\{value:\s*)([0-9.eE+-]+)", re.M)
    if not pattern.search(model):
        raise Failure("models/leukocyte_exvivo.yaml has no line 'E_GM: {value: ...' to perturb")
    model = pattern.sub(lambda m: m.group(1) + repr(float(m.group(2)) * 1.05), model, count=1)
    with open(os.path.join(work, "leukocyte_exvivo.yaml"), "w", encoding="utf-8") as f:
        f.write(model)
    with open(os.path.join(SOURCE, "scenarios", "gmcsf_restores_hladr.yaml"), encoding="utf-8") as f:
        scenario = re.sub(r"^model: .*$", "model: leukocyte_exvivo.yaml", f.read(), count=1, flags=re.M)
    with open(os.path.join(work, "gmcsf_restores_hladr.yaml"), "w", encoding="utf-8") as f:
        f.write(scenario)
    p = subprocess.run([sys.executable, os.path.abspath(__file__), "check", "gmcsf_restores_hladr",
                        "--exvivo", args.exvivo, "--work", os.path.join(work, "out"),
                        "--input", os.path.join(work, "gmcsf_restores_hladr.yaml")],
                       capture_output=True, text=True)
    print(p.stdout + p.stderr)
    wanted = re.compile(r"changed  timecourses: donor=septic arm=gmcsf dose=1 time=24- observable=mHLA_DR "
                        r"value: expected \S+, got \S+ \(\+")
    if p.returncode == 1 and wanted.search(p.stdout):
        print("ok: E_GM x 1.05 fails the check with a diff that names the raised GM-CSF mHLA-DR")
        return 0
    print(f"FAIL: expected exit 1 and a diff line matching '{wanted.pattern}', got exit {p.returncode}")
    return 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--exvivo", default=os.path.join(SOURCE, "build", "exvivo"))
    ap.add_argument("--work", default=os.path.join(SOURCE, "build", "answers"))
    sub = ap.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check")
    c.add_argument("name")
    c.add_argument("--input", help="run this file instead of the bundled one (same answers)")
    u = sub.add_parser("update")
    u.add_argument("names", nargs="*")
    u.add_argument("--expensive", action="store_true", help="also the fits that take minutes")
    r = sub.add_parser("readme")
    r.add_argument("--check", action="store_true")
    sub.add_parser("perturbed")
    # Options may come before or after the subcommand.
    for p in (c, u, r, sub.choices["perturbed"]):
        p.add_argument("--exvivo", default=argparse.SUPPRESS)
        p.add_argument("--work", default=argparse.SUPPRESS)
    args = ap.parse_args()
    args.exvivo = os.path.abspath(args.exvivo)
    if args.command != "readme" and not os.access(args.exvivo, os.X_OK):
        print(f"answers.py: no exvivo executable at {args.exvivo}: build it (cmake --build build --target exvivo) "
              "or pass --exvivo PATH", file=sys.stderr)
        return 2
    try:
        return {"check": check, "update": update, "readme": readme, "perturbed": perturbed}[args.command](args)
    except Failure as e:
        print(f"answers.py: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
