"""One self-contained HTML page: a header table from run.json / fit.json /
analysis.json, the failed runs if any, and every figure embedded as a base64
PNG with its caption. No scripts, fonts or styles are loaded from elsewhere,
so the page works offline and can be mailed as one file."""
import base64
import html
import os

# (label, key or key path) shown in the header table when present, in order.
HEADER_FIELDS = [
    ("scenario", ("scenario",)),
    ("fit", ("fit",)),
    ("analysis", ("analysis",)),
    ("model", ("model",)),
    ("engine version", ("engine_version",)),
    ("git revision", ("git_revision",)),
    ("seed", ("seed",)),
    ("threads", ("threads",)),
    ("runs", ("runs_total",)),
    ("runs ok", ("runs_ok",)),
    ("runs failed", ("runs_failed",)),
    ("model solves", ("model_solves",)),
    ("failed solves", ("failed_solves",)),
    ("measurements", ("measurements",)),
    ("parameters", ("parameters",)),
    ("starts", ("starts",)),
    ("starts converged", ("starts_converged",)),
    ("best nllh", ("best", "nllh")),
    ("best status", ("best", "status")),
    ("time unit", ("time_unit",)),
    ("start time", ("start_time",)),
    ("end time", ("end_time",)),
    ("wall time", ("wall_seconds",)),
]

MAX_FAILURES_LISTED = 20
MAX_LEVELS_LISTED = 12
# Marks a page this tool wrote (so that a later failed call may remove it).
GENERATOR_META = '<meta name="generator" content="exvivo report">'

# Which file answers which question, per kind of output.
FILE_GUIDE = [
    ("timecourses.csv", "What is the readout of one donor, arm and dose at one time? Every readout of every run "
                        "at every sample time, one row each (run, donor, arm, sample, time, observable, value)."),
    ("runs.csv", "Which dose (sweep factor values) or sampled donor parameters did run N have, and did it succeed? "
                 "One row per run: status, solver message and statistics, factor and parameter values."),
    ("summary.csv", "How much does a readout vary over the sweep design or the virtual cohort? Mean, sd and "
                    "quantiles per donor, arm, time and observable, pooled over the sweep samples (a dose grid "
                    "is pooled too: for one dose, read timecourses.csv with runs.csv)."),
    ("run.json", "How was it made? Engine version and git revision, SHA-256 of model and scenario, seed, threads, "
                 "units of time, readouts and factors, counts of runs ok and failed."),
    ("estimates.csv", "What are the fitted parameter values and their 95% intervals?"),
    ("starts.csv", "Did the multi-start optimisation find one optimum (waterfall)?"),
    ("fit_timecourses.csv", "What does the model predict at the best estimate?"),
    ("residuals.csv", "Where does the model miss the data?"),
    ("profiles.csv", "How well is each profiled parameter determined?"),
    ("fit.json", "How was the fit made, and what is the best objective value?"),
    ("sensitivity.csv", "Which parameters drive a readout (Sobol' indices or Morris effects)?"),
    ("biomarkers.csv", "Which baseline marker predicts who responds (ROC AUC, threshold)?"),
    ("roc.csv", "The ROC curve of each candidate marker."),
    ("design.csv", "Which sampling times and doses are most informative?"),
    ("analysis.json", "How was the analysis made?"),
]

CSS = """
.lead { font-size: 1.05em; }
.guide td:first-child { white-space: nowrap; font-family: monospace; }
body { font-family: sans-serif; max-width: 60em; margin: 1em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border-bottom: 1px solid #ccc; padding: 0.2em 0.8em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
figure { margin: 1.5em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.9em; color: #444; }
.failed { color: #a33; }
.note { background: #fff8e0; padding: 0.4em 0.8em; }
"""


def _lookup(record, path):
    value = record
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _format(label, value):
    if label == "wall time" and isinstance(value, (int, float)):
        return f"{value:.2f} s"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def header_rows(out):
    rows = [("directory", os.path.abspath(out.directory))]
    for record in (out.run_json, out.fit_json, out.analysis_json):
        if not record:
            continue
        for label, path in HEADER_FIELDS:
            value = _lookup(record, path)
            if value not in (None, "") and label not in (r[0] for r in rows):
                rows.append((label, _format(label, value)))
    return rows


def failed_runs(out):
    if out.runs is None:
        return []
    return [r for r in out.runs.rows if r["status"] != "ok"]


def _fmt_unit(unit):
    return f" {unit}" if unit and unit != "1" else ""


def design_rows(out):
    """What was simulated, from the tables themselves: donors, arms, sweep
    levels, sample times and readouts with units."""
    rows = []
    table = out.runs or out.timecourses or out.summary
    if table is None:
        return rows
    donors = table.distinct("donor")
    cohort = [d for d in donors if d.startswith("cohort_")]
    listed = [d for d in donors if not d.startswith("cohort_")]
    text = ", ".join(listed)
    if cohort:
        text += (", " if text else "") + f"{len(cohort)} virtual cohort members"
    rows.append(("donors", text))
    rows.append(("arms (treatments)", ", ".join(table.distinct("arm"))))
    if out.runs is not None:
        import run_figures
        units = out.record().get("factor_units") or {}
        for factor in run_figures.sweep_factors(out):
            levels = sorted({r[factor] for r in out.runs.rows if r[factor] == r[factor]})
            shown = ", ".join(f"{v:g}" for v in levels[:MAX_LEVELS_LISTED])
            if len(levels) > MAX_LEVELS_LISTED:
                shown += f", ... ({len(levels)} values from {levels[0]:g} to {levels[-1]:g})"
            rows.append((f"sweep factor {factor}", shown + _fmt_unit(units.get(factor, ""))))
        for parameter in run_figures.donor_parameters(out):
            rows.append(("sampled donor parameter", parameter + _fmt_unit(units.get(parameter, ""))))
    times_table = out.timecourses or out.summary
    if times_table is not None:
        first = times_table.rows[0]
        key = ("run", first["run"]) if "run" in first else ("donor", first["donor"])
        times = []
        for r in times_table.rows:
            if r[key[0]] == key[1] and r["observable"] == first["observable"] and r.get("arm") == first.get("arm"):
                times.append(r["time"])
        labels = []
        for i, t in enumerate(times):
            before = i + 1 < len(times) and times[i + 1] == t
            labels.append(f"{t:g}" + ("-" if before else ""))
        rows.append(("sample times", ", ".join(labels) + _fmt_unit(out.time_unit())
                     + (" ('-': just before an event at that time)" if any(l.endswith("-") for l in labels) else "")))
        rows.append(("readouts", ", ".join(o + (f" ({out.observable_unit(o)})" if out.observable_unit(o) else "")
                                           for o in times_table.distinct("observable"))))
    return rows


