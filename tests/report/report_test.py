#!/usr/bin/python3
"""End-to-end test of `exvivo report`: builds the report of every bundled
scenario (or of those named by --only), of the example fit and of analysis tables, and checks that every
figure is a valid, non-blank PNG (plus a well-formed SVG), that the expected
figure kinds are there, that the HTML page embeds them and loads nothing from
the network, and that bad input gives exit 2 with a message."""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import matplotlib.image
import numpy

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FIT_FIGURES = ["fit_data_and_model", "fit_observed_vs_predicted", "fit_residuals", "fit_waterfall", "fit_profiles"]
MIN_PNG_SIDE_PX = 300  # 3.5 in at 200 dpi is 700 px; anything far smaller is broken

failures = []
checks = 0


def check(condition, what):
    global checks
    checks += 1
    if not condition:
        failures.append(what)
        print("FAIL:", what, flush=True)


def run(cmd, env=None):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    return p.returncode, p.stdout + p.stderr


def png_problems(path):
    """What is wrong with a figure file: not a PNG, tiny, or blank."""
    with open(path, "rb") as f:
        head = f.read(8)
    if head != PNG_SIGNATURE:
        return [f"{path}: no PNG signature"]
    problems = []
    if os.path.getsize(path) < 2000:
        problems.append(f"{path}: only {os.path.getsize(path)} bytes")
    image = matplotlib.image.imread(path)
    h, w = image.shape[:2]
    if min(h, w) < MIN_PNG_SIDE_PX:
        problems.append(f"{path}: {w}x{h} px")
    rgb = image[..., :3].reshape(-1, 3)
    if float(numpy.ptp(rgb, axis=0).max()) <= 0.1:
        problems.append(f"{path}: a single colour")
    # Not just axes and text: some coloured (non-grey) ink must be drawn.
    coloured = numpy.ptp(rgb, axis=1) > 0.15
    if coloured.mean() <= 0.001:
        problems.append(f"{path}: no coloured pixels ({coloured.mean():.5f})")
    return problems


def check_png(path):
    problems = png_problems(path)
    check(not problems, "; ".join(problems))


def test_png_checker(args):
    """The image check itself must reject blank, grey-only and non-PNG files."""
    import matplotlib.pyplot as plt
    blank = os.path.join(args.work, "blank.png")
    plt.figure(figsize=(3.5, 2.5)).savefig(blank, dpi=200)
    check(any("single colour" in p for p in png_problems(blank)), "blank PNG accepted")
    fig, ax = plt.subplots(figsize=(3.5, 2.5))
    ax.plot([0, 1], [0, 1], color="black")
    grey = os.path.join(args.work, "grey.png")
    fig.savefig(grey, dpi=200)
    check(any("no coloured pixels" in p for p in png_problems(grey)), "axes-only PNG accepted")
    not_png = os.path.join(args.work, "not.png")
    with open(not_png, "w") as f:
        f.write("<svg/>")
    check(png_problems(not_png) == [f"{not_png}: no PNG signature"], "non-PNG accepted")
    plt.close("all")


def check_report(name, directory, result, expect_stems):
    code, text = result
    check(code == 0, f"{name}: report exit {code}: {text.strip()[-400:]}")
    if code != 0:
        return
    figures = os.path.join(directory, "figures")
    pngs = sorted(glob.glob(os.path.join(figures, "*.png")))
    check(pngs, f"{name}: no figures in {figures}")
    for png in pngs:
        check_png(png)
        svg = png[:-4] + ".svg"
        check(os.path.isfile(svg), f"{svg}: missing")
        if os.path.isfile(svg):
            try:
                ElementTree.parse(svg)
            except ElementTree.ParseError as e:
                check(False, f"{svg}: not well-formed XML: {e}")
    stems = {os.path.basename(p)[:-4] for p in pngs}
    for pattern in expect_stems:
        check(any(re.fullmatch(pattern, s) for s in stems), f"{name}: no figure matching {pattern} in {sorted(stems)}")
    page_path = os.path.join(directory, "report.html")
    check(os.path.isfile(page_path), f"{name}: no report.html")
    if not os.path.isfile(page_path):
        return
    with open(page_path, encoding="utf-8") as f:
        page = f.read()
    check(page.count("data:image/png;base64,") == len(pngs), f"{name}: page embeds {page.count('data:image/png')} "
                                                              f"of {len(pngs)} figures")
    check(not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page), f"{name}: page loads from the network")
    check("engine version" in page, f"{name}: header table lacks the engine version")


