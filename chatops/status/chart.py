"""The weekly report's chart: daily SLA breaches and incidents over the week, as a small PNG.
matplotlib's object API (no pyplot global state), so it is safe off the main thread."""
from __future__ import annotations

import io
from datetime import datetime, timedelta

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def weekly_png(since: datetime, series: dict[str, list[float]]) -> bytes:
    """One line per series (one value a day from `since`), days on the x axis."""
    days = max((len(v) for v in series.values()), default=7)
    labels = [(since + timedelta(days=n)).strftime("%a %d") for n in range(days)]
    figure = Figure(figsize=(6.4, 3.2), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for name, values in series.items():
        axes.plot(labels[: len(values)], values, marker="o", label=name)
    axes.set_title(f"Week from {since:%Y-%m-%d}: daily SLA breaches and incidents")
    axes.set_ylabel("count")
    axes.set_ylim(bottom=0)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.grid(alpha=0.3)
    if series:
        axes.legend(loc="upper left")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
