"""Figures of `exvivo fit` outputs: data with the model at the best estimate,
observed against predicted, residuals, the waterfall of starts and profile
likelihoods with the 95% threshold."""
import math
from collections import OrderedDict, defaultdict

import style
from figure_set import Figure, safe_stem

CONVERGED = {"gtol", "ftol", "xtol"}
MAX_PANELS = 8


def fit_figures(out):
    figures = []
    if out.residuals is not None and len(out.residuals):
        if out.fit_timecourses is not None:
            figures.append(_data_and_model(out))
        figures.append(_observed_vs_predicted(out))
        figures.append(_residuals(out))
    if out.starts is not None and len(out.starts):
        figures.append(_waterfall(out))
    if out.profiles is not None and len(out.profiles):
        figures.append(_profiles(out))
    return figures


def _unit_label(out, observable):
    return style.label_with_unit(observable, out.observable_unit(observable))


def _condition_colours(rows):
    conditions = list(OrderedDict.fromkeys((r["donor"], r["arm"]) for r in rows))
    return {c: style.colour(i) for i, c in enumerate(conditions)}


def _data_and_model(out):
    data = out.residuals.rows
    observables = list(OrderedDict.fromkeys(r["observable"] for r in data))[:MAX_PANELS]
    colours = _condition_colours(data)
    curves = defaultdict(list)
    for r in out.fit_timecourses.rows:
        # Rows of one run come in schedule order; `sample` numbers sweep samples, not times.
        curve = curves[(r["observable"], r["donor"], r["arm"], r["run"])]
        curve.append((len(curve), r["time"], r["value"]))
    fig, axes = style.figure(len(observables))
    for ax, observable in zip(axes, observables):
        values = []
        for (donor, arm), colour in colours.items():
            runs = [c for key, c in curves.items() if key[:3] == (observable, donor, arm)]
            pts = runs[0] if runs else []
            label = f"{donor} / {arm}"
            if pts:
                ax.plot([t for _, t, _ in pts], [v for _, _, v in pts], color=colour, label=label)
                values += [v for _, _, v in pts]
            obs = [r for r in data if r["observable"] == observable and (r["donor"], r["arm"]) == (donor, arm)]
            ax.plot([r["time"] for r in obs], [r["measurement"] for r in obs], ls="none", marker="o", ms=3,
                    mfc="white", mec=colour, mew=0.8, label=None if pts else label)
            values += [r["measurement"] for r in obs]
        ax.set_xlabel(style.label_with_unit("time", out.time_unit()))
        ax.set_ylabel(_unit_label(out, observable))
        ax.set_title(observable)
        style.set_scale(ax, "y", values)
    caption = ("Data (open circles, residuals.csv) and the model at the best estimate (lines, "
               "fit_timecourses.csv), one panel per observable, colours by donor and arm.")
    return Figure("fit_data_and_model", caption, fig, axes[0])


def _observed_vs_predicted(out):
    rows = out.residuals.rows
    colours = _condition_colours(rows)
    fig, (ax,) = style.figure(1, height_per_row=3.0)
    for (donor, arm), colour in colours.items():
        pts = [r for r in rows if (r["donor"], r["arm"]) == (donor, arm)]
        ax.scatter([r["simulation"] for r in pts], [r["measurement"] for r in pts], s=9, color=colour,
                   alpha=0.8, lw=0, label=f"{donor} / {arm}")
    values = [r[c] for r in rows for c in ("simulation", "measurement") if math.isfinite(r[c])]
    if values:
        lo, hi = min(values), max(values)
        ax.plot([lo, hi], [lo, hi], color="black", lw=0.7, ls="--", label="identity")
        style.set_scale(ax, "x", values)
        style.set_scale(ax, "y", values)
    ax.set_aspect("equal", adjustable="datalim")
    observables = list(OrderedDict.fromkeys(r["observable"] for r in rows))
    unit = out.observable_unit(observables[0]) if len(observables) == 1 else ""
    what = observables[0] if len(observables) == 1 else "value"
    ax.set_xlabel(style.label_with_unit(f"predicted {what}", unit))
    ax.set_ylabel(style.label_with_unit(f"observed {what}", unit))
    ax.legend(loc="upper left", handlelength=1.0)
    caption = "Observed against predicted at the best estimate (residuals.csv); the dashed line is identity."
    return Figure("fit_observed_vs_predicted", caption, fig)


