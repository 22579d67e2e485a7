"""Figures of `exvivo run` outputs: time courses per observable (panels per
donor, colours per arm) and readouts against sweep factors (dose-response with
the half-maximal dose marked, or scatter for sampled designs)."""
import math
from collections import OrderedDict, defaultdict

import style
from figure_set import Figure, safe_stem

# Individual lines are drawn while a panel holds at most this many runs (and
# the whole figure at most MAX_LINES_PER_FIGURE); beyond, median and 5-95% band.
MAX_LINES_PER_PANEL = 12
MAX_LINES_PER_FIGURE = 60
MAX_PANELS = 8
# A factor with at most this many distinct values is drawn as curves (a dose-
# response); more (sampled designs) as a scatter.
MAX_LEVELS_FOR_CURVES = 30
MAX_CURVES = 8
# A curve whose range is below this fraction of its largest magnitude is flat:
# no half-maximal dose is marked on it.
MIN_RELATIVE_RANGE_FOR_EC50 = 0.05


def observables_of(out):
    table = out.timecourses or out.summary
    return table.distinct("observable") if table else []


def _time_label(out):
    return style.label_with_unit("time", out.time_unit())


def _value_label(out, observable):
    return style.label_with_unit(observable, out.observable_unit(observable))


def _runs_by_id(out):
    """observable -> run -> [(k, time, value)] with k the position in the
    sampling schedule, and run -> (donor, arm)."""
    series = defaultdict(lambda: defaultdict(list))
    meta = {}
    for r in out.timecourses.rows:
        run = int(r["run"])
        meta[run] = (r["donor"], r["arm"])
        points = series[r["observable"]][run]
        points.append((len(points), r["time"], r["value"]))
    return series, meta


def _use_individual_lines(out, meta):
    if out.timecourses is None:
        return False
    if out.summary is None:
        return True
    per_donor = defaultdict(int)
    for donor, _ in meta.values():
        per_donor[donor] += 1
    return len(meta) <= MAX_LINES_PER_FIGURE and max(per_donor.values(), default=0) <= MAX_LINES_PER_PANEL


def timecourse_figures(out):
    observables = observables_of(out)
    if not observables:
        return []
    series, meta = _runs_by_id(out) if out.timecourses else ({}, {})
    individual = _use_individual_lines(out, meta)
    arms = (out.timecourses or out.summary).distinct("arm")
    arm_colour = {a: style.colour(i) for i, a in enumerate(arms)}
    figures = []
    for observable in observables:
        if individual:
            fig, caption, legend_from = _individual_lines(out, observable, series[observable], meta, arm_colour)
        else:
            fig, caption, legend_from = _summary_bands(out, observable, arm_colour)
        figures.append(Figure(f"timecourse_{safe_stem(observable)}", caption, fig, legend_from))
    return figures


def _donor_panels(donors):
    shown = donors[:MAX_PANELS]
    note = "" if len(donors) <= MAX_PANELS else f" First {MAX_PANELS} of {len(donors)} donors shown."
    return shown, note


def _factor_levels(out):
    """run -> label of its sweep-factor values ("dose = 1 ng/mL"), and the
    labels in increasing order of the values; ({}, []) without a sweep."""
    factors = sweep_factors(out)
    if not factors or out.runs is None:
        return {}, []
    values_of = {}
    for r in out.runs.rows:
        values_of[int(r["run"])] = tuple(r[f] for f in factors)
    def label(values):
        return ", ".join(f"{f} = {v:g}" + (f" {_factor_unit(out, f)}" if _factor_unit(out, f) not in ("", "1") else "")
                         for f, v in zip(factors, values))
    ordered = sorted(set(values_of.values()))
    return {run: label(v) for run, v in values_of.items()}, [label(v) for v in ordered]


