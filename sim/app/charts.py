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

from sim.app.form import FIELDS
from sim.reports import report
from sim.reports.figures import fit_titles
from sim.studies import compare


def result_figures(scenario, results) -> list[go.Figure]:
    """The charts of ``report.html`` for a run, in the report's order.

    Uses ``sim.reports.report.report_figures(scenario, results)`` when the report module
    offers it (one list of figures for the report and the app), else the report's figures
    one by one.
    """
    if hasattr(report, "report_figures"):
        return list(report.report_figures(scenario, results))
    diff = report.paired_difference_figure(scenario, results)
    return [*([diff] if diff is not None else []),
            report.time_series_figure(results, "engagements", "Cumulative engagements (95% CI of the mean)"),
            report.time_series_figure(results, "conversions", "Cumulative conversions (95% CI of the mean)"),
            report.funnel_figure(results),
            report.metric_bars(results, [("roi", "ROI (on gross profit)"), ("roas", "ROAS (revenue / spend)"),
                                         ("cost_per_engagement", "cost per engagement ($)"),
                                         ("cost_per_acquisition", "cost per acquisition ($)")],
                               "Return and unit costs (95% interval of the mean)"),
            report.cascade_figure(results)]


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


def _axis_format(metric: str) -> dict:
    if metric in compare.MONEY:
        return {"tickprefix": "$", "tickformat": ",.0f"}
    if metric in compare.RATES:
        return {"tickformat": ".2%"}
    if metric in compare.SIGNED or metric == "roas":
        return {"tickformat": "+.2f" if metric in compare.SIGNED else ".2f"}
    return {"tickformat": ",.0f"}


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
    label = compare.LABELS.get(whatif.metric, whatif.metric.replace("_", " "))
    fig.update_layout(title=f"What if: {label} against {whatif.field} (mean and 95% interval over replicates)",
                      xaxis_title=f"{whatif.field}{unit}", yaxis_title=label, legend_title="strategy")
    if f is not None and f.unit == "USD":
        fig.update_xaxes(tickprefix="$", tickformat=",.0f")
    fig.update_yaxes(**_axis_format(whatif.metric))
    return fig
