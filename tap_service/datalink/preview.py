"""A lightcurve as a small PNG plot: DataLink's #preview.

matplotlib's object API (a `Figure` with its own Agg canvas), never pyplot: pyplot keeps the
current figure in global state, which concurrent requests in one process would share. Each
call builds and drops its own figure. Caching the bytes is the caller's business.

matplotlib is imported by the first preview, not with the service (see `tap_service.lazy`).
"""

from __future__ import annotations

import io

import numpy as np

from tap_service.datalink.documents import time_label
from tap_service.datalink.lightcurve import Lightcurve

WIDTH, HEIGHT = 800, 400  # pixels
DPI = 100
GOOD_COLOUR = "#1f4e9c"
FLAGGED_COLOUR = "#9a9a9a"


def render_png(lightcurve: Lightcurve) -> bytes:
    """Flux against time, WIDTH x HEIGHT pixels: unflagged cadences as dots, cadences with
    quality flags as grey crosses, titled with the target, sector and pipeline/processing."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # see `tap_service.lazy`
    from matplotlib.figure import Figure

    lc = lightcurve
    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
    FigureCanvasAgg(figure)  # the figure draws with its own Agg canvas, not pyplot's
    axes = figure.add_subplot()
    finite = np.isfinite(lc.time) & np.isfinite(lc.values)
    flagged = np.zeros(lc.size, dtype=bool) if lc.quality is None else lc.quality != 0
    good = finite & ~flagged
    bad = finite & flagged
    axes.plot(
        lc.time[good],
        lc.values[good],
        linestyle="none",
        marker=".",
        markersize=1.5,
        color=GOOD_COLOUR,
        label="unflagged",
    )
    if bad.any():
        axes.plot(
            lc.time[bad],
            lc.values[bad],
            linestyle="none",
            marker="x",
            markersize=3,
            markeredgewidth=0.6,
            color=FLAGGED_COLOUR,
            label="quality flags set",
        )
        # above the plot, right of the title: loc="best" searches 20,000 points (slow)
        axes.legend(
            loc="lower right",
            bbox_to_anchor=(1.0, 1.0),
            ncols=2,
            fontsize="small",
            markerscale=2,
            frameon=False,
            borderaxespad=0.2,
        )
    if not finite.any():
        axes.text(0.5, 0.5, "no data", transform=axes.transAxes, ha="center", va="center")
    system = lc.time_system
    axes.set_xlabel(f"Time ({time_label(system)}) [{system.unit}]")
    unit = lc.values_unit
    axes.set_ylabel(f"Flux [{unit}]" if unit else "Normalised flux")
    axes.set_title(lc.describe(), fontsize="medium", loc="left")
    axes.ticklabel_format(axis="y", useOffset=False)
    # fixed margins: tight_layout() would draw the figure twice (a third of the time)
    figure.subplots_adjust(left=0.11, right=0.98, top=0.92, bottom=0.13)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
