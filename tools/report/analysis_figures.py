"""Figures of `exvivo analyze` outputs: sensitivity indices as bars with their
bootstrap intervals (Sobol' S1/ST or Morris mu*), biomarker AUCs with the
Youden operating points in ROC space (full ROC curves when roc.csv exists),
and the ranked sampling designs."""
import math
from collections import OrderedDict

import style
from figure_set import Figure

MAX_PANELS = 8
ROC_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
SOBOL_AXIS = (-0.05, 1.05)
# A Sobol' index lies in [0, 1]: a wider bootstrap interval (too few samples) is not drawn.
MAX_SOBOL_INTERVAL = 1.0


def analysis_figures(out):
    figures = []
    if out.sensitivity is not None and len(out.sensitivity):
        figures.append(_sensitivity(out.sensitivity))
    if out.biomarkers is not None and len(out.biomarkers):
        figures.append(_auc_bars(out.biomarkers))
        roc = _roc_space(out)
        if roc is not None:
            figures.append(roc)
    if out.design is not None and len(out.design):
        figures.append(_design(out.design))
    return figures


def _errors(rows, value, lo, hi, widest=math.inf):
    """Asymmetric error bars from interval columns; none where an interval is
    missing or wider than `widest` (it would say nothing but cross the panel)."""
    def shown(r):
        return math.isfinite(r[lo]) and math.isfinite(r[hi]) and r[hi] - r[lo] <= widest
    below = [max(0.0, r[value] - r[lo]) if shown(r) else 0.0 for r in rows]
    above = [max(0.0, r[hi] - r[value]) if shown(r) else 0.0 for r in rows]
    return [below, above]


def _sensitivity(table):
    sobol = "S1" in table.columns
    outputs = list(OrderedDict.fromkeys(r["output"] for r in table.rows))[:MAX_PANELS]
    parameters = list(OrderedDict.fromkeys(r["parameter"] for r in table.rows))
    height = max(1.6, 0.22 * len(parameters) + 0.8)
    fig, axes = style.figure(len(outputs), max_columns=2, height_per_row=height)
    bar = 0.38
    for ax, output in zip(axes, outputs):
        rows = {r["parameter"]: r for r in table.rows if r["output"] == output}
        present = [p for p in parameters if p in rows]
        rows = [rows[p] for p in present]
        y = list(range(len(present)))
        if sobol:
            ax.barh([v - bar / 2 for v in y], [r["S1"] for r in rows], height=bar, color=style.colour(0),
                    xerr=_errors(rows, "S1", "S1_lo", "S1_hi", MAX_SOBOL_INTERVAL), error_kw={"lw": 0.6},
                    label="first order S1")
            ax.barh([v + bar / 2 for v in y], [r["ST"] for r in rows], height=bar, color=style.colour(1),
                    xerr=_errors(rows, "ST", "ST_lo", "ST_hi", MAX_SOBOL_INTERVAL), error_kw={"lw": 0.6},
                    label="total ST")
            ax.set_xlabel("Sobol' index")
            ax.axvline(0, color="black", lw=0.5)
            ax.set_xlim(min(SOBOL_AXIS[0], ax.get_xlim()[0]), max(SOBOL_AXIS[1], ax.get_xlim()[1]))
        else:
            ax.barh([v - bar / 2 for v in y], [r["mu_star"] for r in rows], height=bar, color=style.colour(0),
                    xerr=_errors(rows, "mu_star", "mu_star_lo", "mu_star_hi"), error_kw={"lw": 0.6},
                    label="μ* (mean |EE|)")
            ax.barh([v + bar / 2 for v in y], [r["sigma"] for r in rows], height=bar, color=style.colour(1),
                    label="σ (sd of EE)")
            ax.set_xlabel("elementary effect")
        ax.set_yticks(y)
        ax.set_yticklabels(present)
        ax.invert_yaxis()
        ax.set_title(output)
    caption = ("Global sensitivity (sensitivity.csv): "
               + ("Sobol' first-order (S1) and total (ST) indices" if sobol else
                  "Morris μ* and σ of the elementary effects")
               + " of each output to each parameter, with bootstrap 95% intervals (not drawn when wider "
                 "than 1: too few samples); one panel per output.")
    return Figure("sensitivity", caption, fig, axes[0])