def _individual_lines(out, observable, per_run, meta, arm_colour):
    donors = list(OrderedDict.fromkeys(meta[r][0] for r in sorted(per_run)))
    shown, note = _donor_panels(donors)
    fig, axes = style.figure(len(shown))
    runs_in_group = defaultdict(list)
    for run in sorted(per_run):
        runs_in_group[meta[run]].append(run)
    all_values = [v for pts in per_run.values() for _, _, v in pts]
    level_of, levels = _factor_levels(out)
    by_level = bool(levels) and any(len(g) > 1 for g in runs_in_group.values())
    level_colour = dict(zip(levels, style.sequential_colours(len(levels))))
    arm_style = {a: style.LINE_STYLES[i % len(style.LINE_STYLES)] for i, a in enumerate(arm_colour)}
    # Runs of an arm that the sweep does not change (a control arm) are one line, not one per level.
    def same(group):
        return all(per_run[r] == per_run[group[0]] for r in group[1:])
    unchanged = {key: by_level and same(group) for key, group in runs_in_group.items()}
    varying_arms = {arm for (_, arm), u in unchanged.items() if not u}
    if not varying_arms:  # the sweep changes nothing that this readout shows: colours by arm
        by_level = False
    labelled = set()
    for ax, donor in zip(axes, shown):
        for arm, colour in arm_colour.items():
            group = runs_in_group.get((donor, arm), [])
            if unchanged.get((donor, arm)):
                group = group[:1]
            for run in group:
                pts = per_run[run]
                if by_level and unchanged[(donor, arm)]:
                    key, ls = arm, arm_style[arm]
                    label = f"{arm} (the same at every level)"
                elif by_level:
                    # One colour per sweep level (light = low, dark = high), one line style per arm.
                    key = (level_of.get(run, ""), arm)
                    colour, ls = level_colour.get(level_of.get(run), "grey"), arm_style[arm]
                    label = f"{arm}, {key[0]}" if len(varying_arms) > 1 else key[0]
                else:
                    key, ls, label = arm, "-", arm
                ax.plot([t for _, t, _ in pts], [v for _, _, v in pts], color=colour, ls=ls, lw=0.9, marker="o",
                        ms=2, label=label if key not in labelled else None)
                labelled.add(key)
        _finish_timecourse_axes(out, ax, observable, donor, all_values)
    if by_level:
        caption = (f"{observable} over time, one line per run, one panel per donor; colours mark the sweep level "
                   f"(light = lowest, dark = highest: {levels[0]} to {levels[-1]})"
                   + (", line styles the arm" if len(arm_colour) > 1 else "")
                   + ("; an arm that the sweep does not change is one line in its own colour"
                      if any(unchanged.values()) else "")
                   + "." + note)
    else:
        caption = f"{observable} over time, one line per run, one panel per donor, colours by arm." + note
    return fig, caption, axes[0]


def _summary_bands(out, observable, arm_colour):
    rows = out.summary.where(observable=observable)
    donors = list(OrderedDict.fromkeys(r["donor"] for r in rows))
    shown, note = _donor_panels(donors)
    fig, axes = style.figure(len(shown))
    all_values = [r[c] for r in rows for c in ("q05", "median", "q95")]
    for ax, donor in zip(axes, shown):
        for arm, colour in arm_colour.items():
            pts = [r for r in rows if r["donor"] == donor and r["arm"] == arm]
            if not pts:
                continue
            t = [r["time"] for r in pts]
            ax.fill_between(t, [r["q05"] for r in pts], [r["q95"] for r in pts], color=colour, alpha=0.15, lw=0)
            ax.fill_between(t, [r["q25"] for r in pts], [r["q75"] for r in pts], color=colour, alpha=0.3, lw=0)
            ax.plot(t, [r["median"] for r in pts], color=colour, marker="o", ms=2, label=arm)
        n = max((r["n"] for r in rows if r["donor"] == donor), default=0)
        _finish_timecourse_axes(out, ax, observable, f"{donor} (n = {n:.0f})", all_values)
    caption = (f"{observable} over time: median (line), 25-75% (dark band) and 5-95% (light band) over the "
               f"sweep samples or cohort members (summary.csv), one panel per donor, colours by arm." + note)
    return fig, caption, axes[0]


def _finish_timecourse_axes(out, ax, observable, title, values):
    ax.set_title(title)
    ax.set_xlabel(_time_label(out))
    ax.set_ylabel(_value_label(out, observable))
    style.set_scale(ax, "y", values)


# --- readouts against sweep factors ---------------------------------------