def observables_in(directory):
    path = os.path.join(directory, "timecourses.csv")
    if not os.path.isfile(path):
        return set()
    with open(path) as f:
        header = f.readline().strip().split(",")
        col = header.index("observable")
        return {line.split(",")[col] for line in f if line.strip()}


def first_key(path):
    """`scenario`, `fit` or `analysis`: the first key of a bundled file."""
    with open(path) as f:
        for line in f:
            m = re.match(r"(scenario|fit|analysis):", line)
            if m:
                return m.group(1)
            if line.strip() and not line.startswith("#"):
                return None
    return None


def test_scenarios(args):
    """Every bundled scenario (`exvivo run`), fit (`exvivo fit`) and analysis
    (`exvivo analyze`, once that subcommand exists), or those named by --only."""
    can_analyze = "analyze" in subcommands(args)
    paths = sorted(glob.glob(os.path.join(args.source, "scenarios", "*.yaml")))
    if args.only:
        names = args.only.split(",")
        missing = [n for n in names if os.path.join(args.source, "scenarios", n + ".yaml") not in paths]
        check(not missing, f"--only names no bundled file: {missing}")
        paths = [p for p in paths if os.path.basename(p)[:-5] in names]
    for path in paths:
        kind = first_key(path)
        name = os.path.basename(path)[:-5]
        out = os.path.join(args.work, "scenarios", name)
        if kind == "scenario":
            code, text = run([args.exvivo, "run", path, "-o", out, "--quiet"])
        elif kind == "fit":
            code, text = run([args.exvivo, "fit", path, "-o", out, "--quiet"])
        elif kind == "analysis" and can_analyze:
            code, text = run([args.exvivo, "analyze", path, "-o", out, "--quiet"])
        else:
            print(f"skip: {name} ({kind})", flush=True)
            continue
        check(code in (0, 1), f"{name}: exvivo {kind} exit {code}: {text[-400:]}")
        if code not in (0, 1):
            continue
        expect = [f"timecourse_{re.sub(r'[^A-Za-z0-9_-]', '_', o)}" for o in observables_in(out)]
        if name in ("gmcsf_restores_hladr", "one_compartment_dosing", "ifng_restores_hladr"):
            expect.append(r"dose_response_.*")
        if name == "cohort_gmcsf":
            expect.append(r"cohort_.*")
        with open(path) as f:
            text = f.read()
        if kind == "fit":
            expect += FIT_FIGURES
        if kind == "analysis":
            expect += {"sensitivity:": ["sensitivity"], "biomarkers:": ["biomarker_auc", "biomarker_roc"],
                       "design:": ["design"]}.get(next((k for k in ("sensitivity:", "biomarkers:", "design:")
                                                       if re.search("^" + k, text, re.M)), ""), [])
        check_report(name, out, run([args.driver, out]), expect)
        print(f"ok: {name}", flush=True)


def test_fit(args):
    fit_file = os.path.join(args.source, "tests", "fit", "data", "decay_fit.yaml")
    if not os.path.isfile(fit_file):
        print("skip: no example fit", flush=True)
        return
    out = os.path.join(args.work, "fit", "decay_fit")
    code, text = run([args.exvivo, "fit", fit_file, "-o", out, "--quiet"])
    check(code in (0, 1), f"exvivo fit exit {code}: {text[-400:]}")
    check_report("decay_fit", out, run([args.driver, out]), FIT_FIGURES)
    print("ok: decay_fit", flush=True)


def subcommands(args):
    _, usage = run([args.exvivo, "--help"])
    return set(re.findall(r"^\s+([a-z]+)\s", usage.split("Subcommands:")[-1], re.M))