def _auc_bars(table):
    rows = sorted(table.rows, key=lambda r: -r["auc"])
    height = max(1.6, 0.22 * len(rows) + 0.8)
    fig, (ax,) = style.figure(1, height_per_row=height)
    y = list(range(len(rows)))
    ax.barh(y, [r["auc"] - 0.5 for r in rows], left=0.5, color=style.colour(0), height=0.6,
            xerr=_errors(rows, "auc", "auc_lo", "auc_hi"), error_kw={"lw": 0.6})
    ax.axvline(0.5, color="black", lw=0.6, ls="--")
    ax.set_yticks(y)
    ax.set_yticklabels([r["biomarker"] for r in rows])
    ax.invert_yaxis()
    ax.set_xlim(0.4, 1.0)
    ax.set_xlabel("AUC (area under the ROC curve)")
    caption = ("Biomarkers ranked by AUC for predicting response (biomarkers.csv), with bootstrap 95% "
               "intervals; the dashed line (0.5) is chance.")
    return Figure("biomarker_auc", caption, fig)


def _roc_space(out):
    table = out.biomarkers
    has_points = all(c in table.columns for c in ("sensitivity", "specificity"))
    curves = out.roc
    if not has_points and curves is None:
        return None
    fig, (ax,) = style.figure(1, height_per_row=3.0)
    markers = sorted(table.rows, key=lambda r: -r["auc"])[:len(style.OKABE_ITO)]
    for i, r in enumerate(markers):
        colour = style.colour(i)
        label = f"{r['biomarker']} (AUC {r['auc']:.2f})"
        if curves is not None:
            pts = _roc_curve(curves, r["biomarker"])
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], color=colour, label=label, lw=0.9)
                label = None
        if has_points and math.isfinite(r["sensitivity"]) and math.isfinite(r["specificity"]):
            # Markers differ as well as colours: points that coincide stay distinguishable.
            ax.plot([1 - r["specificity"]], [r["sensitivity"]], marker=ROC_MARKERS[i % len(ROC_MARKERS)],
                    color=colour, ms=4, ls="none", mfc="none" if i % 2 else colour, label=label)
    ax.plot([0, 1], [0, 1], color="grey", lw=0.6, ls="--")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_aspect("equal")
    ax.set_xlabel("1 − specificity")
    ax.set_ylabel("sensitivity")
    caption = ("ROC space: " + ("ROC curves (roc.csv) and " if curves is not None else "")
               + "the Youden-optimal operating point of each biomarker (biomarkers.csv: sensitivity and "
                 "specificity at its threshold); the diagonal is chance.")
    return Figure("biomarker_roc", caption, fig, ax)


def _roc_curve(curves, biomarker):
    rows = [r for r in curves.rows if r["biomarker"] == biomarker]
    if "fpr" in curves.columns and "tpr" in curves.columns:
        pts = [(r["fpr"], r["tpr"]) for r in rows]
    elif "sensitivity" in curves.columns and "specificity" in curves.columns:
        pts = [(1 - r["specificity"], r["sensitivity"]) for r in rows]
    else:
        return []
    return sorted(p for p in pts if math.isfinite(p[0]) and math.isfinite(p[1]))


def _short_list(text):
    """'0.29999999999999999;100' (full precision, `;`-separated) as '0.3, 100'."""
    items = []
    for item in text.split(";"):
        try:
            items.append(f"{float(item):g}")
        except ValueError:
            items.append(item)
    return ", ".join(items)


def _design(table):
    rows = sorted(table.rows, key=lambda r: r["rank"])[:20]
    height = max(1.6, 0.22 * len(rows) + 0.8)
    fig, (ax,) = style.figure(1, height_per_row=height)
    y = list(range(len(rows)))
    ax.barh(y, [r["criterion"] for r in rows], color=style.colour(2), height=0.6)
    labels = []
    for r in rows:
        parts = [f"t: {_short_list(r['times'])}" if r.get("times") else "",
                 f"dose: {_short_list(r['doses'])}" if r.get("doses") else ""]
        labels.append("  ".join(p for p in parts if p) or f"rank {r['rank']:g}")
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=6.5)
    ax.invert_yaxis()
    ax.set_xlabel("design criterion")
    caption = "Candidate sampling designs ranked by the design criterion (design.csv), best first."
    return Figure("design", caption, fig)