def _residuals(out):
    rows = out.residuals.rows
    observables = list(OrderedDict.fromkeys(r["observable"] for r in rows))
    fig, (ax,) = style.figure(1)
    for i, observable in enumerate(observables):
        pts = [r for r in rows if r["observable"] == observable]
        ax.scatter([r["time"] for r in pts], [r["residual"] for r in pts], s=9, color=style.colour(i), lw=0,
                   label=observable)
    ax.axhline(0, color="black", lw=0.6)
    for level in (-2, 2):
        ax.axhline(level, color="grey", lw=0.6, ls=":")
    ax.set_xlabel(style.label_with_unit("time", out.time_unit()))
    ax.set_ylabel("weighted residual")
    if len(observables) > 1:
        ax.legend(loc="best")
    caption = ("Weighted residuals (residuals.csv: (model − data)/σ, on the log scale for lognormal noise) "
               "against time; dotted lines at ±2.")
    return Figure("fit_residuals", caption, fig)


def _waterfall(out):
    starts = sorted(out.starts.rows, key=lambda r: (not math.isfinite(r["nllh"]), r["nllh"]))
    finite = [r for r in starts if math.isfinite(r["nllh"])]
    fig, (ax,) = style.figure(1)
    ylabel = "nllh − best nllh"
    if finite:
        best = finite[0]["nllh"]
        # Spread over decades: offset by 1 so the best start sits at 1 on a log axis.
        log = finite[-1]["nllh"] - best + 1 >= 10
        offset = 1 if log else 0
        for converged, marker in ((True, "o"), (False, "x")):
            pts = [(i + 1, r["nllh"] - best + offset) for i, r in enumerate(finite)
                   if (r["status"] in CONVERGED) == converged]
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], ls="none", marker=marker,
                        color=style.colour(0 if converged else 3), ms=3.5,
                        label="converged" if converged else "not converged")
        ax.plot(range(1, len(finite) + 1), [r["nllh"] - best + offset for r in finite], color="grey", lw=0.5,
                zorder=0)
        if log:
            ax.set_yscale("log")
            ylabel += " + 1"
        else:
            # At least one unit of nllh tall: rounding-level differences between starts
            # that found the same optimum then show as the plateau they are.
            top = max(1.0, 1.1 * (finite[-1]["nllh"] - best))
            ax.set_ylim(-0.05 * top, top)
        ax.legend(loc="upper left")
    ax.set_xlabel("start (sorted by final objective)")
    ax.set_ylabel(ylabel)
    failed = len(starts) - len(finite)
    caption = (f"Waterfall of the {len(starts)} optimiser starts (starts.csv): final negative log-likelihood "
               "relative to the best, sorted; a plateau at the bottom means the best optimum was found repeatedly."
               + (f" {failed} start(s) ended without a finite objective." if failed else ""))
    return Figure("fit_waterfall", caption, fig)


def _profiles(out):
    by_parameter = OrderedDict()
    for r in out.profiles.rows:
        by_parameter.setdefault(r["parameter"], []).append((r["value"], r["nllh"]))
    parameters = list(by_parameter)[:MAX_PANELS]
    estimates = {}
    scales = {}
    if out.estimates is not None:
        for r in out.estimates.rows:
            label = r["parameter"] + (f"[{r['donor']}]" if r["donor"] else "")
            estimates[label] = r
            scales[label] = r["scale"]
    best = None
    if out.fit_json and isinstance(out.fit_json.get("best"), dict):
        best = out.fit_json["best"].get("nllh")
    fig, axes = style.figure(len(parameters))
    for ax, parameter in zip(axes, parameters):
        pts = sorted(p for p in by_parameter[parameter] if math.isfinite(p[0]) and math.isfinite(p[1]))
        if not pts:
            continue
        reference = best if best is not None else min(y for _, y in pts)
        ax.plot([x for x, _ in pts], [y - reference for _, y in pts], color=style.colour(0), marker="o", ms=2)
        ax.axhline(style.PROFILE_THRESHOLD_95, color=style.colour(3), ls="--", lw=0.8,
                   label="95% threshold")
        est = estimates.get(parameter)
        if est is not None:
            ax.axvline(est["value"], color="black", lw=0.6, ls=":", label="estimate")
        ax.set_xlabel(parameter)
        ax.set_ylabel("Δ nllh")
        ax.set_ylim(bottom=min(-0.1, min(y - reference for _, y in pts)))
        if scales.get(parameter, "").startswith("log") or style.spans_decades([x for x, _ in pts]):
            if min(x for x, _ in pts) > 0:
                ax.set_xscale("log")
                style.plain_log_ticks(ax, "x")
    axes[0].legend(loc="best")
    caption = ("Profile likelihoods (profiles.csv): rise of the negative log-likelihood over its minimum as each "
               "parameter is fixed and the others re-optimised; the dashed line (χ²₁,₀.₉₅/2 ≈ 1.92) bounds the 95% "
               "confidence interval, the dotted line marks the estimate.")
    return Figure("fit_profiles", caption, fig)