def sweep_factors(out):
    """Extra columns of runs.csv that vary within a (donor, arm): sweep factors.
    Columns constant within every donor are sampled donor parameters."""
    if out.runs is None:
        return []
    extra = out.runs.columns[9:]
    factors = []
    for c in extra:
        levels = defaultdict(set)
        for r in out.runs.rows:
            if math.isfinite(r[c]):
                levels[(r["donor"], r["arm"])].add(r[c])
        if any(len(v) > 1 for v in levels.values()):
            factors.append(c)
    return factors


def _factor_unit(out, factor):
    units = out.record().get("factor_units")
    return units.get(factor, "") if isinstance(units, dict) else ""


def _readouts(out, observable):
    """run -> [(k, time, value)] of one observable, k the position in the
    sampling schedule (rows of a run are written in schedule order; the
    `sample` column numbers sweep samples, not times)."""
    per_run = defaultdict(list)
    for r in out.timecourses.rows:
        if r["observable"] == observable:
            points = per_run[int(r["run"])]
            points.append((len(points), r["time"], r["value"]))
    return per_run


def _sample_times(per_run, unit=""):
    """(k, time, before, label) of the sampling schedule; a time sampled twice
    (`24 h-` then `24 h`) is labelled "24 h-" (just before the event at that
    time) the first time, as in the scenario file."""
    first = next(iter(per_run.values()), [])
    counts = defaultdict(int)
    for _, t, _ in first:
        counts[t] += 1
    seen = defaultdict(int)
    out = []
    for s, t, _ in first:
        seen[t] += 1
        before = counts[t] > 1 and seen[t] == 1
        out.append((s, t, before, f"{t:g}" + (f" {unit}" if unit else "") + ("-" if before else "")))
    return out


class SampleTimeError(Exception):
    """--time names a time that is not in the sampling schedule."""


def check_sample_time(out, wanted_time):
    """Raises SampleTimeError, before anything is drawn, when `wanted_time`
    (time, before) is not a sample time of the run's schedule."""
    if wanted_time is None or out.timecourses is None or not out.timecourses.rows:
        return
    first = out.timecourses.rows[0]
    per_run = {0: [(0, r["time"], r["value"]) for r in out.timecourses.rows
                   if r["run"] == first["run"] and r["observable"] == first["observable"]]}
    _chosen_sample(per_run, {}, wanted_time, out.time_unit())


def _chosen_sample(per_run, groups, wanted_time, unit=""):
    """The sample read for a dose-response: `wanted_time` = (time, before)
    when given (`--time 24h-` = (24, True)), which must be a sample time;
    else the sample where the factor moves the readout most: the mean over
    groups (runs differing only in the factor) of the range across the factor,
    relative to the group's largest magnitude at any time. Ties go to the
    earlier sample, so that a readout equal just before and after an event is
    read before it (e.g. mHLA-DR before an LPS challenge). Returns (k, label)."""
    schedule = _sample_times(per_run, unit)
    if not schedule:
        return None
    if wanted_time is not None:
        time, before = wanted_time
        matches = [x for x in schedule if x[1] == time]
        if not matches:
            raise SampleTimeError(f"--time {time:g}{' ' + unit if unit else ''}{'-' if before else ''}: not a sample "
                                  f"time; the samples are at {', '.join(x[3] for x in schedule)}")
        exact = [x for x in matches if x[2] == before]
        chosen = exact[0] if exact else matches[0]
        return chosen[0], chosen[3]
    scale = {}
    for key, group in groups.items():
        values = [abs(v) for r in group for (_, _, v) in per_run.get(r, []) if math.isfinite(v)]
        scale[key] = max(values, default=0.0)
    best, best_effect = schedule[-1], -1.0
    for entry in schedule:
        k = entry[0]
        effects = []
        for key, group in groups.items():
            values = [pts[k][2] for r in group for pts in [per_run.get(r, [])] if k < len(pts)
                      and math.isfinite(pts[k][2])]
            if len(values) >= 2 and scale[key] > 0:
                effects.append((max(values) - min(values)) / scale[key])
        effect = sum(effects) / len(effects) if effects else 0.0
        if effect > best_effect * (1 + 1e-9) + 1e-12:
            best, best_effect = entry, effect
    return best[0], best[3]