def test_analyses(args):
    """The analysis tables in data/ (DESIGN.md §6b columns): Sobol' with
    biomarkers and designs, and Morris."""
    for name, expect in (("analysis_sobol", ["sensitivity", "biomarker_auc", "biomarker_roc", "design"]),
                         ("analysis_morris", ["sensitivity"])):
        out = os.path.join(args.work, "analysis", name)
        shutil.copytree(os.path.join(os.path.dirname(__file__), "data", name), out)
        check_report(name, out, run([args.driver, out]), expect)
        print(f"ok: {name}", flush=True)


def test_page_path_and_errors(args):
    out = os.path.join(args.work, "scenarios", "one_compartment_dosing")
    page = os.path.join(args.work, "elsewhere.html")
    code, text = run([args.driver, out, page])
    check(code == 0 and os.path.isfile(page), f"-o FILE.html: exit {code}, {text[-300:]}")

    code, text = run([args.driver, os.path.join(args.work, "missing")])
    check(code == 2 and "not a directory" in text, f"missing dir: exit {code}, {text}")

    empty = os.path.join(args.work, "empty")
    os.makedirs(empty)
    code, text = run([args.driver, empty])
    check(code == 2 and "no output of exvivo run, fit or analyze" in text, f"empty dir: exit {code}, {text}")

    broken = os.path.join(args.work, "broken")
    os.makedirs(broken)
    with open(os.path.join(broken, "summary.csv"), "w") as f:
        f.write("donor,arm,time,value\nd,a,0,1\n")
    code, text = run([args.driver, broken])
    check(code == 2 and "summary.csv: missing column(s) observable, n, mean" in text, f"bad table: exit {code}, {text}")

    env = dict(os.environ, EXVIVO_PYTHON=os.path.join(args.work, "no-python"))
    code, text = run([args.driver, out], env)
    check(code == 2 and "python3-matplotlib" in text, f"missing Python: exit {code}, {text}")

    env = dict(os.environ, EXVIVO_REPORT_SCRIPT=os.path.join(args.work, "no-script.py"))
    code, text = run([args.driver, out], env)
    check(code == 0, f"a missing $EXVIVO_REPORT_SCRIPT falls back to the source tree: exit {code}, {text}")

    # The subcommand itself, once main.cpp registers it.
    if "report" in subcommands(args):
        code, text = run([args.exvivo, "report", out, "-o", page])
        check(code == 0, f"exvivo report: exit {code}, {text[-300:]}")
        code, text = run([args.exvivo, "report", empty])
        check(code == 2, f"exvivo report of an empty dir: exit {code}, {text}")


def test_half_maximal_dose(args):
    sys.path.insert(0, os.path.join(args.source, "tools", "report"))
    import run_figures
    # half-way level 5 is reached exactly at the middle dose
    dose, level = run_figures.half_maximal_dose([1, 10, 100], [0, 5, 10])
    check(abs(dose - 10) <= 1e-12 and level == 5, f"EC50 {dose}, level {level}")
    # between 10 and 100, a fraction (5-2)/(10-2) of the way in log10(dose)
    dose, _ = run_figures.half_maximal_dose([100, 1, 10], [10, 0, 2])
    check(abs(dose - 10 ** 1.375) <= 1e-9 * dose, f"EC50 {dose} != 10^1.375")
    check(run_figures.half_maximal_dose([1, 10, 100], [5, 5.01, 5.02]) is None, "flat curve has no EC50")
    check(run_figures.half_maximal_dose([1, 10], [0, 1]) is None, "two doses give no EC50")


def main():
    p = argparse.ArgumentParser()
    for a in ("--exvivo", "--driver", "--source", "--work"):
        p.add_argument(a, required=True)
    p.add_argument("--only", help="comma-separated names of the bundled files to report on (default: all)")
    args = p.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    test_png_checker(args)
    test_half_maximal_dose(args)
    test_scenarios(args)
    test_fit(args)
    test_analyses(args)
    test_page_path_and_errors(args)
    print(f"{checks - len(failures)}/{checks} checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