def lead_sentence(out):
    record = out.record()
    if out.run_json:
        total, ok, failed = record.get("runs_total"), record.get("runs_ok"), record.get("runs_failed")
        what = f"exvivo simulated scenario <b>{html.escape(str(record.get('scenario', '')))}</b>"
        if record.get("model"):
            what += f" with model <b>{html.escape(str(record['model']))}</b>"
        if total is not None:
            what += f": {total} runs (one per donor, arm and sweep sample)"
            what += ", all succeeded." if not failed else f", {ok} succeeded and <span class=failed>{failed} failed</span>."
        return what
    if out.fit_json:
        return (f"exvivo fitted <b>{html.escape(str(record.get('fit', '')))}</b>: {record.get('parameters', '?')} "
                f"parameters to {record.get('measurements', '?')} measurements from {record.get('starts', '?')} starts.")
    if out.analysis_json:
        return f"exvivo analysis <b>{html.escape(str(record.get('analysis', '')))}</b>."
    return ""


HOW_TO_READ = [
    ("timecourse_", "Time courses: the readout over time, one panel per donor; lines are runs (or the median "
                    "with bands over a cohort or sampled design). With a dose sweep, colours go from light (lowest "
                    "dose) to dark (highest)."),
    ("dose_response_", "Dose-responses: the readout at one sample time (in the panel title) against the dose, one "
                       "curve per donor and arm; a triangle marks the half-maximal dose."),
    ("cohort_", "Cohort scatters: each virtual patient's readout against a baseline property it was sampled with."),
    ("fit_", "Fit: data (points) and model (lines), observed against predicted, residuals, the multi-start "
             "waterfall and likelihood profiles."),
    ("sensitivity", "Sensitivity: how much of a readout's variation each parameter explains."),
    ("biomarker", "Biomarkers: how well each baseline marker separates responders (AUC, ROC curves)."),
]


def render(out, figures, title, notes=()):
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">', GENERATOR_META,
             f"<title>{html.escape(title)}</title>", f"<style>{CSS}</style></head><body>",
             f"<h1>{html.escape(title)}</h1>"]
    description = out.record().get("description")
    if description:
        parts.append(f"<p class=lead>{html.escape(str(description))}</p>")
    lead = lead_sentence(out)
    if lead:
        parts.append(f"<p>{lead}</p>")
    design = design_rows(out)
    if design:
        parts.append("<h2>What was simulated</h2><table>")
        for label, value in design:
            parts.append(f"<tr><th>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>")
        parts.append("</table>")
    failures = failed_runs(out)
    if failures:
        parts.append(f'<h2 class="failed">Failed runs ({len(failures)})</h2><table>'
                     "<tr><th>run</th><th>donor</th><th>arm</th><th>status</th><th>message</th></tr>")
        for r in failures[:MAX_FAILURES_LISTED]:
            cells = (f"{r['run']:.0f}", r["donor"], r["arm"], r["status"], r["message"])
            parts.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
        parts.append("</table>")
        if len(failures) > MAX_FAILURES_LISTED:
            parts.append(f"<p>… and {len(failures) - MAX_FAILURES_LISTED} more (runs.csv).</p>")
    for note in notes:
        parts.append(f'<p class="note">{html.escape(note)}</p>')
    parts.append("<h2>Figures</h2>")
    if not figures:
        parts.append("<p>No figures: the directory holds no table that a figure is drawn from.</p>")
    else:
        stems = [f.stem for f in figures]
        hints = [text for prefix, text in HOW_TO_READ if any(s.startswith(prefix) for s in stems)]
        if hints:
            parts.append("<ul>" + "".join(f"<li>{html.escape(h)}</li>" for h in hints) + "</ul>")
    for f in figures:
        with open(f.png, "rb") as png:
            data = base64.b64encode(png.read()).decode("ascii")
        name = os.path.basename(f.png)
        parts.append(f'<figure id="{html.escape(f.stem)}"><img alt="{html.escape(name)}" '
                     f'src="data:image/png;base64,{data}">'
                     f"<figcaption><b>{html.escape(name)}</b> (SVG: {html.escape(os.path.basename(f.svg))}). "
                     f"{html.escape(f.caption)}</figcaption></figure>")
    present = [(name, text) for name, text in FILE_GUIDE if os.path.isfile(os.path.join(out.directory, name))]
    if present:
        parts.append("<h2>Which file answers which question</h2><table class=guide>")
        for name, text in present:
            parts.append(f"<tr><td>{html.escape(name)}</td><td>{html.escape(text)}</td></tr>")
        parts.append("</table>")
    parts.append("<h2>Provenance</h2><table>")
    for label, value in header_rows(out):
        parts.append(f"<tr><th>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>")
    parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