def half_maximal_dose(doses, responses):
    """The dose at which the response is halfway between its values at the
    lowest and the highest dose, interpolated linearly in log10(dose) between
    the two doses around the crossing (linearly in dose when the lower one is
    zero, the untreated level); None for a flat curve or one that never
    crosses the half-way level."""
    pts = sorted((d, y) for d, y in zip(doses, responses) if math.isfinite(d) and math.isfinite(y))
    if len(pts) < 3:
        return None
    lo, hi = pts[0][1], pts[-1][1]
    scale = max(abs(y) for _, y in pts)
    if scale == 0 or abs(hi - lo) < MIN_RELATIVE_RANGE_FOR_EC50 * scale:
        return None
    half = 0.5 * (lo + hi)
    for (d0, y0), (d1, y1) in zip(pts, pts[1:]):
        if (y0 - half) * (y1 - half) <= 0 and y0 != y1:
            f = (half - y0) / (y1 - y0)
            if d0 > 0:
                return 10 ** (math.log10(d0) + f * (math.log10(d1) - math.log10(d0))), half
            return d0 + f * (d1 - d0), half
    return None


def sweep_figures(out, wanted_time=None):
    if out.timecourses is None or out.runs is None:
        return []
    factors = sweep_factors(out)
    if not factors:
        return []
    runs = {int(r["run"]): r for r in out.runs.rows if r["status"] == "ok"}
    observables = observables_of(out)[:MAX_PANELS]
    readouts = {o: _readouts(out, o) for o in observables}
    figures = []
    for factor in factors:
        factor_of_run = {run: r[factor] for run, r in runs.items() if math.isfinite(r[factor])}
        levels = sorted(set(factor_of_run.values()))
        groups = OrderedDict()
        for run in sorted(factor_of_run):
            r = runs[run]
            others = tuple(r[f] for f in factors if f != factor)
            groups.setdefault((r["donor"], r["arm"], others), []).append(run)
        curves = len(levels) <= MAX_LEVELS_FOR_CURVES and len(groups) <= MAX_CURVES
        fig, axes = style.figure(len(observables))
        marked = []
        for ax, observable in zip(axes, observables):
            per_run = readouts[observable]
            chosen = _chosen_sample(per_run, groups, wanted_time, out.time_unit())
            if chosen is None:
                continue
            sample, time_label = chosen
            value_at = {run: v for run, pts in per_run.items() for (s, _, v) in pts if s == sample}
            if curves:
                place = (style.log_axis_with_zero(ax, "x", levels) if style.spans_decades(levels)
                         else (lambda v: v))
                marked += [f"{observable} {m}" for m in
                           _draw_curves(ax, groups, factor_of_run, value_at, factors, factor, place)]
            else:
                _draw_scatter(ax, runs, factor_of_run, value_at)
                style.set_scale(ax, "x", levels)
            style.title(ax, f"{observable}, t = {time_label}")
            ax.set_xlabel(style.label_with_unit(factor, _factor_unit(out, factor)))
            ax.set_ylabel(_value_label(out, observable))
            style.set_scale(ax, "y", [value_at[r] for r in factor_of_run if r in value_at])
        kind = "dose_response" if curves else "sweep_scatter"
        what = ("Dose-response: readout at the chosen time against " if curves else "Readout against ")
        caption = (f"{what}sweep factor {factor}, one panel per observable"
                   + (", one curve per donor and arm; triangles and dotted lines mark the half-maximal dose "
                      "(halfway between the responses at the lowest and highest level)" if curves
                      else ", one point per run, colours by arm")
                   + (". The time read is the given `--time`." if wanted_time is not None else
                      ". The time read (panel title; '24 h-' = just before an event at 24 h) is the one where the "
                      "factor moves the readout most; `exvivo report --time` chooses another."))
        if marked:
            unit = _factor_unit(out, factor)
            caption += f" Half-maximal {factor}{f' ({unit})' if unit else ''}: " + "; ".join(marked) + "."
        figures.append(Figure(f"{kind}_{safe_stem(factor)}", caption, fig, axes[0]))
    return figures


