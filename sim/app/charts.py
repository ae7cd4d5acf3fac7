"""The app's Plotly figures: the report's charts of a run, and the what-if chart.

Examples
--------
>>> from sim.app.jobs import WhatIf, WhatIfPoint
>>> w = WhatIf("brand.budget", "roi", (WhatIfPoint(1e4, "macro", 0.1, 0.0, 0.2, 3),
...                                   WhatIfPoint(2e4, "macro", 0.2, 0.1, 0.3, 3)))
>>> fig = whatif_figure(w)
>>> [t.name for t in fig.data], list(fig.data[0].x)
(['macro'], [10000.0, 20000.0])
"""

from __future__ import annotations

import json

import plotly.graph_objects as go
import plotly.io as pio

from sim import format as fm
from sim.app.form import FIELDS
from sim.reports import report
from sim.reports.figures import fit_titles


def result_figures(scenario, results) -> list[go.Figure]:
    """The charts of ``report.html`` for a run, in the report's order (one list of figures for the report and
    the app: :func:`sim.reports.figures.report_figures`)."""
    return list(report.report_figures(scenario, results))


APP_WIDTH = 800  # px: the results column of the app at 1280 px


def for_browser(fig: go.Figure, width: int = APP_WIDTH) -> go.Figure:
    """The figure for the app: NaN and infinity as null (the widget's messages must be valid JSON),
    ``width`` px wide unless it sets its own width, its title broken into lines that fit
    (:func:`sim.reports.figures.fit_titles`).

    Examples
    --------
    >>> fig = for_browser(go.Figure(go.Scatter(y=[float("nan"), 1.0])))
    >>> fig.data[0].y, fig.layout.width
    ((None, 1.0), 800)
    """
    out = go.Figure(json.loads(pio.to_json(fig, validate=False)))
    if out.layout.width is None:
        out.update_layout(width=width)
    return fit_titles(out, min(width, out.layout.width))


def whatif_figure(whatif) -> go.Figure:
    """The metric against the field's value, one line per strategy, with 95% interval bars."""
    fig = go.Figure()
    for i, s in enumerate(dict.fromkeys(p.strategy for p in whatif.points)):
        pts = [p for p in whatif.points if p.strategy == s]
        fig.add_trace(go.Scatter(
            x=[p.value for p in pts], y=[p.mean for p in pts], name=s, mode="lines+markers",
            line={"color": report._color(i)},
            error_y={"type": "data", "symmetric": False, "array": [p.high - p.mean for p in pts],
                     "arrayminus": [p.mean - p.low for p in pts]}))
    f = FIELDS.get(whatif.field)
    unit = f" ({f.unit})" if f is not None and f.unit else ""
    label = fm.label(whatif.metric)
    fig.update_layout(title=f"What if: {label} against {whatif.field} (mean and 95% interval over replicates)",
                      xaxis_title=f"{whatif.field}{unit}", yaxis_title=label, legend_title="strategy")
    if f is not None and f.unit == "USD":
        fig.update_xaxes(tickprefix="$", tickformat=",.0f")
    fig.update_yaxes(**fm.axis(whatif.metric, values=[p.mean for p in whatif.points]))
    return fig
