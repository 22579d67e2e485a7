"""Figures of `exvivo fit` outputs: data with the model at the best estimate,
observed against predicted, residuals, the waterfall of starts and profile
likelihoods with the 95% threshold."""
import math
from collections import OrderedDict

import matplotlib.ticker

import style
from figure_set import Figure

CONVERGED = {"gtol", "ftol", "xtol"}
MAX_PANELS = 8


def fit_figures(out):
    figures = []
    if out.residuals is not None and len(out.residuals):
        if out.fit_timecourses is not None and any(not r.get("ratio_to") for r in out.residuals.rows):
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


ARM_STYLES = [("-", "o"), ("--", "s"), (":", "^"), ("-.", "D"), ((0, (5, 1, 1, 1)), "v")]


def _data_and_model(out):
    """Colours by donor and line style / marker by arm, so that many donor x
    arm conditions stay apart without running out of colours."""
    # Ratio rows (ratio_to) are not on the time courses' scale: observed vs predicted shows them.
    data = [r for r in out.residuals.rows if not r.get("ratio_to")]
    observables = list(OrderedDict.fromkeys(r["observable"] for r in data))[:MAX_PANELS]
    donors = list(OrderedDict.fromkeys(r["donor"] for r in data))
    arms = list(OrderedDict.fromkeys(r["arm"] for r in data))
    curves = OrderedDict()
    for r in out.fit_timecourses.rows:
        # Rows of one run come in schedule order; `sample` numbers sweep samples, not times.
        curve = curves.setdefault((r["observable"], r["donor"], r["arm"]), OrderedDict()).setdefault(r["run"], [])
        curve.append((r["time"], r["value"]))
    fig, axes = style.figure(len(observables))
    for ax, observable in zip(axes, observables):
        values = []
        for d, donor in enumerate(donors):
            for a, arm in enumerate(arms):
                line, marker = ARM_STYLES[a % len(ARM_STYLES)]
                colour = style.colour(d)
                runs = curves.get((observable, donor, arm))
                if runs:
                    pts = next(iter(runs.values()))
                    ax.plot([t for t, _ in pts], [v for _, v in pts], color=colour, ls=line, lw=0.9)
                    values += [v for _, v in pts]
                obs = [r for r in data if (r["observable"], r["donor"], r["arm"]) == (observable, donor, arm)]
                ax.plot([r["time"] for r in obs], [r["measurement"] for r in obs], ls="none", marker=marker, ms=3,
                        mfc="white", mec=colour, mew=0.8)
                values += [r["measurement"] for r in obs]
        ax.set_xlabel(style.label_with_unit("time", out.time_unit()))
        ax.set_ylabel(_unit_label(out, observable))
        ax.set_title(observable)
        style.set_scale(ax, "y", values)
    legend_ax = axes[0]
    _condition_legend(legend_ax, donors, arms)
    caption = ("Data (open markers, residuals.csv) and the model at the best estimate (lines, "
               "fit_timecourses.csv), one panel per observable; colours by donor, line style and marker by arm.")
    return Figure("fit_data_and_model", caption, fig, legend_ax)


def _observed_vs_predicted(out):
    """One panel per observable (their units differ); colours by donor and
    markers by arm as in the data-and-model figure."""
    rows = out.residuals.rows
    observables = list(OrderedDict.fromkeys(r["observable"] for r in rows))[:MAX_PANELS]
    donors = list(OrderedDict.fromkeys(r["donor"] for r in rows))
    arms = list(OrderedDict.fromkeys(r["arm"] for r in rows))
    fig, axes = style.figure(len(observables), height_per_row=2.6 if len(observables) > 1 else 3.0)
    for ax, observable in zip(axes, observables):
        for d, donor in enumerate(donors):
            for a, arm in enumerate(arms):
                pts = [r for r in rows if (r["observable"], r["donor"], r["arm"]) == (observable, donor, arm)]
                if pts:
                    ax.plot([r["simulation"] for r in pts], [r["measurement"] for r in pts], ls="none",
                            marker=ARM_STYLES[a % len(ARM_STYLES)][1], ms=3, mfc="white", mec=style.colour(d),
                            mew=0.8)
        values = [r[c] for r in rows if r["observable"] == observable for c in ("simulation", "measurement")
                  if math.isfinite(r[c])]
        if values:
            lo, hi = min(values), max(values)
            ax.plot([lo, hi], [lo, hi], color="black", lw=0.7, ls="--")
            style.set_scale(ax, "x", values)
            style.set_scale(ax, "y", values)
        unit = out.observable_unit(observable)
        ax.set_xlabel(style.label_with_unit("predicted", unit))
        ax.set_ylabel(style.label_with_unit("observed", unit))
        ax.set_title(observable)
    _condition_legend(axes[0], donors, arms)
    caption = ("Observed against predicted at the best estimate (residuals.csv), one panel per observable; the "
               "dashed line is identity; colours by donor, markers by arm.")
    return Figure("fit_observed_vs_predicted", caption, fig, axes[0])


def _condition_legend(ax, donors, arms):
    """Legend entries without data: donors as colours, arms as line style and marker."""
    if len(donors) > 1:
        for d, donor in enumerate(donors):
            ax.plot([], [], color=style.colour(d), lw=2, label=donor)
    if len(arms) > 1:
        for a, arm in enumerate(arms):
            line, marker = ARM_STYLES[a % len(ARM_STYLES)]
            ax.plot([], [], color="dimgrey", ls=line, marker=marker, mfc="white", label=arm)


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
    ax.set_ylabel("weighted residual (units of σ)")
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
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
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
        ax.set_xlabel(style.label_with_unit(parameter, out.parameter_unit(parameter)))
        ax.set_ylabel("Δ nllh (dimensionless)")
        ax.set_ylim(bottom=min(-0.1, min(y - reference for _, y in pts)))
        if scales.get(parameter, "").startswith("log") or style.spans_decades([x for x, _ in pts]):
            if min(x for x, _ in pts) > 0:
                ax.set_xscale("log")
                style.plain_log_ticks(ax, "x")
    caption = ("Profile likelihoods (profiles.csv): rise of the negative log-likelihood over its minimum as each "
               "parameter is fixed and the others re-optimised; the dashed line (χ²₁,₀.₉₅/2 ≈ 1.92) bounds the 95% "
               "confidence interval, the dotted line marks the estimate.")
    return Figure("fit_profiles", caption, fig, axes[0])