def _draw_curves(ax, groups, factor_of_run, value_at, factors, factor, place):
    """One curve per group; `place` maps a factor level to its x position (a
    zero dose sits below the smallest positive one on a log axis)."""
    marked = []
    for i, ((donor, arm, others), group) in enumerate(groups.items()):
        pts = sorted((factor_of_run[r], value_at[r]) for r in group if r in value_at)
        if not pts:
            continue
        colour = style.colour(i)
        label = f"{donor} / {arm}"
        if others:
            label += " (" + ", ".join(f"{f}={v:g}" for f, v in zip([f for f in factors if f != factor], others)) + ")"
        ax.plot([place(d) for d, _ in pts], [y for _, y in pts], color=colour, marker="o", ms=2.5, label=label)
        ec50 = half_maximal_dose([d for d, _ in pts], [y for _, y in pts])
        if ec50:
            dose, level = ec50
            ax.plot([place(dose)], [level], marker="v", color=colour, ms=5, mec="black", mew=0.4, zorder=5)
            ax.axvline(place(dose), color=colour, lw=0.7, ls=":")
            marked.append(f"{label}: {dose:.3g}")
    return marked


def _draw_scatter(ax, runs, factor_of_run, value_at):
    arms = list(OrderedDict.fromkeys(runs[r]["arm"] for r in factor_of_run))
    for i, arm in enumerate(arms):
        xs = [factor_of_run[r] for r in factor_of_run if runs[r]["arm"] == arm and r in value_at]
        ys = [value_at[r] for r in factor_of_run if runs[r]["arm"] == arm and r in value_at]
        ax.scatter(xs, ys, s=4, color=style.colour(i), alpha=0.6, lw=0, label=arm if len(arms) > 1 else None)


# --- readouts against sampled donor parameters (virtual cohorts) -------------

def donor_parameters(out):
    """Extra columns of runs.csv that are not sweep factors: the sampled cohort
    parameters (NaN for listed donors)."""
    if out.runs is None:
        return []
    factors = set(sweep_factors(out))
    return [c for c in out.runs.columns[9:]
            if c not in factors and any(math.isfinite(r[c]) for r in out.runs.rows)]


def donor_parameter_figures(out, wanted_time=None):
    """Per observable, the readout of every cohort member against each sampled
    donor parameter: which baseline property the response follows."""
    parameters = donor_parameters(out)[:MAX_PANELS]
    if out.timecourses is None or not parameters:
        return []
    members = {int(r["run"]): r for r in out.runs.rows
               if r["status"] == "ok" and math.isfinite(r[parameters[0]])}
    arms = OrderedDict()
    for run, r in sorted(members.items()):
        arms.setdefault(r["arm"], []).append(run)
    figures = []
    for observable in observables_of(out)[:MAX_PANELS]:
        per_run = _readouts(out, observable)
        chosen = _chosen_sample(per_run, arms, wanted_time, out.time_unit())
        if chosen is None:
            continue
        k, time_label = chosen
        value_at = {run: pts[k][2] for run, pts in per_run.items() if run in members and k < len(pts)}
        fig, axes = style.figure(len(parameters))
        for ax, parameter in zip(axes, parameters):
            for i, (arm, runs) in enumerate(arms.items()):
                xs = [members[r][parameter] for r in runs if r in value_at]
                ys = [value_at[r] for r in runs if r in value_at]
                ax.scatter(xs, ys, s=4, color=style.colour(i), alpha=0.7, lw=0, label=arm)
            ax.set_xlabel(style.label_with_unit(parameter, _factor_unit(out, parameter)))
            ax.set_ylabel(_value_label(out, observable))
            style.set_scale(ax, "x", [members[r][parameter] for r in members])
            style.set_scale(ax, "y", list(value_at.values()))
        caption = (f"{observable} of each cohort member at t = {time_label} against its sampled "
                   "donor parameters (runs.csv), colours by arm; the time is the one where the readout varies most "
                   "across members, unless `--time` is given.")
        figures.append(Figure(f"cohort_{safe_stem(observable)}", caption, fig, axes[0],
                              suptitle=f"{observable}, t = {time_label}"))
    return figures
