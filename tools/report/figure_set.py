"""A figure made for the report: its file stem, its caption and the matplotlib
figure; `save` writes it as PNG (for the page) and SVG (for papers)."""
import os

import matplotlib.pyplot as plt

# Fixed metadata keep the files identical from one report of the same data to
# the next (no creation date, no version string).
PNG_METADATA = {"Software": None}
SVG_METADATA = {"Date": None, "Creator": None}


LEGEND_ROW_HEIGHT_IN = 0.2
SUPTITLE_HEIGHT_IN = 0.25


class Figure:
    """`legend_from`: an axes whose labelled artists go into one legend under
    the panels, where it hides no data (None: no shared legend); `suptitle`:
    a title over all panels."""

    def __init__(self, stem, caption, fig, legend_from=None, suptitle=None):
        self.stem = stem
        self.caption = caption
        self.fig = fig
        self.legend_from = legend_from
        self.suptitle = suptitle
        self.png = None
        self.svg = None

    def _layout(self):
        handles, labels = self.legend_from.get_legend_handles_labels() if self.legend_from else ([], [])
        width, height = self.fig.get_size_inches()
        top = 1
        if self.suptitle:
            self.fig.suptitle(self.suptitle, fontsize=8)
            top = 1 - SUPTITLE_HEIGHT_IN / height  # tight_layout leaves no room for it by itself
        if len(labels) < 2:
            self.fig.tight_layout(pad=0.4, rect=(0, 0, 1, top))
            return
        # As many columns as fit the width: ~4 pt per character at 7 pt, plus the handle.
        per_column_pt = 4.0 * max(len(label) for label in labels) + 32
        columns = max(1, min(4, len(labels), int(width * 72 / per_column_pt)))
        rows = -(-len(labels) // columns)
        extra = LEGEND_ROW_HEIGHT_IN * rows + 0.08
        self.fig.set_size_inches(width, height + extra)
        top = 1 - (1 - top) * height / (height + extra)
        self.fig.tight_layout(pad=0.4, rect=(0, extra / (height + extra), 1, top))
        self.fig.legend(handles, labels, loc="lower center", ncol=columns, handlelength=1.4, columnspacing=1.2,
                        borderaxespad=0.2, markerscale=1.8)

    def save(self, directory):
        os.makedirs(directory, exist_ok=True)
        self._layout()
        self.png = os.path.join(directory, self.stem + ".png")
        self.svg = os.path.join(directory, self.stem + ".svg")
        self.fig.savefig(self.png, format="png", metadata=PNG_METADATA)
        self.fig.savefig(self.svg, format="svg", metadata=SVG_METADATA)
        plt.close(self.fig)


def safe_stem(text):
    """File-name-safe version of an observable, parameter or factor name."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)
