#!/usr/bin/python3
"""exvivo report: figures (PNG and SVG, in DIR/figures/) and one self-contained
HTML page for an output directory of `exvivo run`, `exvivo fit` or
`exvivo analyze`. Called by `exvivo report DIR [-o FILE.html]`; runnable on
its own with Debian's /usr/bin/python3 and python3-matplotlib.

Exit codes: 0 report written; 2 invalid input (not a directory, no exvivo
tables in it, a table missing a column, truncated or holding a non-number
where a number belongs, a --time that is not a sample time) or matplotlib
missing; 3 internal error. When a table cannot be read, the report and
figures of an earlier call are removed, so that no figure is left that does
not match the tables; on success the figures directory holds exactly this report's figures.
"""
import argparse
import glob
import os
import re
import shutil
import sys
import traceback

EXIT_OK, EXIT_INPUT, EXIT_INTERNAL = 0, 2, 3


def parse_arguments(argv):
    p = argparse.ArgumentParser(prog="exvivo report", description=__doc__.split("\n\n")[0])
    p.add_argument("dir", help="output directory of exvivo run, fit or analyze")
    p.add_argument("-o", "--out", help="HTML page to write (default: DIR/report.html)")
    p.add_argument("--figures-dir", help="where the PNG and SVG files go (default: DIR/figures)")
    p.add_argument("--time",
                   help="sample time read for dose-response and cohort figures, as in a scenario: '24', '24 h', "
                        "'30 min', or '24 h-' for the sample just before an event at 24 h (default: per "
                        "observable, the sample where the readout varies most with the factor)")
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


SECONDS_PER = {"s": 1, "min": 60, "h": 3600, "d": 86400}


def parse_time(text, time_unit):
    """--time as (time in the model's time unit, just before an event)."""
    m = re.fullmatch(r"\s*([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([A-Za-z]*)\s*(-?)\s*", text)
    if not m:
        raise ValueError(f"--time '{text}': expected a time such as 24, '24 h', '30 min' or '24 h-'")
    value, unit, before = float(m.group(1)), m.group(2), m.group(3) == "-"
    if unit and unit != time_unit:
        if unit not in SECONDS_PER or time_unit not in SECONDS_PER:
            raise ValueError(f"--time '{text}': unit '{unit}' cannot be converted to the model's time unit "
                             f"'{time_unit or '?'}' (use s, min, h or d)")
        value = value * SECONDS_PER[unit] / SECONDS_PER[time_unit]
    return value, before


def remove_stale_outputs(page, figures_dir):
    """Removes an earlier report page (only one this tool wrote) and its
    figure files; returns what was removed."""
    removed = []
    if os.path.isfile(page):
        with open(page, encoding="utf-8", errors="replace") as f:
            ours = html_marker() in f.read(2000)
        if ours:
            os.remove(page)
            removed.append(page)
    for path in glob.glob(os.path.join(figures_dir, "*.png")) + glob.glob(os.path.join(figures_dir, "*.svg")):
        os.remove(path)
        removed.append(path)
    return removed


def html_marker():
    import html_page
    return html_page.GENERATOR_META


def replace_figures(new_dir, figures_dir):
    """Moves this report's figures into figures_dir, dropping the figure
    files of earlier reports (other files there are left alone)."""
    os.makedirs(figures_dir, exist_ok=True)
    for path in glob.glob(os.path.join(figures_dir, "*.png")) + glob.glob(os.path.join(figures_dir, "*.svg")):
        os.remove(path)
    for name in os.listdir(new_dir):
        os.replace(os.path.join(new_dir, name), os.path.join(figures_dir, name))
    shutil.rmtree(new_dir, ignore_errors=True)


def write_atomically(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv):
    args = parse_arguments(argv)
    require_matplotlib()
    import html_page
    import run_figures
    import style
    import tables
    figures_dir = args.figures_dir or os.path.join(args.dir, "figures")
    page = args.out or os.path.join(args.dir, "report.html")
    try:
        out = tables.OutputDir(args.dir)
        if not out.has_any_output():
            raise tables.InputError(f"{args.dir}: no output of exvivo run, fit or analyze "
                                    "(expected timecourses.csv, summary.csv, residuals.csv, starts.csv, "
                                    "sensitivity.csv, biomarkers.csv, ...)")
        wanted_time = parse_time(args.time, out.time_unit()) if args.time is not None else None
        run_figures.check_sample_time(out, wanted_time)
        style.apply(args.dpi)
        figures = make_figures(out, wanted_time)
    except (tables.InputError, ValueError, run_figures.SampleTimeError) as e:
        sys.stderr.write(f"error: {e}\n")
        # Tables that cannot be read make an earlier report stale; a bad flag does not.
        if isinstance(e, tables.InputError) and os.path.isdir(args.dir):
            removed = remove_stale_outputs(page, figures_dir)
            if removed:
                sys.stderr.write(f"report: removed {len(removed)} file(s) of an earlier report that no longer "
                                 "match the tables\n")
        return EXIT_INPUT
    staging = figures_dir.rstrip("/") + f".tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    for f in figures:
        f.save(staging)
    write_atomically(page, html_page.render(out, figures, title_of(out), notes_on(out)))
    replace_figures(staging, figures_dir)
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
