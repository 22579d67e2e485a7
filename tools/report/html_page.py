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

CSS = """
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


def render(out, figures, title, notes=()):
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{html.escape(title)}</title>", f"<style>{CSS}</style></head><body>",
             f"<h1>{html.escape(title)}</h1>"]
    description = out.record().get("description")
    if description:
        parts.append(f"<p>{html.escape(str(description))}</p>")
    parts.append("<table>")
    for label, value in header_rows(out):
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
    if not figures:
        parts.append("<p>No figures: the directory holds no table that a figure is drawn from.</p>")
    for f in figures:
        with open(f.png, "rb") as png:
            data = base64.b64encode(png.read()).decode("ascii")
        name = os.path.basename(f.png)
        parts.append(f'<figure id="{html.escape(f.stem)}"><img alt="{html.escape(name)}" '
                     f'src="data:image/png;base64,{data}">'
                     f"<figcaption><b>{html.escape(name)}</b> (SVG: {html.escape(os.path.basename(f.svg))}). "
                     f"{html.escape(f.caption)}</figcaption></figure>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
