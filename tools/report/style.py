"""Figure style shared by every exvivo report figure.

Sized for a journal column (3.5 in wide, fonts of 7-8 pt) with the Okabe-Ito
palette, which stays distinguishable under the common colour-vision
deficiencies and in greyscale print.
"""
import math

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")  # files only: no display is needed or wanted
import matplotlib.pyplot as plt  # noqa: E402

COLUMN_WIDTH_IN = 3.5
DOUBLE_COLUMN_WIDTH_IN = 7.0
PANEL_HEIGHT_IN = 2.2

# Okabe & Ito (2008), "Color Universal Design"; black last so that it is the
# colour used only when the first seven are taken.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]

# Half the 95% quantile of chi-square with one degree of freedom: the rise of
# the negative log-likelihood that bounds a 95% profile-likelihood interval.
PROFILE_THRESHOLD_95 = 1.920729410347062

DECADES_FOR_LOG_AXIS = 2.0


def apply(dpi=200):
    matplotlib.rcParams.update({
        "font.size": 7.5,
        "axes.titlesize": 8,
        "axes.labelsize": 7.5,
        "xtick.labelsize": 7,
        "ytick.labelsize": 7,
        "legend.fontsize": 7,
        "legend.frameon": False,
        "axes.prop_cycle": matplotlib.cycler(color=OKABE_ITO),
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.linewidth": 0.6,
        "lines.linewidth": 1.1,
        "lines.markersize": 3.5,
        "xtick.major.width": 0.6,
        "ytick.major.width": 0.6,
        "savefig.dpi": dpi,
        "figure.dpi": 100,
        "svg.fonttype": "none",  # text stays text in the SVG, editable for a paper
        "svg.hashsalt": "exvivo",  # stable ids: the same data give the same SVG
        "path.simplify": True,
    })


def colour(i):
    return OKABE_ITO[i % len(OKABE_ITO)]


def spans_decades(values):
    """True when the positive values cover at least DECADES_FOR_LOG_AXIS decades
    and none is negative: a log axis then shows them better than a linear one.
    Zeros are allowed (they are off a log axis; symlog keeps them)."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite or min(finite) < 0:
        return False
    positive = [v for v in finite if v > 0]
    if len(positive) < 2:
        return False
    return math.log10(max(positive) / min(positive)) >= DECADES_FOR_LOG_AXIS


def set_scale(ax, axis, values):
    """Log axis when the values span decades; symlog when zeros come with them."""
    if not spans_decades(values):
        return
    setter = ax.set_xscale if axis == "x" else ax.set_yscale
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if min(finite) > 0:
        setter("log")
    else:
        setter("symlog", linthresh=min(v for v in finite if v > 0))
        # Nothing is negative: no negative decades below the zeros.
        (ax.set_xlim if axis == "x" else ax.set_ylim)(0, None)


def figure(n_panels, max_columns=2, height_per_row=PANEL_HEIGHT_IN):
    """A figure of n_panels axes: one column-width wide for up to two panels
    side by side, double-column wide beyond that."""
    columns = min(n_panels, max_columns)
    rows = math.ceil(n_panels / columns)
    width = COLUMN_WIDTH_IN if columns <= 2 else DOUBLE_COLUMN_WIDTH_IN
    if columns == 1:
        width = COLUMN_WIDTH_IN
    fig, axes = plt.subplots(rows, columns, figsize=(width, height_per_row * rows + 0.3), squeeze=False)
    flat = [ax for row in axes for ax in row]
    for ax in flat[n_panels:]:
        ax.set_visible(False)
    return fig, flat[:n_panels]


def _plain(value, _position=None):
    return f"{value:g}"


def _plain_if_2_3_5(value, _position=None):
    if value <= 0:
        return ""
    mantissa = value / 10 ** math.floor(math.log10(value) + 1e-9)
    return f"{value:g}" if round(mantissa) in (2, 3, 5) and abs(mantissa - round(mantissa)) < 1e-6 else ""


def plain_log_ticks(ax, axis):
    """On a log axis spanning less than about two decades, label ticks as
    plain numbers (0.5, 1, 2, 3, 5) instead of powers like 2×10⁰."""
    a = ax.xaxis if axis == "x" else ax.yaxis
    lo, hi = (ax.get_xlim() if axis == "x" else ax.get_ylim())
    if lo > 0 and hi / lo < 10 ** DECADES_FOR_LOG_AXIS:
        a.set_major_formatter(matplotlib.ticker.FuncFormatter(_plain))
        # Within a factor of 4 there is room to label every minor tick.
        minor = _plain if hi / lo < 4 else _plain_if_2_3_5
        a.set_minor_formatter(matplotlib.ticker.FuncFormatter(minor))


def label_with_unit(name, unit):
    """`name (unit)`; "name (dimensionless)" for unit "1"; just the name when
    the unit is not known ("")."""
    if unit == "1":
        return f"{name} (dimensionless)"
    return f"{name} ({unit})" if unit else name


def sequential_colours(n):
    """n colours from light to dark along viridis (perceptually uniform, legible
    in greyscale and for colour-blind readers): low levels light, high dark."""
    cmap = matplotlib.colormaps["viridis"]
    if n == 1:
        return [cmap(0.35)]
    return [cmap(0.9 - 0.85 * i / (n - 1)) for i in range(n)]


LINE_STYLES = ["-", "--", ":", "-."]


def title(ax, text, max_chars=26):
    """A panel title that breaks before ", " when it would overrun a half-column panel."""
    if len(text) > max_chars and ", " in text:
        text = text.replace(", ", "\n", 1)
    ax.set_title(text)


def log_axis_with_zero(ax, axis, levels):
    """A log axis for dose levels that span decades and include zero (the
    untreated level): zero is drawn one decade below the smallest positive
    level and labelled 0. Returns the function mapping a level to its position.
    When there are few levels, they are the ticks."""
    positive = [v for v in levels if v > 0]
    zero_at = min(positive) / 10 if positive else 1.0
    place = (lambda v: v if v > 0 else zero_at)
    (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
    if len(levels) <= 8:
        ticks = sorted({place(v) for v in levels})
        labels = ["0" if t == zero_at and 0 in levels else f"{t:g}" for t in ticks]
        set_ticks = ax.set_xticks if axis == "x" else ax.set_yticks
        set_ticks(ticks, labels)
        (ax.xaxis if axis == "x" else ax.yaxis).set_minor_locator(matplotlib.ticker.NullLocator())
    return place
