#!/usr/bin/python3
"""`exvivo report` on a small dose sweep (issue 16): units on the dose axis,
time-course lines labelled by dose, `--time` including '6 h-', a page that
says what was simulated and which file answers which question, and
truncated or non-numeric tables rejected with exit 2, a located message and
no figure of an earlier report left behind.

Usage: report_inputs_test.py EXVIVO SOURCE_DIR WORK_DIR"""
import glob
import os
import shutil
import subprocess
import sys

SCENARIO = """\
scenario: report_dose
description: A dose of C before a second, common dose at 6 h
model: {model}
solver: {{method: rosenbrock, rel_tol: 1e-8, abs_tol: 1e-12}}
donors:
  - {{id: slow, preset: low}}
arms:
  - id: control
  - id: dosed
    protocol:
      - {{at: 0 h, add: {{C: $dose}}}}
protocol:
  - {{at: 6 h, add: {{C: 5 ng/mL}}}}
samples:
  times: [0 h, 2 h, 6 h-, 6 h, 12 h]
sweep:
  factors:
    dose: {{values: [1, 10, 100], unit: ng/mL}}
"""

failures = []


def check(condition, what):
    print(("ok:   " if condition else "FAIL: ") + what, flush=True)
    if not condition:
        failures.append(what)


def run(*cmd):
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def main(exe, source, work):
    source = os.path.abspath(source)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    scenario = os.path.join(work, "report_dose.yaml")
    with open(scenario, "w") as f:
        f.write(SCENARIO.format(model=os.path.join(source, "models", "one_compartment.yaml")))
    out = os.path.join(work, "out")
    code, text = run(exe, "run", scenario, "-o", out, "--quiet")
    check(code == 0, f"run: exit {code} {text}")
    if code != 0:
        return 1

    code, text = run(exe, "report", out)
    check(code == 0, f"report: exit {code} {text[-300:]}")
    if code != 0:
        return 1
    figures = os.path.join(out, "figures")
    dose_svg = read(os.path.join(figures, "dose_response_dose.svg"))
    check("dose (ng/mL)" in dose_svg, "dose-response x axis says 'dose (ng/mL)'")
    check("C_ng (ng/mL)" in dose_svg, "dose-response y axis carries the readout's unit")
    tc_svg = read(os.path.join(figures, "timecourse_C_ng.svg"))
    check("time (h)" in tc_svg, "time-course x axis says 'time (h)'")
    for level in ("dose = 1 ng/mL", "dose = 10 ng/mL", "dose = 100 ng/mL"):
        check(level in tc_svg, f"time-course legend names '{level}'")
    page = read(os.path.join(out, "report.html"))
    for text_on_page in ("What was simulated", "Which file answers which question", "sweep factor dose",
                         "1, 10, 100 ng/mL", "0, 2, 6-, 6, 12 h", "A dose of C before a second"):
        check(text_on_page in page, f"page shows '{text_on_page}'")

    # --time: the sample just before the common dose at 6 h, and the one after it
    code, text = run(exe, "report", out, "--time", "6 h-")
    check(code == 0 and "C_ng, t = 6 h-" in read(os.path.join(figures, "dose_response_dose.svg")),
          f"--time '6 h-' reads the sample before the event (exit {code})")
    code, text = run(exe, "report", out, "--time", "360 min")
    svg = read(os.path.join(figures, "dose_response_dose.svg"))
    check(code == 0 and "C_ng, t = 6 h" in svg and "t = 6 h-" not in svg, "--time '360 min' reads 6 h, after the event")
    code, text = run(exe, "report", out, "--time", "5 h")
    check(code == 2 and "--time 5 h: not a sample time; the samples are at 0 h, 2 h, 6 h-, 6 h, 12 h" in text,
          f"--time that is not a sample: exit 2 with the samples listed ({code}: {text.strip()})")
    code, text = run(exe, "report", out, "--time", "soon")
    check(code == 2 and "--time 'soon'" in text, f"--time that is not a time: exit 2 ({code})")
    check(os.path.isfile(os.path.join(figures, "dose_response_dose.png")), "a bad --time leaves the report in place")

    # A truncated table: exit 2, and the earlier report's page and figures are gone
    tc = os.path.join(out, "timecourses.csv")
    whole = read(tc)
    with open(tc, "w") as f:
        f.write(whole[: len(whole) // 2])
    code, text = run(exe, "report", out)
    check(code == 2 and "timecourses.csv: the last line has no newline: the file is truncated" in text,
          f"truncated timecourses.csv: exit 2 with a message ({code}: {text.strip()[:200]})")
    check(not glob.glob(os.path.join(figures, "*.png")) and not os.path.exists(os.path.join(out, "report.html")),
          "no figure or page of the earlier report is left")

    # A row cut short and a value that is not a number: located messages
    lines = whole.splitlines(keepends=True)
    with open(tc, "w") as f:
        f.write("".join(lines[:3]) + "0,slow,control,0,2\n" + "".join(lines[4:]))
    code, text = run(exe, "report", out)
    check(code == 2 and "timecourses.csv:4: 5 cells, expected 8" in text, f"short row: exit 2, line named ({text.strip()[:200]})")
    cells = lines[2].rstrip("\n").split(",")
    cells[7] = "abc"
    with open(tc, "w") as f:
        f.write("".join(lines[:2]) + ",".join(cells) + "\n" + "".join(lines[3:]))
    code, text = run(exe, "report", out)
    check(code == 2 and "timecourses.csv:3:8: column 'value': 'abc' is not a number" in text,
          f"non-numeric value: exit 2, line and column named ({text.strip()[:200]})")
    with open(tc, "w") as f:
        f.write(whole)
    code, text = run(exe, "report", out)
    check(code == 0 and len(glob.glob(os.path.join(figures, "*.png"))) >= 2, "restored table: report again")

    print(f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
