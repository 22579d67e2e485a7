#!/usr/bin/python3
"""exvivo report: figures (PNG and SVG, in DIR/figures/) and one self-contained
HTML page for an output directory of `exvivo run`, `exvivo fit` or
`exvivo analyze`. Called by `exvivo report DIR [-o FILE.html]`; runnable on
its own with Debian's /usr/bin/python3 and python3-matplotlib.

Exit codes: 0 report written; 2 invalid input (not a directory, no exvivo
tables in it, a table missing a column) or matplotlib missing; 3 internal error.
"""
import argparse
import os
import sys
import traceback

EXIT_OK, EXIT_INPUT, EXIT_INTERNAL = 0, 2, 3


def parse_arguments(argv):
    p = argparse.ArgumentParser(prog="exvivo report", description=__doc__.split("\n\n")[0])
    p.add_argument("dir", help="output directory of exvivo run, fit or analyze")
    p.add_argument("-o", "--out", help="HTML page to write (default: DIR/report.html)")
    p.add_argument("--figures-dir", help="where the PNG and SVG files go (default: DIR/figures)")
    p.add_argument("--time", type=float,
                   help="time (model time unit) read for dose-response figures (default: per observable, "
                        "the sample where the readout varies most with the factor)")
    p.add_argument("--dpi", type=int, default=200, help="resolution of the PNG files (default 200)")
    return p.parse_args(argv)


def require_matplotlib():
    try:
        import matplotlib  # noqa: F401
        import numpy  # noqa: F401
    except ImportError as e:
        sys.stderr.write(f"error: exvivo report needs matplotlib for {sys.executable} ({e}); "
                         "install Debian's python3-matplotlib (apt-get install python3-matplotlib)\n")
        sys.exit(EXIT_INPUT)


def make_figures(out, wanted_time):
    import analysis_figures
    import fit_figures
    import run_figures
    figures = []
    if out.fit_json is None or out.timecourses is not None:
        figures += run_figures.timecourse_figures(out)
        figures += run_figures.sweep_figures(out, wanted_time)
        figures += run_figures.donor_parameter_figures(out, wanted_time)
    figures += fit_figures.fit_figures(out)
    figures += analysis_figures.analysis_figures(out)
    return figures


def notes_on(out):
    """What the page should say about figures that could not be drawn."""
    notes = []
    if out.runs is not None and out.timecourses is None:
        notes.append("timecourses.csv was not written (output.timecourses: false): time courses come from "
                     "summary.csv, and readouts against sweep factors or donor parameters cannot be drawn.")
    if out.fit_json is not None and out.fit_timecourses is None:
        notes.append("fit_timecourses.csv is missing (the best estimate could not be simulated): no model curves.")
    return notes


def title_of(out):
    record = out.record()
    for key, kind in (("scenario", "scenario"), ("fit", "fit"), ("analysis", "analysis")):
        if record.get(key):
            return f"exvivo report: {kind} {record[key]}"
    return f"exvivo report: {os.path.basename(os.path.abspath(out.directory))}"


def write_atomically(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv):
    args = parse_arguments(argv)
    require_matplotlib()
    import html_page
    import style
    import tables
    try:
        out = tables.OutputDir(args.dir)
        if not out.has_any_output():
            raise tables.InputError(f"{args.dir}: no output of exvivo run, fit or analyze "
                                    "(expected timecourses.csv, summary.csv, residuals.csv, starts.csv, "
                                    "sensitivity.csv, biomarkers.csv, ...)")
    except tables.InputError as e:
        sys.stderr.write(f"error: {e}\n")
        return EXIT_INPUT
    style.apply(args.dpi)
    figures_dir = args.figures_dir or os.path.join(args.dir, "figures")
    page = args.out or os.path.join(args.dir, "report.html")
    figures = make_figures(out, args.time)
    for f in figures:
        f.save(figures_dir)
    write_atomically(page, html_page.render(out, figures, title_of(out), notes_on(out)))
    sys.stderr.write(f"report: {len(figures)} figure(s) in {figures_dir}, page {page}\n")
    return EXIT_OK


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except SystemExit:
        raise
    except Exception:  # anything unforeseen is an internal error, with its traceback for the bug report
        traceback.print_exc()
        sys.exit(EXIT_INTERNAL)
